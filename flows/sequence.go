package flows

import (
	"net/netip"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// Sequencing: the reorder window (reorder.go), and the decoding of each IKE
// message with the facts the analyzer takes from its payloads (facts.go),
// need nothing but the packets and their order. A caller that reads
// packets on one goroutine and analyses them on another (the CLI's
// read-ahead) runs them on the reading goroutine with a [Sequencer]: it
// pushes each packet in file order and hands what Next returns, in that
// order, to [Analyzer.AddSequenced]. The analyzing goroutine, the one that
// bounds the wall time, then only analyses. The results are the same as
// with [Analyzer.Add]: Next returns the packets in the order the Analyzer's
// own window would analyse them (late ones where they come, the rest in
// time order once the capture has moved on by the window), and the
// Analyzer does the same work on them from there (duplicate filter,
// analysis, late-frame report).
//
// The window there holds each packet's octets in a buffer of its own (as
// the Analyzer's does); Next hands that buffer on with the packet instead
// of reusing it at once, and the caller gives it back with Recycle once
// the Analyzer is done with the packet (the CLI does when its read-ahead
// block comes back), so that the octets need no second copy and the
// decoded payloads, which point into them, stay valid on the way.

// Sequencer puts packets in the order its Analyzer analyses them and
// decodes their IKE messages, ahead of the Analyzer (see
// [Analyzer.Sequencer]). It is not safe for concurrent use, but may be
// used on one goroutine while its Analyzer works on another.
type Sequencer struct {
	prep   *Preparer
	peers  map[netip.Addr]bool // the Analyzer's peer filter (read only)
	window time.Duration       // the reorder window (0: none)
	ro     reorder             // the window: its packets and time order
	names  notifyNames
	// pend is a packet Next returns before any held one: one analysed
	// where it comes (late, no window) or left out by the peer filter.
	pend    Sequenced
	hasPend bool
	closed  bool // end of input: Next returns every held packet
}

// Sequenced is a packet that left a [Sequencer], in the order the
// Analyzer analyses packets, with what was prepared and decoded for it.
// Hand it to [Analyzer.AddSequenced], then to [Sequencer.Recycle].
// The zero value is valid: nothing (AddSequenced ignores it).
type Sequenced struct {
	p        Packet // its Data is the Sequencer's buffer
	by       *Sequencer
	sum      uint64 // packetSum
	nat      natPre
	filtered bool          // left out by the peer filter: only counted
	late     bool          // came after the window had moved past it
	lateBy   time.Duration // how far (late)
	dec      decoded
}

// decoded is an IKE message decoded ahead (Sequencer.decode), for addIKE.
// Its payloads point into the packet's Data.
type decoded struct {
	ok        bool // msg holds the packet's message (DecodeFromBytes)
	bad       bool // and DecodeFromBytes returned an error
	collected bool // f holds the facts of msg's payloads (version 1 or 2)
	msg       dissect.Message
	f         msgFacts
}

// Room MakeSequenced gives each value, for a message of usual size (an
// IKE_SA_INIT carries 6 to 10 payloads, most others 1 or 2): a message
// with more grows its slices, which then stay with the values.
const (
	seqPayloads = 6
	seqSummary  = 48
	seqNotifies = 3
	seqSorted   = 1 // each of SA, KE, TSi, TSr, Delete, ID, NAT-D payloads
)

// MakeSequenced returns n Sequenced values for Next to fill, with room
// for decoded messages of usual size taken from a few allocations, not a
// few per value: a caller that keeps many values in flight (the CLI's
// read-ahead blocks) would otherwise allocate each value's room as the
// first messages pass through it.
func MakeSequenced(n int) []Sequenced {
	out := make([]Sequenced, n)
	pl := make([]dissect.Payload, n*(seqPayloads+7*seqSorted))
	sum := make([]byte, n*seqSummary)
	nf := make([]notifyFact, n*seqNotifies)
	take := func(k int) []dissect.Payload {
		b := pl[:0:k]
		pl = pl[k:]
		return b
	}
	for i := range out {
		d := &out[i].dec
		d.msg.Payloads = take(seqPayloads)
		f := &d.f
		f.sas, f.ke, f.tsi, f.tsr = take(seqSorted), take(seqSorted), take(seqSorted), take(seqSorted)
		f.deletes, f.ids, f.natd = take(seqSorted), take(seqSorted), take(seqSorted)
		f.summary, sum = sum[:0:seqSummary], sum[seqSummary:]
		f.notifies, nf = nf[:0:seqNotifies], nf[seqNotifies:]
	}
	return out
}

// Packet returns the packet. Its Data is valid until s is passed to
// Recycle or Next.
func (s *Sequenced) Packet() *Packet { return &s.p }

// Sequencer returns the Sequencer for a's packets; there is one per
// Analyzer. Sequenced values are only valid with the Analyzer whose
// Sequencer made them. An Analyzer is fed either through its Sequencer
// (AddSequenced) or with Add and AddPrepared, not both: each has its own
// reorder window.
func (a *Analyzer) Sequencer() *Sequencer {
	if a.sq == nil {
		a.sq = &Sequencer{prep: a.Preparer(), peers: a.peers, window: a.window()}
	}
	return a.sq
}

// Push hands s the next packet in file order, as [Analyzer.Add] takes it:
// p and its Data are not retained (the octets are copied). After each
// Push, call Next until it returns false, and only then Push again: what
// Next returns depends on the packets pushed so far.
func (s *Sequencer) Push(p *Packet) {
	if p == nil {
		return
	}
	r := &s.ro
	q := *p
	if s.peers != nil && !s.peers[p.Src.Addr().Unmap()] && !s.peers[p.Dst.Addr().Unmap()] {
		// Not analysed, only counted; the octets are kept all the same,
		// for an Analyzer that takes it as Add does (a foreign Sequenced).
		s.pending(&q, nil)
		s.pend.filtered = true
		return
	}
	// A monotonic clock reading (a time.Now() stamp) is dropped, as
	// Analyzer.enqueue drops it.
	q.Time = q.Time.Round(0)
	var pre Prepared
	s.prep.Prepare(&q, &pre)
	switch {
	case s.window == 0:
		s.pending(&q, &pre)
	case !r.lastOut.IsZero() && q.Time.Before(r.lastOut):
		// Too late to be put back in order: analysed where it is.
		s.pending(&q, &pre)
		s.pend.late, s.pend.lateBy = true, tsub(r.lastOut, q.Time)
	default:
		r.push(&q, &pre)
	}
}

// pending makes p (copying its Data), with what was prepared for it (nil:
// nothing), the packet Next returns first.
func (s *Sequencer) pending(p *Packet, pre *Prepared) {
	o := &s.pend
	o.p, o.by, o.sum, o.nat.ok = *p, s, 0, false
	o.filtered, o.late, o.lateBy = false, false, 0
	if pre != nil {
		o.sum, o.nat = pre.sum, pre.nat
	}
	if p.Data != nil {
		o.p.Data = append(s.ro.buffer(len(p.Data)), p.Data...)
	}
	s.hasPend = true
}

// Close tells s that no packet follows: Next then returns every packet
// held.
func (s *Sequencer) Close() { s.closed = true }

// Next puts into out the next packet to analyse, if one is due, and
// reports whether it did. out's earlier packet, if any, must have been
// analysed (its buffer is given back with Recycle, or left to the garbage
// collector); the room out holds for a decoded message is reused.
func (s *Sequencer) Next(out *Sequenced) bool {
	r := &s.ro
	switch {
	case s.hasPend:
		s.hasPend = false
		o := &s.pend
		out.p, out.by, out.sum, out.nat = o.p, s, o.sum, o.nat
		out.filtered, out.late, out.lateBy = o.filtered, o.late, o.lateBy
		o.p = Packet{}
	case r.size() > 0 && (s.closed || r.pastWindow(s.window) || r.size() > maxHeld):
		// As Analyzer.release, but the packet's buffer goes with it.
		hp := r.pop()
		if hp.p.Time.After(r.lastOut) {
			r.lastOut = hp.p.Time
		}
		out.p, out.by, out.sum = hp.p, s, hp.sum
		out.filtered, out.late, out.lateBy = false, false, 0
		out.nat.ok = false
		if hp.nat > 0 {
			out.nat = r.nats[hp.nat-1]
			r.natSpare = append(r.natSpare, hp.nat-1)
		}
		hp.p = Packet{}
	default:
		return false
	}
	s.decode(out)
	return true
}

// decode decodes out's IKE message and collects its facts as
// Analyzer.addIKE, v1 and v2 would (for a version they analyse). An
// IKEv1 message with its encryption flag set has no payloads decoded, so
// its facts are empty, as v1 leaves them before it decrypts.
func (s *Sequencer) decode(out *Sequenced) {
	d := &out.dec
	d.ok, d.bad, d.collected = false, false, false
	if out.filtered || out.p.Kind != KindIKE {
		return
	}
	d.ok = true
	d.bad = d.msg.DecodeFromBytes(out.p.Data) != nil
	if v := d.msg.Header.MajorVersion; v == 1 || v == 2 {
		d.f.reset()
		d.f.collect(v, d.msg.Payloads, &s.names)
		d.collected = true
	}
}

// Recycle gives back the buffer of o's packet, which its Analyzer has
// analysed, for s to reuse; o's packet is then empty. o keeps the room it
// holds for a decoded message.
func (s *Sequencer) Recycle(o *Sequenced) {
	if o.by == s {
		s.ro.recycle(o.p.Data)
	}
	o.p = Packet{}
	o.by = nil
}

// AddSequenced analyses a packet that a's Sequencer returned (Next): the
// analysis and its results are those of [Analyzer.Add] on the packets
// pushed. A Sequenced from another Analyzer's Sequencer is analysed as Add
// would analyse its packet; the zero Sequenced is ignored.
func (a *Analyzer) AddSequenced(s *Sequenced) {
	if s == nil || s.by == nil {
		return
	}
	if s.by != a.sq {
		a.Add(&s.p)
		return
	}
	if s.filtered {
		a.report.Stats.FilteredOut++
		return
	}
	if s.late {
		a.ro.noteLate(&s.p, s.lateBy)
	}
	a.process(&s.p, s.sum, &s.nat, &s.dec)
}
