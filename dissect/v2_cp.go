package dissect

import (
	"net/netip"
	"strings"
)

// Config is the body of an IKEv2 Configuration payload ([RFC 7296] §3.15).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.15
type Config struct {
	Type       CPType        `json:"cp_type"`
	Attributes []CPAttribute `json:"attributes"`
}

// CPAttribute is one configuration attribute ([RFC 7296] §3.15.1). Value
// aliases the input (empty in a request). Addr is decoded for the address
// attributes, Prefix for INTERNAL_IP6_ADDRESS, INTERNAL_IP4_SUBNET and
// INTERNAL_IP6_SUBNET, Text for APPLICATION_VERSION and INTERNAL_DNS_DOMAIN.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.15.1
type CPAttribute struct {
	Type   CPAttributeType `json:"type"`
	Value  HexBytes        `json:"value,omitempty"`
	Addr   netip.Addr      `json:"addr,omitzero"`
	Prefix netip.Prefix    `json:"prefix,omitzero"`
	Text   string          `json:"text,omitempty"`
}

// String renders "INTERNAL_IP4_ADDRESS=10.0.0.5", or the bare name when empty.
func (a *CPAttribute) String() string {
	s := a.Type.String()
	switch {
	case a.Prefix.IsValid():
		return s + "=" + a.Prefix.String()
	case a.Addr.IsValid():
		return s + "=" + a.Addr.String()
	case a.Text != "":
		return s + "=" + textOrHex(a.Value)
	case len(a.Value) > 0:
		return s + "=" + shortHex(a.Value)
	}
	return s
}

// String renders "CFG_REPLY INTERNAL_IP4_ADDRESS=10.0.0.5 INTERNAL_IP4_DNS=10.0.0.1".
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString(c.Type.String())
	for i := range c.Attributes {
		b.WriteString(" " + c.Attributes[i].String())
	}
	return b.String()
}

const maxCPAttributes = 255

func decodeCP(p Payload) (*Config, error) {
	b := p.Body
	if len(b) < 4 {
		return &Config{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	c := &Config{Type: CPType(b[0])}
	// Size the slice from the octets present (not from any wire count).
	n := 0
	for off := 4; len(b)-off >= 4 && n < maxCPAttributes; n++ {
		off += 4 + int(be16(b[off+2:]))
	}
	c.Attributes = make([]CPAttribute, 0, n)
	for off, i := 4, 0; off < len(b); i++ {
		field, err := v2Entry(p, off, i, maxCPAttributes, "attribute")
		if err != nil {
			return c, err
		}
		l := int(be16(b[off+2:]))
		if l > len(b)-off-4 {
			return c, v2Err(p, off+2, field+".length", ErrMalformed)
		}
		a := CPAttribute{Type: CPAttributeType(be16(b[off:]) & 0x7fff), Value: b[off+4 : off+4+l]}
		if l == 0 {
			a.Value = nil
		}
		v := a.Value
		switch a.Type {
		case CPInternalIP4Address, CPInternalIP4Netmask, CPInternalIP4DNS, CPInternalIP4NBNS,
			CPInternalIP4DHCP, CPPCSCFIP4Address:
			if l == 4 {
				a.Addr = v2Addr(v)
			}
		case CPInternalIP6DNS, CPInternalIP6DHCP, CPPCSCFIP6Address, CPHomeAgentAddress:
			if l == 16 {
				a.Addr = v2Addr(v)
			}
		case CPInternalIP6Address, CPInternalIP6Subnet, CPInternalIP6Prefix:
			if l == 17 && v[16] <= 128 {
				a.Prefix = netip.PrefixFrom(v2Addr(v[:16]), int(v[16]))
			}
		case CPInternalIP4Subnet:
			if l == 8 {
				if bits, ok := v2MaskBits(v[4:8]); ok {
					a.Prefix = netip.PrefixFrom(v2Addr(v[:4]), bits)
				}
			}
		case CPApplicationVersion, CPInternalDNSDomain:
			if l > 0 {
				a.Text = string(v)
			}
		}
		c.Attributes = append(c.Attributes, a)
		off += 4 + l
	}
	return c, nil
}

// v2MaskBits converts a contiguous netmask to its prefix length.
func v2MaskBits(m []byte) (int, bool) {
	bits, done := 0, false
	for _, c := range m {
		for bit := byte(0x80); bit != 0; bit >>= 1 {
			switch {
			case c&bit != 0 && done:
				return 0, false
			case c&bit != 0:
				bits++
			default:
				done = true
			}
		}
	}
	return bits, true
}
