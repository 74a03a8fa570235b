package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/ikeflow/ikeflow/dissect"
)

// decodeUDP decodes a UDP datagram (RFC 768) and classifies its payload by
// port: IKE ports carry bare IKE, NAT-T ports carry RFC 3948 encapsulation.
func (r *Reader) decodeUDP(ip *ipPacket, b []byte) {
	if len(b) < 8 {
		if !r.wants(protoUDP, b) {
			r.stats.NonIKE++
			return
		}
		r.addError("udp", ip.at(0), ErrTruncated, "UDP header")
		return
	}
	sp, dp := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	natt := r.natt.any(sp, dp)
	if !natt && !r.ike.any(sp, dp) {
		if dp == portVXLAN && len(b) > 8 {
			ip.advance(8)
			r.decodeVXLAN(ip, b[8:])
			return
		}
		r.stats.NonIKE++
		return
	}
	fl := flow{
		src:       netip.AddrPortFrom(ip.src, sp),
		dst:       netip.AddrPortFrom(ip.dst, dp),
		transport: TransportUDP,
	}
	payload := b[8:]
	switch ulen := int(binary.BigEndian.Uint16(b[4:6])); {
	case ulen == 0 && ip.missing == 0:
		// IPv6 jumbogram (RFC 2675) or offload: the IP length rules.
	case ulen < 8:
		r.addFlowError(&fl, "udp", ip.at(4), ErrMalformed, "UDP length below 8")
		return
	case ulen <= len(b):
		payload = b[8:ulen]
	case ip.missing == 0:
		r.addFlowError(&fl, "udp", ip.at(4), ErrMalformed, "UDP length exceeds the IP payload")
		return
	}
	ip.advance(8)
	if natt {
		r.nattPayload(&fl, ip, payload)
	} else {
		r.ikePortPayload(&fl, ip, payload)
	}
}

// isMarker reports whether b starts with the four-octet non-ESP marker.
func isMarker(b []byte) bool {
	return len(b) >= 4 && b[0]|b[1]|b[2]|b[3] == 0
}

// nattPayload classifies the payload of a NAT-T port (RFC 3948 §2).
func (r *Reader) nattPayload(fl *flow, ip *ipPacket, p []byte) {
	switch {
	case len(p) == 0:
		r.stats.NonIKE++
	case len(p) == 1 && p[0] == 0xff:
		r.emitKeepalive(fl, ip)
	case len(p) < 4:
		r.addFlowError(fl, "udp", ip.at(0), ErrNotIKE, "payload too short for a non-ESP marker or ESP header")
	case isMarker(p):
		ip.advance(4)
		r.emitIKE(fl, ip, p[4:], true)
	default:
		r.emitESP(fl, ip, p, "esp")
	}
}

// ikePortPayload classifies the payload of a plain IKE port (UDP 500).
// Everything is IKE there; the dissector judges whether it is well formed.
func (r *Reader) ikePortPayload(fl *flow, ip *ipPacket, p []byte) {
	switch {
	case len(p) == 0:
		r.stats.NonIKE++
	case len(p) == 1 && p[0] == 0xff:
		r.emitKeepalive(fl, ip)
	case isMarker(p) && dissect.LooksLikeIKE(p[4:]):
		ip.advance(4)
		r.emitIKE(fl, ip, p[4:], true)
	default:
		r.emitIKE(fl, ip, p, false)
	}
}

// emitIKE queues a KindIKE event.
func (r *Reader) emitIKE(fl *flow, ip *ipPacket, msg []byte, marker bool) {
	r.stats.IKE++
	r.events = append(r.events, Event{
		Frame: r.cur.frame, Time: r.cur.ts, Src: fl.src, Dst: fl.dst, Transport: fl.transport,
		Kind: KindIKE, NonESPMarker: marker, Data: msg,
		Reassembled: ip.reassembled, Truncated: ip.missing > 0, TTL: ip.ttl,
	})
}

// emitKeepalive queues a KindNATKeepalive event.
func (r *Reader) emitKeepalive(fl *flow, ip *ipPacket) {
	r.stats.NATKeepalives++
	r.events = append(r.events, Event{
		Frame: r.cur.frame, Time: r.cur.ts, Src: fl.src, Dst: fl.dst, Transport: fl.transport,
		Kind: KindNATKeepalive, Reassembled: ip.reassembled,
	})
}
