package main

import (
	"errors"
	"fmt"
	"io"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/flows"
)

// selection remembers the IKE SAs that analyze reported (after --peer and
// --spi), so that "analyze --write" can copy their packets into a small
// capture.
type selection struct {
	pairs map[[16]byte]bool       // SPIi+SPIr of every selected SA
	spii  map[dissect.SPI]bool    // SPIi alone, for messages before the responder's SPI
	esp   map[uint32]bool         // child SA SPIs, both directions
	peers map[netip.Addr]bool     // --peer, when given
	addrs map[[2]netip.Addr]bool  // address pairs of reassembled messages (their fragments/segments)
	keep  map[string]map[int]bool // frames to write, per input path
	links map[string]layers.LinkType
}

func newSelection(peers []netip.Addr) *selection {
	s := &selection{pairs: map[[16]byte]bool{}, spii: map[dissect.SPI]bool{}, esp: map[uint32]bool{},
		addrs: map[[2]netip.Addr]bool{}, keep: map[string]map[int]bool{}}
	if len(peers) > 0 {
		s.peers = map[netip.Addr]bool{}
		for _, p := range peers {
			s.peers[p.Unmap()] = true
		}
	}
	return s
}

// add records a finalised SA (chained before the collector in OnSA).
func (s *selection) add(sa *flows.SA) {
	var k [16]byte
	copy(k[:8], sa.SPIi[:])
	copy(k[8:], sa.SPIr[:])
	s.pairs[k] = true
	s.spii[sa.SPIi] = true
	for _, c := range sa.ChildSAs {
		s.esp[uint32(c.SPIi)] = true
		s.esp[uint32(c.SPIr)] = true
	}
}

// peerOK applies --peer to an event.
func (s *selection) peerOK(a, b netip.Addr) bool {
	return s.peers == nil || s.peers[a.Unmap()] || s.peers[b.Unmap()]
}

// wants tells whether an event belongs to a selected SA.
func (s *selection) wants(ev *capture.Event) bool {
	if !s.peerOK(ev.Src.Addr(), ev.Dst.Addr()) {
		return false
	}
	switch ev.Kind {
	case capture.KindIKE:
		if len(ev.Data) < 16 {
			return false
		}
		var k [16]byte
		copy(k[:], ev.Data[:16])
		if s.pairs[k] {
			return true
		}
		var i, r dissect.SPI
		copy(i[:], ev.Data[:8])
		copy(r[:], ev.Data[8:16])
		return r.IsZero() && s.spii[i]
	case capture.KindESP:
		return s.esp[ev.ESPSPI]
	}
	return false
}

// mark reads each capture once more and notes the frames of selected SAs.
func (s *selection) mark(paths []string, opt capture.Options) error {
	for _, path := range paths {
		r, err := capture.Open(path, opt)
		if err != nil {
			return fmt.Errorf("--write: %s: %w", path, err)
		}
		keep := map[int]bool{}
		for {
			ev, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.Close()
				return fmt.Errorf("--write: %s: %w", path, err)
			}
			if s.wants(ev) {
				keep[ev.Frame] = true
				if ev.Reassembled {
					s.addrs[[2]netip.Addr{ev.Src.Addr(), ev.Dst.Addr()}] = true
				}
			}
		}
		r.Close()
		s.keep[path] = keep
	}
	return nil
}

// write copies the frames of the selected SAs from paths (merged by time)
// to a new pcapng file (replacing an existing one only with force; see
// pcapngOut); IP fragments and TCP segments between the peers
// of reassembled messages come along. It returns the frames written.
func (s *selection) write(out string, force bool, paths []string, opt capture.Options, stderr io.Writer) (int64, error) {
	if err := s.mark(paths, opt); err != nil {
		return 0, err
	}
	srcs := make([]*rawFrames, 0, len(paths))
	defer func() {
		for _, r := range srcs {
			r.close()
		}
	}()
	for _, p := range paths {
		r, err := openRawFrames(p)
		if err != nil {
			return 0, fmt.Errorf("--write: %s: %w", p, err)
		}
		srcs = append(srcs, r)
	}
	var w *pcapngOut
	heads := make([]*rawFrame, len(srcs))
	for i, r := range srcs {
		heads[i] = r.next(s.keep[paths[i]], s)
	}
	for {
		best := -1
		for i, h := range heads {
			if h != nil && (best < 0 || h.ci.Timestamp.Before(heads[best].ci.Timestamp)) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		h := heads[best]
		if w == nil {
			var err error
			if w, err = createPcapng(out, force, pcapgo.NgInterface{Name: paths[best], LinkType: h.lt}); err != nil {
				return 0, err
			}
			w.removeOnSignal(stderr)
		}
		id, err := w.iface(paths[best], h.lt)
		if err != nil {
			w.abort()
			return 0, err
		}
		if err := w.write(id, h.ci, h.data); err != nil {
			w.abort()
			return 0, err
		}
		heads[best] = srcs[best].next(s.keep[paths[best]], s)
	}
	for _, r := range srcs {
		if r.err != nil {
			if w != nil {
				w.abort()
			}
			return 0, fmt.Errorf("--write: %s: %w", r.path, r.err)
		}
	}
	if w == nil { // nothing selected: an empty capture
		var err error
		if w, err = createPcapng(out, force, pcapgo.NgInterface{Name: paths[0], LinkType: srcs[0].fr.LinkType()}); err != nil {
			return 0, err
		}
	}
	// The packets an input dropped while it was taken may be the
	// selected SAs' too: the new file records them, as its inputs did
	// (an analysis of it then says so, capture_loss).
	for i, r := range srcs {
		if n, _ := r.fr.Dropped(); n > 0 {
			if err := w.dropped(paths[i], r.fr.LinkType(), uint64(n)); err != nil {
				w.abort()
				return 0, err
			}
		}
	}
	return w.n, w.close(nil)
}

// rawFrame is one frame read back from an input capture.
type rawFrame struct {
	data []byte
	ci   gopacket.CaptureInfo
	lt   layers.LinkType
}

// rawFrames reads the frames of a pcap or pcapng file (optionally
// gzip-compressed) with capture's own readers, so they are numbered, and
// damage is skipped, exactly as in the analysis.
type rawFrames struct {
	path string
	fr   *capture.FrameReader
	err  error
}

func openRawFrames(path string) (*rawFrames, error) {
	fr, err := capture.OpenFrames(path)
	if err != nil {
		return nil, err
	}
	return &rawFrames{path: path, fr: fr}, nil
}

// next returns the next frame to write: a frame in keep, or a fragment or
// TCP segment between the addresses of a reassembled selected message.
// Its data is valid until the next call.
func (r *rawFrames) next(keep map[int]bool, s *selection) *rawFrame {
	for r.err == nil {
		f, err := r.fr.Next()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				r.err = err
			}
			return nil
		}
		if f.NoInterface {
			continue // never analysed, so never selected
		}
		fr := rawFrame{data: f.Data, ci: f.Info, lt: f.LinkType}
		if keep[f.Number] || (len(s.addrs) > 0 && carrierOf(fr, s)) {
			return &fr
		}
	}
	return nil
}

// carrierOf tells whether a frame is an IP fragment or a TCP segment
// between the addresses of a reassembled message of a selected SA.
func carrierOf(fr rawFrame, s *selection) bool {
	p := gopacket.NewPacket(fr.data, fr.lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	var src, dst netip.Addr
	carrier := p.Layer(layers.LayerTypeTCP) != nil
	switch ip := p.NetworkLayer().(type) {
	case *layers.IPv4:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
		carrier = carrier || ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0
	case *layers.IPv6:
		src, _ = netip.AddrFromSlice(ip.SrcIP)
		dst, _ = netip.AddrFromSlice(ip.DstIP)
		carrier = carrier || p.Layer(layers.LayerTypeIPv6Fragment) != nil
	default:
		return false
	}
	return carrier && s.addrs[[2]netip.Addr{src.Unmap(), dst.Unmap()}]
}

func (r *rawFrames) close() { r.fr.Close() }
