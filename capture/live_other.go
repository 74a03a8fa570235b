//go:build !linux

package capture

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// LiveSource captures the frames of one network interface. This build has
// no live capture: OpenLive returns ErrLiveUnsupported.
type LiveSource struct{}

// OpenLive returns ErrLiveUnsupported: live capture needs Linux.
func OpenLive(name string, cfg LiveConfig) (*LiveSource, error) { return nil, ErrLiveUnsupported }

// LinkType is never called in this build.
func (s *LiveSource) LinkType() layers.LinkType { return layers.LinkTypeEthernet }

// BufferSize returns 0.
func (s *LiveSource) BufferSize() int { return 0 }

// Interface returns "".
func (s *LiveSource) Interface() string { return "" }

// Stop does nothing.
func (s *LiveSource) Stop() {}

// ZeroCopyReadPacketData returns ErrLiveUnsupported.
func (s *LiveSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	return nil, gopacket.CaptureInfo{}, ErrLiveUnsupported
}

// Stats returns zeros.
func (s *LiveSource) Stats() (LiveStats, error) { return LiveStats{}, nil }

// Close does nothing.
func (s *LiveSource) Close() error { return nil }
