package dissect

// NonceV1 is the body of an IKEv1 Nonce payload ([RFC 2408] §3.13; RFC 2409
// §5 asks for 8–256 octets, other lengths are kept as they are). Data
// aliases the input.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.13
type NonceV1 struct {
	Data HexBytes `json:"data"`
}

// String renders "20 octets".
func (n *NonceV1) String() string { return itoa(len(n.Data)) + " octets" }
