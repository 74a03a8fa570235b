package flows

import "github.com/ikeflow/ikeflow/dissect"

// Why these lists: an open SA noted its NAT detection frames and its KE
// groups in slices, which cost a slice header in saState and, for nearly
// every SA, an allocation or three (append doubling 1, 2, 4) for one to
// four values. These hold the usual few inline, in the same 24 octets as
// the slice header, and allocate only beyond.

// frameList is a list of frame numbers: two inline, the rest in more.
// Frames that are not positive and a frame repeating the previous one are
// not kept: the frames a finding names are sorted and deduplicated
// (sortedFrames) and leave them out anyway.
type frameList struct {
	inline [2]int
	more   *[]int
}

// add appends f.
func (l *frameList) add(f int) {
	switch {
	case f <= 0:
	case l.inline[0] == 0:
		l.inline[0] = f
	case l.inline[1] == 0:
		if f != l.inline[0] {
			l.inline[1] = f
		}
	case l.more == nil:
		if f != l.inline[1] {
			l.more = &[]int{f}
		}
	default:
		if m := *l.more; f != m[len(m)-1] {
			*l.more = append(m, f)
		}
	}
}

// list returns the frames, in a new slice.
func (l *frameList) list() []int { return l.appendTo(nil) }

// appendTo appends the frames to b.
func (l *frameList) appendTo(b []int) []int {
	for _, f := range l.inline {
		if f > 0 {
			b = append(b, f)
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
