package capture

import (
	"encoding/binary"
	"net/netip"
)

// ICMP errors about IKE: a host or router that cannot deliver a datagram
// answers with an ICMP (RFC 792) or ICMPv6 (RFC 4443) destination
// unreachable message quoting the start of it: the IP header, the UDP
// header and, from most stacks (Linux quotes up to 576 octets in all for
// IPv4 and 1280 for IPv6), the IKE header with both SPIs. An IKE_SA_INIT
// sent to a host whose IKE daemon is down draws "port unreachable"; one
// sent across a firewall that rejects it, "administratively prohibited".
// These tell why a request goes unanswered better than anything else in a
// capture, so the reader delivers them (KindICMPUnreachable) when the
// quoted datagram is to or from an IKE or NAT-T port.

// ICMP message types handled.
const (
	protoICMP        = 1
	protoICMPv6      = 58
	icmpUnreachable  = 3 // ICMP destination unreachable
	icmp6Unreachable = 1 // ICMPv6 destination unreachable
	icmpHeaderLen    = 8 // type, code, checksum, unused (or next-hop MTU)
)

// quotedUDP returns the addresses and ports of the UDP datagram that b, the
// payload of an ICMP (proto 1) or ICMPv6 (proto 58) message, quotes, and
// the quoted octets after the UDP header (possibly none); ok is false when b
// is not a destination unreachable quoting a UDP datagram far enough to
// read its ports.
func quotedUDP(proto uint8, b []byte) (src, dst netip.AddrPort, rest []byte, ok bool) {
	if len(b) < icmpHeaderLen {
		return
	}
	q := b[icmpHeaderLen:]
	var ihl int
	var sa, da netip.Addr
	switch {
	case proto == protoICMP && b[0] == icmpUnreachable:
		if len(q) < 20 || q[0]>>4 != 4 || q[9] != protoUDP {
			return
		}
		ihl = int(q[0]&0x0f) * 4
		if ihl < 20 {
			return
		}
		if off := binary.BigEndian.Uint16(q[6:8]) & 0x1fff; off != 0 {
			return // a later fragment: no UDP header
		}
		sa, da = netip.AddrFrom4([4]byte(q[12:16])), netip.AddrFrom4([4]byte(q[16:20]))
	case proto == protoICMPv6 && b[0] == icmp6Unreachable:
		if len(q) < 40 || q[0]>>4 != 6 || q[6] != protoUDP {
			return // extension headers before UDP are not followed
		}
		ihl = 40
		sa, da = netip.AddrFrom16([16]byte(q[8:24])), netip.AddrFrom16([16]byte(q[24:40]))
	default:
		return
	}
	if len(q) < ihl+4 {
		return
	}
	u := q[ihl:]
	src = netip.AddrPortFrom(sa, binary.BigEndian.Uint16(u[0:2]))
	dst = netip.AddrPortFrom(da, binary.BigEndian.Uint16(u[2:4]))
	if len(u) >= 8 {
		rest = u[8:]
	}
	return src, dst, rest, true
}

// wantsICMP reports whether b, the payload of an ICMP or ICMPv6 message,
// is a destination unreachable quoting a datagram to or from an IKE or
// NAT-T port.
func (r *Reader) wantsICMP(proto uint8, b []byte) bool {
	src, dst, _, ok := quotedUDP(proto, b)
	if !ok {
		return false
	}
	return r.ike.any(src.Port(), dst.Port()) || r.natt.any(src.Port(), dst.Port())
}

// decodeICMP delivers an ICMP or ICMPv6 destination unreachable about an
// IKE or NAT-T datagram (KindICMPUnreachable); anything else is not for us.
func (r *Reader) decodeICMP(proto uint8, ip *ipPacket, b []byte) {
	src, dst, rest, ok := quotedUDP(proto, b)
	if !ok || (proto == protoICMP) != ip.src.Is4() || // ICMP goes with IPv4, ICMPv6 with IPv6
		!(r.ike.any(src.Port(), dst.Port()) || r.natt.any(src.Port(), dst.Port())) {
		r.stats.NonIKE++
		return
	}
	if r.natt.any(src.Port(), dst.Port()) {
		// On a NAT-T port IKE follows a non-ESP marker (RFC 3948 §2.2);
		// anything else there is ESP, whose quote names no IKE SA.
		if len(rest) >= 4 && binary.BigEndian.Uint32(rest) == 0 {
			rest = rest[4:]
		} else {
			rest = nil
		}
	}
	r.stats.ICMPUnreachable++
	fl := ip.flow()
	r.events = append(r.events, Event{
		Frame: r.cur.frame, Time: r.cur.ts, Src: fl.src, Dst: fl.dst, Transport: TransportIP,
		Kind: KindICMPUnreachable, ICMPCode: b[1], QuotedSrc: src, QuotedDst: dst, Data: rest,
		Reassembled: ip.reassembled, Truncated: ip.missing > 0,
	})
}
