package flows

import (
	"math"

	"github.com/ikeflow/ikeflow/dissect"
)

// Why these lists: an open SA noted its NAT detection frames and its KE
// groups in slices, which cost a slice header in saState and, for nearly
// every SA, an allocation or three (append doubling 1, 2, 4) for one to
// four values. These hold the usual few inline, in no more octets than
// the slice header, and allocate only beyond.

// frameList is a list of frame numbers: two inline, the rest in more.
// Frames that are not positive and a frame repeating the previous one are
// not kept: the frames a finding names are sorted and deduplicated
// (sortedFrames) and leave them out anyway. The inline frames take 4
// octets each (16 for the list, not 24): a frame from 2^32 on, and every
// frame after it, goes to more, so that the order is kept.
type frameList struct {
	inline [2]uint32
	more   *[]int
}

// add appends f.
func (l *frameList) add(f int) {
	if f <= 0 || f == l.last() {
		return
	}
	switch {
	case l.more == nil && f <= math.MaxUint32 && l.inline[0] == 0:
		l.inline[0] = uint32(f)
	case l.more == nil && f <= math.MaxUint32 && l.inline[1] == 0:
		l.inline[1] = uint32(f)
	case l.more == nil:
		l.more = &[]int{f}
	default:
		*l.more = append(*l.more, f)
	}
}

// last returns the frame added last (0: none).
func (l *frameList) last() int {
	if l.more != nil {
		m := *l.more
		return m[len(m)-1]
	}
	if l.inline[1] != 0 {
		return int(l.inline[1])
	}
	return int(l.inline[0])
}

// appendTo appends the frames to b.
func (l *frameList) appendTo(b []int) []int {
	for _, f := range l.inline {
		if f > 0 {
			b = append(b, int(f))
		}
	}
	if l.more != nil {
		b = append(b, *l.more...)
	}
	return b
}

// dhList is a list of DH groups: three inline (16 octets with more, an
// open SA's KE groups: most SAs send one or two IKE_SA_INIT requests), the
// rest in more.
type dhList struct {
	n      uint16 // groups inline (at most len(inline))
	inline [3]dissect.DHGroup
	more   *[]dissect.DHGroup
}

// add appends g.
func (l *dhList) add(g dissect.DHGroup) {
	if int(l.n) < len(l.inline) {
		l.inline[l.n] = g
		l.n++
		return
	}
	if l.more == nil {
		l.more = new([]dissect.DHGroup)
	}
	*l.more = append(*l.more, g)
}

// list returns the groups, in a new slice.
func (l *dhList) list() []dissect.DHGroup {
	out := append([]dissect.DHGroup(nil), l.inline[:l.n]...)
	if l.more != nil {
		out = append(out, *l.more...)
	}
	return out
}
