package capture

import "encoding/binary"

// Encapsulations that carry captured traffic inside other traffic.
//
// Field captures do not always hold the IKE peers' packets as they were
// sent: a DSL site's uplink carries them in PPPoE, a carrier's link in
// MPLS, and a mirror port that is not local delivers copies wrapped for
// the trip, in GRE (Cisco ERSPAN, plain GRE tunnels to a capture host) or
// in VXLAN (AWS VPC Traffic Mirroring, Azure virtual network TAP). The
// reader unwraps these to the IP packet inside, as Wireshark does, so that
// a capture of a cloud mirror session is analysed like one taken on the
// gateway. Offsets in notes about an unwrapped packet stay frame offsets.
// Nesting is bounded (maxEncap): each level costs a header, and a crafted
// frame cannot recurse deeper than that.

// EtherTypes and ports of the encapsulations.
const (
	etherTypePPPoE   = 0x8864 // PPPoE session stage (RFC 2516)
	etherTypeMPLS    = 0x8847 // MPLS unicast (RFC 3032)
	etherTypeMPLSMC  = 0x8848 // MPLS multicast
	etherTypeTEB     = 0x6558 // transparent Ethernet bridging: Ethernet in GRE
	etherTypeERSPAN2 = 0x88be // Cisco ERSPAN type II (and type I, no header)
	etherTypeERSPAN3 = 0x22eb // Cisco ERSPAN type III
	protoGRE         = 47
	portVXLAN        = 4789 // RFC 7348
	pppIPv4          = 0x0021
	pppIPv6          = 0x0057
	maxEncap         = 4
	vxlanHeaderLen   = 8
	pppoeHeaderLen   = 8 // PPPoE header (6) and PPP protocol (2)
	mplsLabelLen     = 4
	maxMPLSLabels    = 16
	erspan2HeaderLen = 8
	erspan3HeaderLen = 12
	erspan3SubHdrLen = 8 // the optional platform-specific subheader
	greMinHeaderLen  = 4
)

// unwrap decodes the frame data from offset off as an encapsulated packet
// whose next layer is et (an EtherType), one encapsulation deeper (past
// maxEncap it is only counted).
func (r *Reader) unwrap(et uint16, data []byte, off int) {
	if r.encap >= maxEncap {
		r.stats.NonIKE++
		return
	}
	r.encap++
	defer func() { r.encap-- }()
	r.decodeEtherType(et, data, off)
}

// decodePPPoE decodes a PPPoE session frame at data[off:].
func (r *Reader) decodePPPoE(data []byte, off int) {
	b := data[off:]
	if len(b) < pppoeHeaderLen {
		r.addError("pppoe", off, ErrTruncated, "PPPoE header")
		return
	}
	switch binary.BigEndian.Uint16(b[6:8]) {
	case pppIPv4:
		r.unwrap(etherTypeIPv4, data, off+pppoeHeaderLen)
	case pppIPv6:
		r.unwrap(etherTypeIPv6, data, off+pppoeHeaderLen)
	default:
		r.stats.NonIKE++ // LCP, IPCP, …
	}
}

// decodeMPLS decodes an MPLS label stack at data[off:]: the packet after
// the bottom label is IPv4 or IPv6 by its first nibble (RFC 3032 leaves
// it to the label's meaning; Wireshark guesses the same way).
func (r *Reader) decodeMPLS(data []byte, off int) {
	for range maxMPLSLabels {
		if len(data)-off < mplsLabelLen {
			r.addError("mpls", off, ErrTruncated, "MPLS label")
			return
		}
		bottom := data[off+2]&1 != 0
		off += mplsLabelLen
		if !bottom {
			continue
		}
		switch {
		case len(data) > off && data[off]>>4 == 4:
			r.unwrap(etherTypeIPv4, data, off)
		case len(data) > off && data[off]>>4 == 6:
			r.unwrap(etherTypeIPv6, data, off)
		default:
			r.stats.NonIKE++ // an Ethernet pseudowire, or not IP
		}
		return
	}
	r.stats.NonIKE++ // a deeper stack than any network uses
}

// decodeGRE decodes a GRE packet (RFC 2784, 2890) b, the payload at ip's
// current layer.
func (r *Reader) decodeGRE(ip *ipPacket, b []byte) {
	if len(b) < greMinHeaderLen {
		r.addError("gre", ip.at(0), ErrTruncated, "GRE header")
		return
	}
	flags, et := binary.BigEndian.Uint16(b[0:2]), binary.BigEndian.Uint16(b[2:4])
	if flags&0x7 != 0 {
		r.stats.NonIKE++ // not version 0 (PPTP's enhanced GRE is version 1)
		return
	}
	hl := greMinHeaderLen
	for _, bit := range []uint16{0x8000, 0x2000, 0x1000} { // checksum (with reserved), key, sequence number
		if flags&bit != 0 {
			hl += 4
		}
	}
	switch et {
	case etherTypeERSPAN2:
		if flags&0x1000 != 0 { // type II has a sequence number; type I none and no header
			hl += erspan2HeaderLen
		}
		et = 0
	case etherTypeERSPAN3:
		hl += erspan3HeaderLen
		if len(b) >= hl && b[hl-1]&1 != 0 { // O bit: a platform subheader follows
			hl += erspan3SubHdrLen
		}
		et = 0
	case etherTypeTEB:
		et = 0
	}
	if len(b) < hl {
		r.addError("gre", ip.at(0), ErrTruncated, "GRE or ERSPAN header")
		return
	}
	data, off := r.inner(ip, b, hl)
	if et == 0 {
		r.unwrapEthernet(data, off)
		return
	}
	r.unwrap(et, data, off)
}

// decodeVXLAN decodes a VXLAN packet (RFC 7348), the payload b of a UDP
// datagram: an 8-octet header, then an Ethernet frame.
func (r *Reader) decodeVXLAN(ip *ipPacket, b []byte) {
	if len(b) < vxlanHeaderLen || b[0]&0x08 == 0 {
		r.stats.NonIKE++ // too short, or no VNI: not VXLAN
		return
	}
	data, off := r.inner(ip, b, vxlanHeaderLen)
	r.unwrapEthernet(data, off)
}

// inner returns the frame and the offset in it of the packet hl octets
// into b, the payload at ip's current layer; for a payload put together
// from fragments (no frame offset), b itself and hl.
func (r *Reader) inner(ip *ipPacket, b []byte, hl int) ([]byte, int) {
	if ip.base < 0 || ip.base+len(b) > len(ip.frame) {
		return b, hl
	}
	return ip.frame[:ip.base+len(b)], ip.base + hl
}

// unwrapEthernet decodes an Ethernet frame at data[off:] carried inside
// another packet, VLAN tags included.
func (r *Reader) unwrapEthernet(data []byte, off int) {
	if len(data)-off < ethernetHdrLen {
		r.addError("link", off, ErrTruncated, "inner Ethernet header")
		return
	}
	if et, off, ok := r.vlanTags(binary.BigEndian.Uint16(data[off+12:off+14]), data, off+ethernetHdrLen); ok {
		r.unwrap(et, data, off)
	}
}
