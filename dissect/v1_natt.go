package dissect

import "net/netip"

// NATD is the body of a NAT-D (NAT Discovery) payload, payload type 20
// ([RFC 3947] §3.2) or 130 in the drafts: a hash of the SPIs, an address and
// a port. Hash aliases the input.
//
// [RFC 3947]: https://www.rfc-editor.org/rfc/rfc3947#section-3.2
type NATD struct {
	Hash HexBytes `json:"hash"`
}

// String renders the hash in short hex.
func (n *NATD) String() string { return shortHex(n.Hash) }

// NATOA is the body of a NAT-OA (NAT Original Address) payload, payload
// type 21 ([RFC 3947] §5.1) or 131 in the drafts: an ID type
// (ID_IPV4_ADDR or ID_IPV6_ADDR), three reserved octets and the address.
//
// [RFC 3947]: https://www.rfc-editor.org/rfc/rfc3947#section-5.1
type NATOA struct {
	IDType   IDTypeV1   `json:"id_type"`
	Reserved [3]byte    `json:"-"`
	Addr     netip.Addr `json:"addr,omitzero"`
}

// String renders "ID_IPV4_ADDR 192.0.2.1".
func (n *NATOA) String() string {
	if !n.Addr.IsValid() {
		return n.IDType.String()
	}
	return n.IDType.String() + " " + n.Addr.String()
}

// decodeNATOA decodes the body of a NAT-OA payload. base is the offset of
// body[0] from the IKE header. An address whose length does not match the
// ID type gives an error wrapping [ErrMalformed].
func decodeNATOA(body []byte, base int) (*NATOA, error) {
	n := &NATOA{}
	if len(body) < 4 {
		return n, errAt(base, "NAT-OA.header", ErrTruncated)
	}
	n.IDType = IDTypeV1(body[0])
	n.Reserved = [3]byte(body[1:4])
	a := body[4:]
	switch {
	case n.IDType == IDV1IPv4Addr && len(a) == 4:
		n.Addr = netip.AddrFrom4([4]byte(a))
	case n.IDType == IDV1IPv6Addr && len(a) == 16:
		n.Addr = netip.AddrFrom16([16]byte(a))
	default:
		return n, errAt(base+4, "NAT-OA.address", ErrMalformed)
	}
	return n, nil
}
