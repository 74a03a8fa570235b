package capture

import (
	"encoding/binary"
	"fmt"
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
	r.tcp.segment(r, &fl, binary.BigEndian.Uint32(b[4:8]), b[13], b[doff:], ip.missing, ip.reassembled)
}

// streamKey identifies one direction of a TCP connection.
type streamKey struct{ src, dst netip.AddrPort }

// oooSeg is a segment that arrived before the bytes preceding it.
type oooSeg struct {
	seq  uint32
	data []byte // a copy
}

// tcpStream is one direction of an RFC 8229 connection.
type tcpStream struct {
	key        streamKey
	next       uint32 // next expected sequence number
	synced     bool   // next is known
	framed     bool   // message boundaries are known
	prefixDone bool   // the IKETCP prefix was looked for
	buf        []byte // unconsumed stream octets from start on
	start      int    // consumed prefix of buf (compacted on the next segment)
	ooo        []oooSeg
	oooBytes   int
	last       time.Time
	lastFrame  int
	pinFrame   int // events of this frame point into buf: do not overwrite it
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
	opt       *Options
	streams   map[streamKey]*tcpStream
	bytes     int // octets held by all streams
	lastSweep time.Time
}

func (t *tcpTable) init(opt *Options) {
	t.opt = opt
	t.streams = make(map[streamKey]*tcpStream)
}

// segment processes one TCP segment of flow fl.
func (t *tcpTable) segment(r *Reader, fl *flow, seq uint32, flags uint8, payload []byte, missing int, reassembled bool) {
	now := r.cur.ts
	t.sweep(r, now)
	key := streamKey{fl.src, fl.dst}
	s := t.streams[key]
	if s == nil {
		if flags&tcpRST != 0 || len(payload) == 0 && missing == 0 && flags&tcpSYN == 0 {
			return // pure ACKs and resets do not open streams
		}
		if len(t.streams) >= t.opt.MaxTCPStreams {
			t.evictIdlest(r)
		}
		s = &tcpStream{key: key}
		t.streams[key] = s
	}
	s.last, s.lastFrame = now, r.cur.frame
	if flags&tcpRST != 0 {
		t.remove(r, s, fl, "connection reset")
		return
	}
	if flags&tcpSYN != 0 {
		t.bytes -= s.buffered()
		*s = tcpStream{key: key, next: seq + 1, synced: true, framed: true, last: now, lastFrame: r.cur.frame}
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
		t.remove(r, s, fl, "connection closed")
	}
}

// data places the payload of a segment starting at seq into the stream.
func (t *tcpTable) data(r *Reader, s *tcpStream, fl *flow, seq uint32, payload []byte, missing int, reassembled bool) {
	diff := int32(seq - s.next)
	if diff < 0 { // retransmission or overlap: skip what we already have
		skip := -int(diff)
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
	if diff > 0 {
		t.stash(r, s, fl, seq, payload, missing)
		return
	}
	t.consume(r, s, fl, payload, reassembled)
	if missing > 0 {
		// Bytes the capture did not keep: the stream has a hole here.
		t.gap(r, s, fl, missing, "segment cut short by the capture snap length")
		s.next += uint32(missing)
		t.drainOOO(r, s, fl)
	}
}

// stash keeps an out-of-order segment for later, within the limits.
func (t *tcpTable) stash(r *Reader, s *tcpStream, fl *flow, seq uint32, payload []byte, missing int) {
	if missing > 0 || len(payload) == 0 {
		return
	}
	for _, o := range s.ooo {
		if o.seq == seq && len(o.data) >= len(payload) {
			return // duplicate
		}
	}
	if s.oooBytes+len(payload) > t.opt.MaxTCPStreamBytes || t.bytes+len(payload) > t.opt.MaxTCPTotalBytes {
		// The hole before this segment will not be filled in time: give up
		// on it and continue from the oldest segment we hold.
		t.skipHole(r, s, fl)
		if int32(seq-s.next) <= 0 {
			t.data(r, s, fl, seq, payload, 0, false)
			return
		}
		if s.oooBytes+len(payload) > t.opt.MaxTCPStreamBytes || t.bytes+len(payload) > t.opt.MaxTCPTotalBytes {
			r.stats.TCPBytesDropped += int64(len(payload))
			return
		}
	}
	s.ooo = append(s.ooo, oooSeg{seq: seq, data: append([]byte(nil), payload...)})
	slices.SortStableFunc(s.ooo, func(a, b oooSeg) int { return int(int32(a.seq - b.seq)) })
	s.oooBytes += len(payload)
	t.bytes += len(payload)
}

// skipHole jumps over the missing bytes before the first stashed segment.
func (t *tcpTable) skipHole(r *Reader, s *tcpStream, fl *flow) {
	if len(s.ooo) == 0 {
		return
	}
	hole := int(int32(s.ooo[0].seq - s.next))
	if hole <= 0 {
		return
	}
	t.gap(r, s, fl, hole, "segments missing from the capture")
	s.next = s.ooo[0].seq
	t.drainOOO(r, s, fl)
}

// gap records that n stream octets are lost: whatever partial message is
// buffered is dropped and framing must be found again.
func (t *tcpTable) gap(r *Reader, s *tcpStream, fl *flow, n int, why string) {
	lost := len(s.buf) - s.start
	r.stats.TCPBytesDropped += int64(lost + n)
	t.bytes -= lost
	s.buf, s.start = s.buf[:0], 0
	if s.pinFrame == r.cur.frame {
		s.buf, s.pinFrame = nil, 0
	}
	if s.framed || lost > 0 {
		r.addFlowError(fl, "ike-tcp", -1, ErrTCPStream, fmt.Sprintf("%s: %d octets lost, %d buffered octets dropped", why, n, lost))
	}
	s.framed = false
}

// drainOOO consumes stashed segments that have become contiguous.
func (t *tcpTable) drainOOO(r *Reader, s *tcpStream, fl *flow) {
	for len(s.ooo) > 0 {
		o := s.ooo[0]
		diff := int32(o.seq - s.next)
		if diff > 0 {
			return
		}
		s.ooo = s.ooo[1:]
		s.oooBytes -= len(o.data)
		t.bytes -= len(o.data)
		if skip := -int(diff); skip < len(o.data) {
			t.consume(r, s, fl, o.data[skip:], true)
		}
	}
	if len(s.ooo) == 0 {
		s.ooo = nil
	}
}

// consume appends in-order octets to the stream and emits every complete
// message. Events may point into payload or into s.buf; s.buf is not
// overwritten while events of the current frame point into it (pinFrame).
func (t *tcpTable) consume(r *Reader, s *tcpStream, fl *flow, payload []byte, fromStash bool) {
	s.prepare(r.cur.frame)
	s.next += uint32(len(payload))
	carried := len(s.buf)
	var d []byte
	if carried == 0 && len(s.ooo) == 0 && !fromStash {
		d = payload // fast path: parse the packet buffer in place
	} else {
		s.buf = append(s.buf, payload...)
		t.bytes += len(payload)
		d = s.buf
	}
	before := len(r.events)
	pos := t.parse(r, s, fl, d, carried)
	if carried == 0 && len(s.ooo) == 0 && !fromStash {
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
	if len(s.ooo) > 0 && !fromStash {
		t.drainOOO(r, s, fl)
	}
}

// parse splits d into RFC 8229 frames starting at the front and returns how
// many octets it consumed. carried is how many octets of d came from
// earlier segments.
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
		if !plausibleTCPFrame(d[pos:]) {
			r.stats.TCPBytesDropped += int64(len(d) - pos)
			return len(d)
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
		t.emit(r, fl, d[pos+2:pos+l], pos < carried)
		pos += l
	}
	return pos
}

// plausibleTCPFrame reports whether b starts with a length-framed IKE
// message (length, non-ESP marker, IKE header whose length agrees).
func plausibleTCPFrame(b []byte) bool {
	if len(b) < 6+dissect.HeaderLen || !isMarker(b[2:]) || !dissect.LooksLikeIKE(b[6:]) {
		return false
	}
	return int(binary.BigEndian.Uint16(b)) == 6+int(binary.BigEndian.Uint32(b[6+24:]))
}

// emit queues the event for one RFC 8229 frame body m (after the length).
func (t *tcpTable) emit(r *Reader, fl *flow, m []byte, reassembled bool) {
	ip := ipPacket{reassembled: reassembled, base: -1}
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
}

// evictIdlest forgets the stream idle for longest.
func (t *tcpTable) evictIdlest(r *Reader) {
	var old *tcpStream
	for _, s := range t.streams {
		if old == nil || s.last.Before(old.last) || s.last.Equal(old.last) && s.lastFrame < old.lastFrame {
			old = s
		}
	}
	if old != nil {
		t.remove(r, old, nil, "evicted (too many streams)")
	}
}

// sweep forgets streams idle for longer than TCPTimeout, at most once per
// second of capture time.
func (t *tcpTable) sweep(r *Reader, now time.Time) {
	if len(t.streams) == 0 || now.Sub(t.lastSweep) < time.Second && !t.lastSweep.IsZero() && !now.Before(t.lastSweep) {
		return
	}
	t.lastSweep = now
	var old []*tcpStream
	for _, s := range t.streams {
		if now.Sub(s.last) > t.opt.TCPTimeout {
			old = append(old, s)
		}
	}
	slices.SortFunc(old, func(a, b *tcpStream) int { return a.lastFrame - b.lastFrame })
	for _, s := range old {
		t.remove(r, s, nil, "idle timeout")
	}
}

// flush reports streams that end in the middle of a message.
func (t *tcpTable) flush(r *Reader) {
	var all []*tcpStream
	for _, s := range t.streams {
		all = append(all, s)
	}
	slices.SortFunc(all, func(a, b *tcpStream) int { return a.lastFrame - b.lastFrame })
	for _, s := range all {
		fl := flow{src: s.key.src, dst: s.key.dst, transport: TransportTCP}
		t.skipHole(r, s, &fl)
		t.remove(r, s, &fl, "capture ended")
	}
}
