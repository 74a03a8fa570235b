package capture

import (
	"errors"
	"strconv"
)

// Sentinel errors (test with errors.Is): those of OpenLive, then those
// wrapped by [PacketError].
var (
	// ErrNoInterface means the capture interface does not exist.
	ErrNoInterface = errors.New("no such network interface")
	// ErrPermission means the process may not open a packet socket: it
	// needs the CAP_NET_RAW capability.
	ErrPermission = errors.New("capturing needs the CAP_NET_RAW capability (run as root, or grant it once with: setcap cap_net_raw+ep /path/to/ikeflow)")
	// ErrLiveUnsupported means live capture is not available in this
	// build (it needs Linux).
	ErrLiveUnsupported = errors.New("live capture needs Linux (AF_PACKET); on other systems capture with tcpdump -w and run ikeflow analyze on the file")

	// ErrTruncated means a header or length field points past the octets
	// captured.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed means a header field that can never be valid.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupportedLinkType is reported once per link type the reader does
	// not decode.
	ErrUnsupportedLinkType = errors.New("unsupported link type")
	// ErrCaptureTruncated means the last record of the file is cut off.
	ErrCaptureTruncated = errors.New("capture truncated")
	// ErrCaptureDamaged means the file structure is damaged at a place
	// (an impossible record length, a corrupt pcapng block): the detail
	// names the file offset and how many octets were skipped to the next
	// plausible record; reading goes on from there.
	ErrCaptureDamaged = errors.New("capture damaged")
	// ErrCaptureLimit means a per-file limit was reached (interfaces per
	// pcapng section, resynchronisation distance); the detail says what is
	// not read or not decoded.
	ErrCaptureLimit = errors.New("capture limit")
	// ErrFragment means fragments of an IP datagram were dropped: a limit
	// was hit, the datagram timed out or was still incomplete at the end
	// of the capture, or its fragments were inconsistent.
	ErrFragment = errors.New("fragment reassembly")
	// ErrTCPStream means bytes of an IKE-over-TCP stream were dropped: a
	// gap, a limit, or framing that lost synchronisation.
	ErrTCPStream = errors.New("tcp stream")
	// ErrNotIKE means a payload on an IKE port that cannot be IKE, ESP or a
	// NAT-keepalive.
	ErrNotIKE = errors.New("not IKE")
)

// PacketError describes a problem with one packet. It is the Err of every
// [KindError] event.
type PacketError struct {
	Frame  int    // 1-based frame number
	Layer  string // "link", "ipv4", "ipv6", "frag", "udp", "tcp", "esp", "ike-tcp", "file"
	Offset int    // octet offset in the frame where the problem is, or -1
	Detail string // human-readable detail, may be empty
	Err    error  // one of the sentinels above
}

// Error implements the error interface.
func (e *PacketError) Error() string {
	s := "frame " + strconv.Itoa(e.Frame) + ": " + e.Layer
	if e.Offset >= 0 {
		s += " at offset " + strconv.Itoa(e.Offset)
	}
	s += ": " + e.Err.Error()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap returns the sentinel error.
func (e *PacketError) Unwrap() error { return e.Err }
