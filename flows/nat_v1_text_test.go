package flows

import (
	"strings"
	"testing"
)

// TestNATTextByVersion: the nat_detected finding cites the NAT traversal
// of the SA's own IKE version: RFC 3947 for IKEv1 (ikev1-main-quick, NAT
// detection faked by kernel-libipsec), RFC 7296 §2.23 for IKEv2
// (ikev2-psk-success).
func TestNATTextByVersion(t *testing.T) {
	for _, c := range []struct{ scenario, want, not string }{
		{"ikev1-main-quick", "(RFC 3947)", "RFC 7296"},
		{"ikev2-psk-success", "(RFC 7296 §2.23)", "RFC 3947"},
	} {
		rep := analyze(corpusPackets(t, c.scenario), Options{})
		found := false
		for _, f := range rep.Findings {
			if f.Kind != KindNATDetected {
				continue
			}
			found = true
			if !strings.Contains(f.Message, c.want) || strings.Contains(f.Message, c.not) {
				t.Errorf("%s: nat_detected %q: want %s, not %s", c.scenario, f.Message, c.want, c.not)
			}
		}
		if !found {
			t.Errorf("%s: no nat_detected finding", c.scenario)
		}
	}
}
