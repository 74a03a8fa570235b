package capture

import (
	"encoding/binary"
	"strconv"

	"github.com/gopacket/gopacket/layers"
)

// Link types decoded besides those named in gopacket/layers.
const (
	linkTypeRawAlt12 layers.LinkType = 12 // DLT_RAW on most BSDs, seen in old files
	linkTypeRawAlt14 layers.LinkType = 14 // DLT_RAW on OpenBSD
)

// EtherTypes handled by decodeLink.
const (
	etherTypeIPv4   = 0x0800
	etherTypeIPv6   = 0x86dd
	etherTypeVLAN   = 0x8100 // 802.1Q
	etherTypeQinQ   = 0x88a8 // 802.1ad
	etherTypeQinQ9  = 0x9100 // pre-standard QinQ
	sllHeaderLen    = 16
	sll2HeaderLen   = 20
	nullHeaderLen   = 4
	ethernetHdrLen  = 14
	vlanTagLen      = 4
	ipVersionAnyNet = 0 // decodeIP: take the version from the first nibble
)

// decodeLink strips the link-layer header of one frame and hands the
// network layer to decodeIP.
func (r *Reader) decodeLink(lt layers.LinkType, data []byte) {
	switch lt {
	case layers.LinkTypeEthernet:
		if len(data) < ethernetHdrLen {
			r.addError("link", 0, ErrTruncated, "Ethernet header")
			return
		}
		if et, off, ok := r.vlanTags(binary.BigEndian.Uint16(data[12:14]), data, ethernetHdrLen); ok {
			r.decodeEtherType(et, data, off)
		}
	case layers.LinkTypeLinuxSLL:
		if len(data) < sllHeaderLen {
			r.addError("link", 0, ErrTruncated, "Linux cooked (SLL) header")
			return
		}
		r.decodeEtherType(binary.BigEndian.Uint16(data[14:16]), data, sllHeaderLen)
	case layers.LinkTypeLinuxSLL2:
		if len(data) < sll2HeaderLen {
			r.addError("link", 0, ErrTruncated, "Linux cooked (SLL2) header")
			return
		}
		r.decodeEtherType(binary.BigEndian.Uint16(data[0:2]), data, sll2HeaderLen)
	case layers.LinkTypeRaw, linkTypeRawAlt12, linkTypeRawAlt14:
		r.decodeIP(ipVersionAnyNet, data, 0)
	case layers.LinkTypeIPv4:
		r.decodeIP(4, data, 0)
	case layers.LinkTypeIPv6:
		r.decodeIP(6, data, 0)
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		// The 4-octet address family is in host byte order (NULL) or
		// network byte order (LOOP), and AF_INET6 differs between systems
		// (10, 24, 28, 30); the IP version nibble is the reliable guide.
		if len(data) < nullHeaderLen {
			r.addError("link", 0, ErrTruncated, "loopback header")
			return
		}
		r.decodeIP(ipVersionAnyNet, data, nullHeaderLen)
	default:
		r.stats.Unsupported++
		if !r.unsupported[lt] {
			r.unsupported[lt] = true
			r.addError("link", -1, ErrUnsupportedLinkType, "link type "+strconv.Itoa(int(lt))+" ("+lt.String()+"); frames of this type are counted but not decoded")
		}
	}
}

// vlanTags skips the VLAN tags (802.1Q, 802.1ad) at data[off:], et being
// the EtherType before them, and returns the EtherType after them and
// their end; ok is false (noted) when a tag is cut short. Any number of
// tags: the loop is bounded by the frame length, so a frame of tags costs
// time linear in its size and nothing is dropped silently.
func (r *Reader) vlanTags(et uint16, data []byte, off int) (uint16, int, bool) {
	for et == etherTypeVLAN || et == etherTypeQinQ || et == etherTypeQinQ9 {
		if len(data)-off < vlanTagLen {
			r.addError("link", off, ErrTruncated, "VLAN tag")
			return 0, 0, false
		}
		et = binary.BigEndian.Uint16(data[off+2 : off+4])
		off += vlanTagLen
	}
	return et, off, true
}

// decodeEtherType dispatches on an EtherType / SLL protocol value: IP,
// or an encapsulation (encap.go).
func (r *Reader) decodeEtherType(et uint16, data []byte, off int) {
	switch et {
	case etherTypeIPv4:
		r.decodeIP(4, data, off)
	case etherTypeIPv6:
		r.decodeIP(6, data, off)
	case etherTypePPPoE:
		r.decodePPPoE(data, off)
	case etherTypeMPLS, etherTypeMPLSMC:
		r.decodeMPLS(data, off)
	default:
		r.stats.NonIKE++
	}
}

// decodeIP decodes an IPv4 or IPv6 packet at data[off:]. version 0 means
// "take it from the first nibble" (raw and loopback link types).
func (r *Reader) decodeIP(version int, data []byte, off int) {
	if version == ipVersionAnyNet {
		if len(data) <= off {
			r.addError("link", off, ErrTruncated, "no IP header")
			return
		}
		version = int(data[off] >> 4)
	}
	switch version {
	case 4:
		r.decodeIPv4(data, off)
	case 6:
		r.decodeIPv6(data, off)
	default:
		r.stats.NonIKE++
	}
}
