package flows

import (
	"net/netip"
	"time"
)

// PacketKind tells what a [Packet] carries (not to be confused with a
// [FindingKind]).
type PacketKind uint8

// Packet kinds.
const (
	// KindIKE is an IKE message (IKEv1 or IKEv2) starting at its fixed
	// header: any non-ESP marker or RFC 8229 TCP framing already removed.
	KindIKE PacketKind = iota + 1
	// KindESP is an ESP packet (plain, IP protocol 50, or UDP-encapsulated
	// per RFC 3948); only its SPI and sequence number are used.
	KindESP
	// KindICMP is an ICMP or ICMPv6 destination unreachable
	// about an IKE datagram (icmp.go): Src and Dst are the quoted
	// datagram's addresses and ports, Data the quoted octets after its UDP
	// header (a non-ESP marker and the IKE header, as far as quoted), and
	// ICMP says who sent it and why.
	KindICMP
)

// String returns "IKE", "ESP" or "ICMP".
func (k PacketKind) String() string {
	switch k {
	case KindIKE:
		return "IKE"
	case KindESP:
		return "ESP"
	case KindICMP:
		return "ICMP"
	}
	return "unknown"
}

// ICMPInfo is the ICMP side of a KindICMP packet.
type ICMPInfo struct {
	From netip.Addr // the host or router that sent the ICMP message
	Code uint8      // its code (ICMP destination unreachable, or ICMPv6's when V6)
	V6   bool       // ICMPv6 (RFC 4443) rather than ICMP (RFC 792)
}

// Packet is one captured IKE message or ESP packet, as handed to
// [Analyzer.Add]. It is decoupled from any pcap reader: the caller adapts
// its own events to it.
type Packet struct {
	Frame int // 1-based frame number in the capture
	// Time is the capture timestamp. A monotonic clock reading (as
	// time.Now has) is dropped: durations are between wall-clock times.
	Time     time.Time
	Src, Dst netip.AddrPort // outer addresses and UDP/TCP ports (port 0 for plain ESP; KindICMP: the quoted datagram's)
	Kind     PacketKind     // KindIKE, KindESP or KindICMP
	// Data is the IKE message from its first header octet (KindIKE). It
	// aliases the caller's buffer: the analyzer copies what it keeps.
	Data   []byte
	ESPSPI uint32 // ESP Security Parameters Index (KindESP)
	ESPSeq uint32 // ESP sequence number (KindESP)
	// TCP tells that the IKE message came over TCP (RFC 8229), its
	// framing removed; Src and Dst then hold the TCP ports.
	TCP bool
	// Cut tells that the capture kept fewer octets of the packet than it
	// had (its snap length): Data ends before the message does. The IKE
	// header's length still gives the message's size.
	Cut bool
	// TTL is the IP time to live (IPv6: hop limit) the packet was
	// captured with; 0 when unknown. The TTLs of an SA's IKE messages
	// tell where the capture was taken (ttl.go).
	TTL uint8
	// ICMP is set for a KindICMP packet. Unlike Data, which the analyzer
	// copies, the ICMPInfo is kept as given while the packet waits in the
	// reorder window: the caller must not change it after Add.
	ICMP *ICMPInfo
}
