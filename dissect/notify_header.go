package dissect

// NotifyHeader is the fixed part of a Notify payload of either IKE
// version: protocol, notify type, SPI and the Notification Data that
// follows ([RFC 7296] §3.10, [RFC 2408] §3.14). SPI and Data alias the
// input and are nil when empty. It is what [ReadNotifyHeader] reads without
// allocating; [DecodePayload] builds on the same read.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.10
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14
type NotifyHeader struct {
	DOI      DOI // IKEv1 only
	Protocol uint8
	SPISize  uint8
	Type     uint16
	SPI      []byte
	Data     []byte
	// SPIFits is false when SPISize runs past the payload; SPI and Data
	// are then nil.
	SPIFits bool
}

// ReadNotifyHeader reads the header of a Notify payload body for IKE
// version (1 or 2). ok is false when the body is shorter than the fixed
// header (4 octets in IKEv2; 8 in IKEv1, which starts with the DOI).
func ReadNotifyHeader(version uint8, body []byte) (h NotifyHeader, ok bool) {
	b := body
	if version == 1 {
		if len(b) < 8 {
			return h, false
		}
		h.DOI = DOI(be32(b))
		b = b[4:]
	} else if len(b) < 4 {
		return h, false
	}
	h.Protocol, h.SPISize, h.Type = b[0], b[1], be16(b[2:])
	ss := int(h.SPISize)
	if ss > len(b)-4 {
		return h, true
	}
	h.SPIFits = true
	if ss > 0 {
		h.SPI = b[4 : 4+ss : 4+ss]
	}
	if len(b) > 4+ss {
		h.Data = b[4+ss:]
	}
	return h, true
}

// KEGroup returns the Diffie-Hellman group of an IKEv2 KE payload body
// ([RFC 7296] §3.4). ok is false when the body is shorter than the
// 4-octet header.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.4
func KEGroup(body []byte) (g DHGroup, ok bool) {
	if len(body) < 4 {
		return 0, false
	}
	return DHGroup(be16(body)), true
}
