package dissect

// CertV1 is the body of an IKEv1 Certificate payload ([RFC 2408] §3.9):
// the encoding and the certificate data (aliasing the input).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.9
// Certificate is the decoded X.509 certificate (X.509 encodings), Note why
// it could not be decoded.
type CertV1 struct {
	Encoding    CertEncodingV1 `json:"encoding"`
	Data        HexBytes       `json:"data"`
	Certificate *Certificate   `json:"certificate,omitempty"`
	Note        string         `json:"note,omitempty"`
}

// String renders "X.509 Certificate - Signature, 1497 octets" and, on
// further lines, the decoded certificate.
func (c *CertV1) String() string {
	return c.Encoding.String() + ", " + itoa(len(c.Data)) + " octets" + certDetail(c.Certificate, nil, c.Note)
}

// CertReqV1 is the body of an IKEv1 Certificate Request payload ([RFC 2408]
// §3.10): the requested certificate type and the certificate authority (a
// DER distinguished name for X.509 types; empty means any CA). Authority
// aliases the input; AuthorityDN is the decoded name when it parses.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.10
type CertReqV1 struct {
	Encoding    CertEncodingV1 `json:"encoding"`
	Authority   HexBytes       `json:"authority"`
	AuthorityDN string         `json:"authority_dn,omitempty"`
}

// String renders "X.509 Certificate - Signature, CA CN=…" or "…, any CA".
func (c *CertReqV1) String() string {
	switch {
	case c.AuthorityDN != "":
		return c.Encoding.String() + ", CA " + c.AuthorityDN
	case len(c.Authority) == 0:
		return c.Encoding.String() + ", any CA"
	}
	return c.Encoding.String() + ", CA " + shortHex(c.Authority)
}

func decodeCertV1(p Payload) (Body, error) {
	if len(p.Body) < 1 {
		return &CertV1{}, errAt(p.Offset+4, "CERT.encoding", ErrTruncated)
	}
	c := &CertV1{Encoding: CertEncodingV1(p.Body[0]), Data: p.Body[1:]}
	if isX509Encoding(1, p.Body[0]) {
		var err error
		if c.Certificate, err = DecodeCertificate(c.Data); err != nil {
			c.Note = certNote(err)
			return c, errAt(p.Offset+5, "CERT.certificate", err)
		}
	}
	return c, nil
}

func decodeCertReqV1(p Payload) (Body, error) {
	if len(p.Body) < 1 {
		return &CertReqV1{}, errAt(p.Offset+4, "CR.type", ErrTruncated)
	}
	c := &CertReqV1{Encoding: CertEncodingV1(p.Body[0]), Authority: p.Body[1:]}
	if len(c.Authority) > 0 {
		c.AuthorityDN = derDNString(c.Authority)
	}
	return c, nil
}
