package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// AttrSpaceV1 says which registry names the classes of an [AttributeV1]:
// the IKE attributes of a PROTO_ISAKMP transform, the IPsec DOI attributes
// of an AH/ESP/IPComp transform, or Mode Config attributes.
type AttrSpaceV1 uint8

// Attribute spaces.
const (
	AttrSpaceIKE     AttrSpaceV1 = iota // RFC 2409 Appendix A ([IKEAttrType])
	AttrSpaceIPsec                      // RFC 2407 §4.5 ([IPsecAttrType])
	AttrSpaceModeCfg                    // draft-dukes-ike-mode-cfg ([ModeCfgAttrTypeV1])
)

// AttributeV1 is one ISAKMP data attribute ([RFC 2408] §3.3): the TV form
// (AF bit set, a 16-bit value) or the TLV form (a length and a variable
// value). Transform attributes, RESPONDER-LIFETIME notification data and
// Mode Config attributes share this format.
//
// Data aliases the input and is nil for TV attributes. Value holds the TV
// value, or the TLV value when it is at most 4 octets long (Life Duration
// is often sent as a 4-octet TLV); longer TLV values are only in Data.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.3
type AttributeV1 struct {
	Type  uint16      // attribute class/type, 15 bits
	TV    bool        // AF bit: true for Type/Value, false for Type/Length/Value
	Value uint32      // TV value, or TLV value of ≤ 4 octets
	Data  []byte      // TLV value (nil for TV)
	Space AttrSpaceV1 // registry of Type
}

// Long reports whether the attribute is a TLV whose value does not fit in
// Value (more than 4 octets).
func (a *AttributeV1) Long() bool { return !a.TV && len(a.Data) > 4 }

// Name returns the class name in the attribute's registry, e.g.
// "Encryption Algorithm", "Encapsulation Mode", "XAUTH-USER-NAME".
func (a *AttributeV1) Name() string {
	switch a.Space {
	case AttrSpaceIPsec:
		return IPsecAttrType(a.Type).String()
	case AttrSpaceModeCfg:
		return ModeCfgAttrTypeV1(a.Type).String()
	}
	return IKEAttrType(a.Type).String()
}

// ValueName renders the value: the registry name for enumerated classes
// ("AES-CBC", "MODP_1024", "UDP-Encapsulated-Tunnel"), decimal numbers for
// counts and durations, addresses and text for Mode Config attributes, and
// hex or an octet count for long values. Passwords are never rendered.
func (a *AttributeV1) ValueName() string {
	if a.Space == AttrSpaceModeCfg {
		return a.modeCfgValue()
	}
	if a.Long() {
		return longValue(a.Data)
	}
	var name func(uint32) string
	switch a.Space {
	case AttrSpaceIKE:
		name = ikeAttrValueNames[IKEAttrType(a.Type)]
	case AttrSpaceIPsec:
		name = ipsecAttrValueNames[IPsecAttrType(a.Type)]
	}
	if name != nil && a.Value <= 0xffff {
		return name(a.Value)
	}
	return v1Utoa(a.Value)
}

// ikeAttrValueNames names the values of the enumerated IKE attribute
// classes ([RFC 2409] Appendix A); the other classes are numbers.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
var ikeAttrValueNames = map[IKEAttrType]func(uint32) string{
	IKEAttrEncryption: valueString[EncrAlgV1],
	IKEAttrHash:       valueString[HashAlgV1],
	IKEAttrAuthMethod: valueString[AuthMethodV1],
	IKEAttrGroupDesc:  valueString[DHGroup],
	IKEAttrGroupType:  valueString[GroupTypeV1],
	IKEAttrLifeType:   valueString[LifeTypeV1],
}

// ipsecAttrValueNames names the values of the enumerated IPsec DOI
// attribute classes ([RFC 2407] §4.5, [RFC 3168], [RFC 4304]).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5
// [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168#section-9.2.1.1
// [RFC 4304]: https://www.rfc-editor.org/rfc/rfc4304#section-2
var ipsecAttrValueNames = map[IPsecAttrType]func(uint32) string{
	IPsecAttrLifeType:  valueString[LifeTypeV1],
	IPsecAttrGroupDesc: valueString[DHGroup],
	IPsecAttrEncapMode: valueString[EncapModeV1],
	IPsecAttrAuthAlg:   valueString[AuthAlgV1],
	IPsecAttrECNTunnel: func(v uint32) string { return namedOrNumber(uint16(v), ecnTunnelV1Names) },
	IPsecAttrESN:       func(v uint32) string { return namedOrNumber(uint16(v), esnV1Names) },
}

func namedOrNumber(v uint16, names map[uint16]string) string {
	if n, ok := names[v]; ok {
		return n
	}
	return v1Utoa(v)
}

func longValue(b []byte) string {
	if len(b) <= 16 {
		return "0x" + hex.EncodeToString(b)
	}
	return itoa(len(b)) + " octets"
}

func (a *AttributeV1) modeCfgValue() string {
	t := ModeCfgAttrTypeV1(a.Type)
	if a.TV {
		switch t {
		case CfgV1XAUTHType:
			return namedOrNumber(uint16(a.Value), xauthTypeV1Names)
		case CfgV1XAUTHStatus:
			return namedOrNumber(uint16(a.Value), xauthStatusV1Names)
		}
		return v1Utoa(a.Value)
	}
	d := a.Data
	if len(d) == 0 {
		return "(empty)"
	}
	switch t {
	case CfgV1XAUTHUserPassword, CfgV1XAUTHPasscode, CfgV1XAUTHNextPIN, CfgV1XAUTHAnswer:
		return "(hidden, " + itoa(len(d)) + " octets)"
	case CfgV1InternalIP4Address, CfgV1InternalIP4Netmask, CfgV1InternalIP4DNS,
		CfgV1InternalIP4NBNS, CfgV1InternalIP4DHCP:
		if len(d) == 4 {
			return netip.AddrFrom4([4]byte(d)).String()
		}
	case CfgV1InternalIP4Subnet:
		if len(d) == 8 {
			return netip.AddrFrom4([4]byte(d[:4])).String() + "/" + netip.AddrFrom4([4]byte(d[4:])).String()
		}
	case CfgV1InternalIP6Address, CfgV1InternalIP6Netmask, CfgV1InternalIP6DNS,
		CfgV1InternalIP6NBNS, CfgV1InternalIP6DHCP:
		if len(d) == 16 {
			return netip.AddrFrom16([16]byte(d)).String()
		}
		if len(d) == 17 { // address + prefix length (draft-dukes §3.3)
			return netip.AddrFrom16([16]byte(d[:16])).String() + "/" + v1Utoa(d[16])
		}
	case CfgV1InternalAddrExpiry, CfgV1UnitySavePasswd, CfgV1UnityNATTPort,
		CfgV1UnityPFS, CfgV1XAUTHType, CfgV1XAUTHStatus:
		if len(d) <= 4 {
			return v1Utoa(a.Value)
		}
	case CfgV1ApplicationVersion, CfgV1XAUTHUserName, CfgV1XAUTHMessage,
		CfgV1XAUTHChallenge, CfgV1XAUTHDomain, CfgV1UnityBanner, CfgV1UnityDefDomain,
		CfgV1UnitySplitDNSName, CfgV1UnityDDNSHostname, CfgV1UnityBackupServers:
		return quoteText(d)
	}
	return longValue(d)
}

// quoteText renders b as a Go-quoted string, shortened to 128 octets.
func quoteText(b []byte) string {
	const max = 128
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}

// String renders "Class = value", e.g. "Encryption Algorithm = AES-CBC",
// "Life Duration = 28800", "Group Description = MODP_1024".
func (a *AttributeV1) String() string { return a.Name() + " = " + a.ValueName() }

// attributesLineV1 renders head followed by ": " and the attributes
// separated by ", " (head alone when there are none).
func attributesLineV1(head string, attrs []AttributeV1) string {
	var sb strings.Builder
	sb.WriteString(head)
	for i := range attrs {
		if i == 0 {
			sb.WriteString(": ")
		} else {
			sb.WriteString(", ")
		}
		sb.WriteString(attrs[i].String())
	}
	return sb.String()
}

// MarshalJSON encodes the attribute as {"type", "type_id", "format",
// "value", "value_name"} with "data" (hex) for TLV values.
func (a *AttributeV1) MarshalJSON() ([]byte, error) {
	type attrJSON struct {
		Type      string  `json:"type"`
		TypeID    uint16  `json:"type_id"`
		Format    string  `json:"format"`
		Value     *uint32 `json:"value,omitempty"`
		ValueName string  `json:"value_name"`
		Data      string  `json:"data,omitempty"`
	}
	j := attrJSON{Type: a.Name(), TypeID: a.Type, Format: "TLV", ValueName: a.ValueName()}
	if a.TV {
		j.Format = "TV"
	}
	if !a.Long() {
		v := a.Value
		j.Value = &v
	}
	if !a.TV && !(a.Space == AttrSpaceModeCfg && a.hidden()) {
		j.Data = hex.EncodeToString(a.Data)
	}
	return json.Marshal(j)
}

func (a *AttributeV1) hidden() bool {
	switch ModeCfgAttrTypeV1(a.Type) {
	case CfgV1XAUTHUserPassword, CfgV1XAUTHPasscode, CfgV1XAUTHNextPIN, CfgV1XAUTHAnswer:
		return true
	}
	return false
}

// countAttributesV1 counts the attributes that fit in b.
func countAttributesV1(b []byte) int {
	n, off := 0, 0
	for len(b)-off >= 4 {
		step := 4
		if b[off]&0x80 == 0 {
			step += int(binary.BigEndian.Uint16(b[off+2:]))
		}
		if step > len(b)-off {
			break
		}
		off += step
		n++
	}
	return n
}

// decodeAttributesV1 decodes a sequence of ISAKMP data attributes
// ([RFC 2408] §3.3) filling b completely, appending them to out. base is
// the offset of b[0] from the IKE header, used in errors; field prefixes
// the error's field path. On error, the attributes before the bad one are
// appended and the *ParseError names the offset of the bad attribute.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.3
func decodeAttributesV1(b []byte, base int, space AttrSpaceV1, field string, out *[]AttributeV1) error {
	*out = slices.Grow(*out, countAttributesV1(b)) // one allocation, bounded by len(b)/4
	off := 0
	for n := 0; off < len(b); n++ {
		if len(b)-off < 4 {
			return errAt(base+off, field+"attribute["+itoa(n)+"]", ErrTruncated)
		}
		w := binary.BigEndian.Uint16(b[off:])
		a := AttributeV1{Type: w & 0x7fff, TV: w&0x8000 != 0, Space: space}
		v := binary.BigEndian.Uint16(b[off+2:])
		if a.TV {
			a.Value = uint32(v)
			off += 4
		} else {
			l := int(v)
			if l > len(b)-off-4 {
				return errAt(base+off+2, field+"attribute["+itoa(n)+"].length", ErrTruncated)
			}
			a.Data = b[off+4 : off+4+l : off+4+l]
			if l <= 4 {
				for _, c := range a.Data {
					a.Value = a.Value<<8 | uint32(c)
				}
			}
			off += 4 + l
		}
		*out = append(*out, a)
	}
	return nil
}
