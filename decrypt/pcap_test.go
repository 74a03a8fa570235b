package decrypt

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// udpMsg is one IKE message read from a capture.
type udpMsg struct {
	frame    int
	src, dst netip.AddrPort
	ike      []byte // from the IKE header (non-ESP marker stripped)
}

// readIKEPcap reads a classic pcap file with Ethernet framing and returns
// the IKE messages on UDP 500/4500 (ESP and keepalives skipped, IP
// fragments skipped). It is a small test-only reader so that the decrypt
// tests do not depend on the capture package.
func readIKEPcap(t testing.TB, path string) []udpMsg {
	t.Helper()
	b := testutil.ReadFile(t, path)
	if len(b) < 24 {
		t.Fatalf("%s: short pcap", path)
	}
	var bo binary.ByteOrder = binary.LittleEndian
	switch binary.LittleEndian.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
	case 0xd4c3b2a1, 0x4d3cb2a1:
		bo = binary.BigEndian
	default:
		t.Fatalf("%s: not a classic pcap file", path)
	}
	if lt := bo.Uint32(b[20:24]); lt != 1 {
		t.Fatalf("%s: link type %d, want Ethernet", path, lt)
	}
	var out []udpMsg
	off, frame := 24, 0
	for off+16 <= len(b) {
		caplen := int(bo.Uint32(b[off+8:]))
		off += 16
		if caplen > len(b)-off {
			break
		}
		pkt := b[off : off+caplen]
		off += caplen
		frame++
		if m, ok := parseUDP(pkt); ok {
			m.frame = frame
			out = append(out, m)
		}
	}
	return out
}

func parseUDP(p []byte) (udpMsg, bool) {
	var m udpMsg
	if len(p) < 14 {
		return m, false
	}
	et, p := binary.BigEndian.Uint16(p[12:14]), p[14:]
	for et == 0x8100 && len(p) >= 4 {
		et, p = binary.BigEndian.Uint16(p[2:4]), p[4:]
	}
	var src, dst netip.Addr
	switch et {
	case 0x0800:
		if len(p) < 20 || p[9] != 17 {
			return m, false
		}
		if binary.BigEndian.Uint16(p[6:8])&0x3fff != 0 { // MF or offset
			return m, false
		}
		ihl := int(p[0]&0x0f) * 4
		src, _ = netip.AddrFromSlice(p[12:16])
		dst, _ = netip.AddrFromSlice(p[16:20])
		if ihl < 20 || ihl > len(p) {
			return m, false
		}
		p = p[ihl:]
	case 0x86dd:
		if len(p) < 40 || p[6] != 17 {
			return m, false
		}
		src, _ = netip.AddrFromSlice(p[8:24])
		dst, _ = netip.AddrFromSlice(p[24:40])
		p = p[40:]
	default:
		return m, false
	}
	if len(p) < 8 {
		return m, false
	}
	sp, dp := binary.BigEndian.Uint16(p[0:2]), binary.BigEndian.Uint16(p[2:4])
	p = p[8:]
	if sp == 4500 || dp == 4500 {
		if len(p) < 4 || binary.BigEndian.Uint32(p) != 0 {
			return m, false // ESP or keepalive
		}
		p = p[4:]
	} else if sp != 500 && dp != 500 {
		return m, false
	}
	if len(p) < 28 {
		return m, false
	}
	m.src, m.dst, m.ike = netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp), p
	return m, true
}
