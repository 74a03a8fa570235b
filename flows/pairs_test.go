package flows

import (
	"net/netip"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPairHistBounded sends 200 real SAs between distinct peers through a
// per-pair SA history bounded to 16 pairs, with a real establish/delete
// cycle replayed five times between one more pair either after them or
// before them. The history stays within the bound, the flapping pair is
// reported with its five SAs (a pair with more than one SA is never the
// one dropped), and a note says how many histories were dropped. With a
// bound of 100 the history is sized by Finish (reservePairs), as every SA
// is still open then.
func TestPairHistBounded(t *testing.T) {
	const n = 200
	for _, c := range []struct {
		bound     int
		flapFirst bool
	}{{16, false}, {16, true}, {100, false}, {100, true}} {
		bound, flapFirst := c.bound, c.flapFirst
		a := NewAnalyzer(Options{})
		a.histMax = bound
		start := time.Minute
		if flapFirst {
			start = -time.Hour
			flapFive(t, a, start)
			newSynth(t).run(a, n)
		} else {
			newSynth(t).run(a, n)
			flapFive(t, a, start)
		}
		r := a.Finish()
		if len(r.SAs) != n+5 {
			t.Fatalf("%d SAs, want %d", len(r.SAs), n+5)
		}
		if a.hist.len() > bound {
			t.Errorf("history of %d pairs kept, bound %d", a.hist.len(), bound)
		}
		var kinds []string
		note := ""
		var noteFrames []int
		for _, f := range r.Findings {
			if f.Kind != KindFlapping {
				continue // the synthetic SAs' own (nat_detected, end_unknown)
			}
			kinds = append(kinds, string(f.Kind)+":"+f.Severity.String())
			switch f.Severity {
			case SeverityInfo:
				note, noteFrames = f.Message, f.Frames
			case SeverityWarning:
				if len(f.Frames) != 5 {
					t.Errorf("flapping first %v: flapping names frames %v, want the 5 SAs'", flapFirst, f.Frames)
				}
			}
		}
		if noteFrames == nil {
			t.Error("note with nil Frames (JSON null)")
		}
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"sa_flapping:info", "sa_flapping:warning"}) {
			t.Errorf("flapping first %v: findings %v", flapFirst, kinds)
		}
		// 201 pairs through a table of 16 (100), one of them kept
		// throughout: 185 (101) single-SA histories dropped.
		if !strings.Contains(note, "at most "+strconv.Itoa(bound)+" pairs") ||
			!strings.Contains(note, " "+strconv.Itoa(n+1-bound)+" histories ") {
			t.Errorf("flapping first %v: note %q", flapFirst, note)
		}
	}
}

// flapFive feeds a the real ikev2-psk-success exchange five times between
// the same peers with new SPIs, 20 s apart, shifted by start, with frame
// numbers apart from the synthetic capture's.
func flapFive(t *testing.T, a *Analyzer, start time.Duration) {
	base := corpusPackets(t, "ikev2-psk-success")
	frame := 1 << 20
	if start < 0 {
		// Frames before the synthetic capture's (which start at 1): Finish
		// finalises SAs by first frame, so these are recorded first.
		frame = -1 << 20
	}
	for i := range 5 {
		for _, p := range clonePackets(base) {
			p.Time = p.Time.Add(start + time.Duration(i)*20*time.Second)
			frame++
			p.Frame = frame
			copySPIs(&p, i+1)
			a.Add(&p)
		}
	}
}

// TestPairHistBytes measures the heap that the history of pairs of peers
// with a single finished SA costs (the million-SA concentrator capture
// fills the table with them): at most 128 B a pair, the map entry and
// the queue included (273 B when every pair had its own record, cycle
// slice and addresses; 209 B with the record as the map value, the map
// half full after its last growth at 2^14 entries like the table at its
// bound of 2^17; 168 B with a 4-byte index in the map; 115 B with IPv4
// pairs keyed by 8 octets, pairMap).
func TestPairHistBytes(t *testing.T) {
	const n = 1 << 14
	a := NewAnalyzer(Options{})
	sts := singleSAPairs(n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range sts {
		a.observePair(&sts[i])
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(sts)
	if a.hist.len() != n {
		t.Fatalf("%d pairs recorded, want %d", a.hist.len(), n)
	}
	per := (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / n
	t.Logf("%d B per single-SA pair", per)
	if per > 128 {
		t.Errorf("%d B per single-SA pair, want at most 128", per)
	}
}

// singleSAPairs returns n finished established SAs, each between its own
// pair of peers, one second apart.
func singleSAPairs(n int) []saState {
	sts := make([]saState, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range sts {
		ip := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		st := &sts[i]
		st.setPeers(netip.AddrPortFrom(ip, 500), netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 500))
		st.initTimes(base.Add(time.Duration(i) * time.Second))
		st.touch(base.Add(time.Duration(i)*time.Second+time.Minute), 2*i+1)
		st.out.set(outAuthOK)
	}
	return sts
}

// TestPairQueueBounded sends ten times the bound of single-SA pairs
// through the history: the queue of pairs that may be dropped never takes
// more than a key per pair of the bound (a slice compacted when half
// consumed took up to twice that), it still drops the oldest first, and
// the pairs kept are the last ones.
func TestPairQueueBounded(t *testing.T) {
	const bound = 1000
	a := NewAnalyzer(Options{})
	a.histMax = bound
	sts := singleSAPairs(10 * bound)
	for i := range sts {
		a.observePair(&sts[i])
		if cap(a.histQ) > bound {
			t.Fatalf("after %d pairs: queue of %d keys, bound %d", i+1, cap(a.histQ), bound)
		}
	}
	if a.hist.len() != bound || a.pairsDropped != 9*bound {
		t.Fatalf("%d pairs kept, %d dropped; want %d, %d", a.hist.len(), a.pairsDropped, bound, 9*bound)
	}
	for i := 9 * bound; i < len(sts); i++ {
		if _, ok := a.hist.lookup(sts[i].pairKey()); !ok {
			t.Fatalf("pair %d (one of the last %d) was dropped", i, bound)
		}
	}
}
