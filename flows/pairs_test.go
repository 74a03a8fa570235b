package flows

import (
	"encoding/binary"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestPairHistBounded fills the per-pair SA history past its bound with
// 200 real SAs between distinct peers, then replays a real
// establish/delete cycle five times between one more pair: the history
// stays within the bound, the flapping pair is still reported, and a note
// says how many pairs were dropped.
func TestPairHistBounded(t *testing.T) {
	const n, bound = 200, 16
	s := newSynth(t)
	a := NewAnalyzer(Options{})
	a.histMax = bound
	s.run(a, n)
	base := corpusPackets(t, "ikev2-psk-success")
	frame := 1 << 20
	for i := range 5 {
		for _, p := range clonePackets(base) {
			p.Time = p.Time.Add(time.Minute + time.Duration(i)*20*time.Second)
			frame++
			p.Frame = frame
			if p.Kind == KindIKE {
				p.Data[7] ^= byte(i + 1)
				if binary.BigEndian.Uint64(p.Data[8:16]) != 0 {
					p.Data[15] ^= byte(i + 1)
				}
			} else {
				p.ESPSPI ^= uint32(i+1) << 4
			}
			a.Add(&p)
		}
	}
	r := a.Finish()
	if len(r.SAs) != n+5 {
		t.Fatalf("%d SAs, want %d", len(r.SAs), n+5)
	}
	if len(a.hist) > bound {
		t.Errorf("history of %d pairs kept, bound %d", len(a.hist), bound)
	}
	var kinds []string
	note := ""
	var noteFrames []int
	for _, f := range r.Findings {
		if f.Kind != KindFlapping {
			continue // the synthetic SAs' own (nat_detected, end_unknown)
		}
		kinds = append(kinds, string(f.Kind)+":"+f.Severity.String())
		if f.Severity == SeverityInfo {
			note, noteFrames = f.Message, f.Frames
		}
	}
	slices.Sort(kinds)
	if noteFrames == nil {
		t.Error("note with nil Frames (JSON null)")
	}
	if !slices.Equal(kinds, []string{"sa_flapping:info", "sa_flapping:warning"}) {
		t.Errorf("findings %v", kinds)
	}
	// 200 single-SA pairs and the flapping pair's first cycle passed
	// through a table of 16: 185 dropped.
	if !strings.Contains(note, "at most 16 pairs") || !strings.Contains(note, " 185 histories ") {
		t.Errorf("note %q", note)
	}
}
