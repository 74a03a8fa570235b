package capture

import (
	"encoding/binary"
	"net/netip"
)

// decodeIPv6 decodes the IPv6 packet at data[off:] (RFC 8200).
func (r *Reader) decodeIPv6(data []byte, off int) {
	b := data[off:]
	if len(b) < 40 {
		r.addError("ipv6", off, ErrTruncated, "IPv6 header")
		return
	}
	if b[0]>>4 != 6 {
		r.addError("ipv6", off, ErrMalformed, "version is not 6")
		return
	}
	end := 40 + int(binary.BigEndian.Uint16(b[4:6]))
	missing := 0
	if end == 40 {
		end = len(b) // jumbogram (RFC 2675) or segmentation offload
	}
	if end > len(b) {
		missing = end - len(b)
		end = len(b)
	}
	next := b[6]
	payload := b[40:end]
	switch next {
	case protoUDP, protoTCP:
		if !r.wants(next, payload) {
			r.stats.NonIKE++
			return
		}
	case protoESP, protoAH, protoHopByHop, protoRouting, protoFragment, protoDstOpts,
		protoMobility, protoHIP, protoShim6, protoExp1, protoExp2, protoGRE:
	default:
		r.stats.NonIKE++
		return
	}
	ip := ipPacket{
		src:     netip.AddrFrom16([16]byte(b[8:24])),
		dst:     netip.AddrFrom16([16]byte(b[24:40])),
		missing: missing,
		ttl:     b[7],
		base:    off + 40,
		frame:   data,
	}
	r.decodeIPv6Ext(&ip, next, payload, true)
}

// decodeIPv6Ext walks the extension header chain starting with header type
// next at b, then decodes the upper layer. allowFrag is false inside a
// reassembled datagram (a fragment header there is malformed).
func (r *Reader) decodeIPv6Ext(ip *ipPacket, next uint8, b []byte, allowFrag bool) {
	for i := 0; ; i++ {
		if i == maxIPv6ExtHdrs {
			r.addError("ipv6", ip.at(0), ErrMalformed, "too many extension headers")
			return
		}
		switch next {
		case protoHopByHop, protoRouting, protoDstOpts, protoMobility, protoHIP, protoShim6, protoExp1, protoExp2:
			// RFC 8200 §4.3ff: Hdr Ext Len in 8-octet units, not counting the first 8.
			hl := r.hdrLen(ip, b, 8, 8, 1, "ipv6", "extension header", "extension header length")
			if hl == 0 {
				return
			}
			next, b = b[0], b[hl:]
			ip.advance(hl)
		case protoAH:
			hl := r.ahLen(ip, b)
			if hl == 0 {
				return
			}
			next, b = b[0], b[hl:]
			ip.advance(hl)
		case protoFragment:
			// RFC 8200 §4.5.
			if len(b) < 8 {
				r.addError("ipv6", ip.at(0), ErrTruncated, "fragment header")
				return
			}
			if !allowFrag {
				r.addError("ipv6", -1, ErrMalformed, "fragment header inside a reassembled datagram")
				return
			}
			fo := binary.BigEndian.Uint16(b[2:4])
			off, more := int(fo&^7), fo&1 != 0
			nh, id := b[0], binary.BigEndian.Uint32(b[4:8])
			b = b[8:]
			ip.advance(8)
			if off == 0 && !more { // atomic fragment (RFC 6946)
				next = nh
				continue
			}
			r.stats.Fragments++
			key := fragKey{src: ip.src, dst: ip.dst, id: id, v6: true}
			r.defrag.add(r, ip, key, nh, off, more, b)
			return
		case protoNoNext:
			r.stats.NonIKE++
			return
		default:
			r.decodeTransport(next, ip, b, 0)
			return
		}
	}
}
