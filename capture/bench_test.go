package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// nonIKECapture builds a ~32 MiB Ethernet capture that is mostly non-IKE
// traffic: full-size TCP segments (port 443) generated with gopacket, and
// the real frames of the Wireshark NAT-T capture with their UDP ports
// rewritten off 4500, plus one real IKE message per 1000 frames.
func nonIKECapture(b *testing.B) (data []byte, frames int) {
	b.Helper()
	real := [][]byte{}
	if _, recs, err := testpcap.ReadAll(filepath.Join(testutil.SharedDir(), "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")); err == nil {
		real = testpcap.Frames(recs)
	}
	var ike []byte
	for _, fr := range real {
		if binary.BigEndian.Uint16(fr[12:14]) == 0x0800 && fr[14+9] == 17 {
			u := fr[14+int(fr[14]&15)*4:]
			if ike == nil {
				ike = append([]byte(nil), fr...)
			}
			binary.BigEndian.PutUint16(u[0:2], 4501) // rewrite: not an IKE port any more
			binary.BigEndian.PutUint16(u[2:4], 10955)
		}
	}
	payload := bytes.Repeat([]byte("x"), 1460)
	tcp := testpcap.Ethernet(testpcap.TCP(netip.MustParseAddrPort("192.0.2.1:443"), netip.MustParseAddrPort("192.0.2.2:50000"), 1, testpcap.ACK, payload))
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for len(w.Bytes()) < 32<<20 {
		switch {
		case ike != nil && frames%1000 == 999:
			w.Add(testpcap.Base, ike)
		case len(real) > 0 && frames%10 >= 7:
			w.Add(testpcap.Base, real[frames%len(real)])
		default:
			w.Add(testpcap.Base, tcp)
		}
		frames++
	}
	return w.Bytes(), frames
}

// BenchmarkScanNonIKE measures the reader on a capture that is mostly
// other traffic, from memory; MB/s is the scan rate.
func BenchmarkScanNonIKE(b *testing.B) {
	data, frames := nonIKECapture(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := NewReader(bytes.NewReader(data), Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				if !errors.Is(err, io.EOF) {
					b.Fatal(err)
				}
				break
			}
		}
		if st := r.Stats(); st.Packets != int64(frames) {
			b.Fatalf("%d packets, want %d", st.Packets, frames)
		}
	}
}

// BenchmarkScanNonIKEFile is BenchmarkScanNonIKE through Open on a file
// (page cache), including the read system calls.
func BenchmarkScanNonIKEFile(b *testing.B) {
	data, _ := nonIKECapture(b)
	p := filepath.Join(b.TempDir(), "scan.pcap")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := Open(p, Options{})
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
		r.Close()
	}
}

// BenchmarkScanNonIKEGopacketDLP is the same scan with gopacket's
// DecodingLayerParser (Ethernet/IPv4/IPv6/UDP/TCP) instead of the
// hand-written L2-L4 path, for comparison.
func BenchmarkScanNonIKEGopacketDLP(b *testing.B) {
	data, _ := nonIKECapture(b)
	var (
		eth layers.Ethernet
		ip4 layers.IPv4
		ip6 layers.IPv6
		udp layers.UDP
		tcp layers.TCP
		pl  gopacket.Payload
	)
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip4, &ip6, &udp, &tcp, &pl)
	parser.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 8)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			d, _, err := r.ZeroCopyReadPacketData()
			if err != nil {
				break
			}
			_ = parser.DecodeLayers(d, &decoded)
			if udp.DstPort == 500 || udp.SrcPort == 500 {
				n++
			}
		}
	}
}
