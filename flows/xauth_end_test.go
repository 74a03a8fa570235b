package flows

import (
	"strings"
	"testing"
)

// TestXauthCaptureEndsTooSoon: ikev1-xauth-wrong-password without keys
// ends 0.1 s after its XAUTH exchanges. It read "established" with no
// finding at all, though strongSwan logged "XAuth authentication of
// 'alice' (myself) failed": too soon for the missing quick mode to say
// so (TestXauthReauthCutShort), but not for the report to say that the
// XAUTH's outcome is not in the capture.
func TestXauthCaptureEndsTooSoon(t *testing.T) {
	sa := analyze(corpusPackets(t, "ikev1-xauth-wrong-password"), Options{}).SAs[0]
	f := finding(sa, KindEndUnknown)
	if sa.State != StateEstablished || f == nil || !strings.Contains(f.Message, "whether the XAUTH succeeded is not in the capture") {
		t.Errorf("state %s, end_unknown %+v", sa.State, f)
	}
}
