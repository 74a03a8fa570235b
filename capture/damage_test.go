package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// pcapRecords returns the file offsets of the record headers of a
// little-endian pcap file (parsed here, independently of the reader).
func pcapRecords(t testing.TB, data []byte) []int {
	t.Helper()
	if binary.LittleEndian.Uint32(data) != pcapMagicMicro && binary.LittleEndian.Uint32(data) != pcapMagicNano {
		t.Fatalf("not a little-endian pcap file")
	}
	var offs []int
	for o := pcapHeaderLen; o+16 <= len(data); o += 16 + int(binary.LittleEndian.Uint32(data[o+8:])) {
		offs = append(offs, o)
	}
	return offs
}

// withoutFrame returns the events of a whole capture as a reader that
// lost frame k must see them: frame k's events gone, later frames one
// lower, errors dropped.
func withoutFrame(ev []copied, k int) []copied {
	if k <= 0 {
		k = 1 << 30
	}
	var out []copied
	for _, e := range ev {
		switch {
		case e.Kind == KindError || e.Frame == k:
		case e.Frame > k:
			e.Frame--
			out = append(out, e)
		default:
			out = append(out, e)
		}
	}
	return out
}

func splitErrors(ev []copied) (good, errs []copied) {
	for _, e := range ev {
		if e.Kind == KindError {
			errs = append(errs, e)
		} else {
			good = append(good, e)
		}
	}
	return
}

func sameEvents(t *testing.T, got, want []copied) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Frame != w.Frame || g.Kind != w.Kind || g.Src != w.Src || g.Dst != w.Dst || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("event %d: frame %d %v %v->%v, want frame %d %v %v->%v", i, g.Frame, g.Kind, g.Src, g.Dst, w.Frame, w.Kind, w.Src, w.Dst)
		}
	}
}

func TestPcapAbsurdRecordLengthResync(t *testing.T) {
	orig := testutil.ReadFile(t, testutil.Corpus("ikev2-rekey", "capture.pcap"))
	whole, _ := newAll(t, orig, Options{})
	offs := pcapRecords(t, orig)
	// Damage the header of the first, a middle and the last frame (of 29).
	for _, k := range []int{1, 15, len(offs)} {
		for _, bad := range []uint32{0xfffffff0, MaxSnaplen + 1} {
			data := append([]byte(nil), orig...)
			binary.LittleEndian.PutUint32(data[offs[k-1]+8:], bad)
			ev, st := newAll(t, data, Options{})
			good, errs := splitErrors(ev)
			sameEvents(t, good, withoutFrame(whole, k))
			if len(errs) != 1 || !errors.Is(errs[0].Err, ErrCaptureDamaged) || errs[0].Frame != k {
				t.Fatalf("frame %d: errors %v", k, errs)
			}
			// The note names the offset, the length and the limit actually
			// applied (the header declares 262144 here too), and what was
			// skipped.
			msg := errs[0].Err.Error()
			next := len(data)
			if k < len(offs) {
				next = offs[k]
			}
			skipped := next - offs[k-1]
			for _, want := range []string{"file offset " + strconv.Itoa(offs[k-1]), strconv.Itoa(int(bad)), "262144-octet limit", strconv.Itoa(skipped) + " octets"} {
				if !strings.Contains(msg, want) {
					t.Errorf("note %q lacks %q", msg, want)
				}
			}
			if st.Packets != int64(len(offs)-1) || st.Damaged != 1 || st.SkippedBytes != int64(skipped) {
				t.Errorf("frame %d: stats %+v", k, st)
			}
		}
	}
}

func TestPcapGarbageInsertedResync(t *testing.T) {
	// 3 MiB of zeros (a disk block that was never written) after frame 10:
	// the search crosses several chunks and finds frame 11 again.
	orig := testutil.ReadFile(t, testutil.Corpus("ikev2-rekey", "capture.pcap"))
	whole, _ := newAll(t, orig, Options{})
	offs := pcapRecords(t, orig)
	garbage := make([]byte, 3<<20)
	binary.LittleEndian.PutUint32(garbage[8:], 0x7fffffff) // an impossible header first
	data := append(append(append([]byte(nil), orig[:offs[10]]...), garbage...), orig[offs[10]:]...)
	ev, st := newAll(t, data, Options{})
	good, errs := splitErrors(ev)
	sameEvents(t, good, withoutFrame(whole, 0))
	if len(errs) != 1 || errs[0].Frame != 11 || st.SkippedBytes != int64(len(garbage)) {
		t.Fatalf("errors %v stats %+v", errs, st)
	}
}

func TestPcapInclLongerThanOrig(t *testing.T) {
	// tshark reads records whose captured length exceeds the original
	// length; so does the reader, with one note per file.
	orig := testutil.ReadFile(t, testutil.Corpus("ikev2-psk-success", "capture.pcap"))
	whole, _ := newAll(t, orig, Options{})
	data := append([]byte(nil), orig...)
	offs := pcapRecords(t, data)
	for _, k := range []int{3, 5} {
		incl := binary.LittleEndian.Uint32(data[offs[k-1]+8:])
		binary.LittleEndian.PutUint32(data[offs[k-1]+12:], incl-10)
	}
	ev, _ := newAll(t, data, Options{})
	good, errs := splitErrors(ev)
	sameEvents(t, good, withoutFrame(whole, 0))
	if len(errs) != 1 || errs[0].Frame != 3 || !strings.Contains(errs[0].Err.Error(), "exceeds the original length") {
		t.Fatalf("errors %v", errs)
	}
}

// ngBlocks returns the offsets of the blocks of a little-endian pcapng
// file and their types (parsed here, independently of the reader).
func ngBlocks(t testing.TB, data []byte) (offs []int, types []uint32) {
	for o := 0; o+12 <= len(data); o += int(binary.LittleEndian.Uint32(data[o+4:])) {
		offs = append(offs, o)
		types = append(types, binary.LittleEndian.Uint32(data[o:]))
	}
	return
}

func TestPcapngCorruptBlockResync(t *testing.T) {
	p := testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")
	orig := testutil.ReadFile(t, p)
	whole, _ := newAll(t, orig, Options{})
	offs, types := ngBlocks(t, orig)
	// The 6th packet block: frame 6.
	var blk, frame int
	for i, ty := range types {
		if ty == ngEPB || ty == ngSPB {
			if frame++; frame == 6 {
				blk = i
				break
			}
		}
	}
	hasFrame6 := false
	for _, e := range whole {
		hasFrame6 = hasFrame6 || e.Frame == 6
	}
	if blk == 0 || !hasFrame6 {
		t.Fatalf("no usable 6th packet block")
	}
	end := offs[blk+1]
	for name, damage := range map[string]func(d []byte){
		"trailing length":     func(d []byte) { d[end-4] ^= 0x40 },
		"leading length":      func(d []byte) { binary.LittleEndian.PutUint32(d[offs[blk]+4:], 0x7ffffff0) },
		"length not multiple": func(d []byte) { d[offs[blk]+4] |= 2 },
		"captured length":     func(d []byte) { binary.LittleEndian.PutUint32(d[offs[blk]+20:], 1<<20) },
	} {
		t.Run(name, func(t *testing.T) {
			data := append([]byte(nil), orig...)
			damage(data)
			ev, st := newAll(t, data, Options{})
			good, errs := splitErrors(ev)
			sameEvents(t, good, withoutFrame(whole, 6))
			if len(errs) != 1 || !errors.Is(errs[0].Err, ErrCaptureDamaged) || errs[0].Frame != 6 ||
				!strings.Contains(errs[0].Err.Error(), "file offset "+strconv.Itoa(offs[blk])) {
				t.Fatalf("errors %v", errs)
			}
			if st.SkippedBytes != int64(end-offs[blk]) {
				t.Errorf("skipped %d octets, want %d", st.SkippedBytes, end-offs[blk])
			}
		})
	}
}

// manyIDBs writes a gzip-compressed pcapng file: a section header, n
// interface description blocks (Ethernet), then a real IKE message on
// interface 0 and another on the last interface.
func manyIDBs(t testing.TB, n int) []byte {
	ike := realIKE(t)[0]
	frame := testpcap.Ethernet(testpcap.UDP(ike.Src, ike.Dst, ike.Payload))
	le := binary.LittleEndian
	var b bytes.Buffer
	b.Write(le.AppendUint32(le.AppendUint32(nil, ngSHB), 28))
	b.Write(le.AppendUint32(nil, ngByteOrder))
	b.Write([]byte{1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	b.Write(le.AppendUint32(nil, 28))
	idb := le.AppendUint32(le.AppendUint32(nil, ngIDB), 20)
	idb = le.AppendUint32(le.AppendUint16(le.AppendUint16(idb, uint16(layers.LinkTypeEthernet)), 0), 65535)
	idb = le.AppendUint32(idb, 20)
	zb := &bytes.Buffer{}
	zw, _ := gzip.NewWriterLevel(zb, gzip.BestSpeed)
	zw.Write(b.Bytes())
	many := bytes.Repeat(idb, 4096)
	for i := 0; i < n; i += 4096 {
		zw.Write(many[:min(4096, n-i)*len(idb)])
	}
	for _, id := range []uint32{0, uint32(n - 1)} {
		l := 32 + (len(frame)+3)&^3
		epb := le.AppendUint32(le.AppendUint32(nil, ngEPB), uint32(l))
		epb = le.AppendUint32(epb, id)
		epb = le.AppendUint32(le.AppendUint32(epb, 0x5f5e1), 0)
		epb = le.AppendUint32(le.AppendUint32(epb, uint32(len(frame))), uint32(len(frame)))
		epb = append(epb, frame...)
		epb = append(epb, make([]byte, l-4-len(epb))...)
		zw.Write(le.AppendUint32(epb, uint32(l)))
	}
	zw.Close()
	return zb.Bytes()
}

func TestPcapngManyInterfacesBounded(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	data := manyIDBs(t, n)
	var ev []copied
	var st Stats
	alloc := allocated(func() { ev, st = newAll(t, data, Options{}) })
	good, errs := splitErrors(ev)
	if len(good) != 1 || good[0].Kind != KindIKE || good[0].Frame != 1 || st.Packets != 2 || st.Unsupported != 1 {
		t.Fatalf("events %+v stats %+v", good, st)
	}
	// One note for the interface limit, one for the packet of interface
	// n-1 that is counted but not decoded.
	if len(errs) != 2 || !errors.Is(errs[0].Err, ErrCaptureLimit) || !errors.Is(errs[1].Err, ErrCaptureLimit) {
		t.Fatalf("errors %v", errs)
	}
	// 20 MB of interface blocks through a 1 MiB buffer; the interfaces
	// kept cost 4096*32 octets. Before: about 800 octets per interface.
	if alloc > 8<<20 {
		t.Errorf("allocated %d octets for %d interfaces (%d compressed octets)", alloc, n, len(data))
	}
}

func TestGzipCorruptKeepsWhatWasRead(t *testing.T) {
	orig := testutil.ReadFile(t, testutil.Corpus("ikev2-rekey", "capture.pcap"))
	whole, _ := newAll(t, orig, Options{})
	z := gzipped(orig, gzip.NoCompression) // stored blocks: the cut is where we put it
	// Cut the gzip stream in the middle: the events before the cut come
	// out, then the truncation is reported.
	r, err := NewReader(bytes.NewReader(z[:len(z)/2]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ev := readAll(t, r)
	good, errs := splitErrors(ev)
	if len(good) == 0 || len(good) >= len(whole) || len(errs) != 1 || !errors.Is(errs[0].Err, ErrCaptureTruncated) {
		t.Fatalf("%d of %d events, errors %v", len(good), len(whole), errs)
	}
	sameEvents(t, good, whole[:len(good)])
	// Corrupt the checksum: every record is read, then Next fails.
	bad := append([]byte(nil), z...)
	bad[len(bad)-8] ^= 0xff
	r, _ = NewReader(bytes.NewReader(bad), Options{})
	var n int
	for {
		e, err := r.Next()
		if err == io.EOF {
			t.Fatal("a corrupt gzip checksum went unnoticed")
		}
		if err != nil {
			if !strings.Contains(err.Error(), "checksum") {
				t.Errorf("error %v", err)
			}
			break
		}
		if e.Kind != KindError {
			n++
		}
	}
	if n != len(whole) {
		t.Errorf("%d events before the error, want %d", n, len(whole))
	}
}

func TestPcapDamageEveryRecord(t *testing.T) {
	// Every record header of every corpus capture, damaged in turn: the
	// reader loses exactly that record and reads all the others.
	paths, _ := filepath.Glob(testutil.Corpus("*", "capture.pcap"))
	if len(paths) == 0 {
		t.Skip("no corpus captures")
	}
	for _, p := range paths {
		orig := testutil.ReadFile(t, p)
		whole, _ := newAll(t, orig, Options{})
		offs := pcapRecords(t, orig)
		streamData := tcpPayloads(t, p)
		for k := 1; k <= len(offs); k++ {
			data := append([]byte(nil), orig...)
			binary.LittleEndian.PutUint32(data[offs[k-1]+8:], 0x10000000+uint32(k))
			ev, st := newAll(t, data, Options{})
			good, errs := splitErrors(ev)
			damaged, frag, gap := 0, 0, 0
			for _, e := range errs {
				var pe *PacketError
				switch {
				case errors.Is(e.Err, ErrCaptureDamaged):
					damaged++
				case errors.As(e.Err, &pe) && pe.Layer == "frag":
					frag++ // the lost record was an IP fragment
				case errors.Is(e.Err, ErrTCPStream) && strings.Contains(e.Err.Error(), "octets lost at stream offset"):
					gap++ // the lost record carried RFC 8229 stream octets
				}
			}
			wantGap := 0
			if streamData[k-1] > 0 {
				wantGap = 1
			}
			if damaged != 1 || gap != wantGap || damaged+frag+gap != len(errs) || st.Packets != int64(len(offs)-1) {
				t.Fatalf("%s frame %d: %d packets, errors %v", p, k, st.Packets, errs)
			}
			want := withoutFrame(whole, k)
			if frag == 0 || len(good) == len(want) {
				sameEvents(t, good, want)
				continue
			}
			// A lost fragment other than the one that completed its
			// datagram takes the datagram with it: exactly one more event
			// of the undamaged read is missing, the rest agree.
			if len(good) != len(want)-1 {
				t.Fatalf("%s frame %d (a fragment): %d events, want %d", p, k, len(good), len(want)-1)
			}
			for i, j := 0, 0; i < len(good); i, j = i+1, j+1 {
				if good[i].Frame != want[j].Frame || !bytes.Equal(good[i].Data, want[j].Data) {
					if j != i { // a second difference
						t.Fatalf("%s frame %d: event %d differs from the undamaged read", p, k, i)
					}
					i--
				}
			}
		}
	}
}

// tcpPayloads returns, for every record of the capture at path, how many
// TCP payload octets it carries on an RFC 8229 port (decoded with
// gopacket, not with the package under test).
func tcpPayloads(t *testing.T, path string) []int {
	lt, recs := testpcap.Records(t, path)
	out := make([]int, len(recs))
	for i, rec := range recs {
		pkt := gopacket.NewPacket(rec.Data, lt, gopacket.Default)
		if tcp, ok := pkt.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && (tcp.SrcPort == 4500 || tcp.DstPort == 4500) {
			out[i] = len(tcp.Payload)
		}
	}
	return out
}

func TestPcapngDamageEveryPacketBlock(t *testing.T) {
	p := testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")
	orig := testutil.ReadFile(t, p)
	whole, _ := newAll(t, orig, Options{})
	offs, types := ngBlocks(t, orig)
	frame := 0
	for i, ty := range types {
		if ty != ngEPB && ty != ngSPB {
			continue
		}
		frame++
		end := len(orig)
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		data := append([]byte(nil), orig...)
		data[end-4] ^= 0x10 // trailing length
		ev, st := newAll(t, data, Options{})
		good, errs := splitErrors(ev)
		if len(errs) != 1 || errs[0].Frame != frame || st.SkippedBytes != int64(end-offs[i]) {
			t.Fatalf("frame %d: errors %v, stats %+v", frame, errs, st)
		}
		sameEvents(t, good, withoutFrame(whole, frame))
	}
	if frame < 50 {
		t.Fatalf("only %d packet blocks", frame)
	}
}
