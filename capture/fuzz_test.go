package capture

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// drain reads r to the end, checking the invariants every event must keep.
func drain(t *testing.T, r *Reader) {
	t.Helper()
	for n := 0; ; n++ {
		e, err := r.Next()
		if err != nil {
			return
		}
		if e.Frame < 1 || int64(e.Frame) > r.Stats().Packets+1 {
			t.Fatalf("event frame %d with %d packets read", e.Frame, r.Stats().Packets)
		}
		if e.Kind == KindError && e.Err == nil || e.Kind != KindError && e.Err != nil {
			t.Fatalf("kind %v with err %v", e.Kind, e.Err)
		}
		if e.Kind == KindESP && len(e.Data) < 8 {
			t.Fatalf("ESP event with %d octets", len(e.Data))
		}
		if n > 1<<20 {
			t.Fatalf("too many events")
		}
	}
}

// FuzzReader feeds arbitrary bytes as the body of a pcap file (after a
// valid header with an Ethernet, raw or SLL link type).
func FuzzReader(f *testing.F) {
	for _, p := range []string{"zeek-spicy-ipsec/ipsec_client.pcap", "zeek-spicy-ipsec/ipsec.cap"} {
		if data, err := readFileMaybe(capturesDir + "/" + p); err == nil {
			f.Add(uint8(0), data[24:])
		}
	}
	ike := []byte("0123456789abcdef0123456789abcdef")
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for _, fr := range testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, bytes.Repeat(ike, 40)), 400) {
		w.Add(testpcap.Base, testpcap.Ethernet(fr))
	}
	f.Add(uint8(0), w.Bytes()[24:])
	f.Fuzz(func(t *testing.T, lt uint8, body []byte) {
		link := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull}[lt%4]
		data := append(pcapHeader(65535, link), body...)
		r, err := NewReader(bytes.NewReader(data), Options{MaxFragDatagrams: 4, MaxTCPStreams: 4})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, r)
	})
}

// FuzzPacket feeds arbitrary link-layer bytes as a sequence of frames
// (split at 0xfe 0xfe), so fragment and stream state carries across them.
func FuzzPacket(f *testing.F) {
	if ds, err := testpcap.UDPDatagrams(capturesDir + "/zeek-spicy-ipsec/ipsec_client.pcap"); err == nil {
		f.Add(uint8(0), testpcap.Ethernet(testpcap.UDP(ds[0].Src, ds[0].Dst, ds[0].Payload)))
		f.Add(uint8(1), testpcap.UDP(v6a, v6b, ds[1].Payload))
	}
	f.Add(uint8(0), testpcap.Ethernet(testpcap.ESP(v4a.Addr(), v4b.Addr(), 1, 2, []byte("abcdefgh")), 1, 2))
	f.Add(uint8(1), testpcap.TCP(tcpClient, tcpServer, 1, testpcap.SYN, nil))
	f.Fuzz(func(t *testing.T, lt uint8, data []byte) {
		links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL,
			layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeIPv6, 147}
		w := testpcap.NewWriter(links[int(lt)%len(links)])
		for _, fr := range bytes.Split(data, []byte{0xfe, 0xfe}) {
			w.Add(testpcap.Base, fr)
		}
		r, err := NewReader(bytes.NewReader(w.Bytes()), Options{MaxFragDatagrams: 4, MaxTCPStreams: 4, MaxTCPStreamBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, r)
	})
}

// FuzzTCPFraming drives one RFC 8229 connection with arbitrary segments:
// each chunk of the input is [seq delta (2 octets), flags, length, data].
func FuzzTCPFraming(f *testing.F) {
	f.Add([]byte{0, 0, testpcap.SYN, 0, 0, 1, 0, 10, 'I', 'K', 'E', 'T', 'C', 'P', 0, 40, 0, 0})
	f.Add([]byte{0, 1, 0, 4, 0, 3, 0xff, 0, 0, 4, 0, 3, 0, 3, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		w := testpcap.NewWriter(layers.LinkTypeRaw)
		seq := uint32(1)
		for len(data) >= 4 {
			delta, flags, n := binary.BigEndian.Uint16(data), data[2], int(data[3])
			data = data[4:]
			n = min(n, len(data))
			seq += uint32(int16(delta))
			from, to := tcpClient, tcpServer
			if flags&0x80 != 0 {
				from, to = to, from
			}
			w.Add(testpcap.Base, testpcap.TCP(from, to, seq, int(flags&0x1f), data[:n]))
			data = data[n:]
		}
		r, err := NewReader(bytes.NewReader(w.Bytes()), Options{MaxTCPStreamBytes: 1024, MaxTCPTotalBytes: 2048, MaxTCPStreams: 2})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, r)
		if r.tcp.bytes < 0 || r.tcp.bytes > 2048+65536 {
			t.Fatalf("tcp bytes accounting: %d", r.tcp.bytes)
		}
	})
}
