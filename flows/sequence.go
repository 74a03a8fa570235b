package flows

import (
	"net/netip"
	"time"
)

// Sequencing: the reorder window (reorder.go) needs nothing but the
// packets and their order. A caller that reads packets on one goroutine
// and analyses them on another (the CLI's read-ahead) runs it on the
// reading goroutine with a [Sequencer]: it pushes each packet in file
// order and hands what Next returns, in that order, to
// [Analyzer.AddSequenced]. The analyzing goroutine, the one that bounds
// the wall time, then only analyses. The results are the same as with
// [Analyzer.Add]: Next returns the packets in the order the Analyzer's own
// window would analyse them (late ones where they come, the rest in time
// order once the capture has moved on by the window), with the
// duplicates marked by the same filter in the same order (the Sequencer
// runs it: its counts join the Analyzer's at Finish), and the Analyzer
// does the same work on them from there (analysis, late-frame report).
//
// The window holds each packet's octets in a buffer of its own (as the
// Analyzer's does); Next hands that buffer on with the packet instead of
// reusing it at once, and the caller gives it back with Recycle once the
// Analyzer is done with the packet, so that the octets need no second
// copy. Or the caller copies the octets out at once with MoveData, which
// gives the buffer back then: the CLI's read-ahead does, into its block
// (one contiguous run of octets), because the Analyzer reads them faster
// there than in the window's buffers, scattered as they are reused. The
// copy costs the reading goroutine about what it saves the analyzing one
// (big10k: the decoding's time on the analyzing goroutine from 14.7 to
// 6.3 ms; MoveData 6.3 ms): the analyzing goroutine is the one that
// bounds the wall time.
//
// The IKE messages are not decoded in Next: measured with the decoding
// (and the collection of each message's facts) done there, the analyzing
// goroutine gained 6 ms in 180 on a 10k-SA capture and the process spent
// 50 ms more, because a released packet's octets were last touched
// thousands of packets earlier and were read from memory twice, by the
// decoding here and by the analysis there. They are decoded right after
// MoveData instead, while the copy is in the core's cache
// ([Sequencer.Predecode], predecode.go).

// The Sequencer takes each packet's fingerprint (packetSum) as a Preparer
// does, but leaves the NAT detection hashes of IKE_SA_INIT messages to the
// Analyzer, which takes them only for the messages whose NAT detection
// notifies it checks (not for a retransmission, for instance). The
// reading goroutine is the busier of the two (it also decodes ahead):
// on big10k the process spent 6 ms less CPU per run (247.5 against 253.5
// ms), the analyzing goroutine 6.8 ms more, and the run took 4.6 ms less
// (BenchmarkAnalyze, 8 rounds each, alternating); the command, 40 runs of
// each, alternating, 8-9 ms less at the median and the first quartile.

// Sequencer puts packets in the order its Analyzer analyses them, ahead
// of the Analyzer (see [Analyzer.Sequencer]). It is not safe for
// concurrent use, but may be used on one goroutine while its Analyzer
// works on another.
type Sequencer struct {
	prep   *Preparer
	peers  map[netip.Addr]bool // the Analyzer's peer filter (read only)
	window time.Duration       // the reorder window (0: none)
	ro     reorder             // the window: its packets and time order
	// pend is a packet Next returns before any held one: one analysed
	// where it comes (late, no window) or left out by the peer filter.
	pend    Sequenced
	hasPend bool
	closed  bool // end of input: Next returns every held packet
}

// Sequenced is a packet that left a [Sequencer], in the order the
// Analyzer analyses packets, with what was prepared for it.
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
	moved    bool          // p.Data is in the caller's octets (MoveData), not a buffer of the Sequencer
	dup      bool          // a duplicate: the Sequencer's filter took it
	dec      *DecodeBuf    // its IKE message decoded ahead (Predecode) is dec's di-th, or nil
	di       int32
}

// Packet returns the packet. Its Data is valid until s is passed to
// Recycle or Next (after MoveData: until the caller reuses the octets it
// moved them to).
func (s *Sequenced) Packet() *Packet { return &s.p }

// Sequencer returns the Sequencer for a's packets; there is one per
// Analyzer. Sequenced values are only valid with the Analyzer whose
// Sequencer made them. An Analyzer is fed either through its Sequencer
// (AddSequenced) or with Add and AddPrepared, not both: each has its own
// reorder window.
func (a *Analyzer) Sequencer() *Sequencer {
	if a.sq == nil {
		a.sq = &Sequencer{prep: &Preparer{seed: a.seed, noNAT: true}, peers: a.peers, window: a.window()}
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
	if outsidePeers(s.peers, p) {
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
	default:
		if by, late := r.lateBy(q.Time); late {
			// Too late to be put back in order: analysed where it is.
			s.pending(&q, &pre)
			s.pend.late, s.pend.lateBy = true, by
			return
		}
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
// collector).
func (s *Sequencer) Next(out *Sequenced) bool {
	r := &s.ro
	switch {
	case s.hasPend:
		s.hasPend = false
		o := &s.pend
		out.p, out.by, out.sum, out.nat, out.moved, out.dec = o.p, s, o.sum, o.nat, false, nil
		out.filtered, out.late, out.lateBy = o.filtered, o.late, o.lateBy
		o.p = Packet{}
	case s.closed && r.size() > 0, r.due(s.window):
		// As Analyzer.release, but the packet's buffer goes with it.
		hp, nat := r.take()
		out.p, out.by, out.sum, out.nat, out.moved, out.dec = hp.p, s, hp.sum, nat, false, nil
		out.filtered, out.late, out.lateBy = false, false, 0
		hp.p = Packet{}
	default:
		return false
	}
	// The duplicate filter runs here too, in the order the Analyzer
	// takes the packets, as in Analyzer.process; its counts join the
	// Analyzer's at Finish (mergeDups).
	out.dup = !out.filtered && r.duplicate(&out.p, dupKey(&out.p, out.sum))
	return true
}

// Recycle gives back the buffer of o's packet, which its Analyzer has
// analysed, for s to reuse (none when MoveData took it already); o's
// packet is then empty.
func (s *Sequencer) Recycle(o *Sequenced) {
	if o.by == s && !o.moved {
		s.ro.recycle(o.p.Data)
	}
	o.p = Packet{}
	o.by = nil
	o.moved = false
	o.dec = nil
}

// MoveData appends the octets of o's packet (as s's Next returned it) to
// dst, gives s the buffer they were in back at once, and leaves o's packet
// with its octets in dst; it returns dst (grown as append grows it). The
// caller keeps those octets of dst unchanged until the Analyzer has
// analysed o; Recycle then gives s nothing back (dst is the caller's).
func (s *Sequencer) MoveData(o *Sequenced, dst []byte) []byte {
	if o.by != s || o.moved || o.p.Data == nil {
		return dst
	}
	off := len(dst)
	dst = append(dst, o.p.Data...)
	s.ro.recycle(o.p.Data)
	o.p.Data = dst[off:len(dst):len(dst)]
	o.moved = true
	return dst
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
	if !s.dup {
		a.analyse(&s.p, s.sum, &s.nat, s.dec, s.di)
	}
}
