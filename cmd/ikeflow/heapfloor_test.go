package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// gcPercent returns the GOGC in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestHeapFloor checks that the floor raises GOGC while the live heap is
// small, gives the runtime's pacing back once the live heap is big
// enough to double past the floor, and restores GOGC when stopped.
func TestHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	base := gcPercent()
	if base <= 0 {
		t.Skip("GC off")
	}
	runtime.GC()
	limit := debug.SetMemoryLimit(-1)
	stop := startHeapFloor()
	if p := gcPercent(); p <= base {
		t.Fatalf("small heap: GOGC %d, want above %d", p, base)
	}
	// 36 MiB live: twice that is past the floor and below bigHeapRoom
	// (with the globals and the rest of the test heap), so GOGC is the base again
	// once a collection has run the tuner (a finalizer: let it run).
	big := make([][]byte, 36)
	for i := range big {
		big[i] = make([]byte, 1<<20)
	}
	p := 0
	for range 50 {
		runtime.GC()
		runtime.Gosched()
		if p = gcPercent(); p == base {
			break
		}
	}
	if p != base {
		t.Errorf("36 MiB live: GOGC %d, want %d", p, base)
	}
	// Finishing: 16 MB past 36 MiB is short of the floor, which applies:
	// less than GOGC's doubling.
	finishingHeapFloor(true)
	if p := gcPercent(); p >= base {
		t.Errorf("36 MiB live, finishing: GOGC %d, want below %d", p, base)
	}
	// Past the floor (36 MiB and the room): Finish gets a memory limit
	// (capFinish), which stop lifts.
	if floorOn.floor < 36<<20+finishHeapRoom {
		if l := debug.SetMemoryLimit(-1); l == limit {
			t.Errorf("36 MiB live, finishing: memory limit %d unchanged", l)
		}
	}
	finishedHeapFloor()
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("Finish done: memory limit %d, want %d", l, limit)
	}
	// A lower limit (--memory-limit) is not raised.
	hf := floorOn
	debug.SetMemoryLimit(1 << 20)
	hf.capFinish()
	if l := debug.SetMemoryLimit(-1); l != 1<<20 || hf.limited {
		t.Errorf("under a 1 MiB limit: Finish's limit %d, limited %v", l, hf.limited)
	}
	debug.SetMemoryLimit(limit)
	runtime.KeepAlive(big)
	stop()
	if p := gcPercent(); p != base {
		t.Errorf("after stop: GOGC %d, want %d", p, base)
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("after stop: memory limit %d, want %d", l, limit)
	}
	stop() // a second call does nothing
	// Two commands at once: the floor lasts until the last stops.
	runtime.GC() // the 36 MiB are garbage now
	s1, s2 := startHeapFloor(), startHeapFloor()
	s1()
	if p := gcPercent(); p <= base {
		t.Errorf("one of two stopped: GOGC %d, want above %d", p, base)
	}
	s2()
	if p := gcPercent(); p != base {
		t.Errorf("both stopped: GOGC %d, want %d", p, base)
	}
	runtime.GC()
	runtime.GC()
	if p := gcPercent(); p != base {
		t.Errorf("after stop and collections: GOGC %d, want %d", p, base)
	}
}

// TestHeapFloorEnv checks that a GOGC setting in the environment wins.
func TestHeapFloorEnv(t *testing.T) {
	t.Setenv("GOGC", "100")
	base := gcPercent()
	stop := startHeapFloor()
	defer stop()
	if p := gcPercent(); p != base {
		t.Errorf("GOGC set: GOGC changed to %d from %d", p, base)
	}
}

// TestGCPercentFor checks the growth the floor allows between collections:
// up to the floor for a small live heap, GOGC's own up to bigHeapRoom,
// then max(bigHeapRoom, a third of GOGC's), never less than GOGC's below
// that and never shrinking as the live heap grows.
func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		base        int
		live, roots uint64
		want        int
		finishing   bool
	}{
		{100, 10 * mb, 1 * mb, 200, false}, // (32-10)/11: up to the floor
		{100, 40 * mb, 0, 100, false},      // 40 MB: GOGC's growth
		{100, 44 * mb, 0, 100, false},      // 44 MB of growth: still GOGC's
		{100, 48 * mb, 0, 91, false},       // 48 MB of growth cut to 44
		{100, 100 * mb, 0, 44, false},      // 100 MB cut to 44
		{100, 150 * mb, 0, 33, false},      // a third: 50 MB
		{100, 200 * mb, 0, 33, false},
		{100, 200 * mb, 56 * mb, 33, false},
		{200, 100 * mb, 0, 66, false}, // GOGC=200: a third of 200 MB
		{50, 100 * mb, 0, 44, false},  // 50 MB of growth cut to 44
		{40, 100 * mb, 0, 40, false},  // 40 MB of growth: GOGC's
		// Finishing: at most finishHeapRoom, the floor still applying.
		{100, 10 * mb, 1 * mb, 200, true}, // up to the floor, as before
		{100, 20 * mb, 0, 60, true},       // 12 MB to the floor, the same as the cap
		{100, 16 * mb, 0, 100, true},      // 16 MB to the floor, more than 12
		{100, 40 * mb, 0, 30, true},       // 12 MB: the floor is passed already
		{100, 80 * mb, 0, 15, true},       // 12 MB, not 44
		{100, 200 * mb, 0, 6, true},       // 12 MB, not 66
		{10, 100 * mb, 0, 10, true},       // 10 MB of growth: GOGC's, below 12
		{100, 2048 * mb, 0, 1, true},      // 12 MB is 0.6%: GOGC 1, never 0
	} {
		if got := gcPercentFor(c.base, c.live, c.roots, heapFloorBytes, c.finishing); got != c.want {
			t.Errorf("base %d, live %d MB, roots %d MB, finishing %v: GOGC %d, want %d", c.base, c.live/mb, c.roots/mb, c.finishing, got, c.want)
		}
	}
	for live := uint64(mb); live <= 4096*mb; live += mb {
		if g := gcPercentFor(100, live, 0, heapFloorBytes, true); g < 1 {
			t.Fatalf("live %d MB, finishing: GOGC %d (0 collects back to back)", live/mb, g)
		}
	}
	for _, floor := range []uint64{heapFloorBytes, hugeHeapFloorBytes} {
		prev := uint64(0)
		for live := uint64(mb); live <= 2048*mb; live += mb {
			goal := live + uint64(gcPercentFor(100, live, 0, floor, false))*live/100
			if goal+mb < prev || goal+mb < floor || goal > live+max(floor, live) {
				t.Fatalf("floor %d MB, live %d MB: goal %d MB after %d MB", floor/mb, live/mb, goal/mb, prev/mb)
			}
			prev = goal
		}
	}
	// The floor for huge pages: (64-10)/11 up to it, GOGC's past it.
	if got := gcPercentFor(100, 10*mb, 1*mb, hugeHeapFloorBytes, false); got != 490 {
		t.Errorf("huge-page floor, live 10 MB: GOGC %d, want 490", got)
	}
	if got := gcPercentFor(100, 40*mb, 0, hugeHeapFloorBytes, false); got != 100 {
		t.Errorf("huge-page floor, live 40 MB: GOGC %d, want 100", got)
	}
}

// TestFloorFor checks that the bigger floor needs a huge-page heap block
// at least as big.
func TestFloorFor(t *testing.T) {
	for _, c := range []struct {
		huge int
		want uint64
	}{
		{0, heapFloorBytes},
		{12 << 20, heapFloorBytes}, // dissect's block: smaller than the floor
		{hugeHeapFloorBytes - 1, heapFloorBytes},
		{hugeHeapFloorBytes, hugeHeapFloorBytes},
		{hugeHeapFloorBytes + 4<<20, hugeHeapFloorBytes},
	} {
		if got := floorFor(c.huge); got != c.want {
			t.Errorf("floorFor(%d) = %d, want %d", c.huge, got, c.want)
		}
	}
}

// TestFinishLimit checks when Finish gets a memory limit: only once the
// live heap plus finishHeapRoom is past the floor (below it no collection
// comes, and a limit would only cause one), at the memory held plus
// finishMemSlack.
func TestFinishLimit(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		live, total, released, floor uint64
		want                         int64
		ok                           bool
	}{
		{2 * mb, 80 * mb, 0, 64 * mb, 0, false},                             // big10k: only the first collection
		{52 * mb, 80 * mb, 0, 64 * mb, 0, false},                            // room and live within the floor
		{53 * mb, 80 * mb, 0, 64 * mb, 80*mb + finishMemSlack, true},        // just past it
		{82 * mb, 110 * mb, 4 * mb, 64 * mb, 106*mb + finishMemSlack, true}, // big100k: released pages do not count
		{82 * mb, 4 * mb, 8 * mb, 64 * mb, 0, false},                        // inconsistent metrics: none
	} {
		got, ok := finishLimit(c.live, c.total, c.released, c.floor)
		if got != c.want || ok != c.ok {
			t.Errorf("finishLimit(live %d MB, total %d MB, released %d MB, floor %d MB) = %d, %v; want %d, %v",
				c.live/mb, c.total/mb, c.released/mb, c.floor/mb, got, ok, c.want, c.ok)
		}
	}
}
