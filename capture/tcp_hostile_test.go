package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// reverseOneOctet builds a capture of one RFC 8229 stream carrying
// real IKE messages, sent as n one-octet segments in reverse order (every
// segment but the last arrives before the octets it follows): the worst
// case for the out-of-order stash.
func reverseOneOctet(t testing.TB, n int) (data []byte, msgs, segs int) {
	m1, _, _ := tcpMessages(t)
	f := ikeFrame(m1)
	var s []byte
	for len(s)+len(f) <= n {
		s = append(s, f...)
		msgs++
	}
	w := testpcap.NewWriter(layers.LinkTypeRaw)
	w.Add(testpcap.Base, testpcap.TCP(tcpClient, tcpServer, cISN, testpcap.SYN, nil))
	for i := len(s) - 1; i >= 0; i-- {
		w.Add(testpcap.Base, testpcap.TCP(tcpClient, tcpServer, cISN+1+uint32(i), testpcap.ACK, s[i:i+1]))
	}
	return w.Bytes(), msgs, len(s)
}

// peekSource reads frames from a capture and, before handing out each
// one, records how many octets the Reader's TCP table holds.
type peekSource struct {
	PacketSource
	r    *Reader
	peak int
}

func (p *peekSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if p.r != nil {
		p.peak = max(p.peak, p.r.tcp.bytes)
	}
	return p.PacketSource.ZeroCopyReadPacketData()
}

// readSteps reads a capture and returns the IKE messages, the TCP table's
// step count and the most octets the table held between frames.
func readSteps(t testing.TB, data []byte, opt Options) (ike int, steps int64, peak int) {
	pr, err := pcapgo.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	src := &peekSource{PacketSource: pr}
	r := NewSourceReader(src, opt)
	src.r = r
	for {
		e, err := r.Next()
		if err != nil {
			break
		}
		if e.Kind == KindIKE {
			ike++
		}
	}
	return ike, r.tcp.steps, src.peak
}

func TestTCPOutOfOrderLinear(t *testing.T) {
	// All messages must come out, and the work per segment may grow only
	// with log n: from 886 to 14,176 segments (16x) the steps per segment
	// grow 1.4x for n log n, 16x for the old sort-on-every-arrival code.
	opt := Options{MaxTCPStreamBytes: 64 << 20}
	small, nSmall, segs1 := reverseOneOctet(t, 1500)
	big, nBig, segs2 := reverseOneOctet(t, 15000)
	ike1, steps1, _ := readSteps(t, small, opt)
	ike2, steps2, _ := readSteps(t, big, opt)
	if ike1 != nSmall || ike2 != nBig || segs2 < 10*segs1 {
		t.Fatalf("IKE messages %d of %d, %d of %d (%d and %d segments)", ike1, nSmall, ike2, nBig, segs1, segs2)
	}
	per1, per2 := float64(steps1)/float64(segs1), float64(steps2)/float64(segs2)
	if per2 > 2*per1 {
		t.Errorf("steps per segment %.1f for %d segments, %.1f for %d", per1, segs1, per2, segs2)
	}
}

func TestTCPOutOfOrderBounded(t *testing.T) {
	// With the default limits, 30,000 one-octet out-of-order segments
	// (about 2 MB with bookkeeping) never make the stream hold more than
	// MaxTCPStreamBytes, counting each segment's overhead.
	data, _, _ := reverseOneOctet(t, 30000)
	_, _, peak := readSteps(t, data, Options{})
	if peak > DefaultMaxTCPStreamBytes || peak < DefaultMaxTCPStreamBytes/2 {
		t.Errorf("peak buffered %d octets, limit %d", peak, DefaultMaxTCPStreamBytes)
	}
}

func TestTCPSynFloodLinear(t *testing.T) {
	// SYNs from distinct ports past MaxTCPStreams: each new stream evicts
	// the idlest in O(1) (the old code scanned every stream).
	flood := func(n int) []byte {
		w := testpcap.NewWriter(layers.LinkTypeRaw)
		for i := 0; i < n; i++ {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), uint16(1024+i%60000))
			w.Add(testpcap.Base, testpcap.TCP(src, tcpServer, uint32(i), testpcap.SYN, nil))
		}
		return w.Bytes()
	}
	opt := Options{MaxTCPStreams: 1000}
	_, steps1, _ := readSteps(t, flood(3000), opt)
	_, steps2, _ := readSteps(t, flood(30000), opt)
	// 2,000 and 29,000 evictions, one list step each.
	if steps1 == 0 || float64(steps2)/float64(steps1) > 16 {
		t.Errorf("steps %d for 3,000 SYNs, %d for 30,000", steps1, steps2)
	}
}

func TestTCPRetransmissionDifferentData(t *testing.T) {
	m1, _, _ := tcpMessages(t)
	f := ikeFrame(m1)
	evil := append([]byte(nil), f[100:300]...)
	evil[50] ^= 0xff
	for _, tc := range []struct {
		name string
		segs []seg
		warn int // frame of the expected warning, 0 for none
	}{
		{"identical", []seg{
			{tcpClient, cISN, testpcap.SYN, nil},
			{tcpClient, cISN + 1, 0, f[:300]},
			{tcpClient, cISN + 101, 0, f[100:300]}, // 3: same octets again
			{tcpClient, cISN + 301, 0, f[300:]},
		}, 0},
		{"in-order retransmission", []seg{
			{tcpClient, cISN, testpcap.SYN, nil},
			{tcpClient, cISN + 1, 0, f[:300]},
			{tcpClient, cISN + 101, 0, evil}, // 3: different octets
			{tcpClient, cISN + 301, 0, f[300:]},
		}, 3},
		{"retransmission of a delivered message", []seg{
			{tcpClient, cISN, testpcap.SYN, nil},
			{tcpClient, cISN + 1, 0, f},
			{tcpClient, cISN + 101, 0, evil}, // 3: after m1 was emitted
		}, 3},
		{"out-of-order duplicate", []seg{
			{tcpClient, cISN, testpcap.SYN, nil},
			{tcpClient, cISN + 101, 0, f[100:]},
			{tcpClient, cISN + 101, 0, append(append([]byte(nil), evil...), f[300:]...)}, // 3
			{tcpClient, cISN + 1, 0, f[:100]},
		}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, _ := newAll(t, writeSegs(tc.segs).Bytes(), Options{})
			var ike, warn []copied
			for _, e := range ev {
				switch {
				case e.Kind == KindIKE:
					ike = append(ike, e)
				case e.Kind == KindError && strings.Contains(e.Err.Error(), "different data"):
					warn = append(warn, e)
				default:
					t.Errorf("unexpected event %v", e.Err)
				}
			}
			if len(ike) != 1 || string(ike[0].Data) != string(m1) {
				t.Errorf("%d IKE events (the first copy must win)", len(ike))
			}
			switch {
			case tc.warn == 0 && len(warn) != 0:
				t.Errorf("warnings %v", warn[0].Err)
			case tc.warn != 0 && (len(warn) != 1 || warn[0].Frame != tc.warn || !errors.Is(warn[0].Err, ErrTCPStream) || warn[0].Src != tcpClient):
				t.Errorf("want one warning at frame %d, got %s", tc.warn, fmt.Sprint(warn))
			}
		})
	}
}

func TestTCPTotalBufferBounded(t *testing.T) {
	// 40 streams, each with the first 30,000 octets of a 40,000-octet
	// RFC 8229 frame: partial messages of many streams must not add up
	// past MaxTCPTotalBytes (before: 1.2 MB held with a 200 KB limit).
	msg := make([]byte, 40000)
	binary.BigEndian.PutUint16(msg, uint16(len(msg)))
	w := testpcap.NewWriter(layers.LinkTypeRaw)
	for i := 0; i < 40; i++ {
		src := netip.AddrPortFrom(tcpClient.Addr(), uint16(20000+i))
		w.Add(testpcap.Base, testpcap.TCP(src, tcpServer, 1, testpcap.SYN, nil))
		for off := 0; off < 30000; off += 1400 {
			w.Add(testpcap.Base, testpcap.TCP(src, tcpServer, 2+uint32(off), testpcap.ACK, msg[off:min(off+1400, 30000)]))
		}
	}
	const limit = 200_000
	_, _, peak := readSteps(t, w.Bytes(), Options{MaxTCPTotalBytes: limit})
	if peak > limit || peak < limit/2 {
		t.Errorf("peak %d octets held, limit %d", peak, limit)
	}
}
