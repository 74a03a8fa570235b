package dissect

import (
	"encoding/hex"
	"net/netip"
)

// HexBytes is a byte slice that marshals to text (and so to JSON) as
// lower-case hex instead of base64. Decoded fields of this type alias the
// input like any other byte slice in this package.
type HexBytes []byte

// MarshalText encodes b as lower-case hex.
func (b HexBytes) MarshalText() ([]byte, error) {
	out := make([]byte, hex.EncodedLen(len(b)))
	hex.Encode(out, b)
	return out, nil
}

// String returns b as lower-case hex.
func (b HexBytes) String() string { return hex.EncodeToString(b) }

// v2Err builds a *ParseError for an octet at inner offset off of the body of
// payload p; the offset is relative to the same origin as p.Offset.
func v2Err(p Payload, off int, field string, err error) *ParseError {
	return errAt(p.Offset+4+off, p.Type.Short()+field, err)
}

// v2Entry starts the i-th entry of a list inside payload p (a CP
// attribute, a traffic selector), at off in b = p.Body: it refuses the
// entry past the first max and one without its 4-octet header, and returns
// the entry's field path ("/ts[3]") for later errors.
func v2Entry(p Payload, off, i, max int, name string) (string, error) {
	field := "/" + name + "[" + itoa(i) + "]"
	if i == max {
		return field, v2Err(p, off, field, ErrMalformed)
	}
	if len(p.Body)-off < 4 {
		return field, v2Err(p, off, field+".header", ErrMalformed)
	}
	return field, nil
}

// v2Addr converts 4 or 16 octets into an address (zero Addr otherwise).
func v2Addr(b []byte) netip.Addr {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b))
	case 16:
		return netip.AddrFrom16([16]byte(b))
	}
	return netip.Addr{}
}
