package flows

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// randomOpen returns n open SAs in a random order, first frames drawn
// from [0, span) (many ties when span is small), versions 1 and 2 and
// random SPIs, as Finish lists them.
func randomOpen(r *rand.Rand, n, span int) []openSA {
	open := make([]openSA, n)
	for i := range open {
		st := &saState{Version: uint8(1 + r.IntN(2))}
		var spi dissect.SPI
		for j := range spi {
			spi[j] = byte(r.IntN(4)) // few values: SPIi ties too, SPIr decides
		}
		st.SPIi = spi
		for j := range spi {
			spi[j] = byte(r.Uint32())
		}
		st.SPIr = spi
		open[i] = openSA{first: r.IntN(span), st: st}
	}
	return open
}

// TestSortOpen: sortOpen gives compareOpen's order, on the comparison
// path (few SAs) and the radix one (one, two and three passes), with
// ties on the first frame, frames up to the largest int, and a negative
// one (not a frame number, but not to be misordered either).
func TestSortOpen(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	for _, tc := range []struct{ n, span int }{
		{10, 5}, {radixMin - 1, 1 << 20}, {radixMin, 3}, {1000, 1 << radixBits}, {5000, 90000},
		{5000, 1 << 30}, {3000, 1 << 62}, {4000, 2000},
	} {
		open := randomOpen(r, tc.n, tc.span)
		if tc.span == 1<<62 {
			open[0].first = int(^uint(0) >> 1) // the largest int
		}
		want := slices.Clone(open)
		slices.SortFunc(want, compareOpen)
		sortOpen(open)
		for i := range open {
			if open[i] != want[i] {
				t.Fatalf("n %d span %d: position %d holds first %d %p, want first %d %p", tc.n, tc.span, i, open[i].first, open[i].st, want[i].first, want[i].st)
			}
		}
	}
	open := randomOpen(r, 1000, 100)
	open[500].first = -1
	sortOpen(open)
	if open[0].first != -1 || !slices.IsSortedFunc(open, compareOpen) {
		t.Errorf("with a negative first frame: first %d, sorted %v", open[0].first, slices.IsSortedFunc(open, compareOpen))
	}
}

// BenchmarkSortOpen sorts 10^4 open SAs (big10k's count at Finish) by
// radix, and by comparison for the difference.
func BenchmarkSortOpen(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	base := randomOpen(r, 10000, 90000)
	open := make([]openSA, len(base))
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			copy(open, base)
			sortOpen(open)
		}
	})
	b.Run("compare", func(b *testing.B) {
		for b.Loop() {
			copy(open, base)
			slices.SortFunc(open, compareOpen)
		}
	})
}
