package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
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

func v2be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func v2be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

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

// v2ShortHex renders up to 8 octets of b in hex followed by "…" when longer,
// with the total length, for one-line summaries of opaque data.
func v2ShortHex(b []byte) string {
	if len(b) <= 8 {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:8]) + "…(" + strconv.Itoa(len(b)) + " octets)"
}

// v2Printable reports whether b is printable ASCII, so it can be shown as text.
func v2Printable(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// v2Text renders b as a quoted string when printable, as hex otherwise.
func v2Text(b []byte) string {
	if v2Printable(b) {
		return strconv.Quote(string(b))
	}
	return "0x" + hex.EncodeToString(b)
}
