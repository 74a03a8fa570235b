package twoside

import (
	"path/filepath"
	"testing"
	"time"
)

// TestPairs checks Flow.Pairs on the shifted corpus captures: with
// Options.Pairs every matched packet is listed once (the total is the
// script's matched count), each pair holds the same packet in both
// captures, its delay is the downstream time in A's clock minus the
// upstream one (within the clock uncertainty of 0), and without the option nothing is kept.
func TestPairs(t *testing.T) {
	for _, dir := range scenarios(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			e := loadExpected(t, dir)
			b := "side-b-shifted.pcap"
			if e.Shift == 0 {
				b = "side-b.pcap"
			}
			sa, sb := NewPair("side-a.pcap", b, Options{Pairs: true})
			load(t, filepath.Join(dir, "side-a.pcap"), sa)
			load(t, filepath.Join(dir, b), sb)
			r := Compare(sa, sb)
			n := 0
			for i := range r.Flows {
				f := &r.Flows[i]
				ps := f.Pairs()
				if len(ps) != f.Arrived {
					t.Errorf("%s: %d pairs, %d arrived", f.SA, len(ps), f.Arrived)
				}
				for j, p := range ps {
					n++
					if p.Up.Side != f.Upstream || p.Down.Side == p.Up.Side || p.Up.Size != p.Down.Size ||
						p.Up.MID != p.Down.MID || p.Up.ESPSeq != p.Down.ESPSeq || p.Up.Exchange != p.Down.Exchange {
						t.Errorf("%s: pair %+v", f.SA, p)
					}
					if d := r.InA(p.Down).Sub(r.InA(p.Up)); d != p.Delay || (!p.Early && (d < -time.Millisecond || d > time.Second)) {
						t.Errorf("%s: frame %d delay %v, times say %v", f.SA, p.Up.Frame, p.Delay, d)
					}
					if j > 0 && p.Up.Time.Before(ps[j-1].Up.Time) {
						t.Errorf("%s: pairs out of order at %d", f.SA, j)
					}
				}
			}
			if n != e.Matched {
				t.Errorf("%d pairs, script matched %d", n, e.Matched)
			}
			a2, b2 := loadPair(t, dir, b)
			for _, f := range Compare(a2, b2).Flows {
				if len(f.Pairs()) != 0 {
					t.Errorf("%s: pairs kept without Options.Pairs", f.SA)
				}
			}
		})
	}
}
