package ikelayer

import (
	"errors"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/dissect"
)

// Layer type numbers (gopacket reserves 0-999; 1000-1999 are for
// application-specific types, and gopacket itself took 1010).
const (
	layerNumISAKMP   = 1500
	layerNumUDPEncap = 1501
)

// LayerTypeISAKMP is the gopacket layer type of an IKE message.
var LayerTypeISAKMP = gopacket.RegisterLayerType(layerNumISAKMP, gopacket.LayerTypeMetadata{
	Name:    "ISAKMP",
	Decoder: gopacket.DecodeFunc(decodeLayer[ISAKMP]),
})

// LayerTypeUDPEncap is the gopacket layer type of an RFC 3948 UDP
// encapsulation payload (UDP 4500).
var LayerTypeUDPEncap = gopacket.RegisterLayerType(layerNumUDPEncap, gopacket.LayerTypeMetadata{
	Name:    "UDPEncap",
	Decoder: gopacket.DecodeFunc(decodeLayer[UDPEncap]),
})

// Ports the layers are registered on.
const (
	PortIKE  = 500  // IKE (RFC 7296 §2)
	PortNATT = 4500 // UDP encapsulation (RFC 3948, RFC 7296 §2.23)
)

func init() {
	layers.RegisterUDPPortLayerType(PortIKE, LayerTypeISAKMP)
	layers.RegisterUDPPortLayerType(PortNATT, LayerTypeUDPEncap)
}

// ErrShortHeader is returned when fewer than [dissect.HeaderLen] octets are
// available, so there is no IKE header to decode.
var ErrShortHeader = errors.New("ikelayer: shorter than the IKE header")

// ISAKMP is an IKE message as a gopacket layer. Contents is the message (up
// to the header's Length field, or what was captured), Payload the octets
// after it in the datagram (usually none).
type ISAKMP struct {
	layers.BaseLayer
	// Message is the decoded header and payload chain; its slices alias
	// the packet data.
	Message dissect.Message
	// DecodeErr is the dissector's error for a message whose header decoded
	// but whose payload chain is malformed or truncated. Such messages are
	// still returned as a layer (DecodeFromBytes returns nil), so the
	// header is available; DecodeFromBytes returns an error only when there
	// is no usable header.
	DecodeErr error
}

// LayerType returns [LayerTypeISAKMP].
func (i *ISAKMP) LayerType() gopacket.LayerType { return LayerTypeISAKMP }

// CanDecode returns [LayerTypeISAKMP].
func (i *ISAKMP) CanDecode() gopacket.LayerClass { return LayerTypeISAKMP }

// NextLayerType returns gopacket.LayerTypePayload when octets follow the
// message in the datagram, else gopacket.LayerTypeZero.
func (i *ISAKMP) NextLayerType() gopacket.LayerType {
	if len(i.Payload) > 0 {
		return gopacket.LayerTypePayload
	}
	return gopacket.LayerTypeZero
}

// DecodeFromBytes decodes an IKE message, resetting i and reusing its
// payload slice. A message cut short (snap length, missing fragment) calls
// df.SetTruncated. It returns an error only when the fixed header is
// missing or unusable (too short, unknown major version, length below 28);
// payload-chain problems are kept in DecodeErr.
func (i *ISAKMP) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	i.DecodeErr = nil
	err := i.Message.DecodeFromBytes(data)
	if len(data) < dissect.HeaderLen {
		df.SetTruncated()
		i.Contents, i.Payload = data, nil
		return ErrShortHeader
	}
	if i.Message.Truncated {
		df.SetTruncated()
	}
	raw := i.Message.Raw
	if raw == nil {
		raw = data
	}
	i.Contents, i.Payload = raw, data[len(raw):]
	if err != nil {
		var pe *dissect.ParseError
		if errors.As(err, &pe) && pe.Offset < dissect.HeaderLen {
			return err // the header itself is unusable
		}
		i.DecodeErr = err
	}
	return nil
}

// EncapKind says what an RFC 3948 UDP payload holds.
type EncapKind uint8

// Kinds of UDP-encapsulated payloads.
const (
	EncapIKE       EncapKind = iota + 1 // non-ESP marker, then IKE
	EncapESP                            // ESP header (non-zero SPI)
	EncapKeepalive                      // NAT-keepalive, one 0xFF octet
)

// String returns "ike", "esp" or "nat-keepalive".
func (k EncapKind) String() string {
	switch k {
	case EncapIKE:
		return "ike"
	case EncapESP:
		return "esp"
	case EncapKeepalive:
		return "nat-keepalive"
	}
	return "unknown"
}

// ErrShortEncap is returned for a UDP 4500 payload of two or three octets,
// or a single octet other than 0xFF: neither IKE, ESP nor a keepalive.
var ErrShortEncap = errors.New("ikelayer: UDP-encapsulated payload too short")

// UDPEncap is the RFC 3948 §2 demultiplexing layer on UDP 4500. Contents
// is the non-ESP marker (IKE) or the keepalive octet; Payload is the IKE
// message or the whole ESP packet.
type UDPEncap struct {
	layers.BaseLayer
	Kind EncapKind
}

// LayerType returns [LayerTypeUDPEncap].
func (u *UDPEncap) LayerType() gopacket.LayerType { return LayerTypeUDPEncap }

// CanDecode returns [LayerTypeUDPEncap].
func (u *UDPEncap) CanDecode() gopacket.LayerClass { return LayerTypeUDPEncap }

// NextLayerType returns [LayerTypeISAKMP] after a non-ESP marker,
// layers.LayerTypeIPSecESP for ESP and gopacket.LayerTypeZero for a
// keepalive.
func (u *UDPEncap) NextLayerType() gopacket.LayerType {
	switch u.Kind {
	case EncapIKE:
		return LayerTypeISAKMP
	case EncapESP:
		return layers.LayerTypeIPSecESP
	}
	return gopacket.LayerTypeZero
}

// DecodeFromBytes classifies a UDP 4500 payload (RFC 3948 §2.2, §2.3).
func (u *UDPEncap) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	switch {
	case len(data) == 1 && data[0] == 0xff:
		u.Kind, u.Contents, u.Payload = EncapKeepalive, data, nil
	case len(data) < 4:
		u.Kind, u.Contents, u.Payload = 0, data, nil
		df.SetTruncated()
		return ErrShortEncap
	case data[0]|data[1]|data[2]|data[3] == 0:
		u.Kind, u.Contents, u.Payload = EncapIKE, data[:4], data[4:]
	default:
		u.Kind, u.Contents, u.Payload = EncapESP, nil, data
	}
	return nil
}

// decodeLayer is the gopacket.Decoder (for gopacket.NewPacket) of the layer
// *T: it decodes data into a new *T, adds it to the packet and hands the
// rest to the next layer's decoder.
func decodeLayer[T any, L interface {
	*T
	gopacket.DecodingLayer
	gopacket.Layer
}](data []byte, p gopacket.PacketBuilder) error {
	l := L(new(T))
	if err := l.DecodeFromBytes(data, p); err != nil {
		return err
	}
	p.AddLayer(l)
	return p.NextDecoder(l.NextLayerType())
}

// Interface checks.
var (
	_ gopacket.DecodingLayer = (*ISAKMP)(nil)
	_ gopacket.DecodingLayer = (*UDPEncap)(nil)
	_ gopacket.Layer         = (*ISAKMP)(nil)
	_ gopacket.Layer         = (*UDPEncap)(nil)
)
