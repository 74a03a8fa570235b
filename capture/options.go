package capture

import "time"

// Default limits used when the corresponding [Options] field is zero.
const (
	// MaxSnaplen is the largest snap length accepted from a pcap header
	// (tcpdump's MAXIMUM_SNAPLEN); larger or zero values are clamped to it.
	MaxSnaplen = 262144

	DefaultMaxFragDatagrams  = 1024             // pending fragmented datagrams
	DefaultMaxFragBytes      = 65535            // octets per reassembled datagram
	DefaultMaxFragTotalBytes = 64 << 20         // octets buffered by all pending datagrams
	DefaultFragTimeout       = 30 * time.Second // capture time from first fragment
	DefaultMaxFragsPerDgram  = 256              // fragments per datagram

	DefaultMaxTCPStreams     = 4096             // tracked stream directions
	DefaultMaxTCPStreamBytes = 256 << 10        // buffered octets per direction
	DefaultMaxTCPTotalBytes  = 64 << 20         // buffered octets in all streams
	DefaultTCPTimeout        = 10 * time.Minute // idle capture time before a stream is forgotten
)

// Options tune a [Reader]. The zero value is ready to use: IKE on UDP 500,
// RFC 3948 encapsulation on UDP 4500, RFC 8229 on TCP 4500, default limits.
type Options struct {
	// IKEPorts are UDP ports where the payload is an IKE message without a
	// non-ESP marker (a marker is still tolerated). nil means {500}.
	IKEPorts []uint16
	// NATTPorts are UDP ports with RFC 3948 encapsulation: non-ESP marker
	// plus IKE, NAT-keepalive, or ESP. nil means {4500}.
	NATTPorts []uint16
	// TCPPorts are TCP ports carrying RFC 8229 IKE/ESP streams. nil means
	// {4500}; an empty non-nil slice disables TCP.
	TCPPorts []uint16

	// Fragment reassembly limits (zero means the Default* constant).
	MaxFragDatagrams  int
	MaxFragBytes      int
	MaxFragTotalBytes int
	MaxFragsPerDgram  int
	FragTimeout       time.Duration

	// TCP stream limits (zero means the Default* constant).
	MaxTCPStreams     int
	MaxTCPStreamBytes int
	MaxTCPTotalBytes  int
	TCPTimeout        time.Duration
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.IKEPorts == nil {
		o.IKEPorts = []uint16{500}
	}
	if o.NATTPorts == nil {
		o.NATTPorts = []uint16{4500}
	}
	if o.TCPPorts == nil {
		o.TCPPorts = []uint16{4500}
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxFragDatagrams, DefaultMaxFragDatagrams)
	def(&o.MaxFragBytes, DefaultMaxFragBytes)
	def(&o.MaxFragTotalBytes, DefaultMaxFragTotalBytes)
	def(&o.MaxFragsPerDgram, DefaultMaxFragsPerDgram)
	def(&o.MaxTCPStreams, DefaultMaxTCPStreams)
	def(&o.MaxTCPStreamBytes, DefaultMaxTCPStreamBytes)
	def(&o.MaxTCPTotalBytes, DefaultMaxTCPTotalBytes)
	if o.FragTimeout <= 0 {
		o.FragTimeout = DefaultFragTimeout
	}
	if o.TCPTimeout <= 0 {
		o.TCPTimeout = DefaultTCPTimeout
	}
	return o
}

// portSet is a bitmap of the 65536 port numbers.
type portSet [1024]uint64

func (p *portSet) add(port uint16)           { p[port>>6] |= 1 << (port & 63) }
func (p *portSet) has(port uint16) bool      { return p[port>>6]&(1<<(port&63)) != 0 }
func (p *portSet) any(a, b uint16) bool      { return p.has(a) || p.has(b) }
func newPortSet(ports []uint16) (p *portSet) { p = new(portSet); p.addAll(ports); return p }
func (p *portSet) addAll(ports []uint16) {
	for _, port := range ports {
		p.add(port)
	}
}
