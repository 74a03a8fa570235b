package flows

import (
	"hash/maphash"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// Analyzer rebuilds IKE SAs from packets fed in capture order and diagnoses
// them. It is not safe for concurrent use. Per-packet work is O(1)
// amortised; memory is proportional to the SAs open at once when
// [Options.IdleTimeout] and [Options.OnSA] are set.
type Analyzer struct {
	opt Options
	now time.Time // latest capture time seen
	// began is the first packet's time: when the capture began, as far as
	// the analysis knows.
	began time.Time
	seed  maphash.Seed

	msg    dissect.Message
	ownPay []dissect.Payload // a.msg's own payload buffer (a.msg.Payloads may be a predecoded message's)
	fp     facts             // the facts of the message being analysed, when collected ahead
	inner  []dissect.Payload
	f      facts
	spiBuf []ESPSPI
	delSet map[ESPSPI]struct{} // applyDeletes' set of the SPIs a message deletes, empty between calls

	// ix finds the open IKE SAs by their SPIs (saindex.go).
	ix  saIndex
	esp espIndex[*ChildSA]
	// inferred finds the child SAs inferred from ESP (inferred.go) that
	// esp does not.
	inferred infIndex
	// infs holds the records of the inferred child SAs (infslab.go).
	infs infSlab
	// latest is, per pair of peers, the established IKE SA most recently
	// seen between them while it is open; hist the history of their
	// finished established SAs (pairs.go).
	latest pairIndex
	// sharers holds, per pair of peers, the other established IKE SAs
	// still open when a later one became latest (a second identity
	// between two hosts, a second client behind one NAT address), so
	// that ESP on their ports finds them (esp.go, ownerByPorts); at most
	// maxSharers per pair.
	sharers map[pairKey][]*saState
	hist    pairHistory
	// authWait is, per pair of peers, the IKEv2 SA whose initiator sent
	// IKE_AUTH and has no answer yet (the latest such SA), so that a
	// fresh IKE SA between them can be noted on it (noteReplacement).
	authWait pairIndex
	// halfChildren counts the SAs flagged flHalfChild, ever: while it is
	// 0, ESP with an unknown SPI skips halfChild.
	halfChildren int

	lruHead, lruTail *saState

	peers   map[netip.Addr]bool
	spis    map[string]bool
	texts   textTab   // the messages' payload summaries (cmsg.payloads)
	msgFrag [2]uint16 // the IKEv2 message's fragment number and total, exact (appendMsg)
	done    []*SA     // finalised SAs (when OnSA is nil)
	report  Report
	global  []Finding
	nextSeq int
	sawESP  bool
	// sawPlainESP: ESP directly over IP (protocol 50) was seen (espHidden).
	sawPlainESP bool
	// sawOff500: IKE off UDP port 500 (NAT traversal's 4500, TCP), or
	// ESP inside UDP, was seen (portfilter.go).
	sawOff500 bool
	orphans   map[uint32]*orphanESP
	// orphanPairs holds the address pairs of the ESP without an IKE SA
	// (at most maxOrphans): an SA between such peers is not said to have
	// seen no ESP between them (espFindings).
	orphanPairs map[pairKey]uint8 // orphanDir bits: which ways that ESP went
	// icmpLookups counts the ICMP errors looked up (addICMP).
	icmpLookups int
	// accepted remembers, per responder address, a proposal it accepted
	// (for no_proposal_chosen diffs).
	accepted map[netip.Addr]acceptedProposal
	offers   map[netip.Addr]acceptedProposal
	// acceptedIn and offersIn filter the keys of accepted and offers.
	acceptedIn, offersIn addrFilter
	rekeys               map[saKey]pendingRekey // IKE SA rekeys negotiated, new SPIs → old SA and answer time
	props                map[uint64]*cachedProps
	propList             []*cachedProps
	ro                   reorder     // time-order window and duplicate filter
	badFlags             []int       // frames of IKE messages with reserved header flags set, outside any SA
	unread               unreadable  // messages whose header could not be read (unreadable.go)
	snap                 snapCut     // IKE messages the capture cut short (snaplen.go)
	loss                 captureLoss // packets the capture dropped (loss.go)
	jump                 clockJumps  // answers too late for any IKE peer: the capture's clock jumped (clockjump.go)
	clock                coarseClock // whether the capture's times have fractions of a second (coarsetime.go)
	// badFlagsTime is the time of the first of them.
	badFlagsTime time.Time
	fixedFlags   bool // the message in msg had its header flags rebuilt
	// rawSum is a.hash(msg.Raw) when rawSumOK (addIKE).
	rawSum   uint64
	rawSumOK bool
	// unindexed: Finish has dropped the indexes (ix, esp, inferred, latest,
	// rekeys), so finalize need not remove each SA from them.
	unindexed bool
	// finishing: Finish has begun, the capture has ended (an SA concluded
	// before was finalised as idle: Options.IdleTimeout).
	finishing bool
	// cc is the scratch space of conclude on the Analyzer's goroutine.
	cc concluder
	// par says when and how a second goroutine helps Finish to finalise
	// the SAs still open (finish_par.go).
	par finishTuning
	// prep is the Preparer of AddPrepared's packets (prepare.go). nat is
	// the NAT detection hashes prepared for the packet being processed
	// (nat.ok false: none), taken for its addresses (process checks
	// natPre.addrs).
	prep *Preparer
	nat  natPre
	// sq is the Sequencer of AddSequenced's packets (sequence.go).
	sq *Sequencer
	// v1f is the IKEv1 fragment reassembly's shared part (v1frag.go).
	v1f v1FragWork
	// shared holds strings that recur from SA to SA (intern.go).
	shared internTab
	// frames names the frames of finding texts (Options.FrameName).
	frames frameNamer
}

// NewAnalyzer returns an Analyzer configured by opt.
func NewAnalyzer(opt Options) *Analyzer {
	if opt.MaxExchanges <= 0 {
		opt.MaxExchanges = DefaultMaxExchanges
	}
	if opt.Grace <= 0 {
		opt.Grace = DefaultGrace
	}
	a := &Analyzer{
		opt:      opt,
		seed:     maphash.MakeSeed(),
		ix:       newSAIndex(),
		esp:      newESPIndex[*ChildSA](),
		inferred: newInfIndex(),
		latest:   newPairIndex(),
		authWait: newPairIndex(),
		hist:     newPairHistory(maxPairHist),
		texts:    newTextTab(),
		par:      finishTuning{min: finishParMin, block: finishBlock},
		orphans:  make(map[uint32]*orphanESP),
		accepted: make(map[netip.Addr]acceptedProposal),
		offers:   make(map[netip.Addr]acceptedProposal),
		props:    make(map[uint64]*cachedProps),
		frames:   frameNamer{name: opt.FrameName, list: opt.FrameList},
	}
	if len(opt.Peers) > 0 {
		a.peers = make(map[netip.Addr]bool, len(opt.Peers))
		for _, p := range opt.Peers {
			a.peers[p.Unmap()] = true
		}
	}
	if len(opt.SPIs) > 0 {
		a.spis = make(map[string]bool, len(opt.SPIs))
		for _, s := range opt.SPIs {
			s = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"))
			a.spis[s] = true
		}
	}
	return a
}

// Add feeds one packet, in file order. Frames out of time order by up to
// [Options.ReorderWindow] are analysed in time order, and a packet captured
// twice within microseconds is analysed once. p and its Data are not
// retained.
func (a *Analyzer) Add(p *Packet) {
	a.AddPrepared(p, nil)
}

// addIKE decodes an IKE message and dispatches it by version; sum is the
// hash of all of p.Data (packetSum).
func (a *Analyzer) addIKE(p *Packet, sum uint64, dec *DecodeBuf, di int32) {
	var err error
	if dec != nil {
		// Decoded ahead (predecode.go): a.msg's payloads are dec's until
		// the next message, which gets a.msg's own buffer back.
		err = dec.message(di, p.Data, &a.msg)
	} else {
		a.msg.Payloads = a.ownPay
		err = a.msg.DecodeFromBytes(p.Data)
		a.ownPay = a.msg.Payloads[:0]
	}
	// msgHash takes sum when the message is all of p.Data (Raw stops at
	// the header's length, which usually is the packet's).
	a.rawSum, a.rawSumOK = sum, len(a.msg.Raw) == len(p.Data)
	h := &a.msg.Header
	if p.Cut {
		a.snap.note(p)
	}
	if len(p.Data) < dissect.HeaderLen || (h.MajorVersion != 1 && h.MajorVersion != 2) || h.Length < dissect.HeaderLen {
		a.report.Stats.Malformed++
		if !p.Cut || len(p.Data) >= dissect.HeaderLen {
			a.unread.note(p, h) // (one cut within its header is told of by snap_length)
		}
		return
	}
	if reservedFlags(h) != 0 {
		a.badHeaderFlags(p, h, err)
		return
	}
	a.report.Stats.IKEPackets++
	switch h.MajorVersion {
	case 2:
		var ahead *facts
		if dec != nil && dec.facts(di, &a.fp) {
			ahead = &a.fp // collected ahead (predecode.go)
		}
		a.v2(p, err, ahead)
	case 1:
		a.v1(p, err)
	}
}

// hash fingerprints a message for retransmit detection.
func (a *Analyzer) hash(b []byte) uint64 { return maphash.Bytes(a.seed, b) }

// newSA creates and indexes a new IKE SA state.
func (a *Analyzer) newSA(version uint8, p *Packet, fromInitiator bool, spii, spir dissect.SPI) *saState {
	st := &(&saAlloc{}).st
	st.Version, st.SPIi, st.SPIr = version, spii, spir
	st.setFrames(p.Frame, p.Frame)
	st.initTimes(p.Time)
	if fromInitiator {
		st.setPeers(p.Src, p.Dst)
	} else {
		st.setPeers(p.Dst, p.Src)
	}
	a.nextSeq++
	a.report.Stats.IKESAs++
	a.lruPush(st)
	return st
}

// saAlloc is an SA's working state with the records of its first two
// exchanges (saState.first), in one allocation: 320 octets, the 320 size
// class (TestSAAllocSize).
type saAlloc struct {
	st saState
}

// addKey indexes st under k, a key no SA has.
func (a *Analyzer) addKey(st *saState, k saKey) {
	// The first key is held as SPIr (keyR): addKey follows newSA or
	// setSPIr with k.r. A key with another responder SPI is a further one.
	first := !st.flags.has(flKeyed) && k.r == st.SPIr
	if first {
		st.flags.set(flKeyed)
	} else {
		m := st.moreState()
		m.keys = append(m.keys, k)
	}
	a.ix.addKey(st, k, first)
}

// addHalf indexes st, a new SA, as half-open: the SA of the messages with
// its initiator SPI, its version and a zero responder SPI.
func (a *Analyzer) addHalf(st *saState) {
	st.flags.set(flHalf)
	a.ix.addHalf(st)
}

// lruPush appends st to the idle list.
func (a *Analyzer) lruPush(st *saState) {
	if a.opt.IdleTimeout <= 0 {
		return
	}
	st.prev, st.next = a.lruTail, nil
	if a.lruTail != nil {
		a.lruTail.next = st
	} else {
		a.lruHead = st
	}
	a.lruTail = st
	st.flags.set(flInLRU)
}

// lruRemove unlinks st from the idle list.
func (a *Analyzer) lruRemove(st *saState) {
	if !st.flags.has(flInLRU) {
		return
	}
	if st.prev != nil {
		st.prev.next = st.next
	} else {
		a.lruHead = st.next
	}
	if st.next != nil {
		st.next.prev = st.prev
	} else {
		a.lruTail = st.prev
	}
	st.prev, st.next = nil, nil
	st.flags.clear(flInLRU)
}

// activity records that st saw packet p and moves it to the idle list's
// tail.
func (a *Analyzer) activity(st *saState, p *Packet) {
	st.touch(p.Time, p.Frame)
	if p.Kind == KindIKE && p.Src.Port() != 500 && p.Src.Port() != 0 && p.Dst.Port() != 0 {
		st.notePorts(p)
	}
	if p.Kind == KindIKE && (p.Src.Port() != 500 || p.Dst.Port() != 500) {
		a.sawOff500 = true
	}
	if p.TCP {
		st.flags.set(flTCP)
	}
	if st.flags.has(flInLRU) && a.lruTail != st {
		a.lruRemove(st)
		a.lruPush(st)
	}
}

// sweep finalises SAs idle longer than the idle timeout.
func (a *Analyzer) sweep() {
	for st := a.lruHead; st != nil && tsub(a.now, st.end()) > a.opt.IdleTimeout; st = a.lruHead {
		if a.park(st) { // its child SAs' end is its successor's (heirs.go)
			continue
		}
		a.report.Stats.FinalizedEarly++
		a.finalize(st)
	}
}

// finalize concludes st: state, findings, index cleanup, hand-off.
func (a *Analyzer) finalize(st *saState) {
	if st.done {
		return
	}
	a.lruRemove(st)
	a.settle(st, &a.cc)
	parked := a.parkedBefore(st) // before unindex: found through the index
	// The parked predecessors' child SAs' fate is known now that st is
	// concluded: they are finalised, oldest first as they began, before
	// st is handed on (the walk found them all: none has parked ones of
	// its own left).
	for i := len(parked) - 1; i >= 0; i-- {
		p := parked[i]
		p.flags.clear(flParked)
		a.report.Stats.FinalizedEarly++
		a.settle(p, &a.cc)
		a.handOver(p)
	}
	a.handOver(st)
}

// handOver ends the finalisation of st, settled: the indexes, the pair
// history, the release of its working state and the hand-off.
func (a *Analyzer) handOver(st *saState) {
	if !a.unindexed {
		a.unindex(st)
	}
	a.observePair(st)
	st.release(&a.infs)
	a.handOn(st)
}

// handOnSettled ends the finalisation of st, concluded ahead by Finish
// (settleHeirs): what finalize does after settle, the indexes dropped.
func (a *Analyzer) handOnSettled(st *saState) {
	a.finishConcluded(st)
	a.lruRemove(st)
	a.observePair(st)
	a.handOn(st)
}

// settle is the part of finalize that reads and writes st (its working
// state, exported SA and child SAs) and nothing else of the Analyzer but
// what no longer changes once the packets are in (now, opt, sawESP, texts): it
// builds the exported SA and concludes it, with cc's scratch space.
// Finish settles two SAs at once (finish_par.go).
func (a *Analyzer) settle(st *saState, cc *concluder) {
	a.concludeOnly(st, cc)
	a.viewExchanges(st)
}

// concludeOnly is the first part of settle: the exported SA built and
// concluded (settleHeirs does it ahead for some SAs, viewExchanges and
// the release later, in their turn: finishConcluded).
func (a *Analyzer) concludeOnly(st *saState, cc *concluder) {
	st.done = true
	// conclude reads the compact exchange records, not SA.Exchanges: the
	// exported exchanges are built once, after it, and not at all for a
	// report that does not show them (Options.NoExchanges), which saves
	// their four allocations per SA and the memory of keeping them until
	// the report is written. The inferred child SAs are built here, once:
	// only ESP (addESP) infers more.
	//
	// The exported SA is built here from the working fields (saState),
	// for conclude to complete; it is there before materialise, which
	// appends to its ChildSAs (kidsState).
	if f := st.finState(); f.sa == nil {
		f.sa = new(SA)
	}
	st.materialise(&a.infs)
	st.snapshot(&a.texts)
	a.conclude(st, cc)
}

// viewExchanges ends settle: the exported exchanges built from the compact
// records (not with Options.NoExchanges), which are dropped.
func (a *Analyzer) viewExchanges(st *saState) {
	if a.opt.NoExchanges {
		st.model().Exchanges = nil // even if a Lookup built them
	} else {
		st.view(&a.texts, &a.infs)
	}
	st.dropExs() // the records are no longer needed: sa.Exchanges holds their Exchanges
}

// release drops the links from a finalised SA to working state no longer
// needed (after unindex, which follows them). It writes st, its child SAs
// and its inferred records in s only (s's links read, not written).
func (st *saState) release(s *infSlab) {
	if m := st.rareOrEmpty().more; m != nil {
		m.ring = nil
	}
	// After Finish has dropped the indexes whole, unindex did not free
	// the inferred records: they must not hold the SA (and all it holds)
	// until the Analyzer goes.
	for i := st.lastInf; i != 0; i = s.prevOf(i) {
		s.at(i).owner = nil
	}
	st.lastInf = 0
	for _, c := range st.model().ChildSAs {
		// Only ESP (esp.go) reads owner, and no ESP packet finds the child
		// SAs of a finalised SA: dropping the link releases the working
		// state (its exchange records, indexes, saRare) with the SA
		// handed on, not with its child SAs.
		c.owner = nil
	}
}

// handOn ends finalize: the Decryptor forgets the SA's keys, and the SA,
// unless the SPI filter drops it, goes to Options.OnSA or the report.
// It runs on the Analyzer's goroutine, in the order SAs are finalised.
func (a *Analyzer) handOn(st *saState) {
	if fg, ok := a.opt.Decryptor.(Forgetter); ok {
		fg.Forget(st.Version, st.SPIi, st.SPIr)
	}
	sa := st.model()
	if !a.keep(sa) {
		return
	}
	if a.opt.OnSA != nil {
		a.opt.OnSA(sa)
		return
	}
	a.done = append(a.done, sa)
}

// unindex removes the index entries that point at st, a finished SA: its
// keys, its half-open entry, its child SAs' ESP SPIs, its pair's latest
// SA and the rekeys it negotiated.
func (a *Analyzer) unindex(st *saState) {
	a.ix.drop(st)
	for _, c := range st.childSAs() {
		a.unindexChild(st, c)
	}
	a.unindexInferred(st)
	a.latest.drop(st.pairKey(), st)
	a.dropSharer(st)
	a.unindexMovedPairs(st)
	a.authWait.drop(st.pairKey(), st)
	for _, k := range st.rareOrEmpty().rekeyKeys {
		if a.rekeys[k].old == st {
			delete(a.rekeys, k)
		}
	}
}

// keep applies the SPI filter to a finished SA.
func (a *Analyzer) keep(sa *SA) bool {
	if a.spis == nil {
		return true
	}
	if a.spis[sa.SPIi.String()] || a.spis[sa.SPIr.String()] {
		return true
	}
	for _, c := range sa.ChildSAs {
		if a.spis[c.SPIi.String()] || a.spis[c.SPIr.String()] {
			return true
		}
	}
	return false
}

// openSA pairs an SA still open at Finish with its first frame, the order
// they are finalised in: sorting on the copied frame compares without
// loading each SA (cache misses on a capture with many SAs open).
type openSA struct {
	first int
	st    *saState
}

// Finish finalises every open SA and returns the report. The Analyzer must
// not be used afterwards. With hundreds of SAs open, a second goroutine
// helps to finalise them while Finish runs (unless
// [Options.FinishAlone]); OnSA is still called on the caller's goroutine,
// with the same SAs in the same order, and a panic reaches the caller.
func (a *Analyzer) Finish() *Report {
	a.drain()
	a.finishing = true
	if a.sq != nil {
		a.ro.mergeDups(&a.sq.ro)
		a.sq.ro.dropHeld()
	}
	a.ro.dropHeld()
	open := make([]openSA, 0, a.ix.len())
	pairs := 0 // SAs that may enter the pair history (observePair)
	list := func(st *saState) {
		if st.flags.has(flListed) {
			return
		}
		st.flags.set(flListed)
		st.settleAmbiguous()
		open = append(open, openSA{st.firstFrame(), st})
		if st.inPairHistory() {
			pairs++
		}
	}
	a.ix.each(list)
	a.reservePairs(pairs)
	// SAs first seen in one frame (several IKE messages in one TCP
	// segment, RFC 8229) are ordered by version and SPIs, which no two
	// open SAs share: open was filled by a walk over maps, whose order
	// differs from run to run, and the output must not (opensort.go).
	sortOpen(open)
	// The SAs that hold child SAs listed under an open predecessor are
	// settled first, while movedChildren can still follow the index
	// (heirs.go).
	a.settleHeirs(open)
	// Every SA still indexed is in open, and nothing looks an SA up while
	// they are finalised (no packet comes after Finish): the indexes are
	// dropped whole here rather than key by key in finalize (a lookup and
	// a delete per key, most of them cache misses in maps of 10^4-10^5
	// entries), which also releases each SA as soon as it is handed on.
	a.ix.reset()
	a.esp.reset()
	a.inferred.reset()
	a.latest.reset()
	a.sharers = map[pairKey][]*saState{} // not clear: a cleared map keeps its storage
	a.authWait.reset()
	a.rekeys = map[saKey]pendingRekey{}
	a.unindexed = true
	if a.opt.OnSA == nil && a.spis == nil {
		// The report keeps every SA: their exported SAs are made in one
		// allocation, in the order they are finalised.
		n := 0
		for _, o := range open {
			if o.st.model() == nil {
				n++
			}
		}
		block := make([]SA, n)
		for _, o := range open {
			if f := o.st.finState(); f.sa == nil {
				f.sa, block = &block[0], block[1:]
			}
		}
	}
	if !a.opt.FinishAlone && len(open) >= max(a.par.min, 1) && runtime.GOMAXPROCS(0) > 1 {
		a.finalizeShared(open)
	} else {
		for i := range open {
			if st := open[i].st; settled(st) {
				a.handOnSettled(st)
			} else {
				a.finalize(st)
			}
			open[i].st = nil // finalised SAs handed to OnSA can be released at once
		}
	}
	a.globalFindings()
	a.captureFindings()
	r := &a.report
	slices.SortStableFunc(a.done, func(x, y *SA) int { return x.FirstFrame - y.FirstFrame })
	r.SAs = a.done
	if r.SAs == nil {
		r.SAs = []*SA{}
	}
	r.Findings = []Finding{}
	for _, sa := range r.SAs {
		if len(sa.Findings) == 0 {
			continue
		}
		name := sa.Name()
		for _, f := range sa.Findings {
			f.SA = name
			r.Findings = append(r.Findings, f)
		}
	}
	r.Findings = append(r.Findings, a.global...)
	slices.SortStableFunc(r.Findings, func(x, y Finding) int { return x.Order() - y.Order() })
	return r
}

// Order is the key findings are listed by, everywhere (Report.Findings,
// the CLI's streams and summaries): the first frame involved, findings
// about no frame in particular last. Sort stably by it.
func (f Finding) Order() int {
	if len(f.Frames) == 0 {
		return 1 << 62
	}
	return f.Frames[0]
}
