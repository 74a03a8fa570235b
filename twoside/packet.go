package twoside

import (
	"encoding/binary"
	"errors"
	"hash/maphash"
	"net/netip"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/dissect"
)

// Kind says whether a [Packet] is an IKE message or an ESP packet.
type Kind uint8

// Packet kinds.
const (
	// KindIKE is one IKE message (or one IKE fragment).
	KindIKE Kind = iota + 1
	// KindESP is one ESP packet.
	KindESP
)

// String returns "IKE" or "ESP".
func (k Kind) String() string {
	if k == KindIKE {
		return "IKE"
	}
	return "ESP"
}

// key identifies a packet's content: a seeded hash of its bytes and their
// length.
type key struct {
	h uint64
	n uint32
}

// Packet is what a [Side] keeps of one IKE message or ESP packet.
type Packet struct {
	// Frame is the frame number in its capture (1-based, as Wireshark).
	Frame int
	// Time is the capture timestamp.
	Time time.Time
	// Src and Dst are the addresses as seen at this capture point.
	Src, Dst netip.AddrPort
	// Kind is IKE or ESP.
	Kind Kind
	// Size is the length of the IKE message or ESP packet in octets.
	Size int
	// Reassembled is set when the capture put the packet together from IP
	// fragments or TCP segments.
	Reassembled bool
	// SPIi is the IKE initiator SPI (IKE only).
	SPIi dissect.SPI
	// Exchange, MID and Response describe an IKE message.
	Exchange dissect.ExchangeType
	// MID is the IKE message ID.
	MID uint32
	// Response is set for IKEv2 responses (R flag).
	Response bool
	// Version is the IKE major version (1 or 2).
	Version uint8
	// Fragment is the IKEv2 fragment number (RFC 7383), 0 when the message
	// is not an SKF fragment.
	Fragment uint16
	// ESPSPI and ESPSeq are the SPI and sequence number of an ESP packet.
	ESPSPI, ESPSeq uint32

	key key
	// pre is the key of the packet's first prefixIKE or prefixESP octets
	// (all of them when it is shorter), compared instead of key when a
	// capture cut packets short (Compare).
	pre key
	sa  saID
}

// A packet a capture cut short (its snap length) is compared by its first
// octets: an IKE message by its header and the 20 octets after it (the
// first payload's header and the start of its body: a key exchange value,
// a nonce or the IV of an SK payload, which differ from message to
// message), an ESP packet by its SPI, sequence number and 8 octets of IV.
// A capture with a snap length of 96 keeps 54 octets of an IKE message on
// UDP 4500. Cut to fewer, the packet is not compared (Side.Skipped).
const (
	prefixIKE = 48
	prefixESP = 16
)

// saID names the SA a packet belongs to: the IKE initiator SPI or the ESP SPI.
type saID struct {
	kind Kind
	ike  dissect.SPI
	esp  uint32
}

// Options bound the memory a [Side] uses.
type Options struct {
	// MaxPackets caps the packets one side keeps (0: 1,000,000).
	MaxPackets int
	// MaxPerSA caps the packets kept per IKE SA or ESP SPI (0: 200,000).
	MaxPerSA int
	// Peers, when set, limits the report to SAs to or from these addresses,
	// as either capture saw them (an address and its NAT translation count
	// as one). Matching still uses every packet.
	Peers []netip.Addr
	// SPIs, when set, limits the report to these SAs: an IKE initiator SPI
	// (16 hex digits) or an ESP SPI (8 hex digits, optional 0x).
	SPIs []string
	// Pairs keeps every packet seen at both points for [Flow.Pairs], for
	// drawings that show each packet: 24 more octets per matched packet,
	// and the report then holds on to both sides' packets. Without it only
	// the counts and delays are kept.
	Pairs bool
}

func (o Options) maxPackets() int {
	if o.MaxPackets > 0 {
		return o.MaxPackets
	}
	return 1_000_000
}

func (o Options) maxPerSA() int {
	if o.MaxPerSA > 0 {
		return o.MaxPerSA
	}
	return 200_000
}

// Side holds the packets of one capture point.
type Side struct {
	// Name is the capture's name as the report prints it (usually the path).
	Name string
	// Packets are the kept packets in the order they were added.
	Packets []Packet
	// Skipped counts IKE/ESP events that were not kept: too short to carry a
	// header, cut by the snap length within the octets compared, or over a
	// memory bound.
	Skipped int
	// Cut counts the packets kept that the capture cut short (compared by
	// their first octets: prefixIKE, prefixESP); CutShort those it cut
	// shorter than that (counted in Skipped too).
	Cut, CutShort int
	// OverLimit counts the packets dropped by [Options] bounds.
	OverLimit int
	// Dropped is what the caller knows of the packets the capture itself
	// dropped while it was taken (the count a pcapng file records): a
	// packet reported lost on the way to this capture may be one of them.
	Dropped int64
	// FragmentFrames lists (up to maxListed) the frames of IP datagrams the
	// capture could not reassemble; FragmentErrors counts them all.
	FragmentFrames []int
	FragmentErrors int

	opt   Options
	seed  maphash.Seed
	perSA map[saID]int
}

// newSide returns an empty side; both sides of a comparison must share the
// seed ([NewPair]).
func newSide(name string, opt Options, seed maphash.Seed) *Side {
	return &Side{Name: name, opt: opt, seed: seed, perSA: map[saID]int{}}
}

// NewPair returns the two sides of one comparison, sharing a hash seed.
func NewPair(nameA, nameB string, opt Options) (*Side, *Side) {
	seed := maphash.MakeSeed()
	return newSide(nameA, opt, seed), newSide(nameB, opt, seed)
}

// Add keeps what the comparison needs of one capture event. Events other than
// IKE and ESP are ignored; the event is not retained.
func (s *Side) Add(ev *capture.Event) {
	var p Packet
	prefix := prefixIKE
	switch ev.Kind {
	case capture.KindIKE:
		if !ikeFields(&p, ev.Data, ev.Truncated) || ev.Truncated && len(ev.Data) < prefixIKE {
			s.skip(ev)
			return
		}
	case capture.KindESP:
		if len(ev.Data) < 8 || ev.Truncated && len(ev.Data) < prefixESP {
			s.skip(ev)
			return
		}
		p.Kind = KindESP
		p.ESPSPI = binary.BigEndian.Uint32(ev.Data)
		p.ESPSeq = binary.BigEndian.Uint32(ev.Data[4:])
		p.Size = len(ev.Data) // (cut: as far as the capture kept it)
		p.sa = saID{kind: KindESP, esp: p.ESPSPI}
		prefix = prefixESP
	case capture.KindError:
		var pe *capture.PacketError
		if errors.As(ev.Err, &pe) && errors.Is(pe.Err, capture.ErrFragment) {
			s.FragmentErrors++
			if len(s.FragmentFrames) < maxListed {
				s.FragmentFrames = append(s.FragmentFrames, pe.Frame)
			}
		}
		return
	default:
		return
	}
	if len(s.Packets) >= s.opt.maxPackets() || s.perSA[p.sa] >= s.opt.maxPerSA() {
		s.Skipped++
		s.OverLimit++
		return
	}
	s.perSA[p.sa]++
	p.Frame, p.Time, p.Src, p.Dst, p.Reassembled = ev.Frame, ev.Time, ev.Src, ev.Dst, ev.Reassembled
	n := min(len(ev.Data), p.Size) // (IKE: the header's length, or what the capture kept of it)
	pre := min(n, prefix)
	p.pre = key{h: maphash.Bytes(s.seed, ev.Data[:pre]), n: uint32(pre)}
	if ev.Truncated {
		s.Cut++
		p.key = p.pre // (its whole content is not known)
	} else {
		p.key = key{h: maphash.Bytes(s.seed, ev.Data[:n]), n: uint32(n)}
	}
	s.Packets = append(s.Packets, p)
}

// skip counts an IKE/ESP event not kept (CutShort: the capture cut it).
func (s *Side) skip(ev *capture.Event) {
	s.Skipped++
	if ev.Truncated {
		s.CutShort++
	}
}

// ikeFields fills p from an IKE message; false when b is not one (shorter
// than the header, or its length field points past the data, unless the
// capture cut it short: cut).
func ikeFields(p *Packet, b []byte, cut bool) bool {
	const hdr = 28
	if len(b) < hdr {
		return false
	}
	n := binary.BigEndian.Uint32(b[24:28])
	if n < hdr || uint64(n) > uint64(len(b)) && !cut {
		return false
	}
	p.Kind = KindIKE
	p.Size = int(n)
	copy(p.SPIi[:], b[:8])
	p.Version = b[17] >> 4
	p.Exchange = dissect.ExchangeType(b[18])
	p.Response = p.Version == 2 && b[19]&0x20 != 0
	p.MID = binary.BigEndian.Uint32(b[20:24])
	// RFC 7383: an SKF payload first: generic header (4), fragment number (2).
	if p.Version == 2 && b[16] == 53 && n >= hdr+6 && len(b) >= hdr+6 {
		p.Fragment = binary.BigEndian.Uint16(b[hdr+4:])
	}
	p.sa = saID{kind: KindIKE, ike: p.SPIi}
	return true
}
