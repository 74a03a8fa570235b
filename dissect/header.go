package dissect

import (
	"encoding/binary"
	"encoding/hex"
)

// HeaderLen is the length of the fixed ISAKMP/IKE header ([RFC 7296] §3.1).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.1
const HeaderLen = 28

// SPI is an 8-octet IKE SA Security Parameter Index (IKEv2) or cookie (IKEv1).
type SPI [8]byte

// String returns the SPI as 16 lower-case hex digits.
func (s SPI) String() string { return hex.EncodeToString(s[:]) }

// MarshalText encodes the SPI as 16 hex digits.
func (s SPI) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// IsZero reports whether all octets are zero (the responder SPI of a first request).
func (s SPI) IsZero() bool { return s == SPI{} }

// Header flag bits ([RFC 2408] §3.1 for IKEv1, [RFC 7296] §3.1 for IKEv2).
const (
	FlagEncryption uint8 = 0x01 // IKEv1 E: payloads after the header are encrypted
	FlagCommit     uint8 = 0x02 // IKEv1 C
	FlagAuthOnly   uint8 = 0x04 // IKEv1 A
	FlagInitiator  uint8 = 0x08 // IKEv2 I: sent by the original initiator
	FlagHigherVer  uint8 = 0x10 // IKEv2 V
	FlagResponse   uint8 = 0x20 // IKEv2 R
)

// Header is the fixed 28-octet ISAKMP/IKE header.
type Header struct {
	SPIi         SPI          // initiator SPI / cookie
	SPIr         SPI          // responder SPI / cookie
	NextPayload  PayloadType  // type of the first payload
	MajorVersion uint8        // 1 for IKEv1, 2 for IKEv2
	MinorVersion uint8        // 0 in both versions
	Exchange     ExchangeType // exchange type
	Flags        uint8        // Flag* bits
	MessageID    uint32       // message ID
	Length       uint32       // length of the whole message including the header
}

// IsResponse reports the IKEv2 R flag.
func (h *Header) IsResponse() bool { return h.MajorVersion == 2 && h.Flags&FlagResponse != 0 }

// IsInitiator reports the IKEv2 I flag.
func (h *Header) IsInitiator() bool { return h.MajorVersion == 2 && h.Flags&FlagInitiator != 0 }

// IsEncrypted reports the IKEv1 E flag (the body after the header is ciphertext).
func (h *Header) IsEncrypted() bool { return h.MajorVersion == 1 && h.Flags&FlagEncryption != 0 }

// decodeHeader reads the fixed header from b, which must hold HeaderLen octets.
func decodeHeader(h *Header, b []byte) {
	h.SPIi = SPI(b[0:8])
	h.SPIr = SPI(b[8:16])
	h.NextPayload = PayloadType(b[16])
	h.MajorVersion = b[17] >> 4
	h.MinorVersion = b[17] & 0x0f
	h.Exchange = ExchangeType(b[18])
	h.Flags = b[19]
	h.MessageID = binary.BigEndian.Uint32(b[20:24])
	h.Length = binary.BigEndian.Uint32(b[24:28])
}

// LooksLikeIKE reports whether b plausibly starts with an IKE header: long
// enough, version 1.0 or 2.0, a length that is at least the header length.
// It is the cheap test used to tell IKE from other traffic on a shared port.
func LooksLikeIKE(b []byte) bool {
	if len(b) < HeaderLen {
		return false
	}
	v := b[17]
	if v != 0x10 && v != 0x20 {
		return false
	}
	return binary.BigEndian.Uint32(b[24:28]) >= HeaderLen
}
