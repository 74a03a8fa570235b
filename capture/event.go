package capture

import (
	"net/netip"
	"strconv"
	"time"
)

// Kind says what an [Event] holds.
type Kind uint8

// Event kinds.
const (
	// KindIKE is one IKE message; Data starts at the IKE header.
	KindIKE Kind = iota + 1
	// KindESP is one ESP packet (RFC 4303), over IP, in UDP (RFC 3948) or
	// in TCP (RFC 8229); Data starts at the SPI.
	KindESP
	// KindNATKeepalive is an RFC 3948 NAT-keepalive (one 0xFF octet).
	KindNATKeepalive
	// KindError is a packet-level problem; Err says which.
	KindError
)

// String returns "ike", "esp", "nat-keepalive" or "error".
func (k Kind) String() string {
	switch k {
	case KindIKE:
		return "ike"
	case KindESP:
		return "esp"
	case KindNATKeepalive:
		return "nat-keepalive"
	case KindError:
		return "error"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Transport is the protocol that carried an event's payload.
type Transport uint8

// Transports.
const (
	// TransportNone is used for events that are not tied to a transport
	// (most errors).
	TransportNone Transport = iota
	// TransportIP means directly over IP (ESP as IP protocol 50).
	TransportIP
	// TransportUDP means over UDP.
	TransportUDP
	// TransportTCP means over TCP (RFC 8229).
	TransportTCP
)

// String returns "", "ip", "udp" or "tcp".
func (t Transport) String() string {
	switch t {
	case TransportNone:
		return ""
	case TransportIP:
		return "ip"
	case TransportUDP:
		return "udp"
	case TransportTCP:
		return "tcp"
	}
	return "transport(" + strconv.Itoa(int(t)) + ")"
}

// Event is one IKE message, one ESP packet, one NAT-keepalive or one
// packet-level problem found in the capture.
//
// An Event and its Data are owned by the [Reader] and valid only until the
// next call to [Reader.Next].
type Event struct {
	// Frame is the 1-based number of the frame that completed the event,
	// counted over all packets of the file as Wireshark does.
	Frame int
	// Time is the capture timestamp of that frame. From a file it lies
	// between 1970 and 2262 (see "Damaged files" in the package
	// documentation for a frame stamped outside).
	Time time.Time
	// Src and Dst are the IP addresses and transport ports (port 0 for ESP
	// directly over IP, and for errors below the transport layer).
	Src, Dst netip.AddrPort
	// Transport is the protocol that carried the payload.
	Transport Transport
	// Kind says what the event is.
	Kind Kind
	// NonESPMarker is set when a four-octet zero non-ESP marker preceded the
	// IKE message (RFC 3948 §2.2, RFC 8229 §3); Data starts after it.
	NonESPMarker bool
	// Data is the IKE message starting at the IKE header (KindIKE) or the
	// ESP packet starting at the SPI (KindESP). It may extend past the IKE
	// message (trailing octets in the datagram) and may be shorter than the
	// IKE length field when the capture cut the packet (see Truncated).
	// Data aliases a buffer of the Reader: valid until the next Next call.
	Data []byte
	// ESPSPI and ESPSeq are the SPI and sequence number of a KindESP event.
	ESPSPI, ESPSeq uint32
	// Reassembled is set when the payload was put together from several IP
	// fragments or TCP segments.
	Reassembled bool
	// Truncated is set when the capture held fewer octets than the packet
	// had (snap length), so Data is incomplete.
	Truncated bool
	// Err is set for KindError events; it is a *PacketError.
	Err error
}
