package dissect

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// maxCertDER bounds the certificate DER handed to crypto/x509. A CERT
// payload cannot exceed 65535 octets on the wire; reassembled fragments
// can, and nothing legitimate comes near this.
const maxCertDER = 64 << 10

// maxCertSANs bounds the subject alternative names kept per certificate.
const maxCertSANs = 64

// Certificate is what ikeflow reads from one X.509 certificate carried in a
// CERT payload (decoded with crypto/x509). Names are rendered by
// [DNString], in encoding order as strongSwan logs them ("C=CH, O=Example,
// CN=moon"). RawSubject and RawIssuer alias the
// input and are kept for comparing names octet for octet.
type Certificate struct {
	Subject string `json:"subject"`
	Issuer  string `json:"issuer"`
	// Serial is the serial number in hex.
	Serial string `json:"serial"`
	// SANs are the subject alternative names, typed: "DNS:host",
	// "IP:192.0.2.1", "email:user@example.com", "URI:…", "DN:…".
	SANs      []string  `json:"sans,omitempty"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	// KeyType is "RSA", "ECDSA", "Ed25519" or the algorithm crypto/x509
	// names for anything else; KeyBits the RSA modulus or curve size.
	KeyType string `json:"key_type"`
	KeyBits int    `json:"key_bits,omitempty"`
	// Curve names the ECDSA curve ("P-256").
	Curve string `json:"curve,omitempty"`
	// SignatureAlgorithm is the issuer's signature ("SHA256-RSA").
	SignatureAlgorithm string `json:"signature_algorithm"`
	// SPKISHA1 is the hex SHA-1 of the DER SubjectPublicKeyInfo: the "CA
	// key hash" an IKEv2 CERTREQ lists for this certificate as a CA
	// ([RFC 7296] §3.7).
	//
	// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.7
	SPKISHA1 string `json:"spki_sha1"`
	// IsCA and MaxPathLen come from basic constraints (MaxPathLen -1: no
	// limit or no constraint); BasicConstraints says whether it is present.
	BasicConstraints bool `json:"basic_constraints"`
	IsCA             bool `json:"ca"`
	MaxPathLen       int  `json:"max_path_len"`
	// SubjectKeyID and AuthorityKeyID are the key identifier extensions in hex.
	SubjectKeyID   string `json:"subject_key_id,omitempty"`
	AuthorityKeyID string `json:"authority_key_id,omitempty"`

	RawSubject HexBytes `json:"-"`
	RawIssuer  HexBytes `json:"-"`
}

// HashURL is the content of a Hash and URL CERT encoding ([RFC 7296] §3.6):
// the SHA-1 hash of the certificate (or bundle) and where to fetch it.
// ikeflow names it and never fetches it.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.6
type HashURL struct {
	Hash HexBytes `json:"hash"`
	URL  string   `json:"url"`
}

// isX509Encoding reports whether a CERT encoding carries one DER X.509
// certificate (IKEv2 value 4; IKEv1 values 4 and 5).
func isX509Encoding(version uint8, enc uint8) bool {
	if version == 1 {
		return enc == uint8(CertV1X509Sig) || enc == uint8(CertV1X509KE)
	}
	return enc == uint8(CertX509Sig)
}

// DecodeCertificate parses der as one DER X.509 certificate. It never
// panics; on damaged input it returns nil and an error that wraps
// [ErrTruncated] (the DER length points past the data) or [ErrMalformed],
// with the reason in its text.
func DecodeCertificate(der []byte) (*Certificate, error) {
	if len(der) == 0 {
		return nil, fmt.Errorf("%w: empty certificate", ErrTruncated)
	}
	if len(der) > maxCertDER {
		return nil, fmt.Errorf("%w: certificate of %d octets (limit %d) not decoded", ErrMalformed, len(der), maxCertDER)
	}
	switch n, err := derOuterLength(der); {
	case err != nil:
		return nil, err
	case n > len(der):
		return nil, fmt.Errorf("%w: certificate DER declares %d octets, %d present", ErrTruncated, n, len(der))
	case n < len(der):
		return nil, fmt.Errorf("%w: %d octets after the certificate DER (%d octets)", ErrMalformed, len(der)-n, n)
	}
	xc, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", ErrMalformed, strings.TrimPrefix(err.Error(), "x509: "))
	}
	sum := sha1.Sum(xc.RawSubjectPublicKeyInfo)
	c := &Certificate{
		Subject:            rdnString(xc.Subject, xc.RawSubject),
		Issuer:             rdnString(xc.Issuer, xc.RawIssuer),
		Serial:             serialHex(xc),
		NotBefore:          xc.NotBefore.UTC(),
		NotAfter:           xc.NotAfter.UTC(),
		SignatureAlgorithm: xc.SignatureAlgorithm.String(),
		SPKISHA1:           hex.EncodeToString(sum[:]),
		BasicConstraints:   xc.BasicConstraintsValid,
		IsCA:               xc.IsCA,
		MaxPathLen:         -1,
		SubjectKeyID:       hex.EncodeToString(xc.SubjectKeyId),
		AuthorityKeyID:     hex.EncodeToString(xc.AuthorityKeyId),
		RawSubject:         xc.RawSubject,
		RawIssuer:          xc.RawIssuer,
	}
	if xc.BasicConstraintsValid && (xc.MaxPathLen > 0 || xc.MaxPathLenZero) {
		c.MaxPathLen = xc.MaxPathLen
	}
	switch k := xc.PublicKey.(type) {
	case *rsa.PublicKey:
		c.KeyType, c.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		c.KeyType, c.KeyBits, c.Curve = "ECDSA", k.Curve.Params().BitSize, k.Curve.Params().Name
	case ed25519.PublicKey:
		c.KeyType, c.KeyBits = "Ed25519", 256
	default:
		c.KeyType = xc.PublicKeyAlgorithm.String()
	}
	c.SANs = certSANs(xc)
	return c, nil
}

// derOuterLength returns the total length (header included) that the
// outer DER SEQUENCE of b declares.
func derOuterLength(b []byte) (int, error) {
	if b[0] != 0x30 {
		return 0, fmt.Errorf("%w: not a DER SEQUENCE (first octet 0x%02x)", ErrMalformed, b[0])
	}
	if len(b) < 2 {
		return 0, fmt.Errorf("%w: DER length missing", ErrTruncated)
	}
	l := int(b[1])
	if l < 0x80 {
		return 2 + l, nil
	}
	n := l & 0x7f
	if n == 0 || n > 4 {
		return 0, fmt.Errorf("%w: DER length of %d octets", ErrMalformed, n)
	}
	if len(b) < 2+n {
		return 0, fmt.Errorf("%w: DER length field cut short", ErrTruncated)
	}
	v := 0
	for _, o := range b[2 : 2+n] {
		v = v<<8 | int(o)
	}
	return 2 + n + v, nil
}

// rdnString renders a name with DNString, falling back to pkix.
func rdnString(n pkix.Name, raw []byte) string {
	if s := DNString(raw); s != "" {
		return s
	}
	return n.String()
}

func serialHex(xc *x509.Certificate) string {
	if xc.SerialNumber == nil {
		return ""
	}
	if xc.SerialNumber.Sign() < 0 {
		return "-" + hex.EncodeToString(new(big.Int).Abs(xc.SerialNumber).Bytes())
	}
	return hex.EncodeToString(xc.SerialNumber.Bytes())
}

// certSANs lists the subject alternative names, typed, at most maxCertSANs.
func certSANs(xc *x509.Certificate) []string {
	var out []string
	add := func(s string) {
		if len(out) < maxCertSANs {
			out = append(out, s)
		}
	}
	for _, d := range xc.DNSNames {
		add("DNS:" + d)
	}
	for _, ip := range xc.IPAddresses {
		add("IP:" + ip.String())
	}
	for _, e := range xc.EmailAddresses {
		add("email:" + e)
	}
	for _, u := range xc.URIs {
		add("URI:" + u.String())
	}
	for _, dn := range directoryNames(xc) {
		add("DN:" + dn)
	}
	return out
}

// directoryNames extracts directoryName entries of the subjectAltName
// extension, which crypto/x509 does not expose.
func directoryNames(xc *x509.Certificate) []string {
	var out []string
	for _, e := range xc.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
			continue
		}
		var seq asn1.RawValue
		if rest, err := asn1.Unmarshal(e.Value, &seq); err != nil || len(rest) != 0 {
			return nil
		}
		b := seq.Bytes
		for len(b) > 0 && len(out) < maxCertSANs {
			var gn asn1.RawValue
			rest, err := asn1.Unmarshal(b, &gn)
			if err != nil {
				return out
			}
			b = rest
			if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 {
				if s := DNString(gn.Bytes); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// decodeHashURL splits a Hash and URL CERT body: 20 octets of SHA-1, then
// the URL.
func decodeHashURL(data []byte) (*HashURL, error) {
	if len(data) < 20 {
		return nil, fmt.Errorf("%w: hash and URL needs a 20-octet hash, %d octets present", ErrTruncated, len(data))
	}
	return &HashURL{Hash: data[:20], URL: string(data[20:])}, nil
}

// lines renders a decoded certificate as lines for Cert.String.
func (c *Certificate) lines() string {
	var b strings.Builder
	b.WriteString("subject " + c.Subject)
	b.WriteString("\nissuer  " + c.Issuer)
	if len(c.SANs) > 0 {
		b.WriteString("\nSAN     " + strings.Join(c.SANs, ", "))
	}
	b.WriteString("\nvalid   " + c.NotBefore.Format(certTime) + " to " + c.NotAfter.Format(certTime))
	b.WriteString("\nkey     " + c.KeyType)
	if c.KeyBits > 0 {
		b.WriteString(" " + strconv.Itoa(c.KeyBits) + " bits")
	}
	if c.Curve != "" {
		b.WriteString(" " + c.Curve)
	}
	b.WriteString(", SPKI SHA-1 " + c.SPKISHA1)
	b.WriteString("\nsigned  " + c.SignatureAlgorithm + ", serial " + c.Serial)
	switch {
	case !c.BasicConstraints:
		b.WriteString(", no basic constraints")
	case c.IsCA && c.MaxPathLen >= 0:
		b.WriteString(", CA (path length " + strconv.Itoa(c.MaxPathLen) + ")")
	case c.IsCA:
		b.WriteString(", CA")
	default:
		b.WriteString(", not a CA")
	}
	return b.String()
}

const certTime = "2006-01-02 15:04:05 UTC"

// certNote renders a certificate decoding error for the payload's text.
func certNote(err error) string {
	var pe *ParseError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return "certificate not decoded: " + err.Error()
}

// certDetail renders the lines after a CERT payload's first line.
func certDetail(c *Certificate, h *HashURL, note string) string {
	switch {
	case c != nil:
		return "\n" + c.lines()
	case h != nil:
		return "\nhash " + h.Hash.String() + ", URL " + textOrHex([]byte(h.URL)) + " (not fetched)"
	case note != "":
		return "\n" + note
	}
	return ""
}

// maxCAHashLines bounds the CA key hashes a CERTREQ prints one per line.
const maxCAHashLines = 16

// caHashLines renders CERTREQ CA key hashes, one per line.
func caHashLines(hs []HexBytes) string {
	var b strings.Builder
	for i, h := range hs {
		if i == maxCAHashLines {
			b.WriteString("\n… " + strconv.Itoa(len(hs)-i) + " more")
			break
		}
		b.WriteString("\nCA key SHA-1 " + h.String())
	}
	return b.String()
}
