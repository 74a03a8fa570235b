package dissect

import (
	"net/netip"
	"strings"
)

// NotifyV1 is the body of an IKEv1 Notification payload ([RFC 2408]
// §3.14): DOI, protocol, SPI, message type and data. SPI and Data alias the
// input. The data of some types is decoded further:
//   - R-U-THERE, R-U-THERE-ACK ([RFC 3706] §5): Seq, the 4-octet sequence number;
//   - RESPONDER-LIFETIME ([RFC 2407] §4.6.3.1): Attributes, in the IPsec DOI
//     attribute space (IKE space when the protocol is PROTO_ISAKMP);
//   - REPLAY-STATUS ([RFC 2407] §4.6.3.2): Status (0 disabled, else enabled);
//   - UNITY-LOAD-BALANCE (Cisco): Addr, the gateway to move to.
//
// HasSeq and HasStatus say whether Seq and Status were present.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.3
// [RFC 3706]: https://www.rfc-editor.org/rfc/rfc3706#section-5
type NotifyV1 struct {
	DOI        DOI           `json:"doi"`
	Protocol   ProtocolIDV1  `json:"protocol"`
	SPI        HexBytes      `json:"spi,omitempty"`
	Type       NotifyTypeV1  `json:"notify"`
	Data       HexBytes      `json:"data,omitempty"`
	Seq        uint32        `json:"seq,omitempty"`
	HasSeq     bool          `json:"-"`
	Status     uint32        `json:"status,omitempty"`
	HasStatus  bool          `json:"-"`
	Attributes []AttributeV1 `json:"attributes,omitempty"`
	Addr       netip.Addr    `json:"addr,omitzero"`
}

// String renders the type and what its data means: "NO-PROPOSAL-CHOSEN",
// "R-U-THERE seq 10203", "RESPONDER-LIFETIME SA Life Type = seconds, …",
// "INITIAL-CONTACT". Undecoded data is summarised in hex.
func (n *NotifyV1) String() string {
	s := n.Type.String()
	switch {
	case n.HasSeq:
		s += " seq " + v1Utoa(n.Seq)
	case n.HasStatus:
		if n.Status == 0 {
			s += " disabled"
		} else {
			s += " enabled"
		}
	case len(n.Attributes) > 0:
		parts := make([]string, len(n.Attributes))
		for i := range n.Attributes {
			parts[i] = n.Attributes[i].String()
		}
		s += " " + strings.Join(parts, ", ")
	case n.Addr.IsValid():
		s += " " + n.Addr.String()
	case len(n.Data) > 0:
		s += " data " + shortHex(n.Data)
	}
	return s
}

// decodeNotifyV1 decodes the body of an IKEv1 Notification payload. base is
// the offset of body[0] from the IKE header. An SPI size larger than the
// payload gives an error wrapping [ErrTruncated]; malformed data of a
// decoded type (such as a 3-octet DPD sequence number) is kept in Data and
// reported as [ErrMalformed].
func decodeNotifyV1(body []byte, base int) (*NotifyV1, error) {
	n := &NotifyV1{}
	if len(body) < 8 {
		return n, errAt(base, "N.header", ErrTruncated)
	}
	h, _ := ReadNotifyHeader(1, body)
	n.DOI, n.Protocol, n.Type = h.DOI, ProtocolIDV1(h.Protocol), NotifyTypeV1(h.Type)
	if !h.SPIFits {
		return n, errAt(base+5, "N.spi_size", ErrTruncated)
	}
	n.SPI, n.Data = h.SPI, h.Data
	doff := 8 + int(h.SPISize)
	d := body[doff:]
	field := "N(" + n.Type.String() + ").data"
	switch n.Type {
	case NotifyV1RUThere, NotifyV1RUThereAck:
		if len(d) != 4 {
			return n, errAt(base+doff, field, ErrMalformed)
		}
		n.Seq, n.HasSeq = be32(d), true
	case NotifyV1ReplayStatus:
		if len(d) != 4 {
			return n, errAt(base+doff, field, ErrMalformed)
		}
		n.Status, n.HasStatus = be32(d), true
	case NotifyV1ResponderLifetime:
		space := AttrSpaceIPsec
		if n.Protocol == ProtoISAKMPV1 {
			space = AttrSpaceIKE
		}
		if err := decodeAttributesV1(d, base+doff, space, field+"/", &n.Attributes); err != nil {
			return n, err
		}
	case NotifyV1UnityLoadBalance:
		if len(d) == 4 {
			n.Addr = netip.AddrFrom4([4]byte(d))
		}
	}
	return n, nil
}
