package dissect

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"strings"
)

// dnAttrNames are the short names strongSwan and OpenSSL print for the
// attribute types seen in IKE certificates and DN identities.
var dnAttrNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "E",
	"1.2.840.113549.1.9.2":       "unstructuredName",
}

// maxDNLen bounds a rendered distinguished name.
const maxDNLen = 1024

// DNString renders a DER-encoded X.501 Name in the order it is encoded,
// the way strongSwan logs it ("C=CH, O=strongSwan, CN=moon"): short names
// for common attributes, dotted OIDs otherwise, string values as text and
// other values as "#" and hex. It returns "" when der is not exactly one
// well-formed Name. Long names are cut at 1024 octets with "…".
func DNString(der []byte) string {
	var rdns pkix.RDNSequence
	rest, err := asn1.Unmarshal(der, &rdns)
	if err != nil || len(rest) != 0 {
		return ""
	}
	var b strings.Builder
	for _, rdn := range rdns {
		for _, atv := range rdn {
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			oid := atv.Type.String()
			if n, ok := dnAttrNames[oid]; ok {
				oid = n
			}
			b.WriteString(oid)
			b.WriteByte('=')
			switch v := atv.Value.(type) {
			case string:
				b.WriteString(v)
			default:
				raw, err := asn1.Marshal(v)
				if err != nil {
					b.WriteString("?")
				} else {
					b.WriteString("#" + hex.EncodeToString(raw))
				}
			}
			if b.Len() > maxDNLen {
				return b.String()[:maxDNLen] + "…"
			}
		}
	}
	return b.String()
}
