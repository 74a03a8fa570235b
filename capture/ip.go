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
	missing     int  // octets of the IP payload that the capture did not keep
	reassembled bool // put together from fragments
	base        int  // offset of the current layer in the frame, -1 if reassembled
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
		return r.ike.any(sp, dp) || r.natt.any(sp, dp)
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
	}
	return false
}

// decodeTransport decodes the payload b of IP protocol proto.
func (r *Reader) decodeTransport(proto uint8, ip *ipPacket, b []byte, depth int) {
	switch proto {
	case protoUDP:
		r.decodeUDP(ip, b)
	case protoTCP:
		if !r.tcpEnabled {
			r.stats.NonIKE++
			return
		}
		r.decodeTCP(ip, b)
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
		if len(b) < 12 {
			r.addError("ah", ip.at(0), ErrTruncated, "AH header")
			return
		}
		hl := (int(b[1]) + 2) * 4
		if hl > len(b) {
			r.addError("ah", ip.at(1), ErrTruncated, "AH length")
			return
		}
		next := b[0]
		ip.advance(hl)
		r.decodeTransport(next, ip, b[hl:], depth+1)
	default:
		r.stats.NonIKE++
	}
}
