package capture

import "net/netip"

// IP protocol numbers handled by the reader.
const (
	protoHopByHop  = 0
	protoTCP       = 6
	protoUDP       = 17
	protoRouting   = 43
	protoFragment  = 44
	protoESP       = 50
	protoAH        = 51
	protoNoNext    = 59
	protoDstOpts   = 60
	protoMobility  = 135
	protoHIP       = 139
	protoShim6     = 140
	protoExp1      = 253
	protoExp2      = 254
	maxAHDepth     = 2  // AH inside AH inside IP is already odd
	maxIPv6ExtHdrs = 16 // more extension headers than this is hostile
)

// ipPacket describes the IP layer of the packet being decoded.
type ipPacket struct {
	src, dst    netip.Addr
	missing     int   // octets of the IP payload that the capture did not keep
	reassembled bool  // put together from fragments
	ttl         uint8 // IPv4 time to live, IPv6 hop limit (0: unknown)
	base        int   // offset of the current layer in the frame, -1 if reassembled
	// frame is the frame the packet is in (nil when reassembled): an
	// encapsulated packet inside is decoded at its frame offset (encap.go).
	frame []byte
}

// at returns the frame offset n octets into the current layer, or -1.
func (ip *ipPacket) at(n int) int {
	if ip.base < 0 {
		return -1
	}
	return ip.base + n
}

// advance moves the current layer n octets on.
func (ip *ipPacket) advance(n int) {
	if ip.base >= 0 {
		ip.base += n
	}
}

// flow is the addressing of an event.
type flow struct {
	src, dst  netip.AddrPort
	transport Transport
}

// ipFlow is the flow of an event below the transport layer.
func (ip *ipPacket) flow() flow {
	return flow{src: netip.AddrPortFrom(ip.src, 0), dst: netip.AddrPortFrom(ip.dst, 0)}
}

// wants reports whether a packet of IP protocol proto whose payload starts
// with b may carry something for us. It is the cheap pre-filter applied
// before addresses are built, and the test that decides whether a
// fragmented datagram is worth buffering.
func (r *Reader) wants(proto uint8, b []byte) bool {
	switch proto {
	case protoUDP:
		if len(b) < 4 {
			return true // too short to tell; decodeUDP reports it
		}
		sp, dp := uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3])
		return r.ike.any(sp, dp) || r.natt.any(sp, dp) || dp == portVXLAN
	case protoGRE:
		return true
	case protoTCP:
		if !r.tcpEnabled {
			return false
		}
		if len(b) < 4 {
			return true
		}
		return r.tcpPorts.any(uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3]))
	case protoESP, protoAH:
		return true
	case protoICMP, protoICMPv6:
		return r.wantsICMP(proto, b)
	}
	return false
}

// decodeTransport decodes the payload b of IP protocol proto.
func (r *Reader) decodeTransport(proto uint8, ip *ipPacket, b []byte, depth int) {
	switch proto {
	case protoUDP:
		r.decodeUDP(ip, b)
	case protoICMP, protoICMPv6:
		r.decodeICMP(proto, ip, b)
	case protoTCP:
		if !r.tcpEnabled {
			r.stats.NonIKE++
			return
		}
		r.decodeTCP(ip, b)
	case protoGRE:
		r.decodeGRE(ip, b)
	case protoESP:
		fl := ip.flow()
		fl.transport = TransportIP
		r.emitESP(&fl, ip, b, "esp")
	case protoAH:
		// RFC 4302 §2: Payload Len is the AH length in 4-octet units minus 2.
		if depth >= maxAHDepth {
			r.stats.NonIKE++
			return
		}
		hl := r.ahLen(ip, b)
		if hl == 0 {
			return
		}
		next := b[0]
		ip.advance(hl)
		r.decodeTransport(next, ip, b[hl:], depth+1)
	default:
		r.stats.NonIKE++
	}
}

// ahLen returns the length of the AH header at the start of b (RFC 4302
// §2: Payload Len is the AH length in 4-octet units minus 2), or 0 after
// noting a truncated one.
func (r *Reader) ahLen(ip *ipPacket, b []byte) int {
	return r.hdrLen(ip, b, 12, 4, 2, "ah", "AH header", "AH length")
}

// hdrLen returns the length of a header at the start of b that is at least
// minLen octets and b[1]+plus units of unit octets long. Where b is shorter
// than minLen or than that length it notes the damage (layer, and short or
// long) and returns 0.
func (r *Reader) hdrLen(ip *ipPacket, b []byte, minLen, unit, plus int, layer, short, long string) int {
	if len(b) < minLen {
		r.addError(layer, ip.at(0), ErrTruncated, short)
		return 0
	}
	hl := (int(b[1]) + plus) * unit
	if hl > len(b) {
		r.addError(layer, ip.at(1), ErrTruncated, long)
		return 0
	}
	return hl
}
