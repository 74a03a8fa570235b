package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/gopacket/gopacket/layers"
)

// Transparent huge pages for the memory analyze touches first.
//
// Every 4 KiB page a process touches for the first time costs a page
// fault, and on a virtual machine a fault is dear: about 8 µs on the
// machine issue 13 was measured on, where analyze on big10k (10k SAs,
// 118k frames) took 11,000 faults, about 90 ms of its 0.22 s. With
// transparent huge pages set to "always" (a system setting) the same run
// took 1,200 faults and 0.18 s. Most systems ship "madvise": huge pages
// only where the program asks, and the Go runtime no longer asks for its
// heap. So analyze asks, for the two places a run touches most:
//
//   - The heap up to the heap floor (heapfloor.go): analyze lets the heap
//     grow to the floor before its first collection, so it touches all of
//     that. With the advice granted the floor is hugeHeapFloorBytes (64
//     MiB; 32 without: there the faults of a bigger heap cost more than
//     the collections it saves). The runtime maps heap memory only when
//     it needs it, so hugeHeapStart allocates a block of that size
//     (mapped, not touched), marks it MADV_HUGEPAGE and frees it (one
//     collection of a heap that is still tiny). The runtime hands out its
//     lowest free pages first, and those are the block's: they are then
//     faulted 2 MiB at a time.
//   - The 5 MiB of gopacket/layers' metadata tables ([65536] arrays of
//     EnumMetadata in .bss, written only in a few entries at init): the
//     collector scans them at its first collection and so touches every
//     page. hugeTables collapses them into huge pages (MADV_COLLAPSE,
//     Linux 6.1 and later; others refuse it, and nothing changes).
//
// Measured on big10k, 9 runs each, medians (wall, user CPU, max RSS, page
// faults):
//
//	analyze (table)        0.22 s  0.26 s  53.6 MB  10,984
//	 + heap block          0.16 s  0.23 s  57.8 MB   3,385
//	 + tables collapsed    0.15 s  0.22 s  57.1 MB   2,494
//
// big100k as JSON: max RSS 137.6 -> 138.6 MB, user CPU 4.04 -> 3.87 s,
// page faults 32,446 -> 23,000. On small captures the advice costs more
// than it saves (about 8 MB of RSS and 5-10 ms): analyze and dissect ask
// only from an input size (analyzeHugeMinInput, dissectHugeMinInput).
// GODEBUG=disablethp=1 (the runtime's own switch against huge pages)
// turns this off, as do GOGC and GOMEMLIMIT (as they turn off the heap
// floor).
var (
	hugeOnce sync.Once
	// hugeHeap is the size of the heap block advised (0: none), once
	// adviseHugePages has run and the system may grant the advice
	// (thpGrants).
	hugeHeap atomic.Int64
)

// adviseHugePages does the above once per process, with a heap block of
// heap octets (the first call's).
func adviseHugePages(heap int) {
	hugeOnce.Do(func() {
		if strings.Contains(os.Getenv("GODEBUG"), "disablethp=1") || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
			return
		}
		hugeTables()
		if beg, end := hugeHeapStart(heap); beg < end && thpGrants(thpEnabled) {
			hugeHeap.Store(int64(end - beg))
		}
	})
}

// hugeHeapBytes returns the octets at the start of the heap advised for
// huge pages that the system may grant (0: none; heapfloor.go).
func hugeHeapBytes() int { return int(hugeHeap.Load()) }

// thpEnabled is the system's transparent huge page mode.
const thpEnabled = "/sys/kernel/mm/transparent_hugepage/enabled"

// thpGrants reports whether the mode in the file at path ("always
// [madvise] never", the bracketed one in force) grants MADV_HUGEPAGE:
// not with "never", nor where the file cannot be read (no THP there).
func thpGrants(path string) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	s := string(b)
	return strings.Contains(s, "[always]") || strings.Contains(s, "[madvise]")
}

// hugePage is the size of a transparent huge page on amd64 and arm64
// (4 KiB base pages); on other sizes the advice covers less, or nothing.
const hugePage = 2 << 20

// madvise advises the kernel about the whole huge pages within
// [start, start+n) and returns them (beg == end: none); errors (an old
// kernel, a refused collapse) change nothing and are ignored.
func madvise(start, n uintptr, advice int) (beg, end uintptr) {
	beg, end = wholeHugePages(start, n)
	if beg < end {
		_, _, _ = syscall.Syscall(syscall.SYS_MADVISE, beg, end-beg, uintptr(advice))
	}
	return beg, end
}

// wholeHugePages returns the whole huge pages within [start, start+n):
// [beg, end), empty (beg >= end) when there is none.
func wholeHugePages(start, n uintptr) (beg, end uintptr) {
	return (start + hugePage - 1) &^ (hugePage - 1), (start + n) &^ (hugePage - 1)
}

// Advice values of madvise(2) (not in package syscall).
const (
	madvHugePage = 14 // MADV_HUGEPAGE
	madvCollapse = 25 // MADV_COLLAPSE (Linux 6.1)
)

// hugeHeapStart maps n octets of heap for the huge-page advice and drops
// them again (see above); it returns the range advised.
//
// The block is freed by the next collection, which the next allocation
// starts (the heap is then above its goal) and which runs beside the
// caller on the other core. A collection of its own (runtime.GC) took
// 4-12 ms of the caller's time at the start of every run: the collector
// scans 5 MiB of globals (gopacket's tables) and waits for the sweep.
// Collections are off while the block is allocated, so that allocating it
// does not start one that would find it still in use.
func hugeHeapStart(n int) (beg, end uintptr) {
	gcp := debug.SetGCPercent(-1)
	b := make([]byte, n)
	beg, end = madvise(uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(n), madvHugePage)
	runtime.KeepAlive(b)
	b = nil
	debug.SetGCPercent(gcp)
	return beg, end
}

// hugeTables collapses gopacket/layers' two big metadata tables into huge
// pages (see above), when they lie close together as they do.
//
// The tables (5 MiB) start and end inside huge pages: the whole huge pages
// within them were one of three, and the collector's first scan faulted
// the other 3 MiB in 4 KiB at a time (about 750 faults), as the first
// collection's mark assist on the analyzing goroutine, before it had a
// packet: 7-8 ms of assist in a 7-8 ms mark (gctrace) against 0.7 ms and
// 2-4 ms with all three collapsed. So the huge pages that hold any part of
// them are collapsed, each on its own (one that would cross into another
// mapping is refused, and the others still collapse): their neighbours
// are other variables of the same .bss, which nothing but their backing
// changes for. Measured with the binary, runs of each alternating,
// medians (wall, CPU; page faults from perf stat):
//
//	                      pages within   pages around
//	big10k table (31)     154 / 230 ms   145 / 217 ms   2,785 -> 1,873 faults
//	big10k JSON (21)      191 / 290 ms   178 / 265 ms
//	5,000 frames (21)      74 /  87 ms    66 /  76 ms
//
// and the same max RSS (71.6 / 71.5 MB on big10k; big100k as JSON 120.4
// / 120.1 MB).
func hugeTables() {
	a := uintptr(unsafe.Pointer(&layers.EthernetTypeMetadata))
	b := uintptr(unsafe.Pointer(&layers.PPPTypeMetadata))
	lo := min(a, b)
	hi := max(a+unsafe.Sizeof(layers.EthernetTypeMetadata), b+unsafe.Sizeof(layers.PPPTypeMetadata))
	if hi-lo > 8<<20 {
		return
	}
	beg, end := hugePagesAround(lo, hi-lo)
	for p := beg; p < end; p += hugePage {
		madvise(p, hugePage, madvCollapse)
	}
}

// hugePagesAround returns the huge pages that hold any part of [start,
// start+n): [beg, end), empty when n is 0. It rounds outward where
// wholeHugePages rounds inward.
func hugePagesAround(start, n uintptr) (beg, end uintptr) {
	if n == 0 {
		return start, start
	}
	return start &^ (hugePage - 1), (start + n + hugePage - 1) &^ (hugePage - 1)
}
