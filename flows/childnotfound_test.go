package flows

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestChildSANotFound: the real ikev2-rekey capture with the responder's
// answer to the first child rekey (frame 10, message ID 2) re-sealed with
// the scenario's keys as SK{N(CHILD_SA_NOT_FOUND)}: the finding names
// what the notify can mean (RFC 7296 §2.25: the SA is unknown to the
// responder), not one cause as if it were the usual one.
func TestChildSANotFound(t *testing.T) {
	const scen = "ikev2-rekey"
	pk := clonePackets(corpusPackets(t, scen))
	key := loadV2Key(t, scen)
	i := byFrame(t, pk, 10)
	if dissect.ExchangeType(pk[i].Data[18]) != dissect.ExchangeCreateChildSA || pk[i].Data[19]&0x20 == 0 {
		t.Fatalf("frame 10 is not the CREATE_CHILD_SA response")
	}
	pk[i].Data = sealSK(t, pk[i].Data, 0x20, 2, dissect.PayloadNotify,
		v2NotifyPayload(dissect.PayloadNone, dissect.NotifyChildSANotFound, nil), key.er, key.ar, 10)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
	var f *Finding
	for _, sa := range r.SAs {
		if g := finding(sa, KindChildSANotFound); g != nil {
			f = g
		}
	}
	if f == nil {
		t.Fatalf("no child_sa_not_found finding; decrypted %d, failed %d", r.Stats.Decrypted, r.Stats.DecryptFailed)
	}
	for _, want := range []string{"CHILD_SA_NOT_FOUND: it does not know the child SA being rekeyed", "never received it, or restarted"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("finding lacks %q:\n%s", want, f.Message)
		}
	}
	if strings.Contains(f.Message, "usually") || f.Severity != SeverityWarning {
		t.Errorf("%s: %s", f.Severity, f.Message)
	}
}
