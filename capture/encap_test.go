package capture

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// ipv4Packet returns an IPv4 packet of protocol proto from src to dst
// around payload (header checksum left zero: the reader does not check it).
func ipv4Packet(src, dst netip.Addr, proto byte, payload []byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	h[0], h[8], h[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	copy(h[12:], src.AsSlice())
	copy(h[16:], dst.AsSlice())
	return append(h, payload...)
}

// TestEncapsulations: an IKE message inside each encapsulation a field
// capture may hold it in (PPPoE, MPLS, GRE carrying Ethernet, Cisco
// ERSPAN type II and III, VXLAN as cloud traffic mirroring sends it), and
// an ESP packet in VXLAN, are read as the packets inside, with the inner
// addresses, as tshark reads them. Before, all were counted as other
// traffic: a capture of an AWS mirror session held "no IKE".
func TestEncapsulations(t *testing.T) {
	ike := realIKE(t)[0].Payload
	frames, vxESP := encapFrames(t)
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for _, f := range frames {
		w.Add(testpcap.Base, f)
	}
	ev, _ := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(errs) != 0 || len(got) != 7 {
		t.Fatalf("%d IKE events, errors %+v", len(got), errs)
	}
	for i, e := range got {
		if e.Src != v4a || e.Dst != v4b || string(e.Data) != string(ike) || e.Frame != i+1 {
			t.Errorf("frame %d: IKE %v → %v, %d octets", e.Frame, e.Src, e.Dst, len(e.Data))
		}
	}
	tsharkAgrees(t, w, ev)

	// ESP directly over IP inside VXLAN: the ESP packet, with no port
	// (tshark's UDP port fields then name only VXLAN's outer datagram).
	w = testpcap.NewWriter(layers.LinkTypeEthernet)
	w.Add(testpcap.Base, vxESP)
	ev, _ = newAll(t, w.Bytes(), Options{})
	if len(ev) != 1 || ev[0].Kind != KindESP || ev[0].ESPSPI != 0xc0ffee01 || ev[0].ESPSeq != 7 ||
		ev[0].Src != netip.AddrPortFrom(v4a.Addr(), 0) || ev[0].Dst != netip.AddrPortFrom(v4b.Addr(), 0) {
		t.Errorf("ESP in VXLAN: %+v", ev)
	}
}

// encapFrames returns Ethernet frames of an IKE message from v4a to v4b
// in each encapsulation encap.go unwraps, and of an ESP packet in VXLAN.
func encapFrames(t *testing.T) (ikeFrames [][]byte, vxESP []byte) {
	t.Helper()
	ike := realIKE(t)[0].Payload
	inner := testpcap.Ethernet(testpcap.UDP(v4a, v4b, ike))
	innerIP := testpcap.UDP(v4a, v4b, ike)
	oa, ob := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	eth := func(et uint16, payload []byte) []byte {
		f := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, byte(et >> 8), byte(et)}
		return append(f, payload...)
	}
	gre := func(flags, et uint16, extra []byte, payload []byte) []byte {
		h := binary.BigEndian.AppendUint16(nil, flags)
		h = binary.BigEndian.AppendUint16(h, et)
		h = append(h, extra...)
		return testpcap.Ethernet(ipv4Packet(oa, ob, protoGRE, append(h, payload...)))
	}
	vxlan := func(payload []byte) []byte {
		h := []byte{0x08, 0, 0, 0, 0, 0, 42, 0}
		return testpcap.Ethernet(testpcap.UDP(netip.AddrPortFrom(oa, 49152), netip.AddrPortFrom(ob, portVXLAN), append(h, payload...)))
	}
	pppoe := append([]byte{0x11, 0, 0, 1, 0, 0, 0, 0x21}, innerIP...)
	binary.BigEndian.PutUint16(pppoe[4:], uint16(2+len(innerIP)))
	erspan2 := append([]byte{0x10, 0, 0, 1, 0, 0, 0, 0}, inner...)                                  // version 1, VLAN 0, session 1
	erspan3 := append([]byte{0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}, inner...)                      // version 2, O bit clear
	esp := testpcap.Ethernet(testpcap.ESP(v4a.Addr(), v4b.Addr(), 0xc0ffee01, 7, make([]byte, 32))) // an ESP packet mirrored too
	frames := [][]byte{
		eth(etherTypePPPoE, pppoe),
		eth(etherTypeMPLS, append([]byte{0, 0x01, 0x01, 64}, innerIP...)), // label 16, bottom of stack
		gre(0, etherTypeTEB, nil, inner),
		gre(0x1000, etherTypeERSPAN2, []byte{0, 0, 0, 9}, erspan2),
		gre(0, etherTypeERSPAN3, nil, erspan3),
		gre(0x2000, etherTypeIPv4, []byte{0, 0, 0, 5}, innerIP), // a plain GRE tunnel, with a key
		vxlan(inner),
	}
	return frames, vxlan(esp)
}

// TestFilterEncapsulations: the kernel filter of live captures passes the
// encapsulated frames (PPPoE and MPLS by EtherType, GRE by protocol, VXLAN
// by port) for the Reader to unwrap, as it reads them from files.
func TestFilterEncapsulations(t *testing.T) {
	vm := filterVM(t, layers.LinkTypeEthernet, Options{}, 0)
	frames, vxESP := encapFrames(t)
	for i, f := range append(frames, vxESP) {
		if runFilter(t, vm, f) == 0 {
			t.Errorf("encapsulated frame %d rejected", i+1)
		}
	}
}

// TestEncapsulationDepth: encapsulations nested past maxEncap are counted,
// not followed (a crafted frame of GRE in GRE in GRE…).
func TestEncapsulationDepth(t *testing.T) {
	ike := realIKE(t)[0].Payload
	pkt := testpcap.UDP(v4a, v4b, ike)
	oa, ob := netip.MustParseAddr("10.9.0.1"), netip.MustParseAddr("10.9.0.2")
	for range maxEncap + 2 {
		pkt = ipv4Packet(oa, ob, protoGRE, append([]byte{0, 0, 0x08, 0x00}, pkt...))
	}
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	w.Add(testpcap.Base, testpcap.Ethernet(pkt))
	ev, st := newAll(t, w.Bytes(), Options{})
	if got, _ := ikeEvents(ev); len(got) != 0 || st.NonIKE != 1 {
		t.Errorf("%d IKE events, %d non-IKE frames", len(got), st.NonIKE)
	}
}
