package flows

import (
	"slices"
	"strings"
	"testing"
)

// TestRekeyAnswerMissed: libreswan-ikev2-rekey-ike without the answer to
// its IKE rekey (frame 6, CREATE_CHILD_SA message ID 2). The initiator
// went on to INFORMATIONAL (message ID 3, the old SA's Delete), so it had
// the answer, and the new IKE SA (message IDs from 0, frames 9-14) is the
// old one's rekey: the old SA is rekeyed and the new one established, as
// in the whole capture, not "established" and "incomplete". The finding
// about the missing answer does not say the capture sees one direction
// only: it holds the responder's other messages.
func TestRekeyAnswerMissed(t *testing.T) {
	pk := slices.DeleteFunc(clonePackets(corpusPackets(t, "libreswan-ikev2-rekey-ike")), func(p Packet) bool { return p.Frame == 6 })
	rep := analyze(pk, Options{})
	var states []State
	for _, sa := range rep.SAs {
		states = append(states, sa.State)
	}
	if !slices.Equal(states, []State{StateRekeyed, StateEstablished}) {
		t.Errorf("states %v, want [rekeyed established]", states)
	}
	found := false
	for _, f := range rep.Findings {
		if f.Kind != KindUnanswered {
			continue
		}
		found = true
		if !strings.Contains(f.Message, "The capture missed the responder's message (a packet dropped at the capture point, or taken on another path).") ||
			strings.Contains(f.Message, "one direction only") {
			t.Errorf("unanswered_request: %s", f.Message)
		}
	}
	if !found {
		t.Errorf("no unanswered_request finding in %+v", rep.Findings)
	}
}

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
