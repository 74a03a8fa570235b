package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestV1LastPhase1MessageMissed edits two real captures the way a capture
// point that dropped one packet records them: ikev1-main-quick without MM6
// (frame 6) and ikev1-aggressive without AM3 (frame 3). The daemons' logs
// say both SAs were established and carried ESP both ways. The quick mode
// that follows shows the receiver of the missing message past phase 1, so
// the SA is established, not "incomplete"; and with keys (the quick-mode
// message naming the initiator's SPI cannot be decrypted without MM6's IV)
// the two halves of the child SA are not each reported as carrying ESP one
// way only, nor are the informationals that end it said to be unread
// "without keys". A capture_gap finding names the message the capture
// lacks.
func TestV1LastPhase1MessageMissed(t *testing.T) {
	for _, c := range []struct {
		scen  string
		frame int
		gap   string // the capture_gap finding that names the missing message
	}{
		{"ikev1-main-quick", 6, "The responder's MM6, the last message of main mode, is not in this capture, but the initiator then sent a QUICK_MODE message (frame 7)"},
		{"ikev1-aggressive", 3, "The initiator's AM3, the last message of aggressive mode, is not in this capture, but the responder then sent a QUICK_MODE message (frame 5)"},
	} {
		orig := loadPackets(t, filepath.Join(corpusDir, c.scen, "capture.pcap"))
		pk := slices.DeleteFunc(slices.Clone(orig), func(p Packet) bool { return p.Frame == c.frame })
		if len(pk) != len(orig)-1 {
			t.Fatalf("%s: frame %d not found", c.scen, c.frame)
		}
		for _, keyed := range []bool{false, true} {
			opt := Options{}
			if keyed {
				opt.Decryptor = keyringFor(t, filepath.Join(corpusDir, c.scen, "ikev1_decryption_table"))
			}
			r := analyze(pk, opt)
			if len(r.SAs) != 1 {
				t.Fatalf("%s keys %v: %d SAs, want 1", c.scen, keyed, len(r.SAs))
			}
			sa := r.SAs[0]
			if sa.State != StateEstablished && sa.State != StateDeleted {
				t.Errorf("%s keys %v: state %s, want established or deleted", c.scen, keyed, sa.State)
			}
			for _, f := range sa.Findings {
				if f.Kind == KindOneWayESP && f.Severity != SeverityInfo {
					t.Errorf("%s keys %v: %s %s", c.scen, keyed, f.Severity, f.Message)
				}
				if f.Kind == KindOneWayESP && !strings.Contains(f.Message, "may be one child SA") {
					t.Errorf("%s keys %v: %s", c.scen, keyed, f.Message)
				}
				if f.Kind == KindEndUnknown && keyed && strings.Contains(f.Message, "Without keys") {
					t.Errorf("%s keys %v: %s", c.scen, keyed, f.Message)
				}
			}
			if !slices.ContainsFunc(sa.Findings, func(f Finding) bool {
				return f.Kind == KindCaptureGap && strings.HasPrefix(f.Message, c.gap)
			}) {
				t.Errorf("%s keys %v: no capture_gap %q in %+v", c.scen, keyed, c.gap, sa.Findings)
			}
			for _, f := range r.Findings {
				if f.Kind == KindUnmatchedESP {
					t.Errorf("%s keys %v: %s", c.scen, keyed, f.Message)
				}
			}
		}
	}
}

// TestV1HalvesAsymmetric: ikev1-main-quick without MM6 and without two of
// the initiator's three ESP packets (frames 10 and 12), with keys. The
// initiator's half of the child SA then carries one packet, the
// responder's half three: the pair is still reported, once, as halves that
// may be one child SA (before, the responder's half was skipped as if its
// partner reported it, and nothing was said).
func TestV1HalvesAsymmetric(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev1-main-quick")
	pk := slices.DeleteFunc(loadPackets(t, filepath.Join(dir, "capture.pcap")), func(p Packet) bool {
		return p.Frame == 6 || p.Frame == 10 || p.Frame == 12
	})
	r := analyze(pk, Options{Decryptor: keyringFor(t, filepath.Join(dir, "ikev1_decryption_table"))})
	n := 0
	for _, f := range r.SAs[0].Findings {
		if f.Kind != KindOneWayESP {
			continue
		}
		n++
		if f.Severity != SeverityInfo || !strings.Contains(f.Message, "may be one child SA") || !strings.Contains(f.Message, "carries 1 ESP packet from the initiator") {
			t.Errorf("%s %s", f.Severity, f.Message)
		}
	}
	if n != 1 {
		t.Errorf("%d one_way_esp findings, want 1", n)
	}
}
