package capture

import (
	"bytes"
	"container/list"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// fragKey identifies an IP datagram being reassembled (RFC 791 §3.2,
// RFC 8200 §4.5).
type fragKey struct {
	src, dst netip.Addr
	id       uint32
	proto    uint8 // IPv4 protocol; 0 for IPv6
	v6       bool
}

// span is a received octet range [start, end) of a datagram.
type span struct{ start, end int }

// datagram is a datagram waiting for more fragments.
type datagram struct {
	key       fragKey
	buf       []byte // fragmentable part, nil when ignored
	spans     []span // received ranges, sorted and merged
	total     int    // length once the last fragment is seen, else -1
	proto     uint8  // upper-layer protocol (from the offset-0 fragment for IPv6)
	haveFirst bool
	ignore    bool // known to carry nothing for us: track, do not buffer
	first     time.Time
	lastFrame int
	frags     int
	age       *list.Element // in defragmenter.order
	warned    bool          // conflicting overlap already reported
	// cut: a fragment was cut short by the capture's snap length, so the
	// datagram cannot be put together; it waits for its first fragment
	// (cutFirst).
	cut bool
}

// defragmenter reassembles IP datagrams within the limits of Options.
type defragmenter struct {
	opt    *Options
	m      map[fragKey]*datagram
	order  list.List // pending datagrams, oldest first: eviction and sweep are O(1) per datagram
	bytes  int       // octets buffered by all datagrams
	sweeps sweeper
}

func (d *defragmenter) init(opt *Options) {
	d.opt = opt
	d.m = make(map[fragKey]*datagram)
	d.order.Init()
}

func (d *defragmenter) pending() int { return len(d.m) }

// add takes one fragment: payload b at octet offset off of the datagram
// key; more is the More Fragments flag; nh is the upper-layer protocol as
// this fragment states it.
func (d *defragmenter) add(r *Reader, ip *ipPacket, key fragKey, nh uint8, off int, more bool, b []byte) {
	now := r.cur.ts
	d.sweep(r, now)
	dg := d.m[key]
	if dg == nil {
		if !key.v6 && !r.wants(key.proto, nil) {
			r.stats.NonIKE++ // IPv4 fragment of a protocol we never look at
			return
		}
		if len(d.m) >= d.opt.MaxFragDatagrams {
			d.evictOldest(r)
		}
		dg = &datagram{key: key, total: -1, proto: key.proto, first: now}
		dg.age = d.order.PushBack(dg)
		d.m[key] = dg
	}
	dg.lastFrame = r.cur.frame
	dg.frags++
	end := off + len(b)
	switch {
	case (ip.missing > 0 || dg.cut) && dg.ignore:
		// Nothing for us in it: the datagram waits on (ignored) to absorb
		// its other fragments. Dropped, the next one would start it again
		// and be reported incomplete.
		r.stats.NonIKE++
		return
	case (ip.missing > 0 || dg.cut) && off == 0 && !dg.haveFirst && (nh == protoUDP || nh == protoESP):
		d.cutFirst(r, ip, dg, nh, b)
		return
	case ip.missing > 0 || dg.cut:
		// The datagram can never be put together: it waits, without its
		// octets, for its first fragment, which tells what it was
		// (cutFirst); dropped and reported if none comes.
		dg.cut = true
		d.release(dg)
		if off == 0 {
			d.drop(r, dg, "a fragment is cut short by the capture snap length")
		}
		return
	case dg.frags > d.opt.MaxFragsPerDgram:
		d.drop(r, dg, fmt.Sprintf("more than %d fragments", d.opt.MaxFragsPerDgram))
		return
	case end > d.opt.MaxFragBytes:
		d.drop(r, dg, fmt.Sprintf("datagram longer than %d octets", d.opt.MaxFragBytes))
		return
	case !more && dg.total >= 0 && dg.total != end,
		!more && len(dg.spans) > 0 && dg.spans[len(dg.spans)-1].end > end,
		more && dg.total >= 0 && end > dg.total:
		d.drop(r, dg, "fragments disagree about the datagram length")
		return
	}
	if !more {
		dg.total = end
	}
	if off == 0 && !dg.haveFirst {
		dg.haveFirst = true
		if key.v6 {
			dg.proto = nh
		}
		if !dg.ignore && !r.wantsFirst(key.v6, dg.proto, b) {
			d.ignore(r, dg)
		}
	}
	overlap := false
	for _, s := range dg.spans {
		if off < s.end && end > s.start {
			overlap = true
			break
		}
	}
	if overlap && key.v6 {
		d.drop(r, dg, "overlapping IPv6 fragments (RFC 5722)")
		return
	}
	if dg.ignore {
		r.stats.NonIKE++
	} else if len(b) > 0 {
		if overlap && !dg.warned && d.conflicts(dg, off, b) {
			// Later bytes win, as in Linux and Wireshark; but a sender never
			// retransmits different bytes at the same offset, so say so.
			dg.warned = true
			r.addFlowError(&flow{src: netip.AddrPortFrom(key.src, 0), dst: netip.AddrPortFrom(key.dst, 0)}, "frag", -1, ErrFragment,
				fmt.Sprintf("IPv4 datagram %s -> %s id 0x%x: fragment at offset %d overlaps earlier fragments with different data (possible evasion attempt); the later bytes are used",
					key.src, key.dst, key.id, off))
		}
		if end > len(dg.buf) {
			grow := end - len(dg.buf)
			for d.bytes+grow > d.opt.MaxFragTotalBytes && len(d.m) > 1 {
				d.evictOldestExcept(r, dg)
			}
			if d.bytes+grow > d.opt.MaxFragTotalBytes {
				d.drop(r, dg, "fragment buffer limit reached")
				return
			}
			if end > cap(dg.buf) {
				// Grow geometrically from the length, never past the
				// datagram limit: capacity is at most
				// max(2*end, 1500) and at most MaxFragBytes.
				nb := make([]byte, end, min(max(end, 2*len(dg.buf), 1500), d.opt.MaxFragBytes))
				copy(nb, dg.buf)
				dg.buf = nb
			} else {
				clear(dg.buf[len(dg.buf):end]) // holes stay zero
				dg.buf = dg.buf[:end]
			}
			d.bytes += grow
		}
		copy(dg.buf[off:end], b) // overlapping IPv4 fragments: later bytes win
	}
	dg.spans = addSpan(dg.spans, span{off, end})
	if dg.total < 0 || len(dg.spans) != 1 || dg.spans[0] != (span{0, dg.total}) {
		return
	}
	// Complete.
	d.forget(dg)
	d.bytes -= len(dg.buf)
	r.stats.Reassembled++
	if dg.ignore {
		return
	}
	full := ipPacket{src: key.src, dst: key.dst, reassembled: true, base: -1, ttl: ip.ttl} // the last fragment's TTL
	payload := dg.buf[:dg.total]
	if key.v6 {
		r.decodeIPv6Ext(&full, dg.proto, payload, false)
	} else {
		r.decodeTransport(dg.proto, &full, payload, 0)
	}
}

// cutFirst handles the first fragment (offset 0) of dg, its payload b of
// upper-layer protocol nh (UDP or ESP), when it or another fragment of dg
// was cut short by the capture's snap length: the datagram can never be
// put together, but what the first fragment holds is decoded as a packet
// the capture cut short (Event.Truncated), as an unfragmented one would
// be: an IKE message's header gives its exchange, message ID and length,
// an ESP header its SPI. The datagram's other fragments are then ignored:
// they carry nothing more that can be read. (A snap length cuts the first fragment, the longest, whenever it
// cuts any; without this, the IKE_AUTH exchanges that certificates make
// long were lost whole, and an SA whose ESP then ran both ways read
// "failed".)
func (d *defragmenter) cutFirst(r *Reader, ip *ipPacket, dg *datagram, nh uint8, b []byte) {
	dg.haveFirst, dg.proto = true, nh
	d.ignore(r, dg)
	cut := ipPacket{src: ip.src, dst: ip.dst, missing: max(ip.missing, 1), base: ip.base, frame: ip.frame, ttl: ip.ttl}
	r.decodeTransport(nh, &cut, b, 0)
}

// ignore marks dg as carrying nothing more for us: its octets are let go
// and its fragments so far, the current one aside, counted as non-IKE (the
// fragments still to come are counted as they come).
func (d *defragmenter) ignore(r *Reader, dg *datagram) {
	dg.ignore = true
	r.stats.NonIKE += int64(dg.frags - 1)
	d.release(dg)
}

// release lets dg's buffered octets go.
func (d *defragmenter) release(dg *datagram) {
	d.bytes -= len(dg.buf)
	dg.buf = nil
}

// wantsFirst decides from the offset-0 fragment whether a datagram may
// carry something for us. IPv6 extension headers are given the benefit of
// the doubt.
func (r *Reader) wantsFirst(v6 bool, proto uint8, b []byte) bool {
	if v6 && isIPv6Ext(proto) {
		return true
	}
	if proto == protoICMP || proto == protoICMPv6 {
		return false // an ICMP error fits the minimum MTU: never fragmented
	}
	return r.wants(proto, b)
}

// isIPv6Ext reports whether proto is an IPv6 extension header type.
func isIPv6Ext(proto uint8) bool {
	switch proto {
	case protoHopByHop, protoRouting, protoDstOpts, protoMobility, protoHIP, protoShim6, protoExp1, protoExp2, protoFragment:
		return true
	}
	return false
}

// addSpan inserts s into the sorted, merged list spans.
func addSpan(spans []span, s span) []span {
	if s.start >= s.end {
		return spans
	}
	i := 0
	for i < len(spans) && spans[i].end < s.start {
		i++
	}
	j := i
	for j < len(spans) && spans[j].start <= s.end {
		s.start = min(s.start, spans[j].start)
		s.end = max(s.end, spans[j].end)
		j++
	}
	return slices.Replace(spans, i, j, s)
}

// conflicts reports whether b, to be placed at offset off, differs from
// octets already received for dg.
func (d *defragmenter) conflicts(dg *datagram, off int, b []byte) bool {
	end := off + len(b)
	for _, s := range dg.spans {
		lo, hi := max(s.start, off), min(s.end, end, len(dg.buf))
		if lo < hi && !bytes.Equal(dg.buf[lo:hi], b[lo-off:hi-off]) {
			return true
		}
	}
	return false
}

// forget removes dg from the pending datagrams.
func (d *defragmenter) forget(dg *datagram) {
	if d.m[dg.key] == dg {
		delete(d.m, dg.key)
	}
	if dg.age != nil {
		d.order.Remove(dg.age)
		dg.age = nil
	}
}

// drop discards a datagram and reports it unless it was known to carry
// nothing for us.
func (d *defragmenter) drop(r *Reader, dg *datagram, why string) {
	d.forget(dg)
	d.release(dg)
	if dg.ignore {
		return // nothing for us was lost
	}
	if dg.cut && !strings.Contains(why, "snap length") {
		why = "a fragment is cut short by the capture snap length, and its first fragment is missing (" + why + ")"
	}
	r.stats.FragmentsDropped += int64(dg.frags)
	have := 0
	for _, s := range dg.spans {
		have += s.end - s.start
	}
	total := "?"
	if dg.total >= 0 {
		total = fmt.Sprint(dg.total)
	}
	version := "IPv4"
	if dg.key.v6 {
		version = "IPv6"
	}
	detail := fmt.Sprintf("%s datagram %s -> %s id 0x%x: %s (%d fragments, %d of %s octets, last fragment in frame %d)",
		version, dg.key.src, dg.key.dst, dg.key.id, why, dg.frags, have, total, dg.lastFrame)
	r.stats.Errors++
	r.events = append(r.events, Event{
		Frame: dg.lastFrame, Time: r.cur.ts, Kind: KindError,
		Src: netip.AddrPortFrom(dg.key.src, 0), Dst: netip.AddrPortFrom(dg.key.dst, 0),
		Err: &PacketError{Frame: dg.lastFrame, Layer: "frag", Offset: -1, Detail: detail, Err: ErrFragment},
	})
}

// evictOldest drops the datagram whose first fragment came first.
func (d *defragmenter) evictOldest(r *Reader) { d.evictOldestExcept(r, nil) }

// evictOldestExcept drops the oldest datagram other than keep. The order
// list makes it O(1), whatever the number of pending datagrams.
func (d *defragmenter) evictOldestExcept(r *Reader, keep *datagram) {
	for e := d.order.Front(); e != nil; e = e.Next() {
		if dg := e.Value.(*datagram); dg != keep {
			d.drop(r, dg, "evicted: too many pending datagrams or octets")
			return
		}
	}
}

// sweep drops datagrams older than FragTimeout, at most once per second of
// capture time. It walks the order list from the oldest and stops at the
// first datagram still young, so its cost is proportional to what it drops.
func (d *defragmenter) sweep(r *Reader, now time.Time) {
	if !d.sweeps.due(len(d.m), now) {
		return
	}
	old := func(dg *datagram) bool { return now.Sub(dg.first) > d.opt.FragTimeout }
	for _, dg := range expired(&d.order, old, datagramFrame) {
		d.drop(r, dg, "reassembly timed out")
	}
}

// datagramFrame is the frame of a datagram's last fragment.
func datagramFrame(dg *datagram) int { return dg.lastFrame }

// flush reports every incomplete datagram at the end of the capture.
func (d *defragmenter) flush(r *Reader) {
	for _, dg := range byFrame(slices.Collect(maps.Values(d.m)), datagramFrame) {
		d.drop(r, dg, "incomplete at the end of the capture")
	}
}
