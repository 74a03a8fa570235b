package flows

import (
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestFrameList checks that a frameList names, once sorted and
// deduplicated as findings name frames, the frames a plain slice would,
// and that two frames (an IKE_SA_INIT request and its response, the usual
// NAT detection) need no allocation.
func TestFrameList(t *testing.T) {
	for _, in := range [][]int{
		nil, {1}, {1, 1, 2, 2}, {0, -3, 5}, {7, 3, 7, 3, 9, 9, 9, 1}, {4, 4, 4, 4, 4, 4},
		{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {10, 9, 8, 0, 7, 6, 6, 5},
		// Frames past what the inline 4 octets hold, first, between and
		// last.
		{1 << 32, 1, 1, 1 << 32}, {3, 1<<32 + 5, 1<<32 + 5, 2, 1 << 40}, {5, 6, 1<<33 + 1, 7, 7},
		{4294967295, 4294967296, 4294967295},
	} {
		var l frameList
		for _, f := range in {
			l.add(f)
		}
		if got, want := sortedFrames(l.appendTo(nil)), sortedFrames(in); !slices.Equal(got, want) {
			t.Errorf("%v: %v, want %v", in, got, want)
		}
	}
	var l frameList
	if n := testing.AllocsPerRun(100, func() {
		l = frameList{}
		l.add(1)
		l.add(1)
		l.add(2)
		l.add(2)
	}); n != 0 {
		t.Errorf("two frames: %v allocations, want 0", n)
	}
}

// TestDHList checks that a dhList lists the groups in the order added,
// repeats and all, inline or not, and that up to three need no allocation.
func TestDHList(t *testing.T) {
	for n := range 15 {
		var l dhList
		var want []dissect.DHGroup
		for i := range n {
			g := dissect.DHGroup(14 + i%3)
			l.add(g)
			want = append(want, g)
		}
		if got := l.list(); !slices.Equal(got, want) {
			t.Errorf("%d groups: %v, want %v", n, got, want)
		}
	}
	var l dhList
	if n := testing.AllocsPerRun(100, func() {
		l = dhList{}
		for range 3 {
			l.add(19)
		}
	}); n != 0 {
		t.Errorf("three groups: %v allocations, want 0", n)
	}
}
