package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
)

// tshark 4.0 has no RFC 8229 dissector (its "tcpencap" is Check Point's TCP
// encapsulation), so it shows no IKE message in a TCP 4500 stream. For such
// captures the harness re-frames the streams as UDP 4500 datagrams, as
// testdata/gen/tcp2udp.py does for the corpus generator, runs tshark on the
// result and maps each datagram back to the frame of the original capture
// that completed it (the frame ikeflow names, as Wireshark does for any
// reassembled PDU). The re-framing is written here, independently of
// ikeflow's capture package, so a reassembly bug there shows up as a
// disagreement rather than being copied into tshark's input.

// rfc8229Port is the TCP port whose streams are re-framed (ikeflow's default
// capture.Options.TCPPorts, RFC 8229 §2's default).
const rfc8229Port = 4500

// reframed is one RFC 8229 frame taken out of a TCP stream.
type reframed struct {
	sec, nsec uint32 // timestamp of the segment that completed it
	src, dst  netip.AddrPort
	body      []byte // the frame without its 2-octet length: non-ESP marker + IKE, or ESP
	frame     int    // frame number in the original capture (1-based)
}

// tcpDir is one direction of a TCP connection being reassembled.
type tcpDir struct {
	isn     uint32 // sequence number of the first payload octet
	started bool
	data    []byte            // in-order payload so far
	pending map[uint32][]byte // out-of-order segments by relative offset
	pos     int               // start of the next RFC 8229 frame in data
	prefix  bool              // the "IKETCP" prefix was looked for
	dead    bool              // bad length field: the rest is not read
}

// maxReframeBuffer bounds the octets buffered per direction: the harness
// reads trusted test captures, but a stray huge file must not eat memory.
const maxReframeBuffer = 64 << 20

// reframeTCP reads a classic pcap file and returns the RFC 8229 frames of
// its TCP streams to or from port 4500, in the order they were completed.
// A pcapng file, or a link type it does not know, gives no frames (tshark's
// decode of the original then stands alone).
func reframeTCP(path string) ([]reframed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 24 {
		return nil, nil
	}
	var bo binary.ByteOrder
	nano := false
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4:
		bo = binary.LittleEndian
	case 0xa1b23c4d:
		bo, nano = binary.LittleEndian, true
	case 0xd4c3b2a1:
		bo = binary.BigEndian
	case 0x4d3cb2a1:
		bo, nano = binary.BigEndian, true
	default:
		return nil, nil // pcapng or not a capture
	}
	linkType := bo.Uint32(b[20:24]) & 0x0fffffff
	streams := map[[2]netip.AddrPort]*tcpDir{}
	var out []reframed
	off, frame := 24, 0
	for off+16 <= len(b) {
		sec, frac, incl := bo.Uint32(b[off:]), bo.Uint32(b[off+4:]), int(bo.Uint32(b[off+8:]))
		off += 16
		if incl > len(b)-off {
			break
		}
		pkt := b[off : off+incl]
		off += incl
		frame++
		if !nano {
			frac *= 1000
		}
		src, dst, tcp, ok := tcpOf(linkType, pkt)
		if !ok || len(tcp) < 20 {
			continue
		}
		sp, dp := binary.BigEndian.Uint16(tcp[0:2]), binary.BigEndian.Uint16(tcp[2:4])
		if sp != rfc8229Port && dp != rfc8229Port {
			continue
		}
		doff := int(tcp[12]>>4) * 4
		if doff < 20 || doff > len(tcp) {
			continue
		}
		seq, flags, payload := binary.BigEndian.Uint32(tcp[4:8]), tcp[13], tcp[doff:]
		key := [2]netip.AddrPort{netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp)}
		st := streams[key]
		if flags&0x02 != 0 { // SYN: a new connection on these ports
			st = &tcpDir{isn: seq + 1, started: true}
			streams[key] = st
			payload = nil // no TCP Fast Open data in the captures compared
		}
		if len(payload) == 0 {
			continue
		}
		if st == nil {
			st = &tcpDir{isn: seq, started: true} // capture began mid-stream
			streams[key] = st
		}
		if st.dead {
			continue
		}
		for _, body := range st.add(seq, payload) {
			out = append(out, reframed{sec: sec, nsec: frac, src: key[0], dst: key[1], body: body, frame: frame})
		}
	}
	return out, nil
}

// add puts one segment into the direction and returns the RFC 8229 frames it
// completed (their bodies, without the 2-octet length).
func (d *tcpDir) add(seq uint32, payload []byte) [][]byte {
	rel := int(int32(seq - d.isn)) // relative offset, across sequence wrap
	switch {
	case rel < 0 || rel+len(payload) <= len(d.data):
		return nil // retransmission of what is already there
	case rel > len(d.data):
		if rel-len(d.data) < maxReframeBuffer {
			if d.pending == nil {
				d.pending = map[uint32][]byte{}
			}
			d.pending[uint32(rel)] = bytes.Clone(payload)
		}
		return nil
	}
	d.data = append(d.data, payload[len(d.data)-rel:]...)
	for moved := true; moved; { // segments that now follow on
		moved = false
		for r, p := range d.pending {
			switch {
			case int(r)+len(p) <= len(d.data):
				delete(d.pending, r)
			case int(r) <= len(d.data):
				d.data = append(d.data, p[len(d.data)-int(r):]...)
				delete(d.pending, r)
				moved = true
			}
		}
	}
	if len(d.data) > maxReframeBuffer {
		d.dead = true
		return nil
	}
	if !d.prefix && d.pos == 0 && len(d.data) >= 6 {
		d.prefix = true
		if string(d.data[:6]) == "IKETCP" {
			d.pos = 6
		}
	}
	if !d.prefix {
		return nil
	}
	var out [][]byte
	for d.pos+2 <= len(d.data) {
		n := int(binary.BigEndian.Uint16(d.data[d.pos:]))
		if n < 2 {
			d.dead = true
			break
		}
		if d.pos+n > len(d.data) {
			break
		}
		out = append(out, bytes.Clone(d.data[d.pos+2:d.pos+n]))
		d.pos += n
	}
	return out
}

// tcpOf returns the addresses and the TCP segment of an unfragmented IPv4 or
// IPv6 (no extension headers) packet on Ethernet (VLAN tags skipped), Linux
// cooked capture or raw IP.
func tcpOf(linkType uint32, p []byte) (src, dst netip.Addr, tcp []byte, ok bool) {
	switch linkType {
	case 1: // Ethernet
		if len(p) < 14 {
			return
		}
		et := binary.BigEndian.Uint16(p[12:14])
		p = p[14:]
		for (et == 0x8100 || et == 0x88a8) && len(p) >= 4 {
			et, p = binary.BigEndian.Uint16(p[2:4]), p[4:]
		}
		if et != 0x0800 && et != 0x86dd {
			return
		}
	case 113: // Linux cooked capture v1
		if len(p) < 16 {
			return
		}
		p = p[16:]
	case 12, 14, 101, 228, 229: // raw IP
	default:
		return
	}
	if len(p) < 1 {
		return
	}
	switch p[0] >> 4 {
	case 4:
		if len(p) < 20 || p[9] != 6 || binary.BigEndian.Uint16(p[6:8])&0x3fff != 0 {
			return
		}
		ihl, tot := int(p[0]&15)*4, int(binary.BigEndian.Uint16(p[2:4]))
		if ihl < 20 || tot < ihl || tot > len(p) {
			return
		}
		src, _ = netip.AddrFromSlice(p[12:16])
		dst, _ = netip.AddrFromSlice(p[16:20])
		return src, dst, p[ihl:tot], true
	case 6:
		if len(p) < 40 || p[6] != 6 {
			return
		}
		pl := int(binary.BigEndian.Uint16(p[4:6]))
		if 40+pl > len(p) {
			return
		}
		src, _ = netip.AddrFromSlice(p[8:24])
		dst, _ = netip.AddrFromSlice(p[24:40])
		return src, dst, p[40 : 40+pl], true
	}
	return
}

// writeUDPPcap writes the frames as UDP datagrams between the same addresses
// and ports (raw IP, nanosecond pcap), one record each, in order: record i
// of the file is frames[i].
func writeUDPPcap(path string, frames []reframed) error {
	var buf bytes.Buffer
	le := binary.LittleEndian
	hdr := make([]byte, 24)
	le.PutUint32(hdr[0:], 0xa1b23c4d)
	le.PutUint16(hdr[4:], 2)
	le.PutUint16(hdr[6:], 4)
	le.PutUint32(hdr[16:], 65535)
	le.PutUint32(hdr[20:], 101) // LINKTYPE_RAW
	buf.Write(hdr)
	for _, f := range frames {
		pkt, err := udpPacket(f.src, f.dst, f.body)
		if err != nil {
			return err
		}
		rec := make([]byte, 16)
		le.PutUint32(rec[0:], f.sec)
		le.PutUint32(rec[4:], f.nsec)
		le.PutUint32(rec[8:], uint32(len(pkt)))
		le.PutUint32(rec[12:], uint32(len(pkt)))
		buf.Write(rec)
		buf.Write(pkt)
	}
	return os.WriteFile(path, buf.Bytes(), 0o600)
}

// udpPacket builds an IPv4 or IPv6 packet holding one UDP datagram, with
// correct IPv4 header and UDP checksums.
func udpPacket(src, dst netip.AddrPort, body []byte) ([]byte, error) {
	ulen := 8 + len(body)
	if ulen > 0xffff-40 {
		return nil, errors.New("RFC 8229 frame too long for a UDP datagram")
	}
	udp := make([]byte, ulen)
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(ulen))
	copy(udp[8:], body)
	s, d := src.Addr().AsSlice(), dst.Addr().AsSlice()
	// Pseudo-header sum: addresses, protocol, UDP length.
	sum := onesSum(0, s)
	sum = onesSum(sum, d)
	sum += 17 + uint32(ulen)
	c := ^fold(onesSum(sum, udp))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(udp[6:], c)
	var ip []byte
	switch {
	case src.Addr().Is4() && dst.Addr().Is4():
		ip = make([]byte, 20, 20+ulen)
		ip[0], ip[8], ip[9] = 0x45, 64, 17
		binary.BigEndian.PutUint16(ip[2:], uint16(20+ulen))
		binary.BigEndian.PutUint16(ip[6:], 0x4000) // DF
		copy(ip[12:], s)
		copy(ip[16:], d)
		binary.BigEndian.PutUint16(ip[10:], ^fold(onesSum(0, ip)))
	case src.Addr().Is6() && dst.Addr().Is6():
		ip = make([]byte, 40, 40+ulen)
		ip[0], ip[6], ip[7] = 0x60, 17, 64
		binary.BigEndian.PutUint16(ip[4:], uint16(ulen))
		copy(ip[8:], s)
		copy(ip[24:], d)
	default:
		return nil, fmt.Errorf("mixed address families %v → %v", src, dst)
	}
	return append(ip, udp...), nil
}

// onesSum adds b to sum as 16-bit big-endian words (RFC 1071).
func onesSum(sum uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	return sum
}

func fold(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return uint16(sum)
}

// tsharkOverTCP decodes the RFC 8229 streams of capture with tshark by way
// of a re-framed copy, and returns the IKE messages numbered by the frames
// of capture that completed them, plus those frame numbers (nil, nil when
// the capture carries no IKE over TCP).
func tsharkOverTCP(capture string, keys []string) ([]msg, map[int]bool, error) {
	frames, err := reframeTCP(capture)
	if err != nil {
		return nil, nil, err
	}
	ike := false
	for _, f := range frames {
		if len(f.body) >= 4 && binary.BigEndian.Uint32(f.body) == 0 {
			ike = true
		}
	}
	if !ike {
		return nil, nil, nil
	}
	dir, err := os.MkdirTemp("", "tsharkdiff-tcp-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	udp := filepath.Join(dir, "reframed.pcap")
	if err := writeUDPPcap(udp, frames); err != nil {
		return nil, nil, err
	}
	ms, err := runTshark(udp, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("on the UDP re-framing of its TCP streams: %w", err)
	}
	covered := map[int]bool{}
	for _, f := range frames {
		covered[f.frame] = true
	}
	for i := range ms {
		n := ms[i].Frame
		if n < 1 || n > len(frames) {
			return nil, nil, fmt.Errorf("tshark names frame %d of the re-framed copy, which has %d", n, len(frames))
		}
		ms[i].Frame = frames[n-1].frame
	}
	return ms, covered, nil
}
