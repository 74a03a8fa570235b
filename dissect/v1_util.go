package dissect

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
)

// v1ShortHex renders up to 8 octets of b in hex, followed by "…" and the
// total length when longer.
func v1ShortHex(b []byte) string {
	if len(b) <= 8 {
		return hex.EncodeToString(b)
	}
	return hex.EncodeToString(b[:8]) + "…(" + itoa(len(b)) + " octets)"
}

func v1be16(b []byte) uint16 { return binary.BigEndian.Uint16(b) }
func v1be32(b []byte) uint32 { return binary.BigEndian.Uint32(b) }

// derDNString parses b as a DER-encoded X.501 Name (RDNSequence) and
// renders it in the RFC 2253 style of crypto/x509/pkix, or returns "" when
// b is not exactly one well-formed Name.
func derDNString(b []byte) string {
	var rdn pkix.RDNSequence
	rest, err := asn1.Unmarshal(b, &rdn)
	if err != nil || len(rest) != 0 {
		return ""
	}
	return rdn.String()
}
