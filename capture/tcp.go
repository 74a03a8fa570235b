package capture

import (
	"bytes"
	"container/heap"
	"container/list"
	"encoding/binary"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TCP header flags.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpACK = 0x10
)

// iketcpPrefix starts every RFC 8229 stream from the initiator (§3).
const iketcpPrefix = "IKETCP"

// decodeTCP decodes a TCP segment (RFC 9293) on an IKE-over-TCP port.
func (r *Reader) decodeTCP(ip *ipPacket, b []byte) {
	if len(b) < 20 {
		if !r.wants(protoTCP, b) {
			r.stats.NonIKE++
			return
		}
		r.addError("tcp", ip.at(0), ErrTruncated, "TCP header")
		return
	}
	sp, dp := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	if !r.tcpPorts.any(sp, dp) {
		r.stats.NonIKE++
		return
	}
	fl := flow{
		src:       netip.AddrPortFrom(ip.src, sp),
		dst:       netip.AddrPortFrom(ip.dst, dp),
		transport: TransportTCP,
	}
	doff := int(b[12]>>4) * 4
	if doff < 20 {
		r.addFlowError(&fl, "tcp", ip.at(12), ErrMalformed, "data offset below 20")
		return
	}
	if doff > len(b) {
		r.addFlowError(&fl, "tcp", ip.at(12), ErrTruncated, "TCP options")
		return
	}
	r.stats.TCPSegments++
	r.tcp.segment(r, &fl, binary.BigEndian.Uint32(b[4:8]), binary.BigEndian.Uint32(b[8:12]), b[13], b[doff:], ip.missing, ip.reassembled)
}

// streamKey identifies one direction of a TCP connection.
type streamKey struct{ src, dst netip.AddrPort }

// oooSeg is a segment that arrived before the bytes preceding it.
type oooSeg struct {
	seq  uint32
	pos  int64  // stream position of seq (see tcpStream.pos)
	data []byte // a copy
	// frame and ts are those of the packet that carried the segment: the
	// messages it completes are dated by them when an acknowledgment of
	// the other direction releases it (acknowledge), not by that packet.
	frame int
	ts    time.Time
}

// segOverhead is what one stashed segment costs besides its octets (the
// oooSeg, its heap slot and its index entry). It is charged against the
// buffer limits, so a flood of one-octet segments hits them as surely as
// a few large ones.
const segOverhead = 64

// recentLen is how many of the last in-order stream octets a stream keeps
// to check that retransmissions carry the same data.
const recentLen = 2048

// oooHeap orders stashed segments by stream position (container/heap):
// stashing and draining cost O(log n) per segment. steps counts the
// comparisons, so tests can check the cost grows as n log n.
type oooHeap struct {
	segs  []*oooSeg
	steps *int64
}

func (h *oooHeap) Len() int { return len(h.segs) }
func (h *oooHeap) Less(i, j int) bool {
	*h.steps++
	a, b := h.segs[i], h.segs[j]
	return a.pos < b.pos || a.pos == b.pos && len(a.data) > len(b.data)
}
func (h *oooHeap) Swap(i, j int) { h.segs[i], h.segs[j] = h.segs[j], h.segs[i] }
func (h *oooHeap) Push(x any)    { h.segs = append(h.segs, x.(*oooSeg)) }
func (h *oooHeap) Pop() any {
	old := h.segs
	x := old[len(old)-1]
	old[len(old)-1] = nil
	h.segs = old[:len(old)-1]
	return x
}

// tcpStream is one direction of an RFC 8229 connection.
type tcpStream struct {
	key        streamKey
	next       uint32 // next expected sequence number
	pos        int64  // stream position of next: octets consumed or skipped since sync
	synced     bool   // next is known
	framed     bool   // message boundaries are known
	prefixDone bool   // the IKETCP prefix was looked for
	buf        []byte // unconsumed stream octets from start on
	start      int    // consumed prefix of buf (compacted on the next segment)
	ooo        oooHeap
	oooAt      map[int64]*oooSeg // stashed segments by position (duplicates)
	oooBytes   int               // octets stashed plus segOverhead per segment
	recent     []byte            // the last in-order octets, up to recentLen (retransmission check)
	warnedData bool              // a retransmission with different data was reported
	last       time.Time
	lastFrame  int
	lru        *list.Element // in tcpTable.lru
	pinFrame   int           // events of this frame point into buf: do not overwrite it
	acked      uint32        // highest acknowledgment number the peer sent for this direction
	ackSeen    bool          // acked is set
	inFrame    int           // frame of the last in-order octets (named when a hole follows)
	spis       [4]uint32     // SPIs of the last ESP frames of this stream (resynchronisation)
	nspi       int           // SPIs in spis
	holes      []hole        // the last maxHoles ranges given up as lost (see lateFill)
}

// hole is a range of stream positions given up as lost.
type hole struct{ from, to int64 }

// maxHoles bounds the holes a stream remembers for late segments.
const maxHoles = 8

// advance moves next (and pos) n octets on.
func (s *tcpStream) advance(n int) {
	s.next += uint32(n)
	s.pos += int64(n)
}

// remember appends in-order octets to the retransmission window.
func (s *tcpStream) remember(b []byte) {
	if len(b) >= recentLen {
		s.recent = append(s.recent[:0], b[len(b)-recentLen:]...)
		return
	}
	if len(s.recent)+len(b) > 2*recentLen {
		n := copy(s.recent, s.recent[len(s.recent)-(recentLen-len(b)):])
		s.recent = s.recent[:n]
	}
	s.recent = append(s.recent, b...)
}

// prepare makes buf safe to append to: consumed octets are compacted away,
// or, when events of the current frame still point into buf, the rest is
// moved to a new array.
func (s *tcpStream) prepare(frame int) {
	switch {
	case s.pinFrame == frame:
		s.buf = append([]byte(nil), s.buf[s.start:]...)
		s.start, s.pinFrame = 0, 0
	case s.start > 0:
		n := copy(s.buf, s.buf[s.start:])
		s.buf, s.start = s.buf[:n], 0
	}
}

// buffered returns the octets the stream holds.
func (s *tcpStream) buffered() int { return len(s.buf) - s.start + s.oooBytes }

// tcpTable tracks RFC 8229 streams within the limits of Options.
type tcpTable struct {
	opt     *Options
	streams map[streamKey]*tcpStream
	lru     list.List // streams, least recently active first
	bytes   int       // octets held by all streams
	sweeps  sweeper
	steps   int64 // comparisons and list steps (tests check the growth)
	// releasing: skipTo is releasing stashed segments past a hole given
	// up (at an acknowledgment from the other direction, a FIN, a later
	// segment): their messages keep their own frame and time (oooSeg).
	releasing bool
}

func (t *tcpTable) init(opt *Options) {
	t.opt = opt
	t.streams = make(map[streamKey]*tcpStream)
	t.lru.Init()
}

// segment processes one TCP segment of flow fl; ack is its acknowledgment
// number (meaningful when flags has ACK), which concerns the stream of the
// opposite direction.
func (t *tcpTable) segment(r *Reader, fl *flow, seq, ack uint32, flags uint8, payload []byte, missing int, reassembled bool) {
	now := r.cur.ts
	t.sweep(r, now)
	if flags&(tcpACK|tcpRST) == tcpACK {
		if rev := t.streams[streamKey{fl.dst, fl.src}]; rev != nil {
			t.acknowledge(r, rev, ack)
		}
	}
	key := streamKey{fl.src, fl.dst}
	s := t.streams[key]
	if s == nil {
		if flags&tcpRST != 0 || len(payload) == 0 && missing == 0 && flags&tcpSYN == 0 {
			return // pure ACKs and resets do not open streams
		}
		if len(t.streams) >= t.opt.MaxTCPStreams {
			t.evictIdlest(r)
		}
		s = &tcpStream{key: key, ooo: oooHeap{steps: &t.steps}}
		s.lru = t.lru.PushBack(s)
		t.streams[key] = s
	} else {
		t.lru.MoveToBack(s.lru)
	}
	s.last, s.lastFrame = now, r.cur.frame
	if flags&tcpRST != 0 {
		t.remove(r, s, fl, "connection reset")
		return
	}
	if flags&tcpSYN != 0 {
		t.bytes -= s.buffered()
		*s = tcpStream{key: key, next: seq + 1, synced: true, framed: true, last: now, lastFrame: r.cur.frame, lru: s.lru, ooo: oooHeap{steps: &t.steps}}
		seq++
	}
	if !s.synced {
		// The capture starts in the middle of the connection: frame
		// boundaries must be found again (see parse).
		s.next, s.synced = seq, true
	}
	if len(payload) > 0 || missing > 0 {
		t.data(r, s, fl, seq, payload, missing, reassembled)
	}
	if flags&tcpFIN != 0 {
		// The FIN says where the stream ends: octets before it that the
		// capture lacks will not come any more (the stream is forgotten).
		end := seq + uint32(len(payload)+missing)
		if d := int32(end - s.next); d > 0 {
			t.skipTo(r, s, fl, s.pos+int64(d), "segments missing from the capture before the FIN")
		}
		t.remove(r, s, fl, "connection closed")
	}
}

// acknowledge records acknowledgment number ack that the peer sent for
// stream s. The receiver has every octet before ack, so a hole before a
// stashed segment that starts at or before ack was lost by the capture,
// not by the network: no retransmission will fill it, and it is skipped
// now instead of at the buffer limit or at the end of the stream.
func (t *tcpTable) acknowledge(r *Reader, s *tcpStream, ack uint32) {
	if !s.synced || s.ackSeen && int32(ack-s.acked) <= 0 {
		return
	}
	s.acked, s.ackSeen = ack, true
	if s.ooo.Len() == 0 || int32(s.ooo.segs[0].seq-ack) > 0 {
		return
	}
	fl := flow{src: s.key.src, dst: s.key.dst, transport: TransportTCP}
	for s.ooo.Len() > 0 && int32(s.ooo.segs[0].seq-ack) <= 0 {
		t.skipTo(r, s, &fl, s.ooo.segs[0].pos, "segments missing from the capture (acknowledged by the receiver)")
	}
}

// lateFill handles a segment at stream position pos that lies inside a
// hole given up earlier: the capture has it after all, only later than
// the acknowledgment (captures merged from several interfaces are out of
// time order by up to a few seconds). Its complete frames are emitted on
// their own, the first one where a frame plausibly starts (see
// syncFrame), and the hole shrinks so that a second copy is not read
// again. It reports whether the segment was such a late one.
func (t *tcpTable) lateFill(r *Reader, s *tcpStream, fl *flow, pos int64, payload []byte) bool {
	end := pos + int64(len(payload))
	i := slices.IndexFunc(s.holes, func(h hole) bool { return h.from <= pos && end <= h.to })
	if i < 0 || len(payload) == 0 {
		return false
	}
	h := s.holes[i]
	s.holes = slices.Delete(s.holes, i, i+1)
	for _, part := range []hole{{h.from, pos}, {end, h.to}} {
		if part.to > part.from {
			s.holes = append(s.holes, part)
		}
	}
	if len(s.holes) > maxHoles {
		s.holes = slices.Delete(s.holes, 0, len(s.holes)-maxHoles)
	}
	d, at := payload, 0
	if !s.syncFrame(d) {
		return true
	}
	for len(d)-at >= 2 {
		l := int(binary.BigEndian.Uint16(d[at:]))
		if l <= 2 || len(d)-at < l {
			break
		}
		t.emit(r, fl, d[at+2:at+l], false, 0)
		at += l
	}
	r.stats.TCPBytesDropped -= int64(at) // counted as dropped when the hole was given up
	return true
}

// ackedBefore reports whether the peer acknowledged the stream octets
// before seq (see acknowledge).
func (s *tcpStream) ackedBefore(seq uint32) bool {
	return s.ackSeen && int32(s.acked-seq) >= 0
}

// data places the payload of a segment starting at seq into the stream.
func (t *tcpTable) data(r *Reader, s *tcpStream, fl *flow, seq uint32, payload []byte, missing int, reassembled bool) {
	diff := int32(seq - s.next)
	if diff < 0 && t.lateFill(r, s, fl, s.pos+int64(diff), payload) {
		return
	}
	if diff < 0 { // retransmission or overlap: skip what we already have
		skip := -int(diff)
		t.checkRetransmission(r, s, fl, skip, payload)
		if skip >= len(payload)+missing {
			return
		}
		if skip >= len(payload) {
			missing -= skip - len(payload)
			payload = nil
		} else {
			payload = payload[skip:]
		}
		seq, diff = s.next, 0
	}
	if diff > 0 && s.ackedBefore(seq) {
		// The receiver has the octets before seq: the capture lost them.
		t.skipTo(r, s, fl, s.pos+int64(diff), "segments missing from the capture (acknowledged by the receiver)")
		t.data(r, s, fl, seq, payload, missing, reassembled) // now at or before next
		return
	}
	if diff > 0 {
		t.stash(r, s, fl, seq, payload, missing)
		return
	}
	t.consume(r, s, fl, payload, reassembled)
	if missing > 0 && t.cutFrameEnd(r, s, fl, missing) {
		s.advance(missing)
		t.drainOOO(r, s, fl)
		return
	}
	if missing > 0 {
		// Bytes the capture did not keep: the stream has a hole here.
		t.gap(r, s, fl, missing, "segment cut short by the capture snap length")
		s.advance(missing)
		t.drainOOO(r, s, fl)
	}
}

// cutFrameEnd handles the missing octets of a segment the capture cut
// short (snap length) when they end the frame buffered exactly, as its
// length field says: a message that travelled in one segment, as most IKE
// messages do. The frame is yielded as a message the capture cut short
// (Event.Truncated) and the stream goes on framed at the next one, instead
// of dropping the message and looking for the next frame. It reports
// whether it did; otherwise the caller gives the hole up (gap).
func (t *tcpTable) cutFrameEnd(r *Reader, s *tcpStream, fl *flow, missing int) bool {
	if !s.framed || s.ooo.Len() > 0 || len(s.buf)-s.start < 2+4 {
		return false
	}
	b := s.buf[s.start:]
	if l := int(binary.BigEndian.Uint16(b)); l <= 2 || len(b)+missing != l {
		return false
	}
	t.emit(r, fl, b[2:], false, missing)
	// The event points into the buffer: it is left to the event, and the
	// stream starts a new one.
	t.bytes -= len(b)
	s.buf, s.start = nil, 0
	s.recent = s.recent[:0] // no longer contiguous with next
	r.stats.TCPBytesDropped += int64(missing)
	return true
}

// checkRetransmission compares a segment that starts skip octets before
// next with the in-order octets it repeats (as far as the stream still
// holds them) and reports, once per stream, a retransmission whose data
// differs: the receiver keeps the first copy, and so does the reader.
func (t *tcpTable) checkRetransmission(r *Reader, s *tcpStream, fl *flow, skip int, payload []byte) {
	if s.warnedData {
		return
	}
	// payload[i] is stream octet next-skip+i; recent ends just before next.
	if skip > len(s.recent) { // partly older than the window: compare the rest
		cut := skip - len(s.recent)
		if cut >= len(payload) {
			return
		}
		payload, skip = payload[cut:], len(s.recent)
	}
	old := s.recent[len(s.recent)-skip:]
	n := min(len(old), len(payload))
	if !bytes.Equal(old[:n], payload[:n]) {
		s.warnedData = true
		r.addFlowError(fl, "tcp", -1, ErrTCPStream, fmt.Sprintf("retransmitted segment carries different data than the first copy of the same stream octets (possible evasion or a broken middlebox); the first copy is used, as the receiving stack does (stream %s -> %s, reported once)", s.key.src, s.key.dst))
	}
}

// stash keeps an out-of-order segment for later, within the limits.
func (t *tcpTable) stash(r *Reader, s *tcpStream, fl *flow, seq uint32, payload []byte, missing int) {
	if missing > 0 || len(payload) == 0 {
		return
	}
	pos := s.pos + int64(int32(seq-s.next))
	if o := s.oooAt[pos]; o != nil && len(o.data) >= len(payload) {
		if !s.warnedData && !bytes.Equal(o.data[:len(payload)], payload) {
			s.warnedData = true
			r.addFlowError(fl, "tcp", -1, ErrTCPStream, fmt.Sprintf("retransmitted out-of-order segment carries different data than the first copy (possible evasion or a broken middlebox); the first copy is used (stream %s -> %s, reported once)", s.key.src, s.key.dst))
		}
		return // duplicate
	}
	cost := len(payload) + segOverhead
	if s.oooBytes+cost > t.opt.MaxTCPStreamBytes || t.bytes+cost > t.opt.MaxTCPTotalBytes {
		// The hole before this segment will not be filled in time: give up
		// on it and continue from the oldest segment we hold.
		t.skipHole(r, s, fl)
		if int32(seq-s.next) <= 0 {
			t.data(r, s, fl, seq, payload, 0, false)
			return
		}
		pos = s.pos + int64(int32(seq-s.next))
		if s.oooBytes+cost > t.opt.MaxTCPStreamBytes || t.bytes+cost > t.opt.MaxTCPTotalBytes {
			r.stats.TCPBytesDropped += int64(len(payload))
			return
		}
	}
	o := &oooSeg{seq: seq, pos: pos, data: append([]byte(nil), payload...), frame: r.cur.frame, ts: r.cur.ts}
	heap.Push(&s.ooo, o)
	if s.oooAt == nil {
		s.oooAt = make(map[int64]*oooSeg)
	}
	s.oooAt[pos] = o
	s.oooBytes += cost
	t.bytes += cost
}

// popOOO removes the first stashed segment.
func (s *tcpStream) popOOO() *oooSeg {
	o := heap.Pop(&s.ooo).(*oooSeg)
	if s.oooAt[o.pos] == o {
		delete(s.oooAt, o.pos)
	}
	s.oooBytes -= len(o.data) + segOverhead
	return o
}

// skipHole jumps over the missing bytes before the first stashed segment.
func (t *tcpTable) skipHole(r *Reader, s *tcpStream, fl *flow) {
	if s.ooo.Len() == 0 {
		return
	}
	hole := int(s.ooo.segs[0].pos - s.pos)
	if hole <= 0 {
		return
	}
	t.gap(r, s, fl, hole, "segments missing from the capture")
	s.advance(hole)
	t.drainOOO(r, s, fl)
}

// skipTo gives up on the stream octets before stream position pos that
// the capture lacks: each hole is reported (see gap) and skipped, and the
// stashed segments after it are consumed. It costs O(holes + segments).
func (t *tcpTable) skipTo(r *Reader, s *tcpStream, fl *flow, pos int64, why string) {
	t.releasing = true
	defer func() { t.releasing = false }()
	for {
		if s.ooo.Len() > 0 && s.ooo.segs[0].pos <= s.pos {
			t.drainOOO(r, s, fl)
			continue
		}
		if s.pos >= pos {
			return
		}
		hole := pos - s.pos
		if s.ooo.Len() > 0 {
			hole = min(hole, s.ooo.segs[0].pos-s.pos)
		}
		t.gap(r, s, fl, int(hole), why)
		s.advance(int(hole))
	}
}

// gap records that n stream octets are lost: whatever partial message is
// buffered is dropped and framing must be found again (see parse). The
// note names the stream offset of the hole and the frame of the last
// octets before it.
func (t *tcpTable) gap(r *Reader, s *tcpStream, fl *flow, n int, why string) {
	lost := len(s.buf) - s.start
	s.recent = s.recent[:0] // no longer contiguous with next
	r.stats.TCPBytesDropped += int64(lost + n)
	t.bytes -= lost
	s.buf, s.start = s.buf[:0], 0
	if s.pinFrame == r.cur.frame {
		s.buf, s.pinFrame = nil, 0
	}
	if n > 0 {
		s.holes = append(s.holes, hole{s.pos, s.pos + int64(n)})
		if len(s.holes) > maxHoles {
			s.holes = slices.Delete(s.holes, 0, 1)
		}
	}
	if n > 0 || lost > 0 {
		after := "before any captured stream octets"
		if s.inFrame > 0 {
			after = fmt.Sprintf("after frame %d", s.inFrame)
		}
		r.addFlowError(fl, "ike-tcp", -1, ErrTCPStream, fmt.Sprintf("%s: %d octets lost at stream offset %d (sequence number %d, %s), %d buffered octets of an incomplete message dropped; looking for the next frame (stream %s -> %s)",
			why, n, s.pos, s.next, after, lost, s.key.src, s.key.dst))
	}
	s.framed = false
	s.prefixDone = true // the prefix only opens a stream
}

// drainOOO consumes stashed segments that have become contiguous.
func (t *tcpTable) drainOOO(r *Reader, s *tcpStream, fl *flow) {
	for s.ooo.Len() > 0 {
		if s.ooo.segs[0].pos > s.pos {
			return
		}
		o := s.popOOO()
		t.bytes -= len(o.data) + segOverhead
		if skip := int(s.pos - o.pos); skip < len(o.data) {
			n := len(r.events)
			t.consume(r, s, fl, o.data[skip:], true)
			if t.releasing {
				// Released by a hole given up, not completed by the
				// packet at hand (often the other direction's): the
				// messages are the segment's, with its frame and time.
				for i := n; i < len(r.events); i++ {
					r.events[i].Frame, r.events[i].Time = o.frame, o.ts
				}
			}
		}
	}
	if s.ooo.Len() == 0 {
		s.ooo.segs, s.oooAt = nil, nil
	}
}

// consume appends in-order octets to the stream and emits every complete
// message. Events may point into payload or into s.buf; s.buf is not
// overwritten while events of the current frame point into it (pinFrame).
func (t *tcpTable) consume(r *Reader, s *tcpStream, fl *flow, payload []byte, fromStash bool) {
	s.prepare(r.cur.frame)
	s.advance(len(payload))
	s.inFrame = r.cur.frame
	s.remember(payload)
	carried := len(s.buf)
	var d []byte
	if carried == 0 && s.ooo.Len() == 0 && !fromStash {
		d = payload // fast path: parse the packet buffer in place
	} else {
		s.buf = append(s.buf, payload...)
		t.bytes += len(payload)
		d = s.buf
	}
	before := len(r.events)
	pos := t.parse(r, s, fl, d, carried)
	if carried == 0 && s.ooo.Len() == 0 && !fromStash {
		if rest := d[pos:]; len(rest) > 0 {
			s.buf = append(s.buf[:0], rest...)
			t.bytes += len(rest)
		}
	} else {
		if len(r.events) > before {
			s.pinFrame = r.cur.frame
		}
		s.start = pos
		t.bytes -= pos
		if s.start == len(s.buf) && s.pinFrame != r.cur.frame {
			s.buf, s.start = s.buf[:0], 0
		}
	}
	if len(s.buf)-s.start > t.opt.MaxTCPStreamBytes {
		t.gap(r, s, fl, 0, "stream buffer limit reached")
	}
	t.shed(r, s)
	if s.ooo.Len() > 0 && !fromStash {
		t.drainOOO(r, s, fl)
	}
}

// minSyncLen is how many octets decide whether a frame starts at an
// offset (see syncFrame): length, non-ESP marker and IKE header.
const minSyncLen = 2 + 4 + dissect.HeaderLen

// minESPFrame is the shortest ESP frame resynchronisation accepts: the
// length, SPI and sequence number, and the pad length and next header
// octets every ESP packet ends with (RFC 4303 §2).
const minESPFrame = 2 + 8 + 2

// parse splits d into RFC 8229 frames starting at the front and returns how
// many octets it consumed. carried is how many octets of d came from
// earlier segments.
//
// Resynchronisation. When message boundaries are unknown (a capture that
// starts in the middle of a connection without the "IKETCP" prefix, a
// hole in the sequence numbers, a frame length below 3), parse looks for
// the first offset where a frame plausibly starts (see syncFrame) and
// drops the octets before it. The test at one offset looks at a fixed
// number of octets, so the search is linear; the last minSyncLen-1 octets
// that cannot be decided yet stay buffered for the next segment, so at
// most that much is held while unframed.
func (t *tcpTable) parse(r *Reader, s *tcpStream, fl *flow, d []byte, carried int) int {
	pos := 0
	if !s.prefixDone {
		n := min(len(d), len(iketcpPrefix))
		if string(d[:n]) == iketcpPrefix[:n] {
			if n < len(iketcpPrefix) {
				return 0 // wait for the rest of the prefix
			}
			pos = n
			s.framed = true
		}
		s.prefixDone = true
	}
	if !s.framed {
		i, found := pos, false
		for ; i < len(d); i++ {
			if found = s.syncFrame(d[i:]); found || len(d)-i < minSyncLen {
				break // a frame, or too few octets to decide yet
			}
		}
		t.steps += int64(i - pos + 1)
		r.stats.TCPBytesDropped += int64(i - pos)
		if pos = i; !found {
			return pos // undecided octets stay buffered
		}
		s.framed = true
	}
	for len(d)-pos >= 2 {
		l := int(binary.BigEndian.Uint16(d[pos:]))
		if l <= 2 {
			r.addFlowError(fl, "ike-tcp", -1, ErrTCPStream, fmt.Sprintf("frame length %d is below 3; looking for the next frame", l))
			r.stats.TCPBytesDropped += int64(len(d) - pos)
			s.framed = false
			return len(d)
		}
		if len(d)-pos < l {
			break
		}
		m := d[pos+2 : pos+l]
		if len(m) >= 8 && !isMarker(m) {
			s.rememberSPI(binary.BigEndian.Uint32(m))
		}
		t.emit(r, fl, m, pos < carried, 0)
		pos += l
	}
	return pos
}

// syncFrame reports whether a frame plausibly starts at b[0]: an IKE
// message (see plausibleTCPFrame), or an ESP frame of at least
// minESPFrame octets whose SPI this stream carried before a gap. With
// fewer than minSyncLen octets only the ESP test can say yes; parse keeps
// such octets buffered until more arrive.
func (s *tcpStream) syncFrame(b []byte) bool {
	if plausibleTCPFrame(b) {
		return true
	}
	if s.nspi == 0 || len(b) < 6 || binary.BigEndian.Uint16(b) < minESPFrame {
		return false
	}
	return slices.Contains(s.spis[:s.nspi], binary.BigEndian.Uint32(b[2:]))
}

// rememberSPI keeps the SPI of an ESP frame among the last few distinct
// ones of the stream.
func (s *tcpStream) rememberSPI(spi uint32) {
	if spi < 256 || slices.Contains(s.spis[:s.nspi], spi) {
		return // 1-255 are reserved (RFC 4303 §2.1)
	}
	if s.nspi < len(s.spis) {
		s.nspi++
	}
	copy(s.spis[1:s.nspi], s.spis[:s.nspi-1])
	s.spis[0] = spi
}

// plausibleTCPFrame reports whether b starts with a length-framed IKE
// message: a length (RFC 8229 §3, counting itself), the non-ESP marker,
// and an IKE header with a nonzero initiator SPI (RFC 7296 §3.1), version
// 1.0 or 2.0 and a length 6 octets below the frame length.
func plausibleTCPFrame(b []byte) bool {
	if len(b) < minSyncLen || !isMarker(b[2:]) || !dissect.LooksLikeIKE(b[6:]) {
		return false
	}
	if binary.BigEndian.Uint64(b[6:]) == 0 {
		return false
	}
	return int(binary.BigEndian.Uint16(b)) == 6+int(binary.BigEndian.Uint32(b[6+24:]))
}

// emit queues the event for one RFC 8229 frame body m (after the length),
// of which the capture did not keep the last missing octets.
func (t *tcpTable) emit(r *Reader, fl *flow, m []byte, reassembled bool, missing int) {
	ip := ipPacket{reassembled: reassembled, base: -1, missing: missing}
	switch {
	case isMarker(m):
		r.emitIKE(fl, &ip, m[4:], true)
	case len(m) == 1 && m[0] == 0xff:
		r.emitKeepalive(fl, &ip)
	default:
		r.emitESP(fl, &ip, m, "ike-tcp")
	}
}

// remove forgets a stream, reporting a partial message left in it.
func (t *tcpTable) remove(r *Reader, s *tcpStream, fl *flow, why string) {
	if !s.framed && s.prefixDone && s.ooo.Len() == 0 {
		// The octets parse kept while looking for a frame start are no
		// message: they are dropped like the octets before them.
		n := len(s.buf) - s.start
		r.stats.TCPBytesDropped += int64(n)
		t.bytes -= n
		s.buf, s.start = nil, 0
	}
	if left := s.buffered(); left > 0 {
		r.stats.TCPBytesDropped += int64(left)
		detail := fmt.Sprintf("%s with %d octets of an incomplete message buffered (last segment in frame %d)", why, left, s.lastFrame)
		if fl != nil {
			r.addFlowError(fl, "ike-tcp", -1, ErrTCPStream, detail)
		} else {
			f := flow{src: s.key.src, dst: s.key.dst, transport: TransportTCP}
			r.addFlowError(&f, "ike-tcp", -1, ErrTCPStream, detail)
		}
	}
	t.bytes -= s.buffered()
	delete(t.streams, s.key)
	if s.lru != nil {
		t.lru.Remove(s.lru)
		s.lru = nil
	}
}

// shed evicts the idlest streams other than keep while all streams
// together hold more than MaxTCPTotalBytes (partial messages of many
// streams add up; out-of-order segments are checked when stashed).
func (t *tcpTable) shed(r *Reader, keep *tcpStream) {
	for t.bytes > t.opt.MaxTCPTotalBytes {
		e := t.lru.Front()
		if e != nil && e.Value.(*tcpStream) == keep {
			e = e.Next()
		}
		if e == nil {
			return
		}
		t.steps++
		t.remove(r, e.Value.(*tcpStream), nil, "evicted (buffer limit for all streams reached)")
	}
}

// evictIdlest forgets the stream idle for longest: the front of the LRU
// list, O(1) however many streams there are.
func (t *tcpTable) evictIdlest(r *Reader) {
	if e := t.lru.Front(); e != nil {
		t.steps++
		t.remove(r, e.Value.(*tcpStream), nil, "evicted (too many streams)")
	}
}

// sweep forgets streams idle for longer than TCPTimeout, at most once per
// second of capture time. It walks the LRU list from the idlest stream and
// stops at the first active one, so it costs O(streams removed).
func (t *tcpTable) sweep(r *Reader, now time.Time) {
	if !t.sweeps.due(len(t.streams), now) {
		return
	}
	idle := func(s *tcpStream) bool {
		t.steps++
		return now.Sub(s.last) > t.opt.TCPTimeout
	}
	for _, s := range expired(&t.lru, idle, streamFrame) {
		t.remove(r, s, nil, "idle timeout")
	}
}

// streamFrame is the frame of a stream's last segment.
func streamFrame(s *tcpStream) int { return s.lastFrame }

// flush reports streams that end in the middle of a message.
func (t *tcpTable) flush(r *Reader) {
	for _, s := range byFrame(slices.Collect(maps.Values(t.streams)), streamFrame) {
		fl := flow{src: s.key.src, dst: s.key.dst, transport: TransportTCP}
		t.skipHole(r, s, &fl)
		t.remove(r, s, &fl, "capture ended")
	}
}
