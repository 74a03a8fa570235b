package capture

import (
	"bytes"
	"encoding/hex"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestICMPUnreachableReal: ikev1-dpd-dead-peer (strongSwan, the responder's
// daemon killed): each of the initiator's eight R-U-THERE (UDP 4500) draws
// an ICMP port unreachable from the responder's host (frames 13, 15, …,
// 27, as tshark shows them), quoting the datagram with the IKE header.
func TestICMPUnreachableReal(t *testing.T) {
	ev, st := openAll(t, testutil.Corpus("ikev1-dpd-dead-peer", "capture.pcap"), Options{})
	var frames []int
	ini, resp := netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("203.0.113.10")
	spi, _ := hex.DecodeString("f49b94f2d343b04b")
	for _, e := range ev {
		if e.Kind != KindICMPUnreachable {
			continue
		}
		frames = append(frames, e.Frame)
		if e.Src.Addr() != resp || e.Dst.Addr() != ini || e.ICMPCode != 3 ||
			e.QuotedSrc != netip.AddrPortFrom(ini, 4500) || e.QuotedDst != netip.AddrPortFrom(resp, 4500) {
			t.Errorf("frame %d: %v → %v code %d quoting %v → %v", e.Frame, e.Src, e.Dst, e.ICMPCode, e.QuotedSrc, e.QuotedDst)
		}
		// After the UDP header and the non-ESP marker: the IKE header.
		if len(e.Data) < 8 || !bytes.Equal(e.Data[:8], spi) {
			t.Errorf("frame %d: quoted payload % x", e.Frame, e.Data[:min(len(e.Data), 8)])
		}
	}
	want := []int{13, 15, 17, 19, 21, 23, 25, 27}
	if len(frames) != len(want) || st.ICMPUnreachable != int64(len(want)) {
		t.Fatalf("ICMP unreachables at frames %v (stats %d), want %v", frames, st.ICMPUnreachable, want)
	}
	for i := range want {
		if frames[i] != want[i] {
			t.Errorf("frames %v, want %v", frames, want)
			break
		}
	}
}

// TestICMPUnreachableOnly: only destination unreachables quoting a UDP
// datagram of an IKE or NAT-T port are delivered; other ICMP (an echo, a
// time exceeded, an unreachable quoting DNS or TCP, one cut before the
// ports) is not.
func TestICMPUnreachableOnly(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	quote := func(sport, dport uint16, proto byte) []byte {
		q := testpcap.UDP(netip.AddrPortFrom(b, sport), netip.AddrPortFrom(a, dport), make([]byte, 28))
		q[9] = proto
		return q
	}
	icmp := func(typ, code byte, q []byte) []byte {
		return append([]byte{typ, code, 0, 0, 0, 0, 0, 0}, q...)
	}
	ip4 := func(payload []byte) []byte {
		h := []byte{0x45, 0, 0, 0, 0, 0, 0, 0, 64, protoICMP, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2}
		n := len(h) + len(payload)
		h[2], h[3] = byte(n>>8), byte(n)
		return append(h, payload...)
	}
	cases := []struct {
		name string
		pkt  []byte
		want bool
	}{
		{"port unreachable, IKE", ip4(icmp(3, 3, quote(500, 500, protoUDP))), true},
		{"admin prohibited, NAT-T", ip4(icmp(3, 13, quote(4500, 4500, protoUDP))), true},
		{"port unreachable, DNS", ip4(icmp(3, 3, quote(53, 53, protoUDP))), false},
		{"port unreachable, TCP 500", ip4(icmp(3, 3, quote(500, 500, protoTCP))), false},
		{"time exceeded, IKE", ip4(icmp(11, 0, quote(500, 500, protoUDP))), false},
		{"echo", ip4(icmp(8, 0, make([]byte, 32))), false},
		{"cut before the ports", ip4(icmp(3, 3, quote(500, 500, protoUDP)[:21])), false},
	}
	for _, c := range cases {
		w := testpcap.NewWriter(layers.LinkTypeRaw)
		w.Add(testpcap.Base, c.pkt)
		r, err := NewReader(bytes.NewReader(w.Bytes()), Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, e := range readAll(t, r) {
			got = got || e.Kind == KindICMPUnreachable
		}
		if got != c.want {
			t.Errorf("%s: delivered %v, want %v", c.name, got, c.want)
		}
	}
}
