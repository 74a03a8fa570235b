package flows

import (
	"strings"
	"testing"
	"time"
)

// TestRetransmitLongList: a request sent hundreds of times (a peer that
// retries for minutes) is described by its first and last times, the
// count of those left out, and its intervals summed up; up to retxListed
// transmissions every time and interval is listed. The real IKE_SA_INIT
// request of ikev2-psk-success (strongSwan), sent again and again.
func TestRetransmitLongList(t *testing.T) {
	req := corpusPackets(t, "ikev2-psk-success")[0]
	send := func(gaps ...time.Duration) string {
		pk := []Packet{req}
		at := req.Time
		for _, d := range gaps {
			at = at.Add(d)
			p := req
			p.Time = at
			p.Frame = len(pk) + 1
			pk = append(pk, p)
		}
		sa := analyze(pk, Options{}).SAs[0]
		f := finding(sa, KindRetransmit)
		if f == nil {
			t.Fatalf("no retransmit finding: %+v", sa.Findings)
		}
		if len(f.Frames) != len(pk) {
			t.Fatalf("%d frames, want all %d", len(f.Frames), len(pk))
		}
		return f.Message
	}
	repeat := func(n int, d time.Duration) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = d
		}
		return out
	}

	msg := send(repeat(217, 200*time.Millisecond)...)
	for _, want := range []string{
		"218 times over 43.4 s: at +0 s, +0.2 s, +0.4 s, +0.6 s, +0.8 s, +1.0 s, … (210 more) …, +43.2 s, +43.4 s (every 0.2 s, no back-off).",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("constant interval:\n got %s\nwant %s", msg, want)
		}
	}
	if len(msg) > 600 {
		t.Errorf("%d octets for 218 transmissions: %s", len(msg), msg)
	}

	gaps := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second}
	gaps = append(gaps, repeat(10, 30*time.Second)...)
	msg = send(gaps...)
	want := "16 times over 331.0 s: at +0 s, +1.0 s, +3.0 s, +7.0 s, +15.0 s, +31.0 s, … (8 more) …, +301.0 s, +331.0 s" +
		" (back-off: 1.0 s, 2.0 s, 4.0 s, 8.0 s, 16.0 s, …; intervals from 1.0 s to 30.0 s)."
	if !strings.Contains(msg, want) {
		t.Errorf("back-off:\n got %s\nwant %s", msg, want)
	}

	msg = send(repeat(9, time.Second)...)
	want = "10 times at +0 s, +1.0 s, +2.0 s, +3.0 s, +4.0 s, +5.0 s, +6.0 s, +7.0 s, +8.0 s, +9.0 s" +
		" (back-off: 1.0 s, 1.0 s, 1.0 s, 1.0 s, 1.0 s, 1.0 s, 1.0 s, 1.0 s, 1.0 s)."
	if !strings.Contains(msg, want) {
		t.Errorf("ten transmissions:\n got %s\nwant %s", msg, want)
	}
}
