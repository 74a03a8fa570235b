package dissect

import (
	"net/netip"
	"strconv"
)

// IDV1 is the body of an IKEv1 Identification payload in the IPsec DOI
// ([RFC 2408] §3.8, [RFC 2407] §4.6.2): the ID type, the IP protocol and
// port (used by quick-mode client IDs), and the identification data.
//
// Data always holds the raw identification data (aliasing the input). The
// decoded view depends on the type and is set only when the data has the
// length the type requires:
//   - ID_IPV4_ADDR, ID_IPV6_ADDR: Addr;
//   - ID_IPV4_ADDR_SUBNET, ID_IPV6_ADDR_SUBNET: Addr and Mask, plus Prefix
//     when the mask is contiguous;
//   - ID_IPV4_ADDR_RANGE, ID_IPV6_ADDR_RANGE: Addr (start) and AddrEnd;
//   - ID_FQDN, ID_USER_FQDN: Text;
//   - ID_DER_ASN1_DN: Text, the distinguished name when it parses;
//   - ID_KEY_ID: Text when the key ID is printable.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.8
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.2
type IDV1 struct {
	Type       IDTypeV1     `json:"id_type"`
	ProtocolID uint8        `json:"protocol"`
	Port       uint16       `json:"port"`
	Data       HexBytes     `json:"data"`
	Addr       netip.Addr   `json:"addr,omitzero"`
	AddrEnd    netip.Addr   `json:"addr_end,omitzero"`
	Mask       netip.Addr   `json:"mask,omitzero"`
	Prefix     netip.Prefix `json:"prefix,omitzero"`
	Text       string       `json:"text,omitempty"`
}

// String renders the type and the decoded identity, e.g.
// "ID_IPV4_ADDR_SUBNET 10.0.0.0/24", "ID_FQDN \"vpn.example.com\"", with
// " proto 17 port 500" appended when either is set.
func (id *IDV1) String() string {
	s := id.Type.String() + " "
	switch {
	case id.Prefix.IsValid():
		s += id.Prefix.String()
	case id.Mask.IsValid():
		s += id.Addr.String() + "/" + id.Mask.String()
	case id.AddrEnd.IsValid():
		s += id.Addr.String() + "-" + id.AddrEnd.String()
	case id.Addr.IsValid():
		s += id.Addr.String()
	case id.Text != "" && id.Type == IDV1DERASN1DN:
		s += id.Text
	case id.Text != "":
		s += strconv.Quote(id.Text)
	default:
		s += shortHex(id.Data)
	}
	if id.ProtocolID != 0 || id.Port != 0 {
		s += " proto " + v1Utoa(id.ProtocolID) + " port " + v1Utoa(id.Port)
	}
	return s
}

// decodeIDV1 decodes the body of an IKEv1 ID payload. base is the offset of
// body[0] from the IKE header. Data of the wrong length for its type gives
// an error wrapping [ErrMalformed], with Type, ProtocolID, Port and Data set.
func decodeIDV1(body []byte, base int) (*IDV1, error) {
	id := &IDV1{}
	if len(body) < 4 {
		return id, errAt(base, "ID.header", ErrTruncated)
	}
	id.Type = IDTypeV1(body[0])
	id.ProtocolID = body[1]
	id.Port = be16(body[2:])
	d := body[4:]
	id.Data = d
	bad := func() (*IDV1, error) {
		return id, errAt(base+4, "ID.data("+id.Type.String()+")", ErrMalformed)
	}
	switch id.Type {
	case IDV1IPv4Addr:
		if len(d) != 4 {
			return bad()
		}
		id.Addr = netip.AddrFrom4([4]byte(d))
	case IDV1IPv6Addr:
		if len(d) != 16 {
			return bad()
		}
		id.Addr = netip.AddrFrom16([16]byte(d))
	case IDV1IPv4AddrSubnet, IDV1IPv4AddrRange:
		if len(d) != 8 {
			return bad()
		}
		a, b := netip.AddrFrom4([4]byte(d[:4])), netip.AddrFrom4([4]byte(d[4:]))
		setPair(id, a, b)
	case IDV1IPv6AddrSubnet, IDV1IPv6AddrRange:
		if len(d) != 32 {
			return bad()
		}
		a, b := netip.AddrFrom16([16]byte(d[:16])), netip.AddrFrom16([16]byte(d[16:]))
		setPair(id, a, b)
	case IDV1FQDN, IDV1UserFQDN:
		id.Text = string(d)
	case IDV1DERASN1DN:
		id.Text = derDNString(d)
	case IDV1KeyID:
		if len(d) > 0 && printable(d) {
			id.Text = string(d)
		}
	}
	return id, nil
}

// setPair fills Addr with a and, by the ID type, AddrEnd (range) or Mask
// and Prefix (subnet; Prefix only when the mask is contiguous).
func setPair(id *IDV1, a, b netip.Addr) {
	id.Addr = a
	if id.Type == IDV1IPv4AddrRange || id.Type == IDV1IPv6AddrRange {
		id.AddrEnd = b
		return
	}
	id.Mask = b
	if bits, ok := maskBits(b.AsSlice()); ok {
		if p, err := a.Prefix(bits); err == nil && p.Addr() == a {
			id.Prefix = p
		} else {
			id.Prefix = netip.PrefixFrom(a, bits) // host bits set: keep them visible
		}
	}
}

// maskBits returns the prefix length of a contiguous netmask.
func maskBits(m []byte) (int, bool) {
	bits, seenZero := 0, false
	for _, c := range m {
		for i := 7; i >= 0; i-- {
			if c&(1<<i) != 0 {
				if seenZero {
					return 0, false
				}
				bits++
			} else {
				seenZero = true
			}
		}
	}
	return bits, true
}
