package dissect

// KEV1 is the body of an IKEv1 Key Exchange payload ([RFC 2408] §3.7): the
// Diffie-Hellman public value, whose group is negotiated in the SA (there
// is no group field as in IKEv2). Data aliases the input.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.7
type KEV1 struct {
	Data HexBytes `json:"data"`
}

// String renders "128 octets".
func (k *KEV1) String() string { return itoa(len(k.Data)) + " octets" }
