package flows

import (
	"net/netip"
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
// SA (it cannot have flapped yet) is dropped to make room (pairsDropped
// counts them, and a note says so); a pair with more is kept. The choice
// depends only on the order SAs finished, so the output is the same on
// every run. 2^17 pairs cost about
// 16 MB; without the bound a capture of a million short SAs between
// distinct peers held 150 MB of history.
const maxPairHist = 1 << 17

// pairDropScan bounds the queued pairs examined to find one to drop, so
// that a full table costs O(1) per finished SA.
const pairDropScan = 64

// pairHist is the history of two peers' finished established SAs. It is
// held by value in Analyzer.histRecs, which Analyzer.hist indexes (a
// 4-byte map value instead of 48 B: the map is up to half empty after it
// grows), so a pair with a single SA, by far the most common, costs only
// its first cycle's start, frame and two flags (48 B): flapping needs
// flapMin SAs, so the first SA's end and the peers' addresses are needed
// only once a second SA comes, and are then kept in more.
type pairHist struct {
	start time.Time // the first SA's start
	frame int       // its first frame
	// short: the first SA lived less than flapLife; deleted: it ended with
	// a Delete.
	short, deleted bool
	more           *pairMore // nil while the pair has a single SA
}

// pairMore is the rest of the history of a pair with more than one SA.
type pairMore struct {
	cycles []cycle // the second and later SAs, up to 63
	a, b   netip.Addr
}

// cycle is one established-then-gone IKE SA.
type cycle struct {
	start, end time.Time
	frame      int
	deleted    bool
}

// n returns the number of SAs in the history.
func (h *pairHist) n() int {
	if h.more == nil {
		return 1
	}
	return 1 + len(h.more.cycles)
}

// inPairHistory reports whether st, once finished, enters its pair's
// history (observePair): an authenticated SA that was not rekeyed.
func (st *saState) inPairHistory() bool {
	return st.out.has(outAuthOK) && !st.out.has(outRekeyed)
}

// observePair records a finished SA for flapping detection.
func (a *Analyzer) observePair(st *saState) {
	if !st.inPairHistory() {
		return
	}
	k := st.pairKey()
	i, ok := a.hist.lookup(k)
	if !ok {
		rec := pairHist{start: st.start(), frame: st.firstFrame(),
			short: st.end().Sub(st.start()) < flapLife, deleted: st.out.has(outDeleted)}
		if a.hist.len() >= a.histMax {
			free, ok := a.dropPairHist()
			if !ok {
				a.pairsDropped++
				return
			}
			a.histRecs[free] = rec
			i = free
		} else {
			i = int32(len(a.histRecs))
			a.histRecs = append(a.histRecs, rec)
		}
		a.hist.set(k, i)
		a.queuePair(k)
		return
	}
	h := &a.histRecs[i]
	if h.more == nil {
		h.more = new(pairMore)
	}
	m := h.more
	m.a, m.b = st.initiator().Addr(), st.responder().Addr()
	if len(m.cycles) < 63 {
		m.cycles = append(m.cycles, cycle{start: st.start(), end: st.end(), frame: st.firstFrame(), deleted: st.out.has(outDeleted)})
	}
}

// reservePairs sizes the pair history for n more pairs when it is still
// empty (Finish, with every SA still open: a capture shorter than the idle
// timeout): the map, records and ring are then made once at their size,
// up to histMax, instead of growing by doubling (rehashing the map each
// time) while the SAs are finalised.
func (a *Analyzer) reservePairs(n int) {
	n = min(n, a.histMax)
	if a.hist.len() > 0 || len(a.histRecs) > 0 || a.histN > 0 || n <= 64 {
		return
	}
	a.hist = newPairMap[int32](n)
	a.histRecs = make([]pairHist, 0, n)
	a.histQ, a.histHead = make([]pairKey, n), 0
}

// dropPairHist forgets the history of the oldest pair that still has a
// single SA, looking at no more than pairDropScan queued pairs (a pair
// with more SAs leaves the queue for good), and returns the index in
// histRecs it freed; false when none was found.
func (a *Analyzer) dropPairHist() (int32, bool) {
	for n := 0; n < pairDropScan && a.histN > 0; n++ {
		k := a.histQ[a.histHead]
		a.histQ[a.histHead] = pairKey{}
		a.histHead = (a.histHead + 1) % len(a.histQ)
		a.histN--
		if i, ok := a.hist.lookup(k); ok && a.histRecs[i].more == nil {
			a.hist.del(k)
			a.histRecs[i] = pairHist{}
			a.pairsDropped++
			return i, true
		}
	}
	return 0, false
}

// queuePair appends k to the ring of pairs that may be dropped. Every
// queued pair is in hist (a pair leaves hist only when dropPairHist takes
// it off the ring), so the ring never holds more than histMax pairs: it
// grows by doubling up to that: 32 B a pair at most, where the slice it
// replaces (compacted when half consumed) held up to twice that.
func (a *Analyzer) queuePair(k pairKey) {
	if a.histN == len(a.histQ) {
		// histN < histMax here (k is in hist and not yet queued), so the
		// new ring is longer than histN.
		q := make([]pairKey, max(64, min(2*len(a.histQ), a.histMax)))
		n := copy(q, a.histQ[a.histHead:])
		copy(q[n:], a.histQ[:a.histHead])
		a.histQ, a.histHead = q, 0
	}
	a.histQ[(a.histHead+a.histN)%len(a.histQ)] = k
	a.histN++
}

// pairsDroppedFinding says that flapping was checked on part of the
// history only, when the bound was reached.
func (a *Analyzer) pairsDroppedFinding() {
	if a.pairsDropped == 0 {
		return
	}
	a.global = append(a.global, Finding{Kind: KindFlapping, Severity: SeverityInfo, Time: a.now, Frames: []int{},
		Message: "Flapping was checked on the IKE SA history of at most " + strconv.Itoa(a.histMax) +
			" pairs of peers: to bound memory, " + strconv.Itoa(a.pairsDropped) + " histories of a single" +
			" established IKE SA were dropped, so peers among them that set up SAs again and again may not be" +
			" reported as flapping."})
}
