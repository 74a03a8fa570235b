package dissect

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
)

// Notify is the body of an IKEv2 Notify payload ([RFC 7296] §3.10). SPI
// and Data alias the input. For REKEY_SA and the errors about a Child SA
// (INVALID_SPI, CHILD_SA_NOT_FOUND, …) the SPI field names that SA.
//
// The data of common types is decoded into the typed fields below; each is
// set only for its type and only when the data has the expected shape.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.10
type Notify struct {
	Protocol ProtocolID `json:"protocol"`
	SPISize  uint8      `json:"spi_size"`
	SPI      HexBytes   `json:"spi,omitempty"`
	Type     NotifyType `json:"notify"`
	Data     HexBytes   `json:"data,omitempty"`

	// Group is the accepted group of INVALID_KE_PAYLOAD (§3.10.1).
	Group DHGroup `json:"group,omitempty"`
	// Hash is the SHA-1 hash of NAT_DETECTION_SOURCE_IP and
	// NAT_DETECTION_DESTINATION_IP (§2.23) or the COOKIE/COOKIE2 value.
	Hash HexBytes `json:"hash,omitempty"`
	// HashAlgs lists SIGNATURE_HASH_ALGORITHMS ([RFC 7427] §4).
	HashAlgs []HashAlgorithm `json:"hash_algorithms,omitempty"`
	// MessageIDSync is the IKEV2_MESSAGE_ID_SYNC data ([RFC 6311] §4.1).
	MessageIDSync *MessageIDSync `json:"message_id_sync,omitempty"`
	// Redirect is the gateway of REDIRECT and REDIRECTED_FROM ([RFC 5685] §4).
	Redirect *RedirectGateway `json:"redirect,omitempty"`
	// Addr is the address of ADDITIONAL_IP4_ADDRESS/ADDITIONAL_IP6_ADDRESS
	// ([RFC 4555] §3.4).
	Addr netip.Addr `json:"addr,omitzero"`
	// Value is the 32-bit number of SET_WINDOW_SIZE (§2.3) and AUTH_LIFETIME
	// (seconds, [RFC 4478]).
	Value uint32 `json:"value,omitempty"`
	// CPI and IPCompTransform are the IPCOMP_SUPPORTED data (§3.10.1).
	CPI             uint16 `json:"cpi,omitempty"`
	IPCompTransform uint8  `json:"ipcomp_transform,omitempty"`
}

// MessageIDSync is the Notification Data of IKEV2_MESSAGE_ID_SYNC
// ([RFC 6311] §4.1).
//
// [RFC 6311]: https://www.rfc-editor.org/rfc/rfc6311#section-4.1
type MessageIDSync struct {
	Nonce              uint32 `json:"nonce"`
	ExpectedSendReqMID uint32 `json:"expected_send_req_mid"`
	ExpectedRecvReqMID uint32 `json:"expected_recv_req_mid"`
}

// RedirectGateway is the gateway identity of REDIRECT / REDIRECTED_FROM
// ([RFC 5685] §4). Addr is set for the IPv4/IPv6 types, Data holds the raw
// identity, Nonce the Ni echoed in a REDIRECT sent in IKE_SA_INIT.
//
// [RFC 5685]: https://www.rfc-editor.org/rfc/rfc5685#section-4
type RedirectGateway struct {
	Type  GatewayIDType `json:"type"`
	Data  HexBytes      `json:"data"`
	Addr  netip.Addr    `json:"addr,omitzero"`
	Nonce HexBytes      `json:"nonce,omitempty"`
}

// String renders the type followed by its decoded data, e.g.
// "INVALID_KE_PAYLOAD group=MODP_2048", "REKEY_SA ESP spi=c0ffee01",
// "SIGNATURE_HASH_ALGORITHMS SHA1,SHA2_256".
func (n *Notify) String() string {
	var b strings.Builder
	b.WriteString(n.Type.String())
	if len(n.SPI) > 0 {
		b.WriteString(" " + n.Protocol.String() + " spi=" + hex.EncodeToString(n.SPI))
	}
	switch {
	case n.Type == NotifyInvalidKEPayload && len(n.Data) == 2:
		b.WriteString(" group=" + n.Group.String())
	case n.Hash != nil:
		b.WriteString(" " + hex.EncodeToString(n.Hash))
	case n.HashAlgs != nil:
		for i, h := range n.HashAlgs {
			if i == 0 {
				b.WriteString(" ")
			} else {
				b.WriteString(",")
			}
			b.WriteString(h.String())
		}
	case n.MessageIDSync != nil:
		m := n.MessageIDSync
		b.WriteString(" nonce=" + strconv.FormatUint(uint64(m.Nonce), 16) +
			" send_req_mid=" + strconv.FormatUint(uint64(m.ExpectedSendReqMID), 10) +
			" recv_req_mid=" + strconv.FormatUint(uint64(m.ExpectedRecvReqMID), 10))
	case n.Redirect != nil:
		if n.Redirect.Addr.IsValid() {
			b.WriteString(" " + n.Redirect.Addr.String())
		} else {
			b.WriteString(" " + n.Redirect.Type.String() + " " + textOrHex(n.Redirect.Data))
		}
	case n.Addr.IsValid():
		b.WriteString(" " + n.Addr.String())
	case (n.Type == NotifySetWindowSize || n.Type == NotifyAuthLifetime) && len(n.Data) == 4:
		b.WriteString(" " + strconv.FormatUint(uint64(n.Value), 10))
	case n.Type == NotifyIPCompSupported && len(n.Data) == 3:
		b.WriteString(" cpi=" + strconv.Itoa(int(n.CPI)) + " transform=" + strconv.Itoa(int(n.IPCompTransform)))
	case len(n.Data) > 0:
		b.WriteString(" " + shortHex(n.Data))
	}
	return b.String()
}

func decodeNotify(p Payload) (*Notify, error) {
	b := p.Body
	if len(b) < 4 {
		return &Notify{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	h, _ := ReadNotifyHeader(2, b)
	n := &Notify{Protocol: ProtocolID(h.Protocol), SPISize: h.SPISize, Type: NotifyType(h.Type)}
	if !h.SPIFits {
		return n, v2Err(p, 1, ".spi_size", ErrMalformed)
	}
	n.SPI, n.Data = h.SPI, h.Data
	d := h.Data
	dataOff := 4 + int(n.SPISize)
	switch n.Type {
	case NotifyInvalidKEPayload:
		if len(d) == 2 {
			n.Group = DHGroup(be16(d))
		}
	case NotifyNATDetectionSourceIP, NotifyNATDetectionDestinationIP, NotifyCookie, NotifyCookie2:
		if len(d) > 0 {
			n.Hash = d
		}
	case NotifySignatureHashAlgorithms:
		n.HashAlgs = make([]HashAlgorithm, 0, len(d)/2)
		for i := 0; i+2 <= len(d); i += 2 {
			n.HashAlgs = append(n.HashAlgs, HashAlgorithm(be16(d[i:])))
		}
		if len(d)%2 != 0 {
			return n, v2Err(p, dataOff+len(d)-1, ".hash_algorithms", ErrMalformed)
		}
	case NotifyIKEv2MessageIDSync:
		if len(d) == 12 {
			n.MessageIDSync = &MessageIDSync{Nonce: be32(d), ExpectedSendReqMID: be32(d[4:]), ExpectedRecvReqMID: be32(d[8:])}
		}
	case NotifyRedirect, NotifyRedirectedFrom:
		if len(d) < 2 {
			break
		}
		gl := int(d[1])
		if gl > len(d)-2 {
			return n, v2Err(p, dataOff+1, ".gateway_length", ErrMalformed)
		}
		g := &RedirectGateway{Type: GatewayIDType(d[0]), Data: d[2 : 2+gl]}
		if (g.Type == GatewayIPv4 && gl == 4) || (g.Type == GatewayIPv6 && gl == 16) {
			g.Addr = v2Addr(g.Data)
		}
		if len(d) > 2+gl {
			g.Nonce = d[2+gl:]
		}
		n.Redirect = g
	case NotifyAdditionalIP4Address:
		if len(d) == 4 {
			n.Addr = v2Addr(d)
		}
	case NotifyAdditionalIP6Address:
		if len(d) == 16 {
			n.Addr = v2Addr(d)
		}
	case NotifySetWindowSize, NotifyAuthLifetime:
		if len(d) == 4 {
			n.Value = be32(d)
		}
	case NotifyIPCompSupported:
		if len(d) == 3 {
			n.CPI = be16(d)
			n.IPCompTransform = d[2]
		}
	}
	return n, nil
}

// Delete is the body of an IKEv2 Delete payload ([RFC 7296] §3.11).
// NumSPIs is the wire count; SPIs holds the SPIs actually present (each
// SPISize octets, aliasing the input), so they can differ.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.11
type Delete struct {
	Protocol ProtocolID `json:"protocol"`
	SPISize  uint8      `json:"spi_size"`
	NumSPIs  uint16     `json:"num_spis"`
	SPIs     []HexBytes `json:"spis,omitempty"`
}

// String renders "IKE SA" or "ESP spi=c0ffee01,c0ffee02".
func (d *Delete) String() string {
	if d.Protocol == ProtocolIKE && d.NumSPIs == 0 {
		return "IKE SA"
	}
	var b strings.Builder
	b.WriteString(d.Protocol.String())
	for i, s := range d.SPIs {
		if i == 0 {
			b.WriteString(" spi=")
		} else {
			b.WriteString(",")
		}
		b.WriteString(hex.EncodeToString(s))
	}
	if int(d.NumSPIs) != len(d.SPIs) {
		b.WriteString(" [" + strconv.Itoa(len(d.SPIs)) + "/" + strconv.Itoa(int(d.NumSPIs)) + " SPIs]")
	}
	return b.String()
}

func decodeDelete(p Payload) (*Delete, error) {
	b := p.Body
	if len(b) < 4 {
		return &Delete{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	d := &Delete{Protocol: ProtocolID(b[0]), SPISize: b[1], NumSPIs: be16(b[2:])}
	size := int(d.SPISize)
	if size == 0 {
		return d, nil
	}
	rest := b[4:]
	for i := 0; i < int(d.NumSPIs) && len(rest) >= size; i++ {
		d.SPIs = append(d.SPIs, rest[:size])
		rest = rest[size:]
	}
	return d, nil
}
