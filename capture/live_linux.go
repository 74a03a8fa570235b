//go:build linux

package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// liveBatch is how many frames one recvmmsg call may return.
const liveBatch = 64

// liveDrainMax bounds the frames read after Stop (those already queued in
// the socket when the capture was stopped).
const liveDrainMax = 1 << 20

// liveSlot bounds the octets read per frame: a snap length above it is
// clamped (GRO can hand up to 64 KiB to a packet socket).
const liveSlot = 65536 + 4*vlanTagLen

// ARP hardware types of /sys/class/net/IFACE/type that map to a link type.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
	arphrdTunnel   = 768 // IPIP
	arphrdTunnel6  = 769
	arphrdSit      = 776
	arphrdIPGRE    = 778
	arphrdNone     = 65534 // tun
)

// LiveSource captures the frames of one network interface through a Linux
// AF_PACKET socket with a kernel BPF filter, without libpcap. It is a
// PacketSource: hand it to NewSourceReader. Reads must come from one
// goroutine; Stop and Stats may be called from any.
type LiveSource struct {
	fd       int
	name     string
	lt       layers.LinkType
	loopback bool
	poll     time.Duration
	onIdle   func()

	bufs  [liveBatch][]byte // frame data is read at offset 4 (room for a VLAN tag)
	oobs  [liveBatch][]byte
	names [liveBatch]unix.RawSockaddrLinklayer
	iovs  [liveBatch]unix.Iovec
	hdrs  [liveBatch]unix.Mmsghdr
	n     int // frames in the current batch
	next  int // next frame of the batch to return

	buffer int // the receive buffer granted (BufferSize)

	stop     atomic.Bool
	drained  int // frames read since Stop
	received atomic.Uint64

	mu      sync.Mutex // guards dropped and fd use by Stats after Close
	dropped uint64
	closed  bool
}

// OpenLive opens a capture on the interface called name. Errors wrap
// ErrNoInterface or ErrPermission when those are the cause.
func OpenLive(name string, cfg LiveConfig) (*LiveSource, error) {
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return nil, fmt.Errorf("%w %q (interfaces here: %s)", ErrNoInterface, name, interfaceNames())
	}
	hw, err := hardwareType(name)
	if err != nil {
		return nil, err
	}
	s := &LiveSource{fd: -1, name: name, poll: cfg.Poll, onIdle: cfg.OnIdle}
	switch hw {
	case arphrdEther, arphrdLoopback:
		s.lt = layers.LinkTypeEthernet
		s.loopback = hw == arphrdLoopback
	case arphrdNone, arphrdTunnel, arphrdTunnel6, arphrdSit, arphrdIPGRE:
		s.lt = layers.LinkTypeRaw
	default:
		return nil, fmt.Errorf("interface %s: hardware type %d is not supported (Ethernet, loopback and IP tunnels are)", name, hw)
	}
	if s.poll <= 0 {
		s.poll = DefaultLivePoll
	}
	snaplen := cfg.Snaplen
	if snaplen <= 0 || snaplen > MaxSnaplen {
		snaplen = DefaultLiveSnaplen
	}
	prog := cfg.Filter
	if prog == nil {
		ins, err := Filter(s.lt, cfg.Options, snaplen)
		if err != nil {
			return nil, err
		}
		if prog, err = bpf.Assemble(ins); err != nil {
			return nil, fmt.Errorf("capture: filter: %w", err)
		}
	}

	// Protocol 0: the socket receives nothing until bind, so no frame
	// slips in before the filter is attached.
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, ErrPermission
		}
		return nil, fmt.Errorf("capture: packet socket: %w", err)
	}
	s.fd = fd
	fail := func(what string, err error) (*LiveSource, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("capture: %s on %s: %w", what, name, err)
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, r := range prog {
		filter[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
		&unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}); err != nil {
		return fail("attaching the BPF filter", err)
	}
	buf := cfg.BufferSize
	if buf <= 0 {
		buf = DefaultLiveBuffer
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, buf); err != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, buf) // capped by net.core.rmem_max
	}
	if got, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err == nil {
		s.buffer = got / 2 // Linux reports twice the size set (socket(7))
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_AUXDATA, 1); err != nil {
		return fail("PACKET_AUXDATA", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
		return fail("SO_TIMESTAMPNS", err)
	}
	tv := unix.NsecToTimeval(s.poll.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fail("SO_RCVTIMEO", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		return fail("bind", err)
	}
	if cfg.Promiscuous {
		mreq := unix.PacketMreq{Ifindex: int32(ifi.Index), Type: unix.PACKET_MR_PROMISC}
		if err := unix.SetsockoptPacketMreq(fd, unix.SOL_PACKET, unix.PACKET_ADD_MEMBERSHIP, &mreq); err != nil {
			return fail("promiscuous mode", err)
		}
	}
	unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS) // reset the counters

	slot := min(snaplen, liveSlot-vlanTagLen) + vlanTagLen
	space := unix.CmsgSpace(int(unsafe.Sizeof(unix.TpacketAuxdata{}))) + unix.CmsgSpace(int(unsafe.Sizeof(unix.Timespec{})))
	mem := make([]byte, liveBatch*slot)
	oob := make([]byte, liveBatch*space)
	for i := range s.hdrs {
		s.bufs[i] = mem[i*slot : (i+1)*slot : (i+1)*slot]
		s.oobs[i] = oob[i*space : (i+1)*space : (i+1)*space]
		s.iovs[i].Base = &s.bufs[i][vlanTagLen]
		s.iovs[i].SetLen(slot - vlanTagLen)
		h := &s.hdrs[i].Hdr
		h.Iov = &s.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&s.names[i]))
	}
	return s, nil
}

// LinkType is the link type of the frames: Ethernet, or raw IP for
// tunnel interfaces.
func (s *LiveSource) LinkType() layers.LinkType { return s.lt }

// BufferSize returns the socket receive buffer the kernel granted, in
// octets: LiveConfig.BufferSize, or less when that is above
// net.core.rmem_max and the process lacks CAP_NET_ADMIN; 0 if unknown.
func (s *LiveSource) BufferSize() int { return s.buffer }

// Interface returns the name of the captured interface.
func (s *LiveSource) Interface() string { return s.name }

// Stop ends the capture: frames already queued in the socket are still
// returned (at most a million), then reads return io.EOF. A read waiting
// for traffic notices Stop within LiveConfig.Poll.
func (s *LiveSource) Stop() { s.stop.Store(true) }

// ZeroCopyReadPacketData returns the next frame. The data is valid until
// the next call. VLAN tags that the driver moved into packet metadata are
// put back into the frame, as libpcap does.
func (s *LiveSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	for {
		if s.next < s.n {
			i := s.next
			s.next++
			data, ci, ok := s.frame(i)
			if !ok {
				continue
			}
			s.received.Add(1)
			return data, ci, nil
		}
		stopped := s.stop.Load()
		if stopped && s.drained >= liveDrainMax {
			return nil, gopacket.CaptureInfo{}, io.EOF
		}
		flags := unix.MSG_WAITFORONE
		if stopped {
			flags = unix.MSG_DONTWAIT
		} else if s.onIdle != nil {
			s.onIdle()
		}
		n, err := s.recv(flags)
		switch {
		case err == nil:
			s.n, s.next = n, 0
			if stopped {
				s.drained += n
			}
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			if stopped {
				return nil, gopacket.CaptureInfo{}, io.EOF
			}
		default:
			return nil, gopacket.CaptureInfo{}, fmt.Errorf("capture: reading from %s: %w", s.name, err)
		}
	}
}

// recv reads a batch of frames with one recvmmsg call.
func (s *LiveSource) recv(flags int) (int, error) {
	for i := range s.hdrs {
		h := &s.hdrs[i]
		h.Hdr.Control = &s.oobs[i][0]
		h.Hdr.SetControllen(len(s.oobs[i]))
		h.Hdr.Namelen = unix.SizeofSockaddrLinklayer
		h.Hdr.Flags = 0
		h.Len = 0
	}
	r, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.hdrs[0])),
		liveBatch, uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(r), nil
}

// frame decodes slot i of the batch: its data, timestamp and lengths. It
// returns false for frames to skip (outgoing copies on loopback).
func (s *LiveSource) frame(i int) ([]byte, gopacket.CaptureInfo, bool) {
	h := &s.hdrs[i]
	if s.loopback && s.names[i].Pkttype == unix.PACKET_OUTGOING {
		return nil, gopacket.CaptureInfo{}, false // seen again as incoming
	}
	n := int(h.Len)
	var ci gopacket.CaptureInfo
	var aux *unix.TpacketAuxdata
	oob := s.oobs[i][:h.Hdr.Controllen]
	for off := 0; off+unix.SizeofCmsghdr <= len(oob); {
		c := (*unix.Cmsghdr)(unsafe.Pointer(&oob[off]))
		l := int(c.Len)
		if l < unix.SizeofCmsghdr || off+l > len(oob) {
			break
		}
		body := oob[off+unix.CmsgLen(0) : off+l]
		switch {
		case c.Level == unix.SOL_PACKET && c.Type == unix.PACKET_AUXDATA && len(body) >= int(unsafe.Sizeof(unix.TpacketAuxdata{})):
			aux = (*unix.TpacketAuxdata)(unsafe.Pointer(&body[0]))
		case c.Level == unix.SOL_SOCKET && c.Type == unix.SCM_TIMESTAMPNS && len(body) >= int(unsafe.Sizeof(unix.Timespec{})):
			ts := (*unix.Timespec)(unsafe.Pointer(&body[0]))
			ci.Timestamp = time.Unix(ts.Unix()).UTC()
		}
		off += unix.CmsgSpace(l - unix.CmsgLen(0))
	}
	if ci.Timestamp.IsZero() {
		ci.Timestamp = time.Now().UTC()
	}
	buf := s.bufs[i]
	data := buf[vlanTagLen : vlanTagLen+n]
	ci.Length = n
	if aux != nil {
		ci.Length = int(aux.Len)
		if s.lt == layers.LinkTypeEthernet && aux.Status&unix.TP_STATUS_VLAN_VALID != 0 && n >= 12 {
			tpid := uint16(etherTypeVLAN)
			if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 && aux.Vlan_tpid != 0 {
				tpid = aux.Vlan_tpid
			}
			copy(buf[:12], buf[vlanTagLen:vlanTagLen+12])
			binary.BigEndian.PutUint16(buf[12:], tpid)
			binary.BigEndian.PutUint16(buf[14:], aux.Vlan_tci)
			data = buf[:vlanTagLen+n]
			ci.Length += vlanTagLen
		}
	}
	ci.CaptureLength = len(data)
	if ci.Length < ci.CaptureLength {
		ci.Length = ci.CaptureLength
	}
	return data, ci, true
}

// Stats returns the frames received so far and the frames the kernel
// dropped because the socket buffer was full, since OpenLive.
func (s *LiveSource) Stats() (LiveStats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		st, err := unix.GetsockoptTpacketStats(s.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS)
		if err != nil {
			return LiveStats{}, fmt.Errorf("capture: PACKET_STATISTICS: %w", err)
		}
		s.dropped += uint64(st.Drops) // the kernel resets its counters on each read
	}
	return LiveStats{Received: s.received.Load(), Dropped: s.dropped}, nil
}

// Close closes the socket (and leaves promiscuous mode). Read Stats
// before Close for the final drop count; after Close it returns the last
// values read.
func (s *LiveSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	return unix.Close(s.fd)
}

// hardwareType returns the ARP hardware type of an interface (the family
// of its hardware address), asked of the kernel with SIOCGIFHWADDR; sysfs
// is the fallback.
func hardwareType(name string) (int, error) {
	if fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0); err == nil {
		defer unix.Close(fd)
		if ifr, err := unix.NewIfreq(name); err == nil {
			if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err == nil {
				return int(ifr.Uint16()), nil
			}
		}
	}
	b, err := os.ReadFile("/sys/class/net/" + name + "/type")
	if err != nil {
		return 0, fmt.Errorf("interface %s: reading its hardware type: %w", name, err)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// interfaceNames lists the interfaces of this network namespace.
func interfaceNames() string {
	ifs, err := net.Interfaces()
	if err != nil || len(ifs) == 0 {
		return "none found"
	}
	names := make([]string, len(ifs))
	for i, ifi := range ifs {
		names[i] = ifi.Name
	}
	return strings.Join(names, ", ")
}

// htons converts a 16-bit value to network byte order.
func htons(v uint16) uint16 { return v<<8 | v>>8 }
