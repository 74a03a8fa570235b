// Package testpcap builds small capture files for tests: IP/UDP/TCP
// packets serialised with gopacket, wrapped in the link-layer headers the
// capture package reads, written with pcapgo. It also extracts UDP
// payloads from real captures with gopacket's decoders, so tests can
// rewrite real IKE messages (for instance into TCP segments) without
// depending on the decoder under test.
package testpcap

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Base is the timestamp of the first packet written by tests.
var Base = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Writer builds a pcap file in memory.
type Writer struct {
	buf bytes.Buffer
	w   *pcapgo.Writer
}

// NewWriter starts a pcap file (nanosecond timestamps) with link type lt.
func NewWriter(lt layers.LinkType) *Writer {
	w := &Writer{}
	w.w = pcapgo.NewWriterNanos(&w.buf)
	if err := w.w.WriteFileHeader(262144, lt); err != nil {
		panic(err) // writing to a bytes.Buffer cannot fail
	}
	return w
}

// Add appends one record with timestamp ts.
func (w *Writer) Add(ts time.Time, frame []byte) {
	ci := gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(frame), Length: len(frame)}
	if err := w.w.WritePacket(ci, frame); err != nil {
		panic(err)
	}
}

// AddRecord appends one record as ci describes it: a frame cut short
// (ci.CaptureLength below ci.Length) keeps its wire length.
func (w *Writer) AddRecord(ci gopacket.CaptureInfo, frame []byte) {
	ci.CaptureLength = len(frame)
	if err := w.w.WritePacket(ci, frame); err != nil {
		panic(err)
	}
}

// Bytes returns the file so far.
func (w *Writer) Bytes() []byte { return w.buf.Bytes() }

// WriteFile writes the file to dir/name and returns its path.
func (w *Writer) WriteFile(dir, name string) (string, error) {
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, w.Bytes(), 0o644)
}

var serOpts = gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}

// ipLayer returns the IPv4 or IPv6 layer for src -> dst.
func ipLayer(src, dst netip.Addr, proto layers.IPProtocol) gopacket.NetworkLayer {
	if src.Is4() {
		return &layers.IPv4{Version: 4, TTL: 64, Id: 0x1234, Protocol: proto,
			SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
	}
	return &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto,
		SrcIP: net.IP(src.AsSlice()), DstIP: net.IP(dst.AsSlice())}
}

// serialize runs gopacket.SerializeLayers.
func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, serOpts, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

// UDP returns an IPv4 or IPv6 packet (no link layer) carrying a UDP datagram.
func UDP(src, dst netip.AddrPort, payload []byte) []byte {
	ip := ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolUDP)
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	udp.SetNetworkLayerForChecksum(ip)
	return serialize(ip.(gopacket.SerializableLayer), udp, gopacket.Payload(payload))
}

// TCP flag bits for [TCP].
const (
	FIN = 1 << iota
	SYN
	RST
	PSH
	ACK
)

// TCP returns an IPv4 or IPv6 packet (no link layer) carrying a TCP segment.
func TCP(src, dst netip.AddrPort, seq uint32, flags int, payload []byte) []byte {
	ip := ipLayer(src.Addr(), dst.Addr(), layers.IPProtocolTCP)
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, Ack: 1, Window: 65535,
		FIN: flags&FIN != 0, SYN: flags&SYN != 0, RST: flags&RST != 0, PSH: flags&PSH != 0, ACK: flags&ACK != 0}
	tcp.SetNetworkLayerForChecksum(ip)
	return serialize(ip.(gopacket.SerializableLayer), tcp, gopacket.Payload(payload))
}

// ESP returns an IPv4 or IPv6 packet carrying ESP (protocol 50) with the
// given SPI and sequence number and body octets after them.
func ESP(src, dst netip.Addr, spi, seq uint32, body []byte) []byte {
	ip := ipLayer(src, dst, layers.IPProtocolESP)
	p := binary.BigEndian.AppendUint32(nil, spi)
	p = binary.BigEndian.AppendUint32(p, seq)
	return serialize(ip.(gopacket.SerializableLayer), gopacket.Payload(append(p, body...)))
}

// FragmentIPv4 splits an IPv4 packet into fragments carrying at most size
// octets of payload each (size is rounded down to a multiple of 8).
func FragmentIPv4(pkt []byte, size int) [][]byte {
	ihl := int(pkt[0]&0x0f) * 4
	payload := pkt[ihl:binary.BigEndian.Uint16(pkt[2:4])]
	size &^= 7
	var out [][]byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		f := append(append([]byte(nil), pkt[:ihl]...), payload[off:end]...)
		binary.BigEndian.PutUint16(f[2:4], uint16(len(f)))
		ff := uint16(off / 8)
		if end < len(payload) {
			ff |= 0x2000
		}
		binary.BigEndian.PutUint16(f[6:8], ff)
		f[10], f[11] = 0, 0
		binary.BigEndian.PutUint16(f[10:12], ipv4Checksum(f[:ihl]))
		out = append(out, f)
	}
	return out
}

func ipv4Checksum(h []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(h); i += 2 {
		s += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// FragmentIPv6 splits an IPv6 packet without extension headers into
// fragments with a Fragment header (RFC 8200 §4.5), each carrying at most
// size octets (rounded down to a multiple of 8) of the original payload.
func FragmentIPv6(pkt []byte, id uint32, size int) [][]byte {
	next := pkt[6]
	payload := pkt[40 : 40+int(binary.BigEndian.Uint16(pkt[4:6]))]
	size &^= 7
	var out [][]byte
	for off := 0; off < len(payload); off += size {
		end := min(off+size, len(payload))
		f := append([]byte(nil), pkt[:40]...)
		f[6] = 44
		fh := make([]byte, 8)
		fh[0] = next
		fo := uint16(off)
		if end < len(payload) {
			fo |= 1
		}
		binary.BigEndian.PutUint16(fh[2:4], fo)
		binary.BigEndian.PutUint32(fh[4:8], id)
		f = append(append(f, fh...), payload[off:end]...)
		binary.BigEndian.PutUint16(f[4:6], uint16(len(f)-40))
		out = append(out, f)
	}
	return out
}

// Ethernet wraps an IP packet in an Ethernet header, with 802.1Q tags for
// the given VLAN IDs (the first one is tagged 802.1ad when there are two
// or more, as in QinQ).
func Ethernet(ip []byte, vlans ...uint16) []byte {
	f := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	for i, v := range vlans {
		tpid := uint16(0x8100)
		if i == 0 && len(vlans) > 1 {
			tpid = 0x88a8
		}
		f = binary.BigEndian.AppendUint16(f, tpid)
		f = binary.BigEndian.AppendUint16(f, v)
	}
	f = binary.BigEndian.AppendUint16(f, etherType(ip))
	f = append(f, ip...)
	for len(f) < 60 { // minimum frame: padding the IP length must cut off
		f = append(f, 0)
	}
	return f
}

func etherType(ip []byte) uint16 {
	if len(ip) > 0 && ip[0]>>4 == 6 {
		return 0x86dd
	}
	return 0x0800
}

// SLL wraps an IP packet in a Linux cooked capture v1 header.
func SLL(ip []byte) []byte {
	h := make([]byte, 16)
	binary.BigEndian.PutUint16(h[0:2], 0)   // sent to us
	binary.BigEndian.PutUint16(h[2:4], 1)   // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:6], 6)   // address length
	copy(h[6:12], []byte{2, 0, 0, 0, 0, 1}) // address
	binary.BigEndian.PutUint16(h[14:16], etherType(ip))
	return append(h, ip...)
}

// SLL2 wraps an IP packet in a Linux cooked capture v2 header.
func SLL2(ip []byte) []byte {
	h := make([]byte, 20)
	binary.BigEndian.PutUint16(h[0:2], etherType(ip))
	binary.BigEndian.PutUint32(h[4:8], 2) // interface index
	binary.BigEndian.PutUint16(h[8:10], 1)
	h[10], h[11] = 0, 6
	copy(h[12:18], []byte{2, 0, 0, 0, 0, 1})
	return append(h, ip...)
}

// Null wraps an IP packet in a BSD loopback (LINKTYPE_NULL) header in
// little-endian host order; af6 is the AF_INET6 value of the writing
// system (24, 28 or 30).
func Null(ip []byte, af6 uint32) []byte {
	af := uint32(2)
	if etherType(ip) == 0x86dd {
		af = af6
	}
	return append(binary.LittleEndian.AppendUint32(nil, af), ip...)
}

// Loop wraps an IP packet in an OpenBSD loopback (LINKTYPE_LOOP) header,
// network byte order.
func Loop(ip []byte) []byte {
	af := uint32(2)
	if etherType(ip) == 0x86dd {
		af = 24
	}
	return append(binary.BigEndian.AppendUint32(nil, af), ip...)
}

// ARP returns an Ethernet ARP request frame (a non-IP packet).
func ARP() []byte {
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}
	arp := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
		Operation: layers.ARPRequest, SourceHwAddress: []byte{2, 0, 0, 0, 0, 1}, SourceProtAddress: []byte{10, 0, 0, 1},
		DstHwAddress: []byte{0, 0, 0, 0, 0, 0}, DstProtAddress: []byte{10, 0, 0, 2}}
	return serialize(eth, arp)
}

// Datagram is one UDP datagram read from a real capture.
type Datagram struct {
	Frame    int // 1-based frame number
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte
}

// UDPDatagrams returns the unfragmented UDP datagrams of a pcap or pcapng
// file, decoded with gopacket (not with the package under test).
func UDPDatagrams(path string) ([]Datagram, error) {
	lt, recs, err := ReadAll(path)
	var out []Datagram
	for i, rec := range recs {
		pkt := gopacket.NewPacket(rec.Data, lt, gopacket.Default)
		udp, _ := pkt.Layer(layers.LayerTypeUDP).(*layers.UDP)
		nl := pkt.NetworkLayer()
		if udp == nil || nl == nil {
			continue
		}
		if ip4, ok := nl.(*layers.IPv4); ok && (ip4.Flags&layers.IPv4MoreFragments != 0 || ip4.FragOffset != 0) {
			continue
		}
		s, _ := netip.AddrFromSlice(nl.NetworkFlow().Src().Raw())
		d, _ := netip.AddrFromSlice(nl.NetworkFlow().Dst().Raw())
		out = append(out, Datagram{
			Frame: i + 1, Time: rec.CI.Timestamp,
			Src:     netip.AddrPortFrom(s.Unmap(), uint16(udp.SrcPort)),
			Dst:     netip.AddrPortFrom(d.Unmap(), uint16(udp.DstPort)),
			Payload: append([]byte(nil), udp.Payload...),
		})
	}
	return out, err
}

// PacketReader reads the records of a pcap or pcapng file.
type PacketReader interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// Open opens a pcap or pcapng file for [NewReader]; the caller closes it.
func Open(path string) (PacketReader, io.Closer, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

// NewReader reads r with gopacket (not with the package under test): as
// pcapng when name ends in .pcapng, otherwise as pcap.
func NewReader(r io.Reader, name string) (PacketReader, error) {
	if filepath.Ext(name) == ".pcapng" {
		return pcapgo.NewNgReader(r, pcapgo.DefaultNgReaderOptions)
	}
	return pcapgo.NewReader(r)
}

// Record is one record of a capture file read with gopacket.
type Record struct {
	Data []byte
	CI   gopacket.CaptureInfo
}

// ReadAll returns the link type and the records of a pcap or pcapng file,
// read with gopacket (not with the package under test). On a read error
// before the end it returns the records before it with the error.
func ReadAll(path string) (layers.LinkType, []Record, error) {
	src, f, err := Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	var out []Record
	for {
		data, ci, err := src.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return src.LinkType(), out, nil
		}
		if err != nil {
			return src.LinkType(), out, fmt.Errorf("%s: record %d: %w", path, len(out)+1, err)
		}
		out = append(out, Record{data, ci})
	}
}

// Frames returns the frame data of ReadAll's records.
func Frames(recs []Record) [][]byte {
	out := make([][]byte, len(recs))
	for i, r := range recs {
		out[i] = r.Data
	}
	return out
}

// Records is [ReadAll] for tests: any error fails tb.
func Records(tb testing.TB, path string) (layers.LinkType, []Record) {
	tb.Helper()
	lt, recs, err := ReadAll(path)
	if err != nil {
		tb.Fatal(err)
	}
	return lt, recs
}
