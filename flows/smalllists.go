package flows

import (
	"math"

	"github.com/ikeflow/ikeflow/dissect"
)

// Why these lists: an open SA noted its NAT detection frames and its KE
// groups in slices, which cost a slice header in saState and, for nearly
// every SA, an allocation or three (append doubling 1, 2, 4) for one to
// four values. These hold the usual few inline, in 8 octets each, and the
// rest in an overflow slice the SA keeps in saMore (natMore, keMore): a
// pointer of their own to it would cost every open SA 8 octets for what
// few need (SAs with three NAT detection frames or more, or four KE
// groups). The lists do not allocate; saState's methods below give them
// their overflow.

// frameList is a list of frame numbers: two inline, the rest in an
// overflow slice (more) kept by its owner. Frames that are not positive
// and a frame repeating the previous one are not kept: the frames a
// finding names are sorted and deduplicated (sortedFrames) and leave them
// out anyway. The inline frames take 4 octets each: a frame from 2^32 on,
// and every frame after it, goes to more, so that the order is kept.
type frameList struct {
	inline [2]uint32
}

// add adds f to the list whose overflow is more, and reports whether the
// caller must append f to more.
func (l *frameList) add(f int, more []int) bool {
	if f <= 0 || f == l.last(more) {
		return false
	}
	switch {
	case len(more) == 0 && f <= math.MaxUint32 && l.inline[0] == 0:
		l.inline[0] = uint32(f)
	case len(more) == 0 && f <= math.MaxUint32 && l.inline[1] == 0:
		l.inline[1] = uint32(f)
	default:
		return true
	}
	return false
}

// last returns the frame added last (0: none).
func (l *frameList) last(more []int) int {
	if len(more) > 0 {
		return more[len(more)-1]
	}
	if l.inline[1] != 0 {
		return int(l.inline[1])
	}
	return int(l.inline[0])
}

// appendTo appends the frames to b.
func (l *frameList) appendTo(b, more []int) []int {
	for _, f := range l.inline {
		if f > 0 {
			b = append(b, int(f))
		}
	}
	return append(b, more...)
}

// dhList is a list of DH groups: three inline (8 octets with their count,
// an open SA's KE groups: most SAs send one or two IKE_SA_INIT requests),
// the rest in an overflow slice kept by its owner.
type dhList struct {
	n      uint16 // groups inline (at most len(inline))
	inline [3]dissect.DHGroup
}

// add adds g to the list, reporting whether the caller must append g to
// the overflow instead.
func (l *dhList) add(g dissect.DHGroup) bool {
	if int(l.n) < len(l.inline) {
		l.inline[l.n] = g
		l.n++
		return false
	}
	return true
}

// list returns the groups, those inline and then more, in a new slice.
func (l *dhList) list(more []dissect.DHGroup) []dissect.DHGroup {
	out := append([]dissect.DHGroup(nil), l.inline[:l.n]...)
	return append(out, more...)
}

// addNATFrame adds f to the frames of the SA's NAT detection findings.
func (st *saState) addNATFrame(f int) {
	if st.natFrames.add(f, st.moreOrEmpty().natMore) {
		m := st.moreState()
		m.natMore = append(m.natMore, f)
	}
}

// natFrameList appends the frames of the SA's NAT detection findings to b.
func (st *saState) natFrameList(b []int) []int {
	return st.natFrames.appendTo(b, st.moreOrEmpty().natMore)
}

// addKEGroup adds g to the groups of the SA's IKE_SA_INIT KE payloads.
func (st *saState) addKEGroup(g dissect.DHGroup) {
	if st.keGroups.add(g) {
		m := st.moreState()
		m.keMore = append(m.keMore, g)
	}
}

// keGroupList returns the groups of the SA's IKE_SA_INIT KE payloads, in
// a new slice.
func (st *saState) keGroupList() []dissect.DHGroup {
	return st.keGroups.list(st.moreOrEmpty().keMore)
}
