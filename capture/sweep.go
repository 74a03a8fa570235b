package capture

import (
	"container/list"
	"slices"
	"time"
)

// sweeper paces the timeouts of a table (IP reassembly, TCP streams): a
// sweep runs at most once per second of capture time, and at once when
// the capture's clock goes back.
type sweeper struct{ last time.Time }

// due reports whether a table of n entries is to be swept at now, and
// then records now as the time of the sweep.
func (s *sweeper) due(n int, now time.Time) bool {
	if n == 0 || now.Sub(s.last) < time.Second && !s.last.IsZero() && !now.Before(s.last) {
		return false
	}
	s.last = now
	return true
}

// expired returns the entries at the front of l, oldest first, for which
// old holds, up to the first one for which it does not (so the cost is
// proportional to what expires), ordered by frame.
func expired[T any](l *list.List, old func(T) bool, frame func(T) int) []T {
	var out []T
	for e := l.Front(); e != nil; e = e.Next() {
		v := e.Value.(T)
		if !old(v) {
			break
		}
		out = append(out, v)
	}
	return byFrame(out, frame)
}

// byFrame sorts entries by frame, so that what they report comes out in
// frame order, and returns them.
func byFrame[T any](vs []T, frame func(T) int) []T {
	slices.SortFunc(vs, func(a, b T) int { return frame(a) - frame(b) })
	return vs
}
