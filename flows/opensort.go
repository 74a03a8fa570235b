package flows

import (
	"bytes"
	"cmp"
	"math/bits"
	"slices"
)

// Sorting the SAs open at Finish.
//
// Finish lists the open SAs by walking the SA index (a map: no order) and
// sorts them by first frame before the second goroutine can start on
// them, so the sort is time on one core only. A comparison sort of 10^4
// SAs through a comparison function took 1.5 ms of the 30 ms Finish takes
// on big10k; their first frames are small non-negative integers, which a
// radix sort orders in two or three passes over the list (radixBits
// each), for a sixth of that (BenchmarkSortOpen: 1.53 against 0.25 ms). SAs first seen in the same frame (several
// IKE messages in one TCP segment, RFC 8229) are then ordered by version
// and SPIs, which no two open SAs share, so the order is the same as
// compareOpen gives, whatever order the walk found them in.

// radixBits is the width of one radix digit: 2048 counters (16 KiB) per
// pass, few enough to clear and scan for 10^3 SAs, and two passes cover
// captures of up to 4 million frames.
const radixBits = 11

// radixMin is the number of SAs from which sortOpen sorts by radix:
// below it the counters cost more than comparing.
const radixMin = 256

// compareOpen is the order of the open SAs: first frame, then version
// and SPIs.
func compareOpen(x, y openSA) int {
	if c := cmp.Compare(x.first, y.first); c != 0 {
		return c
	}
	return cmp.Or(cmp.Compare(x.st.Version, y.st.Version),
		bytes.Compare(x.st.SPIi[:], y.st.SPIi[:]), bytes.Compare(x.st.SPIr[:], y.st.SPIr[:]))
}

// sortOpen sorts open by compareOpen.
func sortOpen(open []openSA) {
	hi := 0
	for _, o := range open {
		if o.first < 0 {
			hi = -1
			break
		}
		hi = max(hi, o.first)
	}
	if len(open) < radixMin || hi < 0 {
		slices.SortFunc(open, compareOpen)
		return
	}
	passes := (bits.Len(uint(hi)) + radixBits - 1) / radixBits
	src, dst := open, make([]openSA, len(open))
	var count [1 << radixBits]int
	for p := range passes {
		shift := uint(p * radixBits)
		clear(count[:])
		for _, o := range src {
			count[uint(o.first)>>shift&(1<<radixBits-1)]++
		}
		sum := 0
		for d, n := range count {
			count[d] = sum
			sum += n
		}
		for _, o := range src {
			d := uint(o.first) >> shift & (1<<radixBits - 1)
			dst[count[d]] = o
			count[d]++
		}
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(open, src)
	}
	// Each pass is stable: SAs of the same first frame are still in the
	// walk's order; put each such run in compareOpen's.
	for i := 0; i < len(open); {
		j := i + 1
		for j < len(open) && open[j].first == open[i].first {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(open[i:j], compareOpen)
		}
		i = j
	}
}
