package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
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
		if e.Kind != KindError && !frameTimeOK(e.Time.Unix(), int64(e.Time.Nanosecond())) {
			t.Fatalf("frame %d at %v, outside the range frames may have", e.Frame, e.Time)
		}
		if n > 1<<20 {
			t.Fatalf("too many events")
		}
	}
}

// drainBytes reads data with NewReader and opt to the end (see drain) and
// returns the reader.
func drainBytes(t *testing.T, data []byte, opt Options) *Reader {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	drain(t, r)
	return r
}

// drainFuzzed drains data, a file header the harness wrote followed by
// fuzzed octets, with small reassembly limits, and wants the octets the
// reader skipped and read each within those fuzzed octets.
func drainFuzzed(t *testing.T, data []byte, fuzzed int) {
	t.Helper()
	r := drainBytes(t, data, Options{MaxFragDatagrams: 4, MaxTCPStreams: 4})
	if st := r.Stats(); st.SkippedBytes > int64(fuzzed) || st.Bytes > int64(fuzzed) {
		t.Fatalf("skipped %d and read %d octets of %d", st.SkippedBytes, st.Bytes, fuzzed)
	}
}

// fuzzSeedRecords returns the first n records of a pcap file (header
// included), or nil. Seeds stay small so that the fuzzer spends its time
// executing, not minimising multi-kilobyte inputs.
func fuzzSeedRecords(p string, n int) []byte {
	data, err := os.ReadFile(p)
	if err != nil || len(data) < 24 {
		return nil
	}
	o := 24
	for i := 0; i < n && o+16 <= len(data); i++ {
		o = min(len(data), o+16+int(binary.LittleEndian.Uint32(data[o+8:])))
	}
	return data[:o]
}

// FuzzReader feeds arbitrary bytes as the body of a pcap file (after a
// valid header with an Ethernet, raw or SLL link type): record parsing,
// resynchronisation after damage, and every decoder above.
func FuzzReader(f *testing.F) {
	for _, p := range []string{"zeek-spicy-ipsec/ipsec_client.pcap", "zeek-spicy-ipsec/ipsec.cap"} {
		if data := fuzzSeedRecords(filepath.Join(testutil.SharedDir(), p), 3); data != nil {
			f.Add(uint8(0), data[24:])
		}
	}
	ike := []byte("0123456789abcdef0123456789abcdef")
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for _, fr := range testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, bytes.Repeat(ike, 20)), 200) {
		w.Add(testpcap.Base, testpcap.Ethernet(fr))
	}
	f.Add(uint8(0), w.Bytes()[24:])
	// The same fragments as a snap length of 100 keeps them, last first:
	// a cut fragment before the cut first one (defragmenter.cutFirst).
	w = testpcap.NewWriter(layers.LinkTypeEthernet)
	frs := testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, bytes.Repeat(ike, 20)), 200)
	for i := len(frs) - 1; i >= 0; i-- {
		fr := testpcap.Ethernet(frs[i])
		ci := gopacket.CaptureInfo{Timestamp: testpcap.Base, CaptureLength: min(len(fr), 100), Length: len(fr)}
		w.AddRecord(ci, fr[:ci.CaptureLength])
	}
	f.Add(uint8(0), w.Bytes()[24:])
	// A damaged record between two good ones: the resynchronisation path.
	if data := fuzzSeedRecords(testutil.Corpus("ikev2-psk-success", "capture.pcap"), 2); data != nil {
		body := append([]byte(nil), data[24:]...)
		binary.LittleEndian.PutUint32(body[8:], 0xffffff00)
		f.Add(uint8(0), body)
	}
	f.Fuzz(func(t *testing.T, lt uint8, body []byte) {
		link := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL2, layers.LinkTypeNull}[lt%4]
		data := append(pcapHeader(65535, link), body...)
		drainFuzzed(t, data, len(body))
	})
}

// ngBlock builds a little-endian pcapng block.
func ngBlock(typ uint32, body []byte) []byte {
	l := 12 + (len(body)+3)&^3
	b := binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, typ), uint32(l))
	b = append(b, body...)
	b = append(b, make([]byte, l-4-len(b))...)
	return binary.LittleEndian.AppendUint32(b, uint32(l))
}

// ngSection is a little-endian Section Header Block.
func ngSection() []byte {
	return ngBlock(ngSHB, []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
}

// FuzzPcapng feeds arbitrary bytes as the blocks of a pcapng file after a
// valid little-endian Section Header Block: interface options, timestamp
// resolutions, every packet block type, damaged lengths and the
// resynchronisation search.
func FuzzPcapng(f *testing.F) {
	if data, err := os.ReadFile(filepath.Join(testutil.SharedDir(), "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")); err == nil {
		shbLen := int(binary.LittleEndian.Uint32(data[4:]))
		o := shbLen
		for i := 0; i < 4 && o+12 <= len(data); i++ { // IDB and the first packets
			o = min(len(data), o+int(binary.LittleEndian.Uint32(data[o+4:])))
		}
		f.Add(data[shbLen:o])
	}
	ike := realIKEOrNil()
	idb := ngBlock(ngIDB, []byte{1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0x89, 0, 0, 0, 14, 0, 8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	frame := testpcap.Ethernet(testpcap.UDP(v4a, v4b, ike))
	epb := ngBlock(ngEPB, append([]byte{0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, byte(len(frame)), byte(len(frame) >> 8), 0, 0, byte(len(frame)), byte(len(frame) >> 8), 0, 0}, frame...))
	spb := ngBlock(ngSPB, append([]byte{byte(len(frame)), byte(len(frame) >> 8), 0, 0}, frame...))
	isb := ngBlock(ngISB, make([]byte, 12))
	f.Add(bytes.Join([][]byte{idb, epb, spb, isb}, nil))
	// Drop counters: a named interface, an EPB with epb_dropcount, and
	// two ISBs with isb_ifdrop and isb_osdrop (drops.go).
	named := ngIDBlock("eth0")
	dropEPB := ngEPBlock(0, frame, append(ngOpt(ngOptEPBDrops, u64(3)), 0, 0, 0, 0))
	f.Add(bytes.Join([][]byte{named, dropEPB, ngISBlock(0, 5, 2), epb, ngISBlock(0, 9, noOpt)}, nil))
	bad := bytes.Join([][]byte{idb, epb, epb, spb}, nil)
	bad[len(idb)+len(epb)+4] ^= 0x20 // second EPB: impossible length
	f.Add(bad)
	// Second EPB stamped past 2262, then an SPB that takes its time.
	late := bytes.Join([][]byte{idb, epb, epb, spb}, nil)
	copy(late[len(idb)+len(epb)+12:], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(late)
	f.Fuzz(func(t *testing.T, blocks []byte) {
		data := append(ngSection(), blocks...)
		drainFuzzed(t, data, len(blocks))
	})
}

// FuzzGzip feeds arbitrary bytes as a gzip-compressed capture: either
// compressed data itself (the gzip and flate layers, truncation, bad
// checksums), or a pcap/pcapng body that the harness compresses.
func FuzzGzip(f *testing.F) {
	// One compressor, reset per input: a new flate writer allocates about
	// 1 MB, which would dominate every execution.
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestSpeed)
	gz := func(b []byte) []byte {
		zb.Reset()
		zw.Reset(&zb)
		zw.Write(b)
		zw.Close()
		return append([]byte(nil), zb.Bytes()...)
	}
	if data := fuzzSeedRecords(testutil.Corpus("ikev2-psk-success", "capture.pcap"), 2); data != nil {
		f.Add(false, gz(data))
		f.Add(true, data)
	}
	f.Add(false, gz(append(ngSection(), ngBlock(ngIDB, []byte{1, 0, 0, 0, 0, 0, 0, 0})...)))
	f.Fuzz(func(t *testing.T, compress bool, data []byte) {
		if compress {
			data = gz(data)
		}
		r, err := NewReader(bytes.NewReader(data), Options{MaxFragDatagrams: 4, MaxTCPStreams: 4})
		if err != nil {
			return // not a capture: rejected up front
		}
		for n := 0; ; n++ {
			if _, err := r.Next(); err != nil {
				break
			}
			if n > 1<<20 {
				t.Fatal("too many events")
			}
		}
	})
}

// realIKEOrNil returns a real IKE message for seeds, or a placeholder.
func realIKEOrNil() []byte {
	if ds, err := testpcap.UDPDatagrams(filepath.Join(testutil.SharedDir(), "zeek-spicy-ipsec/ipsec_client.pcap")); err == nil {
		return ds[0].Payload
	}
	return make([]byte, 28)
}

// FuzzPacket feeds arbitrary link-layer bytes as a sequence of frames
// (split at 0xfe 0xfe), so fragment and stream state carries across them.
func FuzzPacket(f *testing.F) {
	if ds, err := testpcap.UDPDatagrams(filepath.Join(testutil.SharedDir(), "zeek-spicy-ipsec/ipsec_client.pcap")); err == nil {
		f.Add(uint8(0), testpcap.Ethernet(testpcap.UDP(ds[0].Src, ds[0].Dst, ds[0].Payload)))
		f.Add(uint8(1), testpcap.UDP(v6a, v6b, ds[1].Payload))
	}
	f.Add(uint8(0), testpcap.Ethernet(testpcap.ESP(v4a.Addr(), v4b.Addr(), 1, 2, []byte("abcdefgh")), 1, 2))
	f.Add(uint8(1), testpcap.TCP(tcpClient, tcpServer, 1, testpcap.SYN, nil))
	// An ICMP port unreachable quoting an IKE datagram (icmp.go).
	quoted := testpcap.UDP(v4a, v4b, realIKEOrNil())
	icmp := append([]byte{3, 3, 0, 0, 0, 0, 0, 0}, quoted[:min(len(quoted), 28+28)]...)
	ip := []byte{0x45, 0, 0, byte(20 + len(icmp)), 0, 0, 0, 0, 64, 1, 0, 0, 203, 0, 113, 10, 198, 51, 100, 10}
	f.Add(uint8(1), append(ip, icmp...))
	// Encapsulations (encap.go): IKE in VXLAN, and in ERSPAN type II in GRE.
	inner := testpcap.Ethernet(testpcap.UDP(v4a, v4b, realIKEOrNil()))
	f.Add(uint8(1), testpcap.UDP(v4a, netip.AddrPortFrom(v4b.Addr(), portVXLAN), append([]byte{8, 0, 0, 0, 0, 0, 1, 0}, inner...)))
	f.Add(uint8(1), ipv4Packet(v4a.Addr(), v4b.Addr(), protoGRE, append([]byte{0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0, 0, 1, 0, 0, 0, 0}, inner...)))
	f.Fuzz(func(t *testing.T, lt uint8, data []byte) {
		links := []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL,
			layers.LinkTypeLinuxSLL2, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeIPv6, 147}
		w := testpcap.NewWriter(links[int(lt)%len(links)])
		for _, fr := range bytes.Split(data, []byte{0xfe, 0xfe}) {
			w.Add(testpcap.Base, fr)
		}
		drainBytes(t, w.Bytes(), Options{MaxFragDatagrams: 4, MaxTCPStreams: 4, MaxTCPStreamBytes: 4096})
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
		r := drainBytes(t, w.Bytes(), Options{MaxTCPStreamBytes: 1024, MaxTCPTotalBytes: 2048, MaxTCPStreams: 2})
		if r.tcp.bytes < 0 || r.tcp.bytes > 2048+65536 {
			t.Fatalf("tcp bytes accounting: %d", r.tcp.bytes)
		}
	})
}
