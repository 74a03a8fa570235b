package decrypt

import (
	"encoding/binary"

	"github.com/ikeflow/ikeflow/dissect"
)

// ChosenSuite reads the algorithms from the body of the SA payload the
// responder sent (IKEv2 IKE_SA_INIT response or CREATE_CHILD_SA rekey of
// the IKE SA; IKEv1 main or aggressive mode message 2), which carries the
// single chosen proposal. version is the IKE major version. ok is false
// when the body does not parse. Pass the result to [Keyring.OpenV2] (or
// let [V1Session] learn it from the message itself).
func ChosenSuite(version uint8, saBody []byte) (s Suite, ok bool) {
	if version == 1 {
		return v1Phase1Suite(saBody)
	}
	p := saBody
	if len(p) < 8 {
		return s, false
	}
	plen := int(binary.BigEndian.Uint16(p[2:4]))
	if plen < 8 || plen > len(p) {
		return s, false
	}
	spi := int(p[6])
	t := p[8:plen]
	if spi > len(t) {
		return s, false
	}
	t = t[spi:]
	for n := 0; len(t) >= 8 && n < 64; n++ {
		tl := int(binary.BigEndian.Uint16(t[2:4]))
		if tl < 8 || tl > len(t) {
			return s, false
		}
		typ, id := t[4], binary.BigEndian.Uint16(t[6:8])
		switch typ {
		case 1: // ENCR
			s.Encr = EncrAlg(id)
			for a := t[8:tl]; len(a) >= 4; {
				at := binary.BigEndian.Uint16(a[0:2])
				if at&0x8000 == 0 { // TLV: skip
					l := int(binary.BigEndian.Uint16(a[2:4]))
					if 4+l > len(a) {
						break
					}
					a = a[4+l:]
					continue
				}
				if at&0x7fff == 14 { // Key Length
					s.KeyBits = int(binary.BigEndian.Uint16(a[2:4]))
				}
				a = a[4:]
			}
		case 3: // INTEG
			s.Integ = IntegAlg(id)
		}
		t = t[tl:]
	}
	return s, s.Encr != EncrUnknown
}

// SuiteOf builds a Suite from the transform IDs the dissect package decodes
// (they share IANA numbering).
func SuiteOf(encr dissect.EncrID, keyBits int, integ dissect.IntegID) Suite {
	return Suite{Encr: EncrAlg(encr), KeyBits: keyBits, Integ: IntegAlg(integ)}
}
