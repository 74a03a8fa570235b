package dissect

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"unicode/utf8"
)

// The byte helpers of both IKE versions: one set, so IKEv1 and IKEv2
// fields read and render the same way.

func be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// shortHex renders up to 8 octets of b in hex, followed by "…" and the
// total length when longer, for one-line summaries of opaque data.
func shortHex(b []byte) string {
	if len(b) <= 8 {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:8]) + "…(" + strconv.Itoa(len(b)) + " octets)"
}

// printable reports whether b can be shown as text: valid UTF-8 without
// control characters (C0, DEL, C1). The empty string is printable.
func printable(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 || r < 0x20 || r >= 0x7f && r <= 0x9f {
			return false
		}
		b = b[n:]
	}
	return true
}

// textOrHex renders b as a quoted string when printable, as 0x-prefixed
// hex otherwise.
func textOrHex(b []byte) string {
	if printable(b) {
		return strconv.Quote(string(b))
	}
	return "0x" + hex.EncodeToString(b)
}
