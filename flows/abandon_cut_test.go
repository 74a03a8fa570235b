package flows

import (
	"strings"
	"testing"
)

// TestReauthCutShort: ikev2-reauth-make-before-break ends with the old SA's
// Delete once the new SA is up (RFC 7296 §2.8.3). A capture stopped at the
// new SA's first message (frame 21) read a warning that the initiator
// "abandoned" the old SA "without telling the peer"; it cannot tell, and
// says so (info). The whole capture has no sa_abandoned.
func TestReauthCutShort(t *testing.T) {
	pk := corpusPackets(t, "ikev2-reauth-make-before-break")
	if r := analyze(pk, Options{}); len(findingsOf(r, KindAbandoned)) != 0 {
		t.Errorf("whole capture: %v", findingsOf(r, KindAbandoned))
	}
	i := byFrame(t, pk, 21)
	f := findingsOf(analyze(clonePackets(pk[:i+1]), Options{}), KindAbandoned)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "make-before-break") {
		t.Errorf("cut after frame 21: %v", f)
	}
}

// TestXauthReauthCutShort: ikev1-xauth-reauth's second ISAKMP SA (a
// reauthentication while the first was up with its IPsec SAs) runs XAUTH
// and Mode Config and then no quick mode: the IPsec SAs go on. Cut after
// frame 34, 3 s on, the report read "the XAUTH most likely failed" and
// took the SA for not established.
func TestXauthReauthCutShort(t *testing.T) {
	pk := corpusPackets(t, "ikev1-xauth-reauth")
	r := analyze(clonePackets(pk[:byFrame(t, pk, 34)+1]), Options{})
	for _, sa := range r.SAs {
		if f := finding(sa, KindAuthFailed); f != nil || sa.State != StateEstablished {
			t.Errorf("SA %s %s: %v", sa.Name(), sa.State, f)
		}
	}
}

// TestInvalidKECutShort: ikev2-invalid-ke-retry cut after the
// INVALID_KE_PAYLOAD answer (frame 2): the initiator's retry comes right
// after it on the whole capture. The report read an error that the
// initiator "did not retry"; the capture cannot tell (info).
func TestInvalidKECutShort(t *testing.T) {
	pk := corpusPackets(t, "ikev2-invalid-ke-retry")
	f := findingsOf(analyze(clonePackets(pk[:byFrame(t, pk, 2)+1]), Options{}), KindInvalidKE)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "the capture ends") {
		t.Errorf("invalid_ke_payload: %v", f)
	}
}

// TestRetransmitCutShort: ikev2-retransmit cut after the second copy of
// its IKE_SA_INIT (frame 2, 1.0 s after the first): the whole capture has
// it answered after the fourth. The report read an unanswered_request
// error; the capture ends before the verdict (a warning that says so).
func TestRetransmitCutShort(t *testing.T) {
	pk := corpusPackets(t, "ikev2-retransmit")
	f := findingsOf(analyze(clonePackets(pk[:byFrame(t, pk, 2)+1]), Options{}), KindUnanswered)
	if len(f) != 1 || f[0].Severity != SeverityWarning || !strings.Contains(f[0].Message, "an answer to it may have come after") {
		t.Errorf("unanswered_request: %v", f)
	}
}

// TestAbandonedFramesSwapped: ikev2-initial-contact with frames 9 and 10
// (2.8 ms apart, within the reorder window) in each other's place. The
// fresh SA's first message is then frame 10, its lowest frame 9: the
// time it came up was not noted for the SA it replaced (matched by frame
// number), and sa_abandoned fell from a warning to the info of a capture
// that ends too soon.
func TestAbandonedFramesSwapped(t *testing.T) {
	pk := swapPlaces(t, corpusPackets(t, "ikev2-initial-contact"), 9, 10)
	f := findingsOf(analyze(pk, Options{}), KindAbandoned)
	if len(f) != 1 || f[0].Severity != SeverityWarning {
		t.Errorf("sa_abandoned: %v", f)
	}
}
