package decrypt

import "encoding/binary"

// IKEv1 phase-1 attribute classes ([RFC 2409] Appendix A).
const (
	v1AttrEncr    = 1
	v1AttrHash    = 2
	v1AttrKeyLen  = 14
	v1MaxWalkAttr = 64
)

// v1Phase1Suite extracts the encryption algorithm, hash and key length from
// the first transform of the first proposal in an IKEv1 SA payload body
// (DOI, situation, proposals; [RFC 2408] §3.4–3.6). It is enough for the
// responder's SA, which carries exactly the chosen transform. ok is false
// when the body is too short or the DOI is not IPsec.
func v1Phase1Suite(body []byte) (s Suite, ok bool) {
	if len(body) < 8 || binary.BigEndian.Uint32(body[0:4]) != 1 {
		return s, false
	}
	p := body[8:]
	if len(p) < 8 {
		return s, false
	}
	plen := int(binary.BigEndian.Uint16(p[2:4]))
	if plen < 8 || plen > len(p) {
		return s, false
	}
	spiSize := int(p[6])
	t := p[8:plen]
	if spiSize > len(t) {
		return s, false
	}
	t = t[spiSize:]
	if len(t) < 8 {
		return s, false
	}
	tlen := int(binary.BigEndian.Uint16(t[2:4]))
	if tlen < 8 || tlen > len(t) {
		return s, false
	}
	attrs := t[8:tlen]
	for n := 0; len(attrs) >= 4 && n < v1MaxWalkAttr; n++ {
		typ := binary.BigEndian.Uint16(attrs[0:2])
		var val uint32
		if typ&0x8000 != 0 {
			val = uint32(binary.BigEndian.Uint16(attrs[2:4]))
			attrs = attrs[4:]
		} else {
			l := int(binary.BigEndian.Uint16(attrs[2:4]))
			if 4+l > len(attrs) {
				break
			}
			v := attrs[4 : 4+l]
			if l <= 4 {
				for _, c := range v {
					val = val<<8 | uint32(c)
				}
			}
			attrs = attrs[4+l:]
		}
		switch typ & 0x7fff {
		case v1AttrEncr:
			s.Encr = V1Encr(uint16(val))
			if s.Encr == EncrUnknown {
				s.Encr = EncrAlg(0xff00 | val&0xff) // keep it visible as unsupported
			}
		case v1AttrHash:
			s.Hash = HashAlg(val)
		case v1AttrKeyLen:
			s.KeyBits = int(val)
		}
	}
	return s, true
}
