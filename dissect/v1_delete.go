package dissect

import "encoding/hex"

// DeleteV1 is the body of an IKEv1 Delete payload ([RFC 2408] §3.15): the
// SAs of one protocol that the sender has deleted. NumSPIs and SPISize are
// the wire values; SPIs holds the SPIs actually present (each aliasing the
// input). For PROTO_ISAKMP the "SPI" is the 16-octet cookie pair.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.15
type DeleteV1 struct {
	DOI      DOI          `json:"doi"`
	Protocol ProtocolIDV1 `json:"protocol"`
	SPISize  uint8        `json:"spi_size"`
	NumSPIs  uint16       `json:"num_spis"`
	SPIs     []HexBytes   `json:"spis"`
}

// String renders "PROTO_IPSEC_ESP SPIs 1a2b3c4d, 5e6f7081".
func (d *DeleteV1) String() string {
	s := d.Protocol.String() + " "
	if len(d.SPIs) == 1 {
		s += "SPI "
	} else {
		s += itoa(int(d.NumSPIs)) + " SPIs "
	}
	for i, spi := range d.SPIs {
		if i > 0 {
			s += ", "
		}
		if i == 8 {
			s += "…"
			break
		}
		s += hex.EncodeToString(spi)
	}
	return s
}

// decodeDeleteV1 decodes the body of an IKEv1 Delete payload. base is the
// offset of body[0] from the IKE header. When the payload does not hold
// exactly NumSPIs SPIs of SPISize octets, the SPIs that fit are returned
// with an error wrapping [ErrMalformed].
func decodeDeleteV1(body []byte, base int) (*DeleteV1, error) {
	d := &DeleteV1{}
	if len(body) < 8 {
		return d, errAt(base, "D.header", ErrTruncated)
	}
	d.DOI = DOI(be32(body))
	d.Protocol = ProtocolIDV1(body[4])
	d.SPISize = body[5]
	d.NumSPIs = be16(body[6:])
	rest, off, size := body[8:], 8, int(d.SPISize)
	if size == 0 {
		if len(rest) != 0 {
			return d, errAt(base+off, "D.spis", ErrMalformed)
		}
		return d, nil
	}
	for i := 0; i < int(d.NumSPIs) && len(rest) >= size; i++ {
		d.SPIs = append(d.SPIs, HexBytes(rest[:size:size]))
		rest, off = rest[size:], off+size
	}
	if len(d.SPIs) != int(d.NumSPIs) || len(rest) != 0 {
		return d, errAt(base+off, "D.spis", ErrMalformed)
	}
	return d, nil
}
