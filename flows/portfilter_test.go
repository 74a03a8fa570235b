package flows

import (
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestPortFilter analyses corpus captures as a capture filter "udp port
// 500" leaves them: only the IKE messages between ports 500. Their SAs
// went on over UDP 4500 (strongSwan with kernel-libipsec fakes a NAT;
// the logs show them established). Before, ikev2-dpd-restart read
// "half_open … authentication was never attempted" and ikev1-wrong-psk
// "the responder's MM4 … got no reply" (an error); now each says that
// what followed is not in this capture, and why.
func TestPortFilter(t *testing.T) {
	for _, c := range []struct {
		scenario string
		last     string
	}{
		{"ikev2-dpd-restart", "Nothing of this SA follows its IKE_SA_INIT in this capture, which holds nothing off UDP port" +
			" 500 at all (no IKE on port 4500, no ESP inside UDP): NAT detection found a NAT between the peers"},
		{"ikev1-wrong-psk", "Nothing of this SA follows its MM4 (responder's, message ID 0) in this capture, which holds" +
			" nothing off UDP port 500 at all (no IKE on port 4500, no ESP inside UDP): NAT-T found a NAT between the peers"},
	} {
		var pk []Packet
		for _, p := range loadPackets(t, testutil.Corpus(c.scenario, "capture.pcap")) {
			if p.Kind == KindIKE && p.Src.Port() == 500 && p.Dst.Port() == 500 {
				pk = append(pk, p)
			}
		}
		r := analyze(pk, Options{})
		found := false
		for _, f := range r.Findings {
			switch {
			case f.Kind == KindHalfOpen || f.Kind == KindUnanswered && f.Severity >= SeverityWarning:
				t.Errorf("%s: %s %s: %s", c.scenario, f.Kind, f.Severity, f.Message)
			case f.Kind == KindEndUnknown && strings.HasPrefix(f.Message, c.last) &&
				strings.HasSuffix(f.Message, "Capture again with \"udp port 500 or udp port 4500 or esp\"."):
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no end_unknown saying the capture holds nothing off UDP 500", c.scenario)
		}
		for _, sa := range r.SAs {
			if sa.State == StateHalfOpen || sa.State == StateFailed {
				t.Errorf("%s: SA %s %s", c.scenario, sa.Name(), sa.State)
			}
		}
	}
}
