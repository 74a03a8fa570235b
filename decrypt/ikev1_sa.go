package decrypt

import "github.com/ikeflow/ikeflow/dissect"

// v1Phase1Suite extracts the encryption algorithm, hash and key length from
// the first transform of the first proposal in an IKEv1 SA payload body
// (DOI, situation, proposals; [RFC 2408] §3.4–3.6), as dissect decodes it.
// It is enough for the responder's SA, which carries exactly the chosen
// transform. ok is false when the DOI is not IPsec or no transform was
// decoded.
func v1Phase1Suite(body []byte) (s Suite, ok bool) {
	b, _ := dissect.DecodePayload(1, dissect.Payload{Type: dissect.PayloadSAV1, Body: body})
	sa, _ := b.(*dissect.SAV1)
	if sa == nil || sa.DOI != dissect.DOIIPsec || len(sa.Proposals) == 0 || len(sa.Proposals[0].Transforms) == 0 {
		return s, false
	}
	t := &sa.Proposals[0].Transforms[0]
	if v, ok := t.AttrValue(uint16(dissect.IKEAttrEncryption)); ok {
		s.Encr = V1Encr(uint16(v))
		if s.Encr == EncrUnknown {
			s.Encr = EncrAlg(0xff00 | v&0xff) // keep it visible as unsupported
		}
	}
	if v, ok := t.AttrValue(uint16(dissect.IKEAttrHash)); ok {
		s.Hash = HashAlg(v)
	}
	if v, ok := t.AttrValue(uint16(dissect.IKEAttrKeyLength)); ok {
		s.KeyBits = int(v)
	}
	return s, true
}
