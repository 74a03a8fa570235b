package dissect

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
)

// SA is the body of an IKEv2 Security Association payload: a list of
// proposals ([RFC 7296] §3.3).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3
type SA struct {
	Proposals []Proposal `json:"proposals"`
}

// Proposal is a proposal substructure ([RFC 7296] §3.3.1). NumTransforms is
// the count on the wire; Transforms holds what the proposal's length
// actually contained, so the two can differ in malformed input.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
type Proposal struct {
	Num           uint8       `json:"number"`
	Protocol      ProtocolID  `json:"protocol"`
	SPI           HexBytes    `json:"spi,omitempty"`
	NumTransforms uint8       `json:"num_transforms"`
	Transforms    []Transform `json:"transforms"`
	// Last is true when the Last Substruc field is 0 ("last proposal");
	// 2 means more follow.
	Last bool `json:"last"`
}

// Transform is a transform substructure ([RFC 7296] §3.3.2). ID is
// interpreted according to Type; see [Transform.Name].
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
type Transform struct {
	Type       TransformType `json:"type"`
	ID         uint16        `json:"id"`
	KeyLength  uint16        `json:"key_length,omitempty"` // Key Length attribute in bits; 0 = absent
	Attributes []Attribute   `json:"attributes,omitempty"`
	// Last is true when the Last Substruc field is 0; 3 means more follow.
	Last bool `json:"-"`
}

// Attribute is a transform attribute in TV or TLV format ([RFC 7296]
// §3.3.5). For TV (the AF bit set) Value holds the value; for TLV Data
// holds it and Value is the length.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.5
type Attribute struct {
	Type  uint16   `json:"type"` // attribute type without the AF bit
	TV    bool     `json:"tv"`
	Value uint16   `json:"value"`
	Data  HexBytes `json:"data,omitempty"`
}

// Name resolves the transform ID through its type's registry, e.g.
// "ENCR_AES_CBC", "PRF_HMAC_SHA2_256", "ECP_256".
func (t Transform) Name() string { return t.Type.IDName(t.ID) }

// MarshalJSON adds the resolved "name" (see [Transform.Name]) to the fields.
func (t Transform) MarshalJSON() ([]byte, error) {
	type plain Transform // no methods: avoids recursion
	return json.Marshal(struct {
		plain
		Name string `json:"name"`
	}{plain(t), t.Name()})
}

// Encr returns the ID as an encryption algorithm when Type is ENCR.
func (t Transform) Encr() (EncrID, bool) { return EncrID(t.ID), t.Type == TransformENCR }

// PRF returns the ID as a PRF when Type is PRF.
func (t Transform) PRF() (PRFID, bool) { return PRFID(t.ID), t.Type == TransformPRF }

// Integ returns the ID as an integrity algorithm when Type is INTEG.
func (t Transform) Integ() (IntegID, bool) { return IntegID(t.ID), t.Type == TransformINTEG }

// Group returns the ID as a key exchange method when Type is KE or ADDKE1–7.
func (t Transform) Group() (DHGroup, bool) { return DHGroup(t.ID), t.Type.IsKeyExchange() }

// String renders the transform as "ENCR_AES_CBC/256" or "ADDKE1=ML-KEM-768".
func (t Transform) String() string {
	s := t.Name()
	if t.Type >= TransformADDKE1 {
		s = t.Type.String() + "=" + s
	}
	if t.KeyLength != 0 {
		s += "/" + strconv.Itoa(int(t.KeyLength))
	}
	return s
}

// String renders the proposal on one line:
// "#1 ESP spi=c0ffee01 [5/5]: ENCR_AES_CBC/256 AUTH_HMAC_SHA2_256_128 NO_ESN".
// The bracket appears only when the wire count differs from the transforms found.
func (p *Proposal) String() string {
	var b strings.Builder
	b.WriteString("#" + strconv.Itoa(int(p.Num)) + " " + p.Protocol.String())
	if len(p.SPI) > 0 {
		b.WriteString(" spi=" + hex.EncodeToString(p.SPI))
	}
	if int(p.NumTransforms) != len(p.Transforms) {
		b.WriteString(" [" + strconv.Itoa(len(p.Transforms)) + "/" + strconv.Itoa(int(p.NumTransforms)) + " transforms]")
	}
	b.WriteString(":")
	for _, t := range p.Transforms {
		b.WriteString(" " + t.String())
	}
	return b.String()
}

// String renders one line per proposal.
func (s *SA) String() string {
	lines := make([]string, 0, len(s.Proposals))
	for i := range s.Proposals {
		lines = append(lines, s.Proposals[i].String())
	}
	if len(lines) == 0 {
		return "no proposals"
	}
	return strings.Join(lines, "\n")
}

// maxSAProposals and maxSATransforms cap the substructures decoded from one
// payload; the 16-bit payload length bounds them anyway (8 octets each),
// this keeps hostile input from making long slices of empty entries.
const (
	maxSAProposals  = 255
	maxSATransforms = 255
	maxSAAttributes = 64
)

// decodeSA decodes the body of an IKEv2 SA payload. Each proposal,
// transform and attribute is parsed from a view bounded by its own length
// field. It returns the proposals decoded so far together with a
// *ParseError when a length is inconsistent.
func decodeSA(p Payload) (*SA, error) {
	sa := &SA{}
	b := p.Body
	for off, i := 0, 0; off < len(b); i++ {
		field := "/proposal[" + itoa(i) + "]"
		if i == maxSAProposals {
			return sa, v2Err(p, off, field, ErrMalformed)
		}
		view, spiSize, badOff, bad := proposalAt(b[off:])
		if view == nil {
			return sa, v2Err(p, off+badOff, field+bad, ErrMalformed)
		}
		pr := Proposal{
			Last:          view[0] == 0,
			Num:           view[4],
			Protocol:      ProtocolID(view[5]),
			NumTransforms: view[7],
		}
		if bad != "" {
			sa.Proposals = append(sa.Proposals, pr)
			return sa, v2Err(p, off+badOff, field+bad, ErrMalformed)
		}
		if spiSize > 0 {
			pr.SPI = view[8 : 8+spiSize]
		}
		err := decodeTransforms(p, &pr, view[8+spiSize:], off+8+spiSize, field)
		sa.Proposals = append(sa.Proposals, pr)
		if err != nil {
			return sa, err
		}
		off += len(view)
	}
	return sa, nil
}

// decodeTransforms parses the transforms of one proposal from tb, whose first
// octet is at inner offset base of the payload body.
func decodeTransforms(p Payload, pr *Proposal, tb []byte, base int, field string) error {
	for off, j := 0, 0; off < len(tb); j++ {
		tfield := field + "/transform[" + itoa(j) + "]"
		if j == maxSATransforms {
			return v2Err(p, base+off, tfield, ErrMalformed)
		}
		tv, badOff, bad := transformAt(tb[off:])
		if bad != "" {
			return v2Err(p, base+off+badOff, tfield+bad, ErrMalformed)
		}
		t := Transform{
			Last: tv[0] == 0,
			Type: TransformType(tv[4]),
			ID:   be16(tv[6:]),
		}
		err := decodeAttributes(p, &t, tv[8:], base+off+8, tfield)
		pr.Transforms = append(pr.Transforms, t)
		if err != nil {
			return err
		}
		off += len(tv)
	}
	return nil
}

// decodeAttributes parses transform attributes from ab ([RFC 7296] §3.3.5).
func decodeAttributes(p Payload, t *Transform, ab []byte, base int, field string) error {
	for off, k := 0, 0; off < len(ab); k++ {
		afield := field + "/attribute[" + itoa(k) + "]"
		if k == maxSAAttributes {
			return v2Err(p, base+off, afield, ErrMalformed)
		}
		a, n, badOff, ok := attributeAt(ab[off:])
		if !ok {
			if badOff != 0 {
				afield += ".length"
			}
			return v2Err(p, base+off+badOff, afield, ErrMalformed)
		}
		if a.TV && a.Type == TransformAttrKeyLength {
			t.KeyLength = a.Value
		}
		t.Attributes = append(t.Attributes, a)
		off += n
	}
	return nil
}
