package dissect

import (
	"crypto/x509/pkix"
	"encoding/asn1"
)

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
