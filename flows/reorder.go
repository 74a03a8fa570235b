package flows

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"net/netip"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// Field captures rarely come in strict time order: pcapng files with
// several interfaces, multi-queue NICs and merged captures put frames out
// of order, and SPAN plus mirror ports or "tcpdump -i any" record the
// same packet twice. The analyzer puts packets back in time order through
// a bounded window before analysing them, and drops copies of a packet
// captured twice within microseconds, so that pairing, retransmit
// detection and durations do not depend on file order. The window can
// also run ahead of the analyzer, on another goroutine (Sequencer,
// sequence.go): the reorder type serves both.

// Reorder and duplicate defaults.
const (
	// DefaultReorderWindow is how far (in capture time) a frame may come
	// after later frames in the file and still be analysed in time order.
	DefaultReorderWindow = 2 * time.Second
	// maxHeld bounds the packets held for reordering.
	maxHeld = 1 << 14
	// maxHeldOctets bounds their octets: maxHeld messages of up to 64 KiB
	// would be a gigabyte. An ordinary capture holds far less (thousands
	// of messages of a few hundred octets within the window); past it, the
	// earliest packets leave the window early, as past maxHeld.
	maxHeldOctets = 32 << 20
	// dupWindow is the largest gap between two identical packets (same
	// addresses, same bytes) for the second to count as a capture
	// duplicate: no IKE or ESP stack retransmits this fast.
	dupWindow = 5 * time.Millisecond
	// dupRecent is how many recent packets are compared for duplicates.
	dupRecent = 32
)

// heldPacket is a packet waiting in the reorder window, with its own copy
// of Data, its fingerprint (packetSum) and, for an IKEv2 IKE_SA_INIT
// prepared with its NAT detection hashes (prepare.go), their index in
// reorder.nats plus one (0: none). The hashes are held apart: 72 octets
// that most packets do not have would make every held packet half as
// large again.
type heldPacket struct {
	p   Packet
	sum uint64
	nat int32
}

// packetSum returns the fingerprint of p's content: for an IKE message the
// hash (with seed, the Analyzer's) of all its octets, for ESP of its SPI
// and sequence number. It is taken when the packet comes in (AddPrepared, or
// a Preparer before), while its octets are in the CPU cache (the caller
// has just read them): after a wait in the reorder window, thousands of
// packets later, they no longer are, and hashing them then cost a cache
// miss per packet. The one pass over an IKE message's octets serves twice:
// in the duplicate filter's key (dupKey) and, when the message is exactly
// those octets and its flags are not rebuilt, as its hash for retransmit
// detection (msgHash), which hashed it a second time.
func packetSum(seed maphash.Seed, p *Packet) uint64 {
	switch p.Kind {
	case KindIKE:
		return maphash.Bytes(seed, p.Data)
	case KindESP:
		return mix64(uint64(p.ESPSPI)<<32 | uint64(p.ESPSeq))
	case KindICMP:
		// The quoted octets: an ICMP error is a copy of another when it
		// quotes the same datagram at once (the addresses compared are
		// the quoted datagram's).
		return maphash.Bytes(seed, p.Data)
	}
	return 0
}

// dupKey returns the key of p, whose fingerprint is sum (packetSum), for
// the duplicate filter (duplicate). The addresses are not hashed into it:
// duplicate compares them on a key match, which is exact and spares two
// address hashes per packet. (duplicate passes over packets of other
// kinds before it looks at their key.)
func dupKey(p *Packet, sum uint64) uint64 {
	return sum ^ uint64(p.Kind)<<62
}

// heldKey orders a held packet in the window's heap: by time, then
// arrival. The heap moves these small keys, not the packets.
type heldKey struct {
	t    int64 // UnixNano
	seq  uint64
	slot int32 // index in reorder.slab
}

// less orders keys by time, then arrival.
func (x heldKey) less(y heldKey) bool {
	if x.t != y.t {
		return x.t < y.t
	}
	return x.seq < y.seq
}

// reorder is the analyzer's time-order window and duplicate filter.
type reorder struct {
	// Packets that arrive in time order (the usual case) queue in fifo
	// at no cost; only those earlier than the last queued one go through
	// the min-heap. The earliest of both fronts leaves first.
	fifo  []heldKey
	fhead int
	heap  []heldKey    // min-heap of the packets that came out of order
	slab  []heldPacket // the packets, at their keys' slots
	spare []int32      // free slots of slab
	// nats holds the prepared NAT detection hashes of held packets
	// (heldPacket.nat), natSpare its free slots.
	nats     []natPre
	natSpare []int32
	// free holds recycled Data buffers by size class (bufClass), freeBytes
	// their total capacity.
	free      [bufClasses][][]byte
	freeBytes int
	octets    int // the octets of the packets held (their Data), bounded by maxHeldOctets
	seq       uint64
	newest    time.Time // latest time added
	newestNs  int64     // newest.UnixNano(), the largest heldKey.t pushed
	lastOut   time.Time // time of the latest packet analysed from the window
	// late counts frames that came after the window had moved past them;
	// early tells that the window, full (overfull), let packets go
	// before their time, so that frames less late than the window were
	// late too.
	late       int
	early      bool
	lateTime   time.Time
	lateFrames []int
	lateMax    time.Duration
	// lateSet holds the frames that came late, up to maxLateSet of them,
	// for the findings that rest on them (hedgeLate); latePairs the first
	// frame of each pair of peers a late IKE message was between.
	lateSet   map[int]struct{}
	latePairs map[pairKey]int
	// recent fingerprints the last packets analysed, for duplicates;
	// recentH holds their hashes apart, so that the scan of a packet reads
	// 256 bytes and looks at a time only on a hash match. recentN counts
	// the keys in recentH by their low octet (inRing of them in all): a
	// packet whose octet counts zero matches none, and most packets are
	// settled by that one load instead of 32 comparisons.
	recentH [dupRecent]uint64
	recent  [dupRecent]recentPacket
	recentN [256]uint8
	inRing  int
	next    int
	// dups counts the duplicates the filter took; natCopy the packets
	// seen again within dupWindow with one address (and perhaps its port)
	// rewritten, which the capture host translates between two interfaces
	// it captures on: those are analysed as they come (captureFindings).
	// hopCopy and nearCopy count the duplicates the filter took that came
	// more than dupWindow apart (laterCopy): with another IP TTL, and
	// with the same.
	dups, natCopy, hopCopy, nearCopy copyTally
}

// copyTally counts packets captured twice: how many, the time of the
// first, the largest gap between two copies, and the first few
// "first/copy" frame pairs.
type copyTally struct {
	n      int
	at     time.Time
	gap    time.Duration
	frames []int
}

// maxCopyFrames bounds copyTally.frames (8 pairs).
const maxCopyFrames = 16

// note counts p, a copy of the packet of frame first captured gap apart.
func (c *copyTally) note(first int, p *Packet, gap time.Duration) {
	if c.n == 0 {
		c.at = p.Time
	}
	c.n++
	c.gap = max(c.gap, gap)
	if len(c.frames) < maxCopyFrames {
		c.frames = append(c.frames, first, p.Frame)
	}
}

// merge adds o's counts to c and empties o.
func (c *copyTally) merge(o *copyTally) {
	if o.n == 0 {
		return
	}
	if c.n == 0 || o.at.Before(c.at) {
		c.at = o.at
	}
	c.n += o.n
	c.gap = max(c.gap, o.gap)
	c.frames = append(c.frames, o.frames[:min(len(o.frames), max(0, maxCopyFrames-len(c.frames)))]...)
	*o = copyTally{}
}

// pairs names the first four pairs ("3/4, 11/12, …").
func (c *copyTally) pairs(fn frameNamer) string {
	s := ""
	for i := 0; i+1 < len(c.frames) && i < 8; i += 2 {
		if s != "" {
			s += ", "
		}
		s += fn.one(c.frames[i]) + "/" + fn.one(c.frames[i+1])
	}
	if c.n > 4 {
		s += ", …"
	}
	return s
}

// recentPacket is when an analysed packet was captured and between which
// addresses (its key is in reorder.recentH).
type recentPacket struct {
	t        time.Time
	frame    int
	src, dst netip.AddrPort
	ttl      uint8 // Packet.TTL
	// v2req is set for an IKEv2 request, whose initiator's SPI is spi and
	// message ID mid (answeredSince).
	v2req bool
	mid   uint32
	spi   uint64
}

// size returns the number of packets held.
func (r *reorder) size() int { return len(r.heap) + len(r.fifo) - r.fhead }

// fromHeap reports whether the earliest held packet is the heap's.
func (r *reorder) fromHeap() bool {
	if r.fhead == len(r.fifo) {
		return true
	}
	return len(r.heap) > 0 && r.heap[0].less(r.fifo[r.fhead])
}

// takeSlot returns the index of an element of *items to fill: a free one
// from *spare, else a new one appended.
func takeSlot[T any](items *[]T, spare *[]int32) int32 {
	if n := len(*spare); n > 0 {
		i := (*spare)[n-1]
		*spare = (*spare)[:n-1]
		return i
	}
	var zero T
	*items = append(*items, zero)
	return int32(len(*items) - 1)
}

// push adds p (copying its Data) with what was prepared for it to the
// window.
func (r *reorder) push(p *Packet, pre *Prepared) {
	slot := takeSlot(&r.slab, &r.spare)
	hp := &r.slab[slot]
	hp.p, hp.sum, hp.nat = *p, pre.sum, 0
	if pre.nat.ok {
		ns := takeSlot(&r.nats, &r.natSpare)
		r.nats[ns] = pre.nat
		hp.nat = ns + 1
	}
	if p.Data != nil {
		hp.p.Data = append(r.buffer(len(p.Data)), p.Data...)
		r.octets += len(p.Data)
	}
	hk := heldKey{t: p.Time.UnixNano(), seq: r.seq, slot: slot}
	r.seq++
	if r.fhead == len(r.fifo) || !hk.less(r.fifo[len(r.fifo)-1]) {
		if r.fhead > 0 && r.fhead >= len(r.fifo)/2 {
			n := copy(r.fifo, r.fifo[r.fhead:])
			r.fifo, r.fhead = r.fifo[:n], 0
		}
		r.fifo = append(r.fifo, hk)
		r.noteNewest(p.Time, hk.t)
		return
	}
	h := append(r.heap, hk)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !h[i].less(h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	r.heap = h
	r.noteNewest(p.Time, hk.t)
}

// noteNewest records t, whose UnixNano is ns, as the newest time when it
// is.
func (r *reorder) noteNewest(t time.Time, ns int64) {
	if t.After(r.newest) {
		r.newest, r.newestNs = t, ns
	}
}

// firstKey returns the key of the earliest held packet (size must be > 0).
func (r *reorder) firstKey() heldKey {
	if r.fromHeap() {
		return r.heap[0]
	}
	return r.fifo[r.fhead]
}

// pastWindow reports whether the earliest held packet (size must be > 0)
// is more than w older than the newest one. When both are capture times
// tsub subtracts directly (1970-2106) it subtracts their keys' UnixNano
// times, which is what tsub returns, without loading the packet from the
// slab: this runs for every packet added, and the earliest packet's slot
// is seldom in the cache.
func (r *reorder) pastWindow(w time.Duration) bool {
	first := r.firstKey()
	if !r.newest.IsZero() && inTsubRange(r.newestNs) && inTsubRange(first.t) {
		return time.Duration(r.newestNs-first.t) > w
	}
	return tsub(r.newest, r.slab[first.slot].p.Time) > w
}

// inTsubRange reports whether a UnixNano time lies where tsub subtracts
// directly (Unix seconds 0 to maxTsubSec).
func inTsubRange(ns int64) bool { return ns >= 0 && ns < maxTsubSec*int64(time.Second) }

// pop removes the earliest packet and returns it; the caller recycles its
// Data. The returned pointer is valid until the next push.
func (r *reorder) pop() *heldPacket {
	if !r.fromHeap() {
		k := r.fifo[r.fhead]
		r.fhead++
		if r.fhead == len(r.fifo) {
			r.fifo, r.fhead = r.fifo[:0], 0
		}
		r.spare = append(r.spare, k.slot)
		r.octets -= len(r.slab[k.slot].p.Data)
		return &r.slab[k.slot]
	}
	h := r.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l, m := 2*i+1, i
		if l < len(h) && h[l].less(h[m]) {
			m = l
		}
		if l+1 < len(h) && h[l+1].less(h[m]) {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	r.heap = h
	r.spare = append(r.spare, top.slot)
	r.octets -= len(r.slab[top.slot].p.Data)
	return &r.slab[top.slot]
}

// overfull reports whether the window holds more packets or octets than
// it may (maxHeld, maxHeldOctets): the earliest must leave, window or not.
func (r *reorder) overfull() bool { return r.size() > maxHeld || r.octets > maxHeldOctets }

// Held packets' Data buffers come in power-of-two sizes from
// 1<<minBufShift to 1<<(minBufShift+bufClasses-1) octets, and a buffer
// is reused only for a packet of its own size class: reused for any
// packet, a buffer freed by a small message was regrown (allocated again)
// by the next large one, which was most of what the window allocated.
const (
	minBufShift = 7 // 128 octets
	bufClasses  = 10
	// maxFreeBytes bounds the capacity of the buffers kept for reuse.
	maxFreeBytes = 1 << 20
)

// bufClass returns the size class of a buffer for n octets (bufClasses
// when larger than the largest class).
func bufClass(n int) int {
	if n <= 1<<minBufShift {
		return 0
	}
	return bits.Len(uint(n-1)) - minBufShift
}

// buffer returns an empty buffer with room for n octets.
func (r *reorder) buffer(n int) []byte {
	c := bufClass(n)
	if c >= bufClasses {
		return make([]byte, 0, n)
	}
	if k := len(r.free[c]); k > 0 {
		b := r.free[c][k-1]
		r.free[c][k-1] = nil
		r.free[c] = r.free[c][:k-1]
		r.freeBytes -= cap(b)
		return b[:0]
	}
	return make([]byte, 0, 1<<(c+minBufShift))
}

// recycle keeps a popped packet's buffer for reuse.
func (r *reorder) recycle(b []byte) {
	if b == nil {
		return
	}
	c := bufClass(cap(b))
	if c >= bufClasses || cap(b) != 1<<(c+minBufShift) || r.freeBytes+cap(b) > maxFreeBytes {
		return
	}
	r.free[c] = append(r.free[c], b)
	r.freeBytes += cap(b)
}

// window returns the reorder window in force (0: none).
func (a *Analyzer) window() time.Duration {
	switch {
	case a.opt.ReorderWindow < 0:
		return 0
	case a.opt.ReorderWindow == 0:
		return DefaultReorderWindow
	}
	return a.opt.ReorderWindow
}

// enqueue passes p, with what was prepared for it (pre.sum at least:
// from the Analyzer's Preparer, or taken by AddPrepared when none
// prepared p), through the reorder window: packets leave it in time order
// once the capture has moved on by the window.
func (a *Analyzer) enqueue(p *Packet, pre *Prepared) {
	r := &a.ro
	if t := p.Time.Round(0); t != p.Time {
		// A monotonic clock reading (a time.Now() stamp) is dropped:
		// the analysis works on wall-clock times only (see tsub).
		q := *p
		q.Time = t
		p = &q
	}
	w := a.window()
	if w == 0 {
		a.process(p, pre.sum, &pre.nat, nil, 0)
		return
	}
	if by, late := r.lateBy(p.Time); late {
		// Too late to be put back in order: analyse it where it is.
		r.noteLate(p, by)
		a.process(p, pre.sum, &pre.nat, nil, 0)
		return
	}
	r.push(p, pre)
	for r.due(w) {
		a.release()
	}
}

// lateBy reports whether a packet of time t comes too late to be put back
// in order (a later packet has left the window already), and by how much.
func (r *reorder) lateBy(t time.Time) (time.Duration, bool) {
	if r.lastOut.IsZero() || !t.Before(r.lastOut) {
		return 0, false
	}
	// How far it is out of order: behind the newest frame before it in
	// the file (the frames analysed already, lastOut, are behind that by
	// the window, so they understate it).
	return tsub(r.newest, t), true
}

// due reports whether the earliest held packet must leave the window of
// width w: the capture has moved on by w, or the window is over full
// (which it records in early, for the out_of_order text).
func (r *reorder) due(w time.Duration) bool {
	switch {
	case r.size() == 0:
		return false
	case r.pastWindow(w):
		return true
	case r.overfull():
		r.early = true
		return true
	}
	return false
}

// take removes the earliest held packet and returns it with its NAT
// detection hashes (ok false: none), the time of the packets analysed
// moving on to it. The caller recycles its Data; the pointer is valid
// until the next push.
func (r *reorder) take() (*heldPacket, natPre) {
	hp := r.pop()
	if hp.p.Time.After(r.lastOut) {
		r.lastOut = hp.p.Time
	}
	var nat natPre
	if hp.nat > 0 {
		// The slot is overwritten whole when reused (push); natPre holds
		// no pointers, so there is nothing to clear for the collector.
		nat = r.nats[hp.nat-1]
		r.natSpare = append(r.natSpare, hp.nat-1)
	}
	return hp, nat
}

// noteLate counts p, which came by after the window had moved past it,
// for the report (captureFindings).
func (r *reorder) noteLate(p *Packet, by time.Duration) {
	if r.late == 0 {
		r.lateTime = p.Time
	}
	r.late++
	if len(r.lateFrames) < 8 {
		r.lateFrames = append(r.lateFrames, p.Frame)
	}
	if len(r.lateSet) < maxLateSet {
		if r.lateSet == nil {
			r.lateSet = map[int]struct{}{}
		}
		r.lateSet[p.Frame] = struct{}{}
		if p.Kind == KindIKE {
			if r.latePairs == nil {
				r.latePairs = map[pairKey]int{}
			}
			if k := makePairKey(p.Src.Addr(), p.Dst.Addr()); r.latePairs[k] == 0 {
				r.latePairs[k] = p.Frame
			}
		}
	}
	r.lateMax = max(r.lateMax, by)
}

// release analyses the earliest held packet.
func (a *Analyzer) release() {
	r := &a.ro
	hp, nat := r.take()
	a.process(&hp.p, hp.sum, &nat, nil, 0)
	r.recycle(hp.p.Data)
	hp.p = Packet{}
}

// drain analyses every held packet (at Finish).
func (a *Analyzer) drain() {
	for a.ro.size() > 0 {
		a.release()
	}
}

// process analyses one packet, whose fingerprint (packetSum) is sum, in
// (restored) time order; nat, when not nil, holds the NAT detection hashes
// prepared for it (when nat.ok).
func (a *Analyzer) process(p *Packet, sum uint64, nat *natPre, dec *DecodeBuf, di int32) {
	if a.ro.duplicate(p, dupKey(p, sum)) {
		return
	}
	a.analyse(p, sum, nat, dec, di)
}

// analyse is process for a packet known not to be a duplicate (the
// Sequencer's filter let it through).
func (a *Analyzer) analyse(p *Packet, sum uint64, nat *natPre, dec *DecodeBuf, di int32) {
	if p.Time.After(a.now) {
		if a.now.IsZero() {
			a.began = p.Time
		}
		a.now = p.Time
	}
	a.clock.see(p.Time)
	switch p.Kind {
	case KindIKE:
		// natHashOf takes the prepared NAT detection hashes from here
		// (only IKE_SA_INIT messages have them).
		a.nat.ok = false
		if nat != nil && nat.ok && nat.addrs == natAddrs(p) {
			a.nat = *nat
		}
		a.addIKE(p, sum, dec, di)
	case KindESP:
		a.addESP(p)
	case KindICMP:
		a.addICMP(p)
	}
	if a.opt.IdleTimeout > 0 {
		a.sweep()
	}
}

// duplicate reports whether p, whose duplicate key (dupKey) is h,
// is a second capture of a packet analysed within dupWindow: same
// addresses, same IKE bytes, ESP SPI and sequence number, or ICMP quote.
func (r *reorder) duplicate(p *Packet, h uint64) bool {
	if p.Kind != KindIKE && p.Kind != KindESP && p.Kind != KindICMP {
		return false
	}
	if p.Kind == KindIKE && p.Cut && len(p.Data) < dissect.HeaderLen {
		// Cut within the IKE header (snap length): two different messages
		// of one SA look alike (ikev1-aggressive at -s 64: AM3 and QM1,
		// 0.8 ms apart, are 18 identical octets).
		return false
	}
	req := p.Kind == KindIKE && v2Request(p.Data)
	scan := r.recentH[:]
	if r.recentN[uint8(h)] == 0 {
		scan = nil // no key in the ring ends in h's octet
	}
	for i, xh := range scan {
		if xh != h {
			continue
		}
		x := &r.recent[i]
		if x.frame == 0 || x.frame == p.Frame {
			continue
		}
		gap := p.Time.Sub(x.t)
		if gap < 0 {
			gap = -gap
		}
		if x.src != p.Src || x.dst != p.Dst {
			if p.Kind != KindICMP && gap <= dupWindow && natRewritten(x, p) {
				r.natCopy.note(x.frame, p, gap)
			}
			continue
		}
		if gap <= dupWindow {
			r.dups.note(x.frame, p, gap)
			return true
		}
		if copy, hop := r.laterCopy(i, p, gap, req); copy {
			t := &r.nearCopy
			if hop {
				t = &r.hopCopy
			}
			t.note(x.frame, p, gap)
			return true
		}
	}
	if r.inRing == dupRecent {
		r.recentN[uint8(r.recentH[r.next])]--
	} else {
		r.inRing++
	}
	r.recentN[uint8(h)]++
	r.recentH[r.next] = h
	r.recent[r.next] = recentPacket{t: p.Time, frame: p.Frame, src: p.Src, dst: p.Dst, ttl: p.TTL}
	if req {
		x := &r.recent[r.next]
		x.v2req = true
		x.spi, x.mid = v2ID(p.Data)
	}
	r.next = (r.next + 1) % dupRecent
	return false
}

// natRewritten reports whether p has the addresses of x with those of one
// end rewritten, its address at least (a port alone may be a peer's own
// doing: the same request sent again from another port).
func natRewritten(x *recentPacket, p *Packet) bool {
	switch {
	case x.src == p.Src:
		return x.dst.Addr() != p.Dst.Addr()
	case x.dst == p.Dst:
		return x.src.Addr() != p.Src.Addr()
	}
	return false
}

// dropHeld lets the storage of an emptied window go (Finish, once no
// packet can come): its slots, queues and recycled buffers, 3-4 MB on
// big100k that stayed live through Finish, the peak of its memory. The
// counts for the report stay.
func (r *reorder) dropHeld() {
	r.fifo, r.fhead, r.heap, r.slab, r.spare = nil, 0, nil, nil, nil
	r.nats, r.natSpare = nil, nil
	r.free, r.freeBytes = [bufClasses][][]byte{}, 0
}

// mergeDups adds the duplicates that o's filter found (a Sequencer's) to
// r's, and empties o's counts; it also takes o's early.
func (r *reorder) mergeDups(o *reorder) {
	r.early = r.early || o.early // the window that let packets go early was the Sequencer's
	r.dups.merge(&o.dups)
	r.natCopy.merge(&o.natCopy)
	r.hopCopy.merge(&o.hopCopy)
	r.nearCopy.merge(&o.nearCopy)
}

// copiesFinding adds the capture_duplicate finding of the copies c
// counts, if any, with the text that text makes of "N packets appear
// twice in the capture" and the frame pairs c names.
func (a *Analyzer) copiesFinding(c *copyTally, sev Severity, text func(twice, pairs string) string) {
	if c.n == 0 {
		return
	}
	a.global = append(a.global, Finding{Kind: KindCaptureDuplicate, Severity: sev, Time: c.at, Frames: sortedFrames(c.frames),
		Message: text(words.Count(c.n, "packet appears", "packets appear")+" twice in the capture", c.pairs(a.frames))})
}

// captureFindings adds the capture-wide notes on duplicates and frames
// out of time order.
func (a *Analyzer) captureFindings() {
	r := &a.ro
	a.copiesFinding(&r.dups, SeverityInfo, func(twice, pairs string) string {
		return twice + " (frames " + pairs + "): the same bytes between the same addresses within " + micros(r.dups.gap) + "." +
			" That is the capture recording one packet twice (SPAN plus mirror port, or \"-i any\" seeing it on two" +
			" interfaces), not a retransmission; the second copies were left out of the analysis."
	})
	a.copiesFinding(&r.hopCopy, SeverityInfo, func(twice, pairs string) string {
		return twice + " (frames " + pairs + "): the same bytes between the same addresses up to " + gapText(r.hopCopy.gap) +
			" apart, the second copy with another IP TTL. That is one packet seen at two points with a router between them" +
			" (both interfaces of a router or firewall mirrored to the capture, or captures of two points merged), not a" +
			" retransmission, which leaves its sender with the same TTL; the second copies were left out of the analysis. To" +
			" see what was lost or delayed between the two points, capture them in two files and give both (ikeflow analyze" +
			" A B compares them)."
	})
	a.copiesFinding(&r.nearCopy, SeverityInfo, func(twice, pairs string) string {
		return twice + " (frames " + pairs + "): the same bytes between the same addresses, with no difference in IP TTL, up to " +
			gapText(r.nearCopy.gap) + " apart. An ESP sender never uses a sequence number twice, and no IKE stack resends a" +
			" message this fast (libreswan's 500 ms is the shortest default timer): that is the capture holding one packet" +
			" twice (two switch ports mirrored, a bridge or transparent firewall captured on both sides), not a" +
			" retransmission. The second copies were left out of the analysis."
	})
	a.copiesFinding(&r.natCopy, SeverityWarning, func(twice, pairs string) string {
		return twice + " with one address rewritten between the two copies (frames " + pairs + "), within " +
			strconv.FormatInt(dupWindow.Milliseconds(), 10) + " ms: the capture was taken on a host that translates" +
			" addresses (NAT) between two interfaces it captures on (\"-i any\"), and holds each such packet on both" +
			" sides. Both copies were analysed: what is counted per packet (retransmits, ESP packets per direction)" +
			" counts them twice, and the two sides' addresses may be taken for two peers or for ESP without an IKE SA." +
			" Capture on one interface (-i eth0) to analyse the traffic as one side sees it."
	})
	if f, ok := a.unread.finding(a.frames); ok {
		a.global = append(a.global, f)
	}
	if f, ok := a.jump.finding(a.frames); ok {
		a.global = append(a.global, f)
	}
	if f, ok := a.clock.finding(); ok {
		f.Time = a.began
		a.global = append(a.global, f)
	}
	if f, ok := a.snap.finding(a.report.Stats.IKEPackets+a.report.Stats.Malformed, a.frames); ok {
		a.global = append(a.global, f)
	}
	if f, ok := a.lossFinding(); ok {
		a.global = append(a.global, f)
	}
	if len(a.badFlags) > 0 {
		a.global = append(a.global, Finding{Kind: KindMalformed, Severity: SeverityWarning, Time: a.badFlagsTime,
			Frames: sortedFrames(a.badFlags), Message: badFlagsText(a.badFlags, nil, false, a.frames)})
	}
	if r.late > 0 {
		a.global = append(a.global, Finding{Kind: KindOutOfOrder, Severity: SeverityWarning, Time: r.lateTime,
			Frames: sortedFrames(r.lateFrames),
			Message: words.Count(r.late, "frame comes", "frames come") + " after frames up to " + secs(r.lateMax) + " later in time," +
				lateWhy(r, a.window()) + " They were analysed where they are in the file, so" +
				" pairing, retransmits and timings around them may be wrong. Merge the captures by time (mergecap" +
				" without -a) and analyse again."})
	}
}

// lateWhy says why late frames were not put back in order: beyond the
// window w, or (early) the window was full and let packets go before
// their time.
func lateWhy(r *reorder, w time.Duration) string {
	switch {
	case r.early && r.lateMax <= w:
		return " which the reorder window (" + secs(w) + ") could not put back in order: it was full (over " +
			strconv.Itoa(maxHeld) + " packets or " + strconv.Itoa(maxHeldOctets>>20) + " MiB within " + secs(w) +
			") and let packets go early."
	case r.early:
		return " beyond what the reorder window (" + secs(w) + ") puts back in order (files concatenated rather than merged" +
			" by time, or the capturing host's clock set back?); the window was also full at times and let packets go early."
	}
	return " beyond what the reorder window (" + secs(w) + ") puts back in order (files concatenated rather than merged by time," +
		" or the capturing host's clock set back?)."
}

// micros formats a short duration in microseconds ("3 µs").
func micros(d time.Duration) string {
	return strconv.FormatInt(max(d, 0).Microseconds(), 10) + " µs"
}

// gapText returns d, a gap between two copies of a packet, in
// microseconds below a millisecond ("312 µs") and in milliseconds from
// there ("8.0 ms", "21 ms").
func gapText(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return micros(d)
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(millis(d), 'f', 1, 64) + " ms"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
}

// millis returns d in milliseconds, never negative (frames that stayed out
// of time order must not produce negative round trips).
func millis(d time.Duration) float64 { return float64(max(d, 0)) / float64(time.Millisecond) }

// maxTsubSec bounds the Unix times (in seconds, 2106) that tsub subtracts
// itself: their difference in nanoseconds fits an int64 with room to
// spare.
const maxTsubSec = 1 << 32

// tsub returns t.Sub(u) for the analyzer's times, which carry no monotonic
// clock reading (enqueue drops it). Capture timestamps (1970 to 2106) are
// subtracted directly, which is exact and costs a fraction of
// time.Time.Sub (whose overflow checks showed in the per-packet profile);
// other times go through Sub.
func tsub(t, u time.Time) time.Duration {
	if ts, us := t.Unix(), u.Unix(); ts >= 0 && ts < maxTsubSec && us >= 0 && us < maxTsubSec {
		return time.Duration(ts-us)*time.Second + time.Duration(t.Nanosecond()-u.Nanosecond())
	}
	return t.Sub(u)
}

// mix64 scrambles x (the SplitMix64 finaliser).
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// addrBits folds an address and port into 64 bits.
func addrBits(ap netip.AddrPort) uint64 {
	b := ap.Addr().As16()
	return mix64(binary.BigEndian.Uint64(b[:8])) ^ binary.BigEndian.Uint64(b[8:]) ^ uint64(ap.Port())<<48
}

// hopWindow is the largest gap between two copies of one packet, the
// second with another IP TTL, for the second to count as the same packet
// captured at a second point behind a router (laterCopy): more than any
// transit between two capture points of one site, less than the quickest
// retransmission timer of IKE stacks (libreswan's 500 ms; strongSwan waits
// 4 s).
const hopWindow = 250 * time.Millisecond

// laterCopy reports whether p, byte for byte the packet at ring index i
// between the same addresses (IKE; ESP: its SPI and sequence number),
// captured gap later, past dupWindow, is that packet captured a second
// time (copy), and whether with another TTL (hop): the packet seen at a
// second point with routers between (both interfaces of a firewall
// mirrored), which a sender's own retransmission would not show; req
// tells that p is an IKEv2 request (v2Request). The corpus with every
// frame copied 8 or 30 ms later read as every message retransmitted,
// "back-off: 0.0 s", DPDs unanswered twice as dead peers, and one
// INVALID_KE_PAYLOAD as a loop.
//
// ESP is a copy within hopWindow whatever its TTL: no sender uses a
// sequence number twice on an SA (RFC 4303 §3.3.3), and a receiver drops
// a replay. IKE with another TTL is a copy within hopWindow; with the
// same TTL (no router between: two switch ports mirrored, a bridge),
// within quickResend, under the timer of every IKE stack, an IKEv2
// request always, another message unless the other peer sent between the
// two what it answers (answeredSince): a responder answers each copy of a
// request it gets, so its answers come as close together as the request's
// copies reached it, and its first answer may be slow (an answer 20 ms
// before the initiator's resend arrived is sent again 21 ms later); an
// IKEv1 peer resends its last message when the peer's previous one comes
// again.
func (r *reorder) laterCopy(i int, p *Packet, gap time.Duration, req bool) (copy, hop bool) {
	x := &r.recent[i]
	hop = x.ttl != 0 && p.TTL != 0 && x.ttl != p.TTL
	switch {
	case p.Kind == KindESP:
		return gap <= hopWindow, hop
	case p.Kind != KindIKE:
		return false, false
	case hop:
		return gap <= hopWindow, true
	}
	return gap <= quickResend && (req || !r.answeredSince(i, p)), false
}

// v2Request reports whether msg is an IKEv2 request: its header's major
// version 2, the Response flag clear.
func v2Request(msg []byte) bool {
	return len(msg) >= dissect.HeaderLen && msg[17]>>4 == 2 && msg[19]&dissect.FlagResponse == 0
}

// v2ID returns the initiator's SPI and the message ID of msg, an IKE
// message at least dissect.HeaderLen long.
func v2ID(msg []byte) (spi uint64, mid uint32) {
	return binary.BigEndian.Uint64(msg[:8]), binary.BigEndian.Uint32(msg[20:24])
}

// answeredSince reports whether p, an IKE message that came again, may be
// its sender's answer to what the other peer sent after the one at ring
// index i (copies the filter took are not in the ring). For IKEv1, a
// message the other peer sent again: an IKEv1 peer resends its last
// message when the other's previous one comes again (which message that
// was is not known here, so any repeat counts). The other peer's answer to
// the first copy does not (ikev1-dpd-dead-peer with every frame copied
// 8 ms later: MM2 comes between MM1 and its copy). A repeat whose first
// copy has left the ring is missed, and p taken for a copy: a resend the
// analysis then lacks, rather than copies read as retransmissions.
// For an IKEv2 response, a copy of the request it answers
// (its SA's, its message ID) from the other peer; when the ring no longer
// holds that request, any request of its SA with its message ID.
// (ikev2-invalid-ke-retry with every frame copied 8 ms later: between the
// INVALID_KE_PAYLOAD answer and its copy comes the retry, a new request
// with message ID 0, which the copy does not answer.)
func (r *reorder) answeredSince(i int, p *Packet) bool {
	oldest := 0
	if r.inRing == dupRecent {
		oldest = r.next
	}
	if len(p.Data) < dissect.HeaderLen || p.Data[17]>>4 != 2 {
		// IKEv1: something the other peer sent again (its key is in the
		// ring before it).
		for j := (i + 1) % dupRecent; j != r.next; j = (j + 1) % dupRecent {
			if x := &r.recent[j]; x.src == p.Dst && x.dst == p.Src && r.heldBefore(oldest, j) {
				return true
			}
		}
		return false
	}
	spi, mid := v2ID(p.Data)
	req := func(x *recentPacket) bool {
		return x.src == p.Dst && x.dst == p.Src && x.v2req && x.mid == mid && x.spi == spi
	}
	var asked uint64 // key of the request the first copy answered
	known := false
	for j := i; j != oldest && !known; {
		j = (j + dupRecent - 1) % dupRecent
		if req(&r.recent[j]) {
			asked, known = r.recentH[j], true
		}
	}
	for j := (i + 1) % dupRecent; j != r.next; j = (j + 1) % dupRecent {
		if req(&r.recent[j]) && (!known || r.recentH[j] == asked) {
			return true
		}
	}
	return false
}

// heldBefore reports whether the key at ring index j is also at an index
// from oldest up to j: the packet there came again.
func (r *reorder) heldBefore(oldest, j int) bool {
	for k := oldest; k != j; k = (k + 1) % dupRecent {
		if r.recentH[k] == r.recentH[j] {
			return true
		}
	}
	return false
}
