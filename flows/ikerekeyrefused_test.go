package flows

import (
	"strings"
	"testing"
)

// TestIKERekeyRefusedText: the IKE SA rekey of ikev2-rekey (frame 23, SA
// Nonce KE, no TS) answered with NO_PROPOSAL_CHOSEN instead (frame 24
// re-encrypted with the responder's keys). The finding must not say a
// child SA was refused and "no traffic flows": the IKE SA and its child
// SA stay up.
func TestIKERekeyRefusedText(t *testing.T) {
	const sc = "ikev2-rekey"
	pk := refusedAnswer(t, sc, corpusPackets(t, sc), 24)
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
