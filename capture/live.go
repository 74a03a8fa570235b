package capture

import (
	"time"

	"golang.org/x/net/bpf"
)

// Defaults of LiveConfig.
const (
	DefaultLiveBuffer  = 32 << 20               // socket receive buffer, octets
	DefaultLivePoll    = 100 * time.Millisecond // how often a blocked read checks for Stop
	DefaultLiveSnaplen = MaxSnaplen
)

// LiveConfig configures OpenLive. The zero value captures whole frames,
// not promiscuously, with the kernel filter built by Filter for the
// interface's link type and the default ports.
type LiveConfig struct {
	// Snaplen is the number of octets kept of each frame
	// (DefaultLiveSnaplen when zero).
	Snaplen int
	// Promiscuous puts the interface in promiscuous mode for the lifetime
	// of the capture (a span port or a hub).
	Promiscuous bool
	// Options give the ports of the default kernel filter (see Filter).
	Options Options
	// Filter, when set, replaces the default kernel filter (for example a
	// program from ParseFilter). Its return value sets the snap length.
	Filter []bpf.RawInstruction
	// BufferSize is the socket receive buffer in octets
	// (DefaultLiveBuffer when zero): what absorbs bursts while the
	// process is busy. Above the system limit it needs CAP_NET_ADMIN,
	// otherwise the system limit applies.
	BufferSize int
	// Poll is how often a read waiting for traffic checks for Stop
	// (DefaultLivePoll when zero).
	Poll time.Duration
	// OnIdle, when set, is called from the reading goroutine whenever
	// every frame received so far has been returned and the next read may
	// wait for traffic: the moment to flush buffered output.
	OnIdle func()
}

// LiveStats are the counters of a live capture.
type LiveStats struct {
	// Received counts the frames handed to the reader.
	Received uint64
	// Dropped counts the frames that passed the kernel filter but were
	// dropped because the socket buffer was full (PACKET_STATISTICS).
	Dropped uint64
}
