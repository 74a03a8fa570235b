package flows

import (
	"strings"
	"testing"
)

// TestRetransmitAfterAnswer reads the two captures of twoside-ikev1-resp:
// the router between the peers dropped everything the responder sent for
// 2.5 s (testdata/gen/scenarios_twoside.sh), so MM1 went three times. On
// the responder's side (side-b) its first MM2 passed the capture point
// before the last two copies of MM1: the finding says that answer was lost
// beyond the capture point or crossed, and gives the delay as an upper
// bound. On the initiator's side (side-a) no answer came before the last
// copy, and the finding keeps saying setup was delayed.
func TestRetransmitAfterAnswer(t *testing.T) {
	dir := "../testdata/twoside/twoside-ikev1-resp/"
	for _, c := range []struct {
		file string
		want []string
		not  string
	}{
		{"side-b.pcap", []string{"It was answered at +0.0 s (frame 2), before the last 2 copies passed here: that answer was lost beyond this capture point, or the copies crossed it.", "setup delayed by up to 2.4 s"}, "It was eventually answered"},
		{"side-a.pcap", []string{"It was eventually answered, so the exchange survived, but setup was delayed by"}, "before the last"},
	} {
		r := analyze(loadPackets(t, dir+c.file), Options{})
		var msg string
		for _, sa := range r.SAs {
			for _, f := range sa.Findings {
				if f.Kind == KindRetransmit && strings.Contains(f.Message, "sent MM1") {
					msg = f.Message
				}
			}
		}
		if msg == "" {
			t.Fatalf("%s: no retransmit finding for MM1", c.file)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q\nwant %q", c.file, msg, w)
			}
		}
		if strings.Contains(msg, c.not) {
			t.Errorf("%s: %q\nshould not say %q", c.file, msg, c.not)
		}
	}
}
