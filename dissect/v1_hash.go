package dissect

// HashV1 is the body of an IKEv1 Hash payload ([RFC 2408] §3.11): HASH_I,
// HASH_R or the HASH(1..3) of quick mode and informational exchanges. Data
// aliases the input.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.11
type HashV1 struct {
	Data HexBytes `json:"data"`
}

// String renders the hash in short hex with its length.
func (h *HashV1) String() string { return shortHex(h.Data) }

// SigV1 is the body of an IKEv1 Signature payload ([RFC 2408] §3.12),
// SIG_I or SIG_R. Data aliases the input.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.12
type SigV1 struct {
	Data HexBytes `json:"data"`
}

// String renders the signature in short hex with its length.
func (s *SigV1) String() string { return shortHex(s.Data) }
