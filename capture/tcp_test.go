package capture

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

var (
	tcpClient = netip.MustParseAddrPort("192.0.2.1:40000")
	tcpServer = netip.MustParseAddrPort("198.51.100.2:4500")
)

// ikeFrame frames an IKE message as RFC 8229 §3 does: length (counting
// itself), non-ESP marker, message.
func ikeFrame(msg []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(2+4+len(msg)))
	return append(append(b, 0, 0, 0, 0), msg...)
}

// espFrame frames an ESP packet (no marker).
func espFrame(esp []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(2+len(esp))), esp...)
}

// tcpMessages returns three real IKE messages: the IKE_SA_INIT request and
// response from ipsec_client.pcap and an IKE_AUTH request (marker stripped)
// from the Wireshark NAT-T capture.
func tcpMessages(t testing.TB) (m1, m2, m3 []byte) {
	t.Helper()
	ds := realIKE(t)
	natt, err := testpcap.UDPDatagrams(testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	return ds[0].Payload, ds[1].Payload, natt[2].Payload[4:]
}

type seg struct {
	from  netip.AddrPort
	seq   uint32
	flags int
	data  []byte
}

func writeSegs(segs []seg) *testpcap.Writer {
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for i, s := range segs {
		to := tcpServer
		if s.from == tcpServer {
			to = tcpClient
		}
		w.Add(testpcap.Base.Add(time.Duration(i)*time.Millisecond), testpcap.Ethernet(testpcap.TCP(s.from, to, s.seq, s.flags|testpcap.ACK, s.data)))
	}
	return w
}

type wantEv struct {
	frame int
	kind  Kind
	data  []byte
	reasm bool
}

func checkEvents(t *testing.T, ev []copied, want []wantEv) {
	t.Helper()
	var got []copied
	for _, e := range ev {
		if e.Kind != KindError {
			got = append(got, e)
		} else {
			t.Logf("error event: %v", e.Err)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Frame != w.frame || g.Kind != w.kind || string(g.Data) != string(w.data) || g.Reassembled != w.reasm || g.Transport != TransportTCP {
			t.Errorf("event %d: frame %d kind %v reasm %v len %d; want frame %d kind %v reasm %v len %d",
				i, g.Frame, g.Kind, g.Reassembled, len(g.Data), w.frame, w.kind, w.reasm, len(w.data))
		}
		if g.Kind == KindIKE && !g.NonESPMarker {
			t.Errorf("event %d: NonESPMarker not set", i)
		}
	}
}

// clientStream is the client's byte stream and the offsets of its parts.
type clientStream struct {
	s                   []byte
	m1, m3, esp         []byte
	endM1, endM3, endES int // offsets in s just after each frame
}

func newClientStream(t testing.TB) (cs clientStream, m2 []byte) {
	m1, m2, m3 := tcpMessages(t)
	cs.m1, cs.m3 = m1, m3
	cs.esp = []byte{0xc1, 0xa9, 0x65, 0x6b, 0, 0, 0, 7, 1, 2, 3, 4, 5, 6, 7, 8}
	cs.s = append([]byte("IKETCP"), ikeFrame(m1)...)
	cs.endM1 = len(cs.s)
	cs.s = append(cs.s, ikeFrame(m3)...)
	cs.endM3 = len(cs.s)
	cs.s = append(cs.s, espFrame(cs.esp)...)
	cs.endES = len(cs.s)
	cs.s = append(cs.s, 0, 3, 0xff) // NAT-keepalive frame
	return cs, m2
}

const cISN, sISN = 1000, 9000

func TestTCPFraming(t *testing.T) {
	cs, m2 := newClientStream(t)
	segA := cs.s[:100]                            // prefix and start of m1
	segB := cs.s[100 : cs.endES+1]                // rest of m1, m3, ESP, first octet of the keepalive frame
	segC := cs.s[cs.endES+1:]                     // rest of the keepalive frame
	segD := append(ikeFrame(m2), ikeFrame(m2)...) // two messages in one segment
	end := uint32(cISN + 1 + len(cs.s))

	inOrder := []seg{
		{tcpClient, cISN, testpcap.SYN, nil},          // 1
		{tcpServer, sISN, testpcap.SYN, nil},          // 2
		{tcpClient, cISN + 1, 0, segA},                // 3
		{tcpClient, cISN + 101, 0, segB},              // 4
		{tcpServer, sISN + 1, 0, segD},                // 5
		{tcpClient, end - uint32(len(segC)), 0, segC}, // 6
		{tcpClient, end, testpcap.FIN, nil},           // 7
	}
	ev, st := newAll(t, writeSegs(inOrder).Bytes(), Options{})
	checkEvents(t, ev, []wantEv{
		{4, KindIKE, cs.m1, true}, {4, KindIKE, cs.m3, false}, {4, KindESP, cs.esp, false},
		{5, KindIKE, m2, false}, {5, KindIKE, m2, false},
		{6, KindNATKeepalive, nil, true},
	})
	if st.Errors != 0 || st.TCPStreams != 0 || st.TCPSegments != 7 {
		t.Errorf("stats %+v", st) // streams are flushed at the end
	}
	for _, e := range ev {
		if e.Kind == KindESP && (e.ESPSPI != 0xc1a9656b || e.ESPSeq != 7) {
			t.Errorf("ESP SPI %#x seq %d", e.ESPSPI, e.ESPSeq)
		}
		if e.Kind == KindIKE && e.Frame == 4 && (e.Src != tcpClient || e.Dst != tcpServer) {
			t.Errorf("addresses %v -> %v", e.Src, e.Dst)
		}
	}

	// Out of order, with a retransmission and an overlapping segment.
	ooo := []seg{
		{tcpClient, cISN, testpcap.SYN, nil},          // 1
		{tcpClient, cISN + 101, 0, segB},              // 2: early
		{tcpClient, cISN + 1, 0, segA[:50]},           // 3
		{tcpClient, cISN + 1, 0, segA},                // 4: overlaps 3, fills the hole
		{tcpClient, cISN + 1, 0, segA},                // 5: retransmission
		{tcpServer, sISN + 1, 0, segD},                // 6: no SYN seen for this direction, starts at a frame
		{tcpClient, end - uint32(len(segC)), 0, segC}, // 7
	}
	ev, st = newAll(t, writeSegs(ooo).Bytes(), Options{})
	checkEvents(t, ev, []wantEv{
		{4, KindIKE, cs.m1, true}, {4, KindIKE, cs.m3, false}, {4, KindESP, cs.esp, false},
		{6, KindIKE, m2, false}, {6, KindIKE, m2, false},
		{7, KindNATKeepalive, nil, true},
	})
	if st.Errors != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestTCPMidStreamResync(t *testing.T) {
	cs, _ := newClientStream(t)
	segs := []seg{
		{tcpClient, 5000, 0, cs.s[100:cs.endM1]},                     // 1: middle of m1: dropped
		{tcpClient, 5000 + uint32(cs.endM1-100), 0, cs.s[cs.endM1:]}, // 2: starts at a frame: resync
	}
	ev, st := newAll(t, writeSegs(segs).Bytes(), Options{})
	checkEvents(t, ev, []wantEv{{2, KindIKE, cs.m3, false}, {2, KindESP, cs.esp, false}, {2, KindNATKeepalive, nil, false}})
	if st.TCPBytesDropped != int64(cs.endM1-100) {
		t.Errorf("TCPBytesDropped %d, want %d", st.TCPBytesDropped, cs.endM1-100)
	}
}

func TestTCPGapAndBadLength(t *testing.T) {
	cs, _ := newClientStream(t)
	segs := []seg{
		{tcpClient, cISN, testpcap.SYN, nil},
		{tcpClient, cISN + 1, 0, cs.s[:100]},
		// cs.s[100:200] is never captured
		{tcpClient, cISN + 201, 0, cs.s[200:]},
	}
	// The end of the capture gives up on the hole: m1 is lost, and the
	// search for the next frame finds m3 inside the segment after the hole.
	ev, st := newAll(t, writeSegs(segs).Bytes(), Options{})
	checkEvents(t, ev, []wantEv{{3, KindIKE, cs.m3, false}, {3, KindESP, cs.esp, false}, {3, KindNATKeepalive, nil, false}})
	if ev[0].Kind != KindError || !errors.Is(ev[0].Err, ErrTCPStream) || st.Errors != 1 {
		t.Fatalf("events %+v", ev)
	}
	// The hole, the 94 octets of m1 before it, the octets of m1 after it.
	if want := int64(cs.endM1 - len(iketcpPrefix)); st.TCPBytesDropped != want {
		t.Errorf("dropped %d octets, want %d", st.TCPBytesDropped, want)
	}

	// A frame length below 3 loses framing; the next aligned segment resyncs.
	m1, _, _ := tcpMessages(t)
	bad := []byte{0, 1, 0xaa, 0xbb}
	segs = []seg{
		{tcpClient, cISN, testpcap.SYN, nil},
		{tcpClient, cISN + 1, 0, bad},
		{tcpClient, cISN + 1 + uint32(len(bad)), 0, ikeFrame(m1)},
	}
	ev, _ = newAll(t, writeSegs(segs).Bytes(), Options{})
	if len(ev) != 2 || ev[0].Kind != KindError || !errors.Is(ev[0].Err, ErrTCPStream) || ev[1].Kind != KindIKE || ev[1].Frame != 3 {
		t.Fatalf("events %+v", ev)
	}
}

func TestTCPLimits(t *testing.T) {
	cs, _ := newClientStream(t)
	other := netip.MustParseAddrPort("192.0.2.7:40001")
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	add := func(from netip.AddrPort, seq uint32, data []byte) {
		w.Add(testpcap.Base, testpcap.Ethernet(testpcap.TCP(from, tcpServer, seq, testpcap.ACK, data)))
	}
	add(tcpClient, 1, cs.s[:100]) // no SYN, but the IKETCP prefix gives the framing
	add(tcpClient, 101, cs.s[100:cs.endM1])
	// Aligned start with a partial frame buffered, then a second stream evicts it.
	add(other, 1, cs.s[cs.endM1:cs.endM1+50])
	add(tcpClient, 1000, cs.s[cs.endM1:cs.endM1+50])
	ev, st := newAll(t, w.Bytes(), Options{MaxTCPStreams: 1})
	var evicted bool
	for _, e := range ev {
		if e.Kind == KindError && errors.Is(e.Err, ErrTCPStream) {
			evicted = true
		}
	}
	if !evicted || st.IKE != 1 || ev[0].Frame != 2 {
		t.Errorf("events %+v stats %+v", ev, st)
	}
	// Out-of-order bytes beyond MaxTCPStreamBytes: the hole is skipped.
	w = testpcap.NewWriter(layers.LinkTypeEthernet)
	w.Add(testpcap.Base, testpcap.Ethernet(testpcap.TCP(tcpClient, tcpServer, cISN, testpcap.SYN, nil)))
	seq := uint32(cISN + 1 + 10) // 10 octets never arrive
	for i := 0; i < 5; i++ {
		w.Add(testpcap.Base, testpcap.Ethernet(testpcap.TCP(tcpClient, tcpServer, seq, testpcap.ACK, cs.s[:1000])))
		seq += 1000
	}
	ev, st = newAll(t, w.Bytes(), Options{MaxTCPStreamBytes: 2500})
	if st.TCPBytesDropped == 0 || st.Errors == 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestTCPEventDataNotOverwritten: a segment completes one message from
// the stream buffer and then releases stashed segments that complete
// another; both events of the frame must keep their bytes.
func TestTCPEventDataNotOverwritten(t *testing.T) {
	m1, m2, m3 := tcpMessages(t)
	s := append(append(ikeFrame(m1), ikeFrame(m3)...), ikeFrame(m2)...)
	cut1, cut2 := len(ikeFrame(m1))+10, len(ikeFrame(m1))+len(ikeFrame(m3))+5
	segs := []seg{
		{tcpClient, cISN, testpcap.SYN, nil},                  // 1
		{tcpClient, cISN + 1 + uint32(cut2), 0, s[cut2:]},     // 2: stashed
		{tcpClient, cISN + 1 + uint32(cut1), 0, s[cut1:cut2]}, // 3: stashed
		{tcpClient, cISN + 1, 0, s[:20]},                      // 4: buffered
		{tcpClient, cISN + 21, 0, s[20:cut1]},                 // 5: completes m1 in the buffer, releases 3 and 2
	}
	ev, _ := newAll(t, writeSegs(segs).Bytes(), Options{})
	checkEvents(t, ev, []wantEv{{5, KindIKE, m1, true}, {5, KindIKE, m3, true}, {5, KindIKE, m2, true}})
}
