package flows

import (
	"cmp"
	"hash/maphash"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// pairKey names the two addresses of a conversation, lower first.
type pairKey struct{ lo, hi [16]byte }

// makePairKey orders the addresses so both directions share a key.
func makePairKey(x, y netip.Addr) pairKey {
	a, b := x.As16(), y.As16()
	if string(a[:]) > string(b[:]) {
		a, b = b, a
	}
	return pairKey{a, b}
}

// maxPairHist bounds the pairs of peers whose SA history is kept for
// sa_flapping. Beyond it, the oldest pair whose history is still a single
// SA (it cannot have flapped yet) is dropped to make room
// (pairHistory.dropped counts them, and a note says so); a pair with more
// is kept. The choice
// depends only on the order SAs finished, so the output is the same on
// every run. 2^17 pairs of IPv4 peers with a single SA cost about 4.7 MB
// (TestPairHistBytes: record, ring and table); without the bound a
// capture of a million short SAs between distinct peers held 150 MB of
// history.
const maxPairHist = 1 << 17

// pairDropScan bounds the queued pairs examined to find one to drop, so
// that a full table costs O(1) per finished SA.
const pairDropScan = 64

// pairHistory is the history of the finished established SAs of pairs of
// peers, for sa_flapping: a record per pair in recs, which index finds by
// the pair and q lists in the order the pairs' histories started.
//
// Why it is shaped this way: a capture of a million short SAs between
// distinct peers fills it to its bound with pairs of a single SA, which
// can never be reported, so such a pair must cost little, and nothing of
// it should be a pointer the garbage collector has to follow (every
// collection scans what is reachable; the history lives as long as the
// capture). A pair's record (pairHist) is 24 octets without pointers; the
// ring of pairs that may be dropped holds indexes into recs (4 octets)
// rather than keys (32), so a record holds its pair's key itself: 8
// octets for two IPv4 peers, the key in key6 (a map that only pairs with
// an IPv6 address use) otherwise. What the compact record cannot hold
// exactly goes to maps beside it, used only by the pairs that need them:
// a first SA whose start is not a capture's time in Unix nanoseconds (see
// unixNano) or whose first frame is outside 0..2^32-2 (a library caller's
// frame numbers) in wide, and the later SAs of a pair with more than one
// in mores (and wideMore, see pairMore). Pairs of more than one SA are
// never dropped, so mores and wideMore never hold more than max entries,
// and key6 and wide lose an entry when its pair is dropped.
type pairHistory struct {
	index    pairTable  // finds each pair's record in recs (pairtable.go)
	recs     []pairHist // every record is a pair's (a dropped pair's is reused at once)
	key6     map[int32]pairKey
	wide     map[int32]histStart
	more     map[int32]int32         // the index in mores of a record's pairMore
	mores    []pairMore              // pairmore.go
	wideMore map[int32]*pairMoreWide // pairmore.go
	// q is a ring of the indexes in recs of the pairs in the order their
	// history started, the candidates for dropping: qn of them from qHead.
	q            []int32
	qHead, qn    int
	dropped, max int // pairs whose history was dropped to bound memory; maxPairHist (smaller in tests)
}

// pairHist is a pair's record in pairHistory.recs: its first SA (by far
// the most common history is a single SA; flapping needs flapMin SAs, so
// the first SA's end and the peers' addresses are needed only once a
// second SA comes, and are then kept in pairHistory.mores) and its key.
// 24 octets and no pointers (TestPairHistSize): the time and the frame as
// Unix nanoseconds and 4 octets, exactly, or in pairHistory.wide
// (histWide).
type pairHist struct {
	startNs int64    // the first SA's start
	key     pairKey4 // the pair, unless histV6
	frame   uint32   // the first SA's first frame
	flags   histFlags
}

// histFlags are the flags of a pairHist.
type histFlags uint8

// The flags of a pairHist.
const (
	histShort   histFlags = 1 << iota // the first SA lived less than flapLife
	histDeleted                       // the first SA ended with a Delete
	histMore                          // the pair has more than one SA: pairHistory.more indexes the rest
	histWide                          // the first SA's start and frame are in pairHistory.wide
	histV6                            // the pair's key is in pairHistory.key6
)

// histStart is a first SA's start and first frame that a pairHist cannot
// hold exactly.
type histStart struct {
	start time.Time
	frame int
}

// newPairHistory returns an empty history of at most max pairs.
func newPairHistory(max int) pairHistory {
	return pairHistory{index: pairTable{seed: maphash.MakeSeed()}, max: max}
}

// len returns the number of pairs in the history.
func (h *pairHistory) len() int { return h.index.n }

// start returns the start of the first SA of the pair of record i.
func (h *pairHistory) start(i int32) time.Time {
	if h.recs[i].flags&histWide != 0 {
		return h.wide[i].start
	}
	return time.Unix(0, h.recs[i].startNs).UTC()
}

// firstFrame returns the first frame of the first SA of the pair of
// record i.
func (h *pairHistory) firstFrame(i int32) int {
	if h.recs[i].flags&histWide != 0 {
		return h.wide[i].frame
	}
	return int(h.recs[i].frame)
}

// key returns the key of the pair of record i.
func (h *pairHistory) key(i int32) pairKey {
	if h.recs[i].flags&histV6 != 0 {
		return h.key6[i]
	}
	return h.recs[i].key.full()
}

// inPairHistory reports whether st, once finished, enters its pair's
// history (observePair): an authenticated SA that was not rekeyed.
func (st *saState) inPairHistory() bool {
	return st.out.has(outAuthOK) && !st.out.has(outRekeyed)
}

// observePair records a finished SA for flapping detection.
func (a *Analyzer) observePair(st *saState) {
	if st.inPairHistory() {
		a.hist.observe(st)
	}
}

// observe records st, a finished SA that enters its pair's history.
func (h *pairHistory) observe(st *saState) {
	k := st.pairKey()
	i, ok := h.lookup(k)
	if !ok {
		h.add(k, st)
		return
	}
	h.observeMore(i, st)
}

// add starts the history of pair k with st, dropping the oldest pair of a
// single SA when the history is full (or, when none is found, st's pair).
func (h *pairHistory) add(k pairKey, st *saState) {
	var rec pairHist
	if st.end().Sub(st.start()) < flapLife {
		rec.flags |= histShort
	}
	if st.out.has(outDeleted) {
		rec.flags |= histDeleted
	}
	start, frame := st.start(), st.firstFrame()
	ns, exact := unixNano(start)
	if exact && frame >= 0 && frame < math.MaxUint32 {
		rec.startNs, rec.frame = ns, uint32(frame)
	} else {
		rec.flags |= histWide
	}
	k4, v4 := k.v4()
	if v4 {
		rec.key = k4
	} else {
		rec.flags |= histV6
	}
	var i int32
	if h.len() >= h.max {
		free, ok := h.drop()
		if !ok {
			h.dropped++
			return
		}
		i = free
		h.recs[i] = rec
	} else {
		if len(h.recs) == cap(h.recs) {
			// Grown by doubling up to the bound, not by append's own
			// rule, which overshoots it: at the bound the records take
			// 24 octets a pair, no slack.
			recs := make([]pairHist, len(h.recs), min(max(64, 2*cap(h.recs)), h.max))
			copy(recs, h.recs)
			h.recs = recs
		}
		i = int32(len(h.recs))
		h.recs = append(h.recs, rec)
	}
	if rec.flags&histWide != 0 {
		if h.wide == nil {
			h.wide = make(map[int32]histStart)
		}
		h.wide[i] = histStart{start, frame}
	}
	if !v4 {
		if h.key6 == nil {
			h.key6 = make(map[int32]pairKey)
		}
		h.key6[i] = k
	}
	h.insert(i)
	h.queue(i)
}

// reservePairs sizes the pair history for n more pairs when it is still
// empty (Finish, with every SA still open: a capture shorter than the idle
// timeout): the table, records and ring are then made once at their size,
// up to the bound, instead of growing by doubling (rehashing the table
// each time) while the SAs are finalised.
func (a *Analyzer) reservePairs(n int) {
	h := &a.hist
	n = min(n, h.max)
	if h.len() > 0 || len(h.recs) > 0 || h.qn > 0 || n <= 64 {
		return
	}
	h.index.slots = make([]int32, 1<<bits.Len(uint(2*n-1))) // at most half full
	h.recs = make([]pairHist, 0, n)
	h.q, h.qHead = make([]int32, n), 0
}

// drop forgets the history of the oldest pair that still has a single SA,
// looking at no more than pairDropScan queued pairs (a pair with more SAs
// leaves the queue for good), and returns the index in recs it freed;
// false when none was found.
func (h *pairHistory) drop() (int32, bool) {
	for n := 0; n < pairDropScan && h.qn > 0; n++ {
		i := h.q[h.qHead]
		h.qHead = (h.qHead + 1) % len(h.q)
		h.qn--
		if h.recs[i].flags&histMore == 0 {
			h.remove(i)
			delete(h.key6, i)
			delete(h.wide, i)
			h.dropped++ // add writes recs[i] next
			return i, true
		}
	}
	return 0, false
}

// queue appends record i to the ring of pairs that may be dropped. Every
// queued pair is in the history (a pair leaves it only when drop takes it
// off the ring), so the ring never holds more than max pairs: it grows by
// doubling up to that: 4 octets a pair at most.
func (h *pairHistory) queue(i int32) {
	if h.qn == len(h.q) {
		// qn < max here (i is in the history and not yet queued), so
		// the new ring is longer than qn.
		q := make([]int32, max(64, min(2*len(h.q), h.max)))
		n := copy(q, h.q[h.qHead:])
		copy(q[n:], h.q[:h.qHead])
		h.q, h.qHead = q, 0
	}
	h.q[(h.qHead+h.qn)%len(h.q)] = i
	h.qn++
}

// flapping returns the records of the pairs with at least flapMin SAs, in
// the order of their first SA's first frame (then of their records: the
// order the pairs' histories started or took a dropped pair's place).
func (h *pairHistory) flapping() []int32 {
	var recs []int32
	for i := range h.recs {
		if h.n(int32(i)) >= flapMin {
			recs = append(recs, int32(i))
		}
	}
	slices.SortFunc(recs, func(x, y int32) int {
		return cmp.Or(cmp.Compare(h.firstFrame(x), h.firstFrame(y)), cmp.Compare(x, y))
	})
	return recs
}

// pairsDroppedFinding says that flapping was checked on part of the
// history only, when the bound was reached.
func (a *Analyzer) pairsDroppedFinding() {
	if a.hist.dropped == 0 {
		return
	}
	a.global = append(a.global, Finding{Kind: KindFlapping, Severity: SeverityInfo, Time: a.now, Frames: []int{},
		Message: "Flapping was checked on the IKE SA history of at most " + strconv.Itoa(a.hist.max) +
			" pairs of peers: to bound memory, " + strconv.Itoa(a.hist.dropped) + " histories of a single" +
			" established IKE SA were dropped, so peers among them that set up SAs again and again may not be" +
			" reported as flapping."})
}
