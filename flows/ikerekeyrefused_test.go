package flows

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestIKERekeyRefusedText: the IKE SA rekey of ikev2-rekey (frame 23, SA
// Nonce KE, no TS) answered with NO_PROPOSAL_CHOSEN instead (frame 24
// re-encrypted with the responder's keys). The finding must not say a
// child SA was refused and "no traffic flows": the IKE SA and its child
// SA stay up.
func TestIKERekeyRefusedText(t *testing.T) {
	const sc = "ikev2-rekey"
	base := corpusPackets(t, sc)
	key := loadV2Key(t, sc)
	pk := clonePackets(base[:byFrame(t, base, 24)+1])
	i := byFrame(t, pk, 24)
	mid := binary.BigEndian.Uint32(pk[i].Data[20:24])
	pk[i].Data = sealSK(t, pk[i].Data, pk[i].Data[19], mid, dissect.PayloadNotify,
		v2NotifyPayload(dissect.PayloadNone, dissect.NotifyNoProposalChosen, nil), key.er, key.ar, 2)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	f := findingsOf(r, KindNoProposalChosen)
	if len(f) != 1 || strings.Contains(f[0].Message, "no traffic flows") || !strings.Contains(f[0].Message, "rekey of this IKE SA") ||
		!strings.Contains(f[0].Message, "stay up") {
		logReport(t, r)
		t.Errorf("IKE SA rekey refusal: %v", f)
	}
	if sa := r.SAs[0]; sa.State != StateEstablished || len(sa.ChildSAs) == 0 || sa.ChildSAs[len(sa.ChildSAs)-1].State != ChildEstablished {
		logReport(t, r)
		t.Errorf("after a refused IKE rekey: state %v", sa.State)
	}
}
