package flows

import (
	"math"
	"net/netip"
	"time"
)

// pairMore is the rest of the history of a pair with more than one SA:
// the second and later SAs (cycles), the end of the last of them and the
// addresses of the last SA's initiator and responder, which the flapping
// warning names.
//
// Why it is shaped this way: pairs with more than one SA are never dropped
// from the history, so on a long capture they accumulate (a million-SA
// capture kept 19,761 of them, nearly all of three SAs: a second and a
// third), each with a map entry, the rest of its history and a slice of
// cycles (about 150 octets, with pointers, when it was a pointer to a
// struct holding the slice, a time.Time and two netip.Addrs). pairMore is
// 32 octets without pointers, held in pairHistory.mores, which only grows
// (pairHistory.more gives a record's: a map of 4-octet values, where a map
// of pairMores took twice the octets of its values, half empty after a
// growth; TestPairMoreBytes): up to two
// later SAs inline, the end in Unix nanoseconds, and the addresses as a
// bit saying which of the pair's two IPv4 addresses (its key) was the
// initiator. A pair whose rest does not fit (a third later SA, a time or
// frame the compact form cannot hold exactly, addresses the key does not
// give back as they were: IPv6, IPv4-mapped, zoned) moves it whole, for
// good, to a pairMoreWide in pairHistory.wideMore, and keeps moreWide.
// Flapping needs flapMin SAs, so every pair it may report is wide: the
// compact form only holds, cheaply, the many pairs of two or three SAs.
type pairMore struct {
	lastEndNs int64    // the end of the last SA in cycles
	cycles    [2]cycle // the first n later SAs
	n         uint8
	flags     moreFlags
}

// moreFlags are the flags of a pairMore.
type moreFlags uint8

// The flags of a pairMore.
const (
	moreILo  moreFlags = 1 << iota // the last SA's initiator has the key's lower address
	moreWide                       // the rest is in pairHistory.wideMore
)

// cycle is one established-then-gone IKE SA after a pair's first, in a
// pairMore: the flags flapping counts, decided from its start and end as
// it finished.
type cycle struct {
	frame          uint32 // its first frame
	short, deleted bool   // it lived less than flapLife; it ended with a Delete
}

// pairMoreWide is the rest of the history of a pair, exactly, when a
// pairMore cannot hold it.
type pairMoreWide struct {
	cycles  []cycleWide // the second and later SAs, up to 63
	lastEnd time.Time   // the end of the last SA in cycles
	a, b    netip.Addr  // the last SA's initiator and responder
}

// cycleWide is a cycle with its frame as it was.
type cycleWide struct {
	frame          int
	short, deleted bool
}

// observeMore adds st, a finished SA, to the history of the pair of record
// i, which already has one.
func (h *pairHistory) observeMore(i int32, st *saState) {
	r := &h.recs[i]
	if r.flags&histMore == 0 {
		if h.more == nil {
			h.more = make(map[int32]int32)
		}
		h.more[i] = int32(len(h.mores))
		h.mores = append(h.mores, pairMore{})
		r.flags |= histMore
	}
	m := &h.mores[h.more[i]]
	ia, ra := st.initiator().Addr(), st.responder().Addr()
	frame, end := st.firstFrame(), st.end()
	c := cycleWide{frame: frame, short: end.Sub(st.start()) < flapLife, deleted: st.out.has(outDeleted)}
	if m.flags&moreWide == 0 {
		endNs, exact := unixNano(end)
		lo, hi := netip.AddrFrom4(r.key.lo), netip.AddrFrom4(r.key.hi)
		switch {
		case int(m.n) < len(m.cycles) && exact && frame >= 0 && frame < math.MaxUint32 &&
			r.flags&histV6 == 0 && (ia == lo && ra == hi || ia == hi && ra == lo):
			m.cycles[m.n] = cycle{frame: uint32(frame), short: c.short, deleted: c.deleted}
			m.n++
			m.lastEndNs = endNs
			m.flags &^= moreILo
			if ia == lo {
				m.flags |= moreILo
			}
			return
		default:
			h.widenMore(i, m)
		}
	}
	w := h.wideMore[i]
	w.a, w.b = ia, ra
	if len(w.cycles) < 63 {
		w.cycles = append(w.cycles, c)
		w.lastEnd = end
	}
}

// widenMore moves the rest of the history of the pair of record i from m
// to pairHistory.wideMore, for good.
func (h *pairHistory) widenMore(i int32, m *pairMore) {
	if h.wideMore == nil {
		h.wideMore = make(map[int32]*pairMoreWide)
	}
	h.wideMore[i] = h.wideOf(i, m)
	m.flags |= moreWide
}

// wideOf returns m, the compact rest of the history of the pair of record
// i, in the wide form, with room for one more cycle.
func (h *pairHistory) wideOf(i int32, m *pairMore) *pairMoreWide {
	w := &pairMoreWide{cycles: make([]cycleWide, m.n, m.n+1), lastEnd: time.Unix(0, m.lastEndNs).UTC()}
	for j, c := range m.cycles[:m.n] {
		w.cycles[j] = cycleWide{frame: int(c.frame), short: c.short, deleted: c.deleted}
	}
	w.a, w.b = h.lastPeers(i, m)
	return w
}

// lastPeers returns the initiator and responder of the last SA of the
// compact rest m of the history of the pair of record i.
func (h *pairHistory) lastPeers(i int32, m *pairMore) (initiator, responder netip.Addr) {
	lo, hi := netip.AddrFrom4(h.recs[i].key.lo), netip.AddrFrom4(h.recs[i].key.hi)
	if m.flags&moreILo != 0 {
		return lo, hi
	}
	return hi, lo
}

// n returns the number of SAs in the history of the pair of record i.
func (h *pairHistory) n(i int32) int {
	if h.recs[i].flags&histMore == 0 {
		return 1
	}
	if m := &h.mores[h.more[i]]; m.flags&moreWide == 0 {
		return 1 + int(m.n)
	}
	return 1 + len(h.wideMore[i].cycles)
}

// rest returns the rest of the history of the pair of record i, which has
// more than one SA, exactly (a copy, when compact).
func (h *pairHistory) rest(i int32) *pairMoreWide {
	m := &h.mores[h.more[i]]
	if m.flags&moreWide != 0 {
		return h.wideMore[i]
	}
	return h.wideOf(i, m)
}
