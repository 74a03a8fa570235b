package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strings"
)

// SAV1 is the body of an IKEv1 Security Association payload ([RFC 2408]
// §3.4, [RFC 2407] §4.6.1): DOI, situation and the proposals, each a
// Proposal payload (§3.5) holding Transform payloads (§3.6).
//
// SAs of the GDOI DOI ([RFC 6407]) and IPsec DOI situations with the
// SIT_SECRECY or SIT_INTEGRITY bits (labeled domains) have a different
// layout; for them only DOI and Situation are decoded and the error wraps
// [ErrUnsupported].
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.4
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.1
// [RFC 6407]: https://www.rfc-editor.org/rfc/rfc6407
type SAV1 struct {
	DOI       DOI          `json:"doi"`
	Situation Situation    `json:"situation"`
	Proposals []ProposalV1 `json:"proposals"`
}

// ProposalV1 is an IKEv1 Proposal payload ([RFC 2408] §3.5). NumTransforms
// is the wire count; Transforms holds what was actually present. SPI
// aliases the input.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.5
type ProposalV1 struct {
	Num           uint8         `json:"number"`
	Protocol      ProtocolIDV1  `json:"protocol"`
	SPI           HexBytes      `json:"spi"`
	NumTransforms uint8         `json:"num_transforms"`
	Transforms    []TransformV1 `json:"transforms"`
}

// TransformV1 is an IKEv1 Transform payload ([RFC 2408] §3.6): its number,
// a transform ID whose meaning depends on the proposal's protocol, and SA
// attributes (IKE classes for PROTO_ISAKMP, IPsec DOI classes otherwise).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.6
type TransformV1 struct {
	Num        uint8         `json:"number"`
	ID         uint8         `json:"id"`
	Protocol   ProtocolIDV1  `json:"-"` // copied from the enclosing proposal
	Reserved   uint16        `json:"reserved,omitempty"`
	Attributes []AttributeV1 `json:"attributes"`
}

// Name returns the transform ID's name for its protocol ("KEY_IKE",
// "ESP_AES", "AH_SHA"); see [TransformNameV1].
func (t *TransformV1) Name() string { return TransformNameV1(t.Protocol, t.ID) }

// Attr returns the first attribute of class typ and whether there is one.
func (t *TransformV1) Attr(typ uint16) (AttributeV1, bool) {
	for _, a := range t.Attributes {
		if a.Type == typ {
			return a, true
		}
	}
	return AttributeV1{}, false
}

// AttrValue returns the value of the first attribute of class typ whose
// value fits in 32 bits (TV, or TLV of at most 4 octets), e.g.
// t.AttrValue(uint16(IKEAttrLifeDuration)).
func (t *TransformV1) AttrValue(typ uint16) (uint32, bool) {
	for i := range t.Attributes {
		if a := &t.Attributes[i]; a.Type == typ && !a.Long() {
			return a.Value, true
		}
	}
	return 0, false
}

// String renders the transform on one line: "#1 KEY_IKE: Encryption
// Algorithm = AES-CBC, Key Length = 128, …".
func (t *TransformV1) String() string {
	return attributesLineV1("#"+v1Utoa(t.Num)+" "+t.Name(), t.Attributes)
}

// String renders the SA over several lines: a line for DOI and situation,
// one per proposal and one per transform (indented by two spaces).
func (s *SAV1) String() string {
	var sb strings.Builder
	sb.WriteString("DOI " + s.DOI.String() + ", situation " + s.Situation.String())
	for i := range s.Proposals {
		p := &s.Proposals[i]
		sb.WriteString("\nproposal #" + v1Utoa(p.Num) + " " + p.Protocol.String())
		if len(p.SPI) > 0 {
			sb.WriteString(" SPI " + hex.EncodeToString(p.SPI))
		}
		sb.WriteString(", " + v1Utoa(p.NumTransforms) + " transforms")
		for j := range p.Transforms {
			sb.WriteString("\n  " + p.Transforms[j].String())
		}
	}
	return sb.String()
}

// MarshalJSON encodes the transform with its ID's name ("name") for the protocol.
func (t *TransformV1) MarshalJSON() ([]byte, error) {
	type plain TransformV1
	return json.Marshal(struct {
		*plain
		Name string `json:"name"`
	}{(*plain)(t), t.Name()})
}

const (
	proposalHdrLenV1  = 8 // generic header + number, protocol, SPI size, #transforms
	transformHdrLenV1 = 8 // generic header + number, ID, reserved
)

// decodeSAV1 decodes the body of an IKEv1 SA payload. base is the offset
// of body[0] from the IKE header (Payload.Offset + 4), used in errors. On
// error it returns what was decoded so far.
func decodeSAV1(body []byte, base int) (*SAV1, error) {
	sa := &SAV1{}
	if len(body) < 4 {
		return sa, errAt(base, "SA.doi", ErrTruncated)
	}
	sa.DOI = DOI(binary.BigEndian.Uint32(body))
	if len(body) < 8 {
		return sa, errAt(base+4, "SA.situation", ErrTruncated)
	}
	sa.Situation = Situation(binary.BigEndian.Uint32(body[4:]))
	if sa.DOI == DOIGDOI {
		return sa, errAt(base, "SA.doi(GDOI)", ErrUnsupported)
	}
	if sa.Situation&(SitSecrecy|SitIntegrity) != 0 {
		return sa, errAt(base+4, "SA.situation(labeled domain)", ErrUnsupported)
	}
	err := decodeProposalsV1(body[8:], base+8, &sa.Proposals)
	return sa, err
}

// walkChainV1 walks a chain of IKEv1 Proposal or Transform payloads
// ([RFC 2408] §3.5, §3.6) that fills b exactly. Each has the 4-octet
// generic header, a length of at least minLen, and a Next Payload of want
// (another one follows) or 0 (the last). fn decodes one of them from pb,
// re-sliced to its length, at offset off of b; name is the element's field
// path ("SA/proposal[0]"). after names the error for octets past the last.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.5
func walkChainV1(b []byte, base, minLen int, want PayloadType, prefix, after string, fn func(pb []byte, off int, name string) error) error {
	off := 0
	for n := 0; ; n++ {
		name := prefix + "[" + itoa(n) + "]"
		if len(b)-off < 4 {
			return errAt(base+off, name+".header", ErrTruncated)
		}
		next := b[off]
		l := int(binary.BigEndian.Uint16(b[off+2:]))
		if l < minLen {
			return errAt(base+off+2, name+".length", ErrMalformed)
		}
		if l > len(b)-off {
			return errAt(base+off+2, name+".length", ErrTruncated)
		}
		if err := fn(b[off:off+l:off+l], off, name); err != nil {
			return err
		}
		off += l
		if next == 0 {
			if off != len(b) {
				return errAt(base+off, after, ErrMalformed)
			}
			return nil
		}
		if next != uint8(want) {
			return errAt(base+off-l, name+".next_payload", ErrMalformed)
		}
	}
}

// decodeProposalsV1 walks the Proposal payload chain that fills b.
func decodeProposalsV1(b []byte, base int, out *[]ProposalV1) error {
	return walkChainV1(b, base, proposalHdrLenV1, PayloadProposalV1, "SA/proposal", "SA: octets after last proposal",
		func(pb []byte, off int, field string) error {
			plen := len(pb)
			p := ProposalV1{
				Num:           pb[4],
				Protocol:      ProtocolIDV1(pb[5]),
				NumTransforms: pb[7],
			}
			spiSize := int(pb[6])
			if spiSize > plen-proposalHdrLenV1 {
				*out = append(*out, p)
				return errAt(base+off+6, field+".spi_size", ErrTruncated)
			}
			if spiSize > 0 {
				p.SPI = pb[8 : 8+spiSize : 8+spiSize]
			}
			tstart := proposalHdrLenV1 + spiSize
			err := decodeTransformsV1(pb[tstart:], base+off+tstart, p.Protocol, field, &p.Transforms)
			*out = append(*out, p)
			return err
		})
}

// decodeTransformsV1 walks the Transform payload chain that fills b (the
// rest of a proposal after its SPI).
func decodeTransformsV1(b []byte, base int, proto ProtocolIDV1, pfield string, out *[]TransformV1) error {
	if len(b) == 0 {
		return nil // a proposal without transforms; NumTransforms tells the story
	}
	space := AttrSpaceIPsec
	if proto == ProtoISAKMPV1 {
		space = AttrSpaceIKE
	}
	return walkChainV1(b, base, transformHdrLenV1, PayloadTransformV1, pfield+"/transform", pfield+": octets after last transform",
		func(tb []byte, off int, field string) error {
			t := TransformV1{
				Num:      tb[4],
				ID:       tb[5],
				Protocol: proto,
				Reserved: binary.BigEndian.Uint16(tb[6:]),
			}
			err := decodeAttributesV1(tb[8:], base+off+8, space, field+"/", &t.Attributes)
			*out = append(*out, t)
			return err
		})
}
