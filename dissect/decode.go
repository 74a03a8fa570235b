package dissect

// Body is the typed view of one payload's content, as returned by
// [DecodePayload]. Concrete types are pointers to the structs in this
// package (SA, KE, Notify, …); they marshal to JSON with their fields named
// as in docs/json.md.
type Body interface {
	// String renders the payload for a human: one line, or several lines
	// separated by "\n" for nested structures such as SA proposals. Lines
	// carry no leading indentation; the caller indents.
	String() string
}

// Opaque is the Body of a payload whose content is not decoded further (an
// unknown payload type, or encrypted data). Data aliases the input.
type Opaque struct {
	Data []byte `json:"-"`
	Len  int    `json:"data_length"`
}

// String reports the length of the content.
func (o *Opaque) String() string { return itoa(o.Len) + " octets" }

// DecodePayload decodes the body of p according to its type and the major
// version of the message that carries it (1 or 2). On a malformed body it
// returns what could be decoded together with a *ParseError whose Offset is
// relative to the same origin as p.Offset.
func DecodePayload(version uint8, p Payload) (Body, error) {
	if version == 1 {
		return decodeV1(p)
	}
	return decodeV2(p)
}
