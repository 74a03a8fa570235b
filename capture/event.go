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
	// KindICMPUnreachable is an ICMP destination unreachable (type 3) or
	// ICMPv6 destination unreachable (type 1) that quotes a UDP datagram
	// to or from an IKE or NAT-T port (icmp.go): Src and Dst are the ICMP
	// message's addresses (port 0), QuotedSrc and QuotedDst the quoted
	// datagram's, ICMPCode its code, and Data the quoted octets after the
	// UDP header and, on a NAT-T port, after the non-ESP marker: often the
	// IKE header (empty when the quote stops before, nil when it quotes ESP
	// in UDP).
	KindICMPUnreachable
)

// String returns "ike", "esp", "nat-keepalive", "error" or
// "icmp-unreachable".
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
	case KindICMPUnreachable:
		return "icmp-unreachable"
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
	// QuotedSrc and QuotedDst are the addresses and ports of the datagram
	// a KindICMPUnreachable event quotes, ICMPCode its ICMP code (ICMP:
	// 3 port unreachable, 1 host, 13 administratively prohibited; ICMPv6:
	// 4 port unreachable, 1 administratively prohibited, 3 address).
	QuotedSrc, QuotedDst netip.AddrPort
	ICMPCode             uint8
	// Reassembled is set when the payload was put together from several IP
	// fragments or TCP segments.
	Reassembled bool
	// Truncated is set when the capture held fewer octets than the packet
	// had (snap length), so Data is incomplete.
	Truncated bool
	// TTL is the time to live (IPv6: hop limit) of the IP packet that
	// carried the event, as captured (a reassembled datagram: its last
	// fragment's); 0 when unknown (IKE over TCP, whose messages may span
	// segments).
	TTL uint8
	// Err is set for KindError events; it is a *PacketError.
	Err error
}
