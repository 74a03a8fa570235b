package capture

import (
	"encoding/binary"
	"net/netip"
)

// decodeIPv4 decodes the IPv4 packet at data[off:] (RFC 791).
func (r *Reader) decodeIPv4(data []byte, off int) {
	b := data[off:]
	if len(b) < 20 {
		r.addError("ipv4", off, ErrTruncated, "IPv4 header")
		return
	}
	if b[0]>>4 != 4 {
		r.addError("ipv4", off, ErrMalformed, "version is not 4")
		return
	}
	ihl := int(b[0]&0x0f) * 4
	if ihl < 20 {
		r.addError("ipv4", off, ErrMalformed, "header length below 20")
		return
	}
	if len(b) < ihl {
		r.addError("ipv4", off, ErrTruncated, "IPv4 options")
		return
	}
	total := int(binary.BigEndian.Uint16(b[2:4]))
	missing := 0
	switch {
	case total == 0:
		total = len(b) // segmentation offload: the NIC fills the length in
	case total < ihl:
		r.addError("ipv4", off+2, ErrMalformed, "total length below header length")
		return
	case total > len(b):
		missing = total - len(b)
		total = len(b)
	}
	proto := b[9]
	payload := b[ihl:total] // Ethernet padding is cut off here
	ff := binary.BigEndian.Uint16(b[6:8])
	more, fragOff := ff&0x2000 != 0, int(ff&0x1fff)*8
	fragment := more || fragOff != 0
	if !fragment && !r.wants(proto, payload) {
		r.stats.NonIKE++
		return
	}
	ip := ipPacket{
		src:     netip.AddrFrom4([4]byte(b[12:16])),
		dst:     netip.AddrFrom4([4]byte(b[16:20])),
		missing: missing,
		ttl:     b[8],
		base:    off + ihl,
		frame:   data,
	}
	if fragment {
		r.stats.Fragments++
		key := fragKey{src: ip.src, dst: ip.dst, id: uint32(binary.BigEndian.Uint16(b[4:6])), proto: proto}
		r.defrag.add(r, &ip, key, proto, fragOff, more, payload)
		return
	}
	r.decodeTransport(proto, &ip, payload, 0)
}
