package dissect

// CertEncoding is the Cert Encoding field of IKEv2 CERT and CERTREQ
// payloads ([RFC 7296] §3.6, §3.7; IANA "IKEv2 Certificate Encodings").
// Values 201–255 are private use.
//
// Names: short identifiers derived from the IANA description; Description
// returns the IANA text.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.6
type CertEncoding uint8

// Certificate encodings ([RFC 7296] §3.6, [RFC 4806], [RFC 7670]).
const (
	CertPKCS7          CertEncoding = 1  // PKCS #7 wrapped X.509 certificate
	CertPGP            CertEncoding = 2  // PGP Certificate
	CertDNSSignedKey   CertEncoding = 3  // DNS Signed Key
	CertX509Sig        CertEncoding = 4  // X.509 Certificate - Signature
	CertKerberos       CertEncoding = 6  // Kerberos Token
	CertCRL            CertEncoding = 7  // Certificate Revocation List (CRL)
	CertARL            CertEncoding = 8  // Authority Revocation List (ARL)
	CertSPKI           CertEncoding = 9  // SPKI Certificate
	CertX509Attr       CertEncoding = 10 // X.509 Certificate - Attribute
	CertRawRSA         CertEncoding = 11 // Raw RSA Key (deprecated)
	CertHashURLX509    CertEncoding = 12 // Hash and URL of X.509 certificate
	CertHashURLBundle  CertEncoding = 13 // Hash and URL of X.509 bundle
	CertOCSP           CertEncoding = 14 // OCSP Content (RFC 4806)
	CertRawPublicKey   CertEncoding = 15 // Raw Public Key (RFC 7670)
	certFirstUnassignd CertEncoding = 16
)

// String returns the short name ("X509_SIGNATURE") or the number with its range.
func (e CertEncoding) String() string { return certRegistry.name(e) }

// Description returns the IANA description ("X.509 Certificate - Signature").
func (e CertEncoding) Description() string { return certRegistry.desc(e) }

// MarshalText encodes the encoding as its short name.
func (e CertEncoding) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

var certRegistry = describedRegistry[CertEncoding]{
	names: map[CertEncoding]regName{
		CertPKCS7:         {"PKCS7_X509", "PKCS #7 wrapped X.509 certificate"},
		CertPGP:           {"PGP", "PGP Certificate"},
		CertDNSSignedKey:  {"DNS_SIGNED_KEY", "DNS Signed Key"},
		CertX509Sig:       {"X509_SIGNATURE", "X.509 Certificate - Signature"},
		CertKerberos:      {"KERBEROS", "Kerberos Token"},
		CertCRL:           {"CRL", "Certificate Revocation List (CRL)"},
		CertARL:           {"ARL", "Authority Revocation List (ARL)"},
		CertSPKI:          {"SPKI", "SPKI Certificate"},
		CertX509Attr:      {"X509_ATTRIBUTE", "X.509 Certificate - Attribute"},
		CertRawRSA:        {"RAW_RSA_KEY", "Raw RSA Key (deprecated)"},
		CertHashURLX509:   {"HASH_URL_X509", "Hash and URL of X.509 certificate"},
		CertHashURLBundle: {"HASH_URL_X509_BUNDLE", "Hash and URL of X.509 bundle"},
		CertOCSP:          {"OCSP_CONTENT", "OCSP Content"},
		CertRawPublicKey:  {"RAW_PUBLIC_KEY", "Raw Public Key"},
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{5, 5, "reserved"},
		{uint32(certFirstUnassignd), 200, "unassigned"},
		{201, 255, "private use"},
	},
}
