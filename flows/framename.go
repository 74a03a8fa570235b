package flows

import "strconv"

// frameNamer writes the frame numbers of finding texts as
// [Options.FrameName] and [Options.FrameList] say: every frame number a
// finding's message names goes through it (and nothing else: counts,
// sizes, message IDs stay plain numbers). Its zero value writes plain
// decimal numbers.
type frameNamer struct {
	name func(frame int) string
	list func(frames []int) string
}

// one names frame f: "12", or "b.pcap#12" as FrameName says.
func (n frameNamer) one(f int) string {
	if n.name == nil {
		return strconv.Itoa(f)
	}
	return n.name(f)
}

// appendOne appends the name of frame f to b.
func (n frameNamer) appendOne(b []byte, f int) []byte {
	if n.name == nil {
		return strconv.AppendInt(b, int64(f), 10)
	}
	return append(b, n.name(f)...)
}

// join names the frames fs as a list: "5, 7, 9" (FrameList when set).
func (n frameNamer) join(fs []int) string {
	if n.list == nil && n.name == nil {
		return joinInts(fs)
	}
	return string(n.appendJoin(nil, fs))
}

// appendJoin appends the list of the frames fs, as join writes it, to b.
func (n frameNamer) appendJoin(b []byte, fs []int) []byte {
	if n.list != nil {
		return append(b, n.list(fs)...)
	}
	for i, f := range fs {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = n.appendOne(b, f)
	}
	return b
}

// and names two frames as the text joins them: "5 and 7" (a list as
// FrameList writes it when that is set).
func (n frameNamer) and(x, y int) string {
	if n.list != nil {
		return n.list([]int{x, y})
	}
	return n.one(x) + " and " + n.one(y)
}
