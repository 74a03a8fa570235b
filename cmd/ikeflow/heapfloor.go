package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// heapFloorBytes is the heap size below which analyze does not collect
// garbage (hugeHeapFloorBytes where huge pages back the heap). With
// GOGC=100 the Go runtime collects whenever the heap doubles
// from a small live set: on the 10k-SA bigcap that is 5 collections,
// about an eighth of the CPU time (0.46 s with GOGC=100, 0.40 s with the
// GC off), while the whole run allocates about 80 MB. Below the floor a
// collection is put off until the heap reaches it; above it (2 × live >
// floor: the 100k- and 1M-SA captures) the runtime's own pacing applies,
// its growth cut once it passes bigHeapRoom.
//
// The floor was 64 MB. Every octet the heap grows into is a page the
// kernel must map on first touch, and on a virtual machine that costs
// (here about 8 µs a page: a fifth of analyze's CPU time on big10k went
// to page faults, `perf record`). Below 64 MB the heap never collected
// and never reused a page; at 32 MB it collects once or twice and reuses
// what it freed. Measured on big10k (10k SAs, live heap 18-21 MB at the
// end), 12 runs of each, alternating, medians:
//
//	floor   format   wall     CPU      max RSS    page faults
//	64 MB   table    0.23 s   0.38 s   68.1 MB    14,592
//	32 MB   table    0.22 s   0.36 s   53.5 MB    10,913
//	64 MB   json     0.28 s   0.45 s   71.7 MB    15,644
//	32 MB   json     0.27 s   0.42 s   55.4 MB    11,519
//	64 MB   csv      0.21 s   0.34 s   56.1 MB    11,679
//	32 MB   csv      0.22 s   0.35 s   51.9 MB    10,572
//
// (24 and 16 MB: the same RSS as 32 MB, the CPU time back at 64 MB's or
// above; 48 MB in between.) Captures whose heap stays under 32 MB (the
// corpus) and those above 2 × live (big100k, big1m) run as before.
const heapFloorBytes = 32 << 20

// hugeHeapFloorBytes is the floor where the heap up to it is backed by
// transparent huge pages (hugepages_linux.go: analyze asks for them on
// inputs from analyzeHugeMinInput, and the system grants them). Growing
// the heap then costs one fault per 2 MiB rather than per 4 KiB, which
// was what made 64 MB dearer than 32 above, and what remains is the
// collections' CPU: on big10k 4-5 collections at 32 MB, 1-2 at 64 MB
// (the first, of the freed huge-page block, comes either way).
// Measured on big10k, 10 runs of each, alternating, medians:
//
//	floor   format   wall     user CPU   max RSS   page faults
//	32 MB   json     0.220 s  0.310 s    58.6 MB   3,416
//	64 MB   json     0.200 s  0.260 s    81.8 MB   3,213
//	32 MB   table    0.175 s  0.220 s    56.4 MB   3,064
//	64 MB   table    0.155 s  0.195 s    73.7 MB   2,809
//
// 48 MB was in between (3 collections); 80 and 96 MB took one
// collection and no less time than 64 MB. big100k (whose live heap
// passes both floors) keeps its max RSS (JSON 138.5 / 138.8 MB, table
// 134.1 / 133.6 MB, 3 runs each) for 0.1-0.3 s less CPU.
const hugeHeapFloorBytes = 64 << 20

// floorFor returns the heap floor for a heap whose first huge octets are
// backed by huge pages (hugeHeapBytes).
func floorFor(huge int) uint64 {
	if huge >= hugeHeapFloorBytes {
		return hugeHeapFloorBytes
	}
	return heapFloorBytes
}

// bigHeapRoom is the most the heap may grow past the live heap between
// two collections before the growth allowed is cut to a third of what
// GOGC gives (the growth is max(bigHeapRoom, GOGC's / bigHeapCut)):
// GOGC=100 lets a big live heap double before the next collection, and
// the process's memory (RSS) is then about twice the live heap at its
// peak, plus 25-35 MB the runtime keeps (fragmentation, freed pages not
// yet returned, metadata). A collection costs CPU in proportion to the
// live heap, and the number of collections grows with the allocation
// divided by the growth allowed, so less growth costs more collections'
// CPU, but only where the live heap is big: with less than about 44 MB
// live (big10k; big100k with --idle-timeout 30s) nothing changes.
//
// Measured on big1m (1M SAs, ≈130k open at once, live heap 122-128 MB;
// analyze --format json, one run of each after the other, twice):
//
//	growth                  max RSS      user CPU    GC CPU (gctrace)
//	max(64 MB, GOGC's / 2)  221-222 MB   53-61 s     13-15 s, 65 collections
//	max(48 MB, GOGC's / 3)  198 MB       63-69 s     18-20 s, 85
//	max(44 MB, GOGC's / 3)  192-194 MB   66-68 s     21 s, 92
//	max(40 MB, GOGC's / 4)  188 MB       67-70 s     22-23 s, 102
//	max(32 MB, GOGC's / 4)  178 MB       76 s        28 s, 127
//
// 44 MB and a third keep 1M SAs under 200 MB with some margin for about a
// tenth more CPU on such a capture; big100k with every SA open goes from
// 156-160 to 141-146 MB at no measurable CPU cost (3.1-3.4 s user).
const bigHeapRoom = 44 << 20

// bigHeapCut divides GOGC's growth once it passes bigHeapRoom (see there).
const bigHeapCut = 3

// finishHeapRoom is the most the heap may grow past the live heap between
// two collections once the packets are all in (finishingHeapFloor, before
// Finish), the heap floor still applying. Finish concludes the SAs still
// open and writes them out: the live heap only falls from there, so room
// to grow buys nothing but fewer collections, and on a capture whose SAs
// are all open at its end the peak of the run comes right at the start of
// Finish. Measured on big100k (all 100k SAs open; analyze --format json,
// three runs of each, alternating; live heap 81-83 MB at Finish's first
// collection):
//
//	growth in Finish    max RSS          user CPU     collections
//	bigHeapRoom (44)    134.8-138.3 MB   3.53-3.78 s  10-11
//	24 MB               119.2-121.4 MB   3.96-4.01 s  19
//	16 MB               114.4-116.1 MB   3.92-4.29 s  24-25
//
// 16 MB kept a 100k-SA capture under 120 MB with some margin, for about
// a tenth more CPU there (the table: 138.8 -> 116.4 MB, 1.61 -> 1.82 s).
// Once bigcap stopped merging the copies of fragmented messages into one
// SA, its big100k held more established SAs (live heap 86 MB at Finish)
// and 16 MB gave 119.0-122.2 MB in six runs; measured again (JSON, runs
// alternating on a machine with other work):
//
//	growth in Finish    max RSS          user CPU
//	16 MB               119.0-122.2 MB   3.57-3.87 s (6 runs)
//	12 MB               117.8-119.0 MB   3.82-4.52 s (3 runs)
//	10 MB               114.5-119.0 MB   4.04-4.35 s (6 runs)
//
// 12 MB is back under 120 MB, for about as much more CPU again.
// big10k never reaches the floor (no collection either way, same time);
// big1m's peak is during the reading (RSS 189-191 MB either way; 96 ->
// 114 collections, 55.3 -> 59.9 s user in one run each); big100k-1h is
// unchanged (85.4 / 85.6 MB, 11 collections).
const finishHeapRoom = 12 << 20

// heapFloor re-tunes GOGC after every collection so that the next one
// comes at max(floor, live heap + growth), the growth being
// GOGC's, or max(bigHeapRoom, GOGC's / bigHeapCut) once GOGC's passes
// bigHeapRoom, and at most finishHeapRoom once the packets are all in
// (gcPercentFor).
type heapFloor struct {
	mu      sync.Mutex // orders tune and stop
	stopped bool
	// finishing: the packets are all in (finishingHeapFloor); the growth
	// is at most finishHeapRoom from then on, for every command sharing
	// the floor (tests run several in one process: only the pace of
	// their collections changes).
	finishing bool
	base      int    // GOGC in force before (100 unless set by SetGCPercent)
	floor     uint64 // heapFloorBytes, or hugeHeapFloorBytes (floorFor)
	sample    []metrics.Sample
	// limited: capFinish set a memory limit, prevLimit the one before.
	limited   bool
	prevLimit int64
}

// gcSentinel is garbage whose finalizer runs after each collection (it
// holds a pointer so that it is not batched in the tiny allocator, whose
// objects may never be finalised).
type gcSentinel struct {
	_ *int
	_ [2]uint64
}

// floorUsers counts the commands running with the floor (tests run
// several at once in one process): the first starts it, the last stops it.
var (
	floorMu    sync.Mutex
	floorUsers int
	floorOn    *heapFloor
)

// startHeapFloor starts the floor and returns the function that stops it
// and restores GOGC. A GOGC or GOMEMLIMIT environment setting wins: then
// nothing is changed.
func startHeapFloor() (stop func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	floorMu.Lock()
	defer floorMu.Unlock()
	if floorUsers == 0 {
		hf := &heapFloor{floor: floorFor(hugeHeapBytes()), sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/scan/globals:bytes"}, {Name: "/gc/scan/stack:bytes"}}}
		hf.base = debug.SetGCPercent(100)
		debug.SetGCPercent(hf.base)
		if hf.base <= 0 {
			return func() {}
		}
		hf.tune()
		hf.arm()
		floorOn = hf
	}
	floorUsers++
	var once sync.Once
	return func() {
		once.Do(func() {
			floorMu.Lock()
			defer floorMu.Unlock()
			if floorUsers--; floorUsers == 0 {
				floorOn.stop()
				floorOn = nil
			}
		})
	}
}

// stop ends the tuning and restores GOGC.
func (hf *heapFloor) stop() {
	hf.mu.Lock()
	defer hf.mu.Unlock()
	hf.stopped = true
	debug.SetGCPercent(hf.base)
	if hf.limited {
		debug.SetMemoryLimit(hf.prevLimit)
	}
}

// finishingHeapFloor tells the floor that the packets are all in: from
// now on the heap may grow by finishHeapRoom at most between collections
// (see there). It re-tunes at once, for the collection to come. streams
// tells that the report streams SAs as Finish concludes them (JSON, CSV):
// Finish then keeps few of them, and gets a memory limit (capFinish).
// The other formats keep hundreds of SAs, exchanges and all, and Finish
// grows the heap: under the limit the collector ran back to back (big100k
// as HTML: 2.67 -> 3.28 s).
func finishingHeapFloor(streams bool) {
	floorMu.Lock()
	hf := floorOn
	alone := floorUsers == 1 && streams
	floorMu.Unlock()
	if hf == nil {
		return
	}
	hf.mu.Lock()
	hf.finishing = true
	hf.mu.Unlock()
	hf.tune()
	if alone {
		hf.capFinish()
	}
}

// finishMemSlack is how much memory Finish may add to what the runtime
// holds when it starts, once the heap has outgrown its floor (capFinish).
//
// The collections' pace (finishHeapRoom) bounds the heap's objects, not
// the memory the process keeps: the runtime holds on to the pages it
// frees (Finish frees the indexes and the reorder window at once, and the
// SAs' state as it concludes them), and hands them back to the system
// only slowly, keeping up to a tenth more than the heap's goal. On
// big100k (analyze --format json, every SA open at Finish) the peak came
// in Finish with 87.6 MB of objects, 11.2 MB unused in partly used spans
// and 12.7 MB of free pages kept. A memory limit makes the runtime hand
// free pages back as it nears the limit, and collect before it passes
// it. Measured there (limit = memory held at Finish's start + slack;
// runs alternating):
//
//	slack        max RSS          wall     user CPU   runs
//	no limit     124-127 MB       2.35 s   3.70 s     6
//	4 MB         121-125 MB       2.85 s   4.50 s     6
//	6 MB         117-126 MB                4.31 s     8
//	8 MB         117-123 MB       2.46 s   3.90 s     16
//	10 MB        118.2-120.4 MB   2.38 s   3.79 s     26
//	12 MB        119-123 MB       2.37 s   3.82 s     14
//
// A tighter limit is not better: the collector then runs back to back,
// the runtime caps it at half the CPU, and the heap passes the limit
// anyway. With 10 MB two runs in 26 passed 120 MB (by 0.2 and 0.4 MB).
// Against the same binary without a limit, an 8 MB slack cost 3.5% more
// CPU (big100k JSON, 123.9 -> 118.2 MB); CSV is about the same (116-117
// MB, 1.83 s); big10k is unchanged (no limit: the heap stays within its
// floor); big1m's peak is while reading (247-251 MB, 85 collections
// against 86).
const finishMemSlack = 10 << 20

// capFinish sets the memory limit for Finish (finishMemSlack) when the
// heap has outgrown its floor: live heap plus finishHeapRoom above it.
// Below the floor no collection comes before the end of a run and a limit
// would only cause one (big10k: none). finishedHeapFloor and stop lift it.
func (hf *heapFloor) capFinish() {
	v := readMetrics([]metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}})
	limit, ok := finishLimit(v[0], v[1], v[2], hf.floor)
	if !ok {
		return
	}
	hf.mu.Lock()
	defer hf.mu.Unlock()
	// A lower limit in force (--memory-limit) stays.
	if !hf.stopped && !hf.limited && limit < debug.SetMemoryLimit(-1) {
		hf.prevLimit = debug.SetMemoryLimit(limit)
		hf.limited = true
	}
}

// finishedHeapFloor lifts the memory limit of Finish (capFinish) once it
// has returned: what comes after it (writing a report, HTML's second
// read of the captures) frees and allocates anew, and under the limit
// the runtime handed pages back only to fault them in again (big100k as
// HTML: 3,700 more page faults, 18% more CPU).
func finishedHeapFloor() {
	floorMu.Lock()
	hf := floorOn
	floorMu.Unlock()
	if hf == nil {
		return
	}
	hf.mu.Lock()
	defer hf.mu.Unlock()
	if hf.limited {
		debug.SetMemoryLimit(hf.prevLimit)
		hf.limited = false
	}
}

// readMetrics reads three runtime metrics of kind uint64 (0 for one the
// runtime does not have).
func readMetrics(s []metrics.Sample) (v [3]uint64) {
	metrics.Read(s)
	for i := range min(len(s), len(v)) {
		if s[i].Value.Kind() == metrics.KindUint64 {
			v[i] = s[i].Value.Uint64()
		}
	}
	return v
}

// finishLimit returns the memory limit for Finish (capFinish) from the
// live heap at the last collection, the memory the runtime maps (total)
// and what of it is released to the system; false: none, the heap is
// within its floor.
func finishLimit(live, total, released, floor uint64) (int64, bool) {
	if live+finishHeapRoom <= floor || released > total {
		return 0, false
	}
	return int64(min(total-released+finishMemSlack, math.MaxInt64)), true
}

// arm schedules tune after the next collection.
func (hf *heapFloor) arm() {
	runtime.SetFinalizer(&gcSentinel{}, func(*gcSentinel) {
		if hf.tune() {
			hf.arm()
		}
	})
}

// tune sets GOGC for the next collection from the live heap of the last;
// false once stopped.
func (hf *heapFloor) tune() bool {
	hf.mu.Lock()
	defer hf.mu.Unlock()
	if hf.stopped {
		return false
	}
	v := readMetrics(hf.sample)
	debug.SetGCPercent(gcPercentFor(hf.base, max(v[0], 1<<20), v[1]+v[2], hf.floor, hf.finishing))
	return true
}

// gcPercentFor returns the GOGC that puts the next collection at
// max(floor, live + growth), where growth is what GOGC=base allows, cut
// to max(bigHeapRoom, a bigHeapCut-th of it) above bigHeapRoom, and to
// finishHeapRoom at most when finishing; roots is the globals and stacks
// the runtime counts with the live heap.
func gcPercentFor(base int, live, roots, floor uint64, finishing bool) int {
	// The runtime's goal is live + (live + globals + stacks) × GOGC/100.
	scan := live + roots
	room := scan * uint64(base) / 100
	capped := finishing && room > finishHeapRoom
	if capped {
		room = finishHeapRoom
	}
	switch {
	case live+room < floor:
		return int((floor - live) * 100 / scan)
	case capped:
		// At least 1: from about 1.6 GB of live heap the division gives
		// 0, and GOGC=0 collects back to back.
		return max(1, int(room*100/scan))
	case room > bigHeapRoom:
		return int(max(bigHeapRoom, room/bigHeapCut) * 100 / scan)
	}
	return base
}
