package dissect

import (
	"net/netip"
	"strconv"
)

// KE is the body of an IKEv2 Key Exchange payload ([RFC 7296] §3.4). Data
// aliases the input.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.4
type KE struct {
	Group    DHGroup  `json:"group"`
	Reserved uint16   `json:"reserved,omitempty"`
	Data     HexBytes `json:"data"`
}

// String renders "ECP_256 64 octets".
func (k *KE) String() string { return k.Group.String() + " " + strconv.Itoa(len(k.Data)) + " octets" }

func decodeKE(p Payload) (*KE, error) {
	b := p.Body
	g, ok := KEGroup(b)
	if !ok {
		return &KE{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	return &KE{Group: g, Reserved: be16(b[2:]), Data: b[4:]}, nil
}

// Identification is the body of an IKEv2 IDi or IDr payload ([RFC 7296]
// §3.5). Data is the raw identification data (aliasing the input); Addr
// is set for ID_IPV4_ADDR and ID_IPV6_ADDR of the right length, Text for
// ID_FQDN and ID_RFC822_ADDR.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.5
type Identification struct {
	Type IDType     `json:"id_type"`
	Data HexBytes   `json:"data"`
	Addr netip.Addr `json:"addr,omitzero"`
	Text string     `json:"text,omitempty"`
}

// String renders "ID_FQDN \"vpn.example.com\"", "ID_IPV4_ADDR 192.0.2.1" or
// the type and the data in hex.
func (id *Identification) String() string {
	switch {
	case id.Addr.IsValid():
		return id.Type.String() + " " + id.Addr.String()
	case id.Text != "":
		return id.Type.String() + " " + textOrHex(id.Data)
	case id.Type == IDNull:
		return id.Type.String()
	}
	return id.Type.String() + " " + shortHex(id.Data)
}

func decodeID(p Payload) (*Identification, error) {
	b := p.Body
	if len(b) < 4 {
		return &Identification{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	id := &Identification{Type: IDType(b[0]), Data: b[4:]}
	switch id.Type {
	case IDIPv4Addr:
		if len(id.Data) == 4 {
			id.Addr = v2Addr(id.Data)
		}
	case IDIPv6Addr:
		if len(id.Data) == 16 {
			id.Addr = v2Addr(id.Data)
		}
	case IDFQDN, IDRFC822Addr:
		id.Text = string(id.Data)
	}
	return id, nil
}

// Cert is the body of an IKEv2 CERT payload ([RFC 7296] §3.6).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.6
// Certificate is the decoded X.509 certificate (encoding X509_SIGNATURE),
// HashURL the hash and URL (HASH_URL_X509, HASH_URL_X509_BUNDLE; never
// fetched), Note why a certificate could not be decoded.
type Cert struct {
	Encoding    CertEncoding `json:"encoding"`
	Data        HexBytes     `json:"data"`
	Certificate *Certificate `json:"certificate,omitempty"`
	HashURL     *HashURL     `json:"hash_url,omitempty"`
	Note        string       `json:"note,omitempty"`
}

// String renders "X509_SIGNATURE 734 octets" and, on further lines, the
// decoded certificate.
func (c *Cert) String() string {
	s := c.Encoding.String() + " " + strconv.Itoa(len(c.Data)) + " octets"
	return s + certDetail(c.Certificate, c.HashURL, c.Note)
}

func decodeCert(p Payload) (*Cert, error) {
	b := p.Body
	if len(b) < 1 {
		return &Cert{}, v2Err(p, 0, ".encoding", ErrMalformed)
	}
	c := &Cert{Encoding: CertEncoding(b[0]), Data: b[1:]}
	var err error
	switch {
	case isX509Encoding(2, b[0]):
		c.Certificate, err = DecodeCertificate(c.Data)
	case c.Encoding == CertHashURLX509 || c.Encoding == CertHashURLBundle:
		c.HashURL, err = decodeHashURL(c.Data)
	}
	if err != nil {
		c.Note = certNote(err)
		return c, v2Err(p, 1, ".certificate", err)
	}
	return c, nil
}

// CertReq is the body of an IKEv2 CERTREQ payload ([RFC 7296] §3.7). For
// X.509 encodings the Certification Authority field is a concatenation of
// 20-octet SHA-1 hashes of CA public keys; Authorities splits it when its
// length is a multiple of 20 (otherwise it is nil and Data holds the field).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.7
type CertReq struct {
	Encoding    CertEncoding `json:"encoding"`
	Data        HexBytes     `json:"data"`
	Authorities []HexBytes   `json:"authorities,omitempty"`
}

// String renders "X509_SIGNATURE 2 CAs" and, on further lines, the CA key
// hashes (at most 16).
func (c *CertReq) String() string {
	if c.Authorities != nil {
		return c.Encoding.String() + " " + strconv.Itoa(len(c.Authorities)) + " CAs" + caHashLines(c.Authorities)
	}
	return c.Encoding.String() + " " + strconv.Itoa(len(c.Data)) + " octets"
}

func decodeCertReq(p Payload) (*CertReq, error) {
	b := p.Body
	if len(b) < 1 {
		return &CertReq{}, v2Err(p, 0, ".encoding", ErrMalformed)
	}
	c := &CertReq{Encoding: CertEncoding(b[0]), Data: b[1:]}
	if (c.Encoding == CertX509Sig || c.Encoding == CertX509Attr || c.Encoding == CertPKCS7) &&
		len(c.Data)%20 == 0 {
		c.Authorities = make([]HexBytes, 0, len(c.Data)/20)
		for i := 0; i+20 <= len(c.Data); i += 20 {
			c.Authorities = append(c.Authorities, c.Data[i:i+20])
		}
	}
	return c, nil
}

// Auth is the body of an IKEv2 AUTH payload ([RFC 7296] §3.8). For the
// Digital Signature method ([RFC 7427] §3) SigAlgorithm holds the ASN.1
// AlgorithmIdentifier that prefixes the signature and Signature the rest.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.8
// [RFC 7427]: https://www.rfc-editor.org/rfc/rfc7427#section-3
type Auth struct {
	Method       AuthMethod `json:"method"`
	Data         HexBytes   `json:"data"`
	SigAlgorithm HexBytes   `json:"sig_algorithm,omitempty"`
	Signature    HexBytes   `json:"signature,omitempty"`
}

// String renders "DIGITAL_SIGNATURE 72 octets".
func (a *Auth) String() string {
	return a.Method.String() + " " + strconv.Itoa(len(a.Data)) + " octets"
}

func decodeAuth(p Payload) (*Auth, error) {
	b := p.Body
	if len(b) < 4 {
		return &Auth{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	a := &Auth{Method: AuthMethod(b[0]), Data: b[4:]}
	if a.Method == AuthDigitalSig && len(a.Data) > 0 {
		n := int(a.Data[0])
		if n > len(a.Data)-1 {
			return a, v2Err(p, 4, ".asn1_length", ErrMalformed)
		}
		a.SigAlgorithm = a.Data[1 : 1+n]
		a.Signature = a.Data[1+n:]
	}
	return a, nil
}

// Nonce is the body of an IKEv2 Nonce payload ([RFC 7296] §3.9). The RFC
// requires 16–256 octets; other lengths are kept as they are.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.9
type Nonce struct {
	Data HexBytes `json:"data"`
}

// String renders "32 octets".
func (n *Nonce) String() string { return strconv.Itoa(len(n.Data)) + " octets" }

// VendorID is the body of a Vendor ID payload ([RFC 7296] §3.12). Vendor
// is the implementation recognised by [RecognizeVendor], or "".
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.12
type VendorID struct {
	Data   HexBytes `json:"data"`
	Vendor string   `json:"vendor,omitempty"`
}

// String renders the vendor name and the data in hex.
func (v *VendorID) String() string {
	if v.Vendor != "" {
		return v.Vendor + " (" + shortHex(v.Data) + ")"
	}
	return shortHex(v.Data)
}

// Encrypted is the body of an IKEv2 Encrypted and Authenticated (SK)
// payload ([RFC 7296] §3.14): IV, ciphertext (including padding) and ICV,
// kept opaque here. Next is the type of the first inner payload.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.14
type Encrypted struct {
	Data HexBytes    `json:"-"`
	Len  int         `json:"data_length"`
	Next PayloadType `json:"next"`
}

// String renders "inner IDi, 1220 octets".
func (e *Encrypted) String() string {
	return "inner " + e.Next.Short() + ", " + strconv.Itoa(e.Len) + " octets"
}

// EncryptedFragment is the body of an IKEv2 Encrypted and Authenticated
// Fragment (SKF) payload ([RFC 7383] §2.5). Next is the first inner payload
// type; RFC 7383 sets it only in fragment 1 (0 in the others).
//
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383#section-2.5
type EncryptedFragment struct {
	Number uint16      `json:"number"`
	Total  uint16      `json:"total"`
	Data   HexBytes    `json:"-"`
	Len    int         `json:"data_length"`
	Next   PayloadType `json:"next"`
}

// String renders "fragment 1/3, inner SA, 500 octets".
func (f *EncryptedFragment) String() string {
	s := "fragment " + strconv.Itoa(int(f.Number)) + "/" + strconv.Itoa(int(f.Total))
	if f.Next != PayloadNone {
		s += ", inner " + f.Next.Short()
	}
	return s + ", " + strconv.Itoa(f.Len) + " octets"
}

func decodeSKF(p Payload) (*EncryptedFragment, error) {
	b := p.Body
	num, total, ok := FragmentNumbers(b)
	if !ok {
		return &EncryptedFragment{Next: p.Next}, v2Err(p, 0, ".header", ErrMalformed)
	}
	return &EncryptedFragment{Number: num, Total: total, Data: b[4:], Len: len(b) - 4, Next: p.Next}, nil
}

// EAP is the body of an IKEv2 EAP payload ([RFC 7296] §3.16): one EAP
// message ([RFC 3748] §4). Length is the EAP Length field as sent; Type is
// present only for Request (1) and Response (2); Data is the type data,
// bounded by the payload.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.16
// [RFC 3748]: https://www.rfc-editor.org/rfc/rfc3748#section-4
type EAP struct {
	Code       uint8    `json:"code"`
	Identifier uint8    `json:"identifier"`
	Length     uint16   `json:"eap_length"`
	Type       uint8    `json:"eap_type,omitempty"`
	Data       HexBytes `json:"data,omitempty"`
}

var eapCodeNames = [...]string{1: "Request", 2: "Response", 3: "Success", 4: "Failure", 5: "Initiate", 6: "Finish"}

var eapTypeNames = map[uint8]string{
	1: "Identity", 2: "Notification", 3: "Nak", 4: "MD5-Challenge", 5: "OTP", 6: "GTC",
	13: "EAP-TLS", 17: "LEAP", 18: "EAP-SIM", 21: "EAP-TTLS", 23: "EAP-AKA", 25: "PEAP",
	26: "MSCHAPv2", 43: "EAP-FAST", 49: "EAP-IKEv2", 50: "EAP-AKA'", 52: "EAP-PWD", 254: "Expanded",
}

// EAPType is an EAP method type (RFC 3748 §5, IANA "Method Types").
type EAPType uint8

// String returns the method's name, such as "MD5-Challenge", or "type N".
func (t EAPType) String() string {
	if n, ok := eapTypeNames[uint8(t)]; ok {
		return n
	}
	return "type " + strconv.Itoa(int(t))
}

// String renders "Request id=1 Identity 12 octets".
func (e *EAP) String() string {
	s := "code " + strconv.Itoa(int(e.Code))
	if int(e.Code) < len(eapCodeNames) && eapCodeNames[e.Code] != "" {
		s = eapCodeNames[e.Code]
	}
	s += " id=" + strconv.Itoa(int(e.Identifier))
	if e.Code == 1 || e.Code == 2 {
		if n, ok := eapTypeNames[e.Type]; ok {
			s += " " + n
		} else {
			s += " type " + strconv.Itoa(int(e.Type))
		}
		s += " " + strconv.Itoa(len(e.Data)) + " octets"
	}
	return s
}

func decodeEAP(p Payload) (*EAP, error) {
	b := p.Body
	if len(b) < 4 {
		return &EAP{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	e := &EAP{Code: b[0], Identifier: b[1], Length: be16(b[2:])}
	if e.Code == 1 || e.Code == 2 {
		if len(b) < 5 {
			return e, v2Err(p, 4, ".type", ErrMalformed)
		}
		e.Type = b[4]
		end := len(b)
		if int(e.Length) >= 5 && int(e.Length) < end {
			end = int(e.Length)
		}
		e.Data = b[5:end]
	}
	return e, nil
}
