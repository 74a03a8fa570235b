package flows

import (
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestFrameList checks that a frameList names, once sorted and
// deduplicated as findings name frames, the frames a plain slice would,
// and that two frames (an IKE_SA_INIT request and its response, the usual
// NAT detection) need no allocation, on its own and in an SA (whose
// overflow is in saMore).
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
		var more []int
		for _, f := range in {
			if l.add(f, more) {
				more = append(more, f)
			}
		}
		if got, want := sortedFrames(l.appendTo(nil, more)), sortedFrames(in); !slices.Equal(got, want) {
			t.Errorf("%v: %v, want %v", in, got, want)
		}
		// The same through an SA, which keeps the overflow in saMore.
		st := &saState{}
		for _, f := range in {
			st.addNATFrame(f)
		}
		if got, want := sortedFrames(st.natFrameList(nil)), sortedFrames(in); !slices.Equal(got, want) {
			t.Errorf("%v through an SA: %v, want %v", in, got, want)
		}
	}
	var st *saState
	if n := testing.AllocsPerRun(100, func() {
		st = &saState{}
		st.addNATFrame(1)
		st.addNATFrame(1)
		st.addNATFrame(2)
		st.addNATFrame(2)
	}); n != 1 { // st itself
		t.Errorf("two frames: %v allocations, want 1 (the SA)", n)
	}
}

// TestDHList checks that an SA's dhList lists the groups in the order
// added, repeats and all, inline or in saMore, and that up to three need
// no allocation.
func TestDHList(t *testing.T) {
	for n := range 15 {
		st := &saState{}
		var want []dissect.DHGroup
		for i := range n {
			g := dissect.DHGroup(14 + i%3)
			st.addKEGroup(g)
			want = append(want, g)
		}
		if got := st.keGroupList(); !slices.Equal(got, want) {
			t.Errorf("%d groups: %v, want %v", n, got, want)
		}
	}
	var st *saState
	if n := testing.AllocsPerRun(100, func() {
		st = &saState{}
		for range 3 {
			st.addKEGroup(19)
		}
	}); n != 1 { // st itself
		t.Errorf("three groups: %v allocations, want 1 (the SA)", n)
	}
}
