package dissect

import (
	"strconv"
	"strings"
)

// IKEv1 registries of ISAKMP ([RFC 2408]) and the IPsec DOI ([RFC 2407]):
// domains of interpretation, situation bits, protocol IDs, transform IDs per
// protocol, identification types and certificate encodings. Names are the
// IANA "ISAKMP"/"IPsec" registry names as RFC 2407 spells them.
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408

// Situation is the IPsec DOI Situation bitmap of an SA payload ([RFC 2407] §4.2).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.2
type Situation uint32

// Situation bits ([RFC 2407] §4.2).
const (
	SitIdentityOnly Situation = 0x01 // SIT_IDENTITY_ONLY
	SitSecrecy      Situation = 0x02 // SIT_SECRECY
	SitIntegrity    Situation = 0x04 // SIT_INTEGRITY
)

var situationBits = []struct {
	bit  Situation
	name string
}{
	{SitIdentityOnly, "SIT_IDENTITY_ONLY"},
	{SitSecrecy, "SIT_SECRECY"},
	{SitIntegrity, "SIT_INTEGRITY"},
}

// String lists the set bits joined by "|" ("SIT_IDENTITY_ONLY"); unknown
// bits print as hex, zero prints as "0".
func (s Situation) String() string {
	if s == 0 {
		return "0"
	}
	var parts []string
	rest := s
	for _, b := range situationBits {
		if s&b.bit != 0 {
			parts = append(parts, b.name)
			rest &^= b.bit
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// MarshalText encodes the situation as its String form.
func (s Situation) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// TransformNameV1 names transform ID id within protocol p: KEY_IKE for
// PROTO_ISAKMP, AH_*, ESP_* or IPCOMP_* ([RFC 2407] §4.4.2–§4.4.5). IDs of
// other protocols print as "transform N".
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.2
func TransformNameV1(p ProtocolIDV1, id uint8) string {
	if name, ok := transformNamesV1[p]; ok {
		return name(uint32(id))
	}
	return "transform " + v1Utoa(id)
}

// transformNamesV1 names the transform IDs of each protocol that has a
// transform ID registry.
var transformNamesV1 = map[ProtocolIDV1]func(uint32) string{
	ProtoISAKMPV1: valueString[ISAKMPTransformID],
	ProtoAHV1:     valueString[AHTransformID],
	ProtoESPV1:    valueString[ESPTransformID],
	ProtoIPCompV1: valueString[IPCompTransformID],
}
