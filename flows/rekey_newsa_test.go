package flows

import (
	"slices"
	"strings"
	"testing"
)

// TestRekeyAnswerMissedNewSA: ikev2-rekey-collision with its keys and the
// answer to the initiator's IKE SA rekey (frame 21) left out. The new IKE
// SA that rekey asked for (initiator SPI 9d4f3b00f36ef4fb) appears at frame
// 24 with its responder SPI, which only the answer gives: the report read
// an unanswered_request warning ("packet loss or a firewall on the
// path…") for a request the peer had answered.
func TestRekeyAnswerMissedNewSA(t *testing.T) {
	const sc = "ikev2-rekey-collision"
	pk := corpusPackets(t, sc)
	i := byFrame(t, pk, 21)
	pk = slices.Delete(clonePackets(pk), i, i+1)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	var gap []string
	for _, sa := range r.SAs {
		for _, f := range sa.Findings {
			switch f.Kind {
			case KindUnanswered:
				t.Errorf("SA %s: %s", sa.SPIi, f.Message)
			case KindCaptureGap:
				gap = append(gap, f.Message)
			}
		}
	}
	want := "new initiator SPI 9d4f3b00f36ef4fb, has no answer in this capture, but that new IKE SA appears from frame 24"
	if len(gap) != 1 || !strings.Contains(gap[0], want) {
		t.Errorf("capture_gap findings %q, want one with %q", gap, want)
	}
}
