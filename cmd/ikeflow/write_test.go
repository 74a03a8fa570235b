package main

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestAnalyzeWrite checks that analyze --write copies the packets of the
// reported SAs: all of them (IP fragments included) when nothing is
// filtered, only the selected SA's with --spi from merged captures.
func TestAnalyzeWrite(t *testing.T) {
	corpus := filepath.Join("..", "..", "testdata", "corpus")
	dir := t.TempDir()

	// Everything: the written capture analyses exactly like the original.
	frag := filepath.Join(corpus, "ikev2-cert-fragmentation", "capture.pcap")
	all := filepath.Join(dir, "all.pcapng")
	want := analyzeJSON(t, "--write", all, frag)
	if got := analyzeJSON(t, all); !reflect.DeepEqual(got, want) {
		t.Errorf("analyze of the written capture differs:\n got %v\nwant %v", got, want)
	}

	// One SA out of three captures merged by time.
	inputs := []string{
		filepath.Join(corpus, "ikev2-auth-child-no-proposal", "capture.pcap"),
		filepath.Join(corpus, "ikev2-psk-success", "capture.pcap"),
		frag,
	}
	full := analyzeJSON(t, inputs...)
	sas := full["sas"].([]any)
	if len(sas) < 3 {
		t.Fatalf("%d SAs in the merged captures", len(sas))
	}
	pick := sas[1].(map[string]any)
	one := filepath.Join(dir, "one.pcapng")
	analyzeJSON(t, append([]string{"--write", one, "--spi", pick["spi_i"].(string)}, inputs...)...)
	got := analyzeJSON(t, one)["sas"].([]any)
	if len(got) != 1 {
		t.Fatalf("written capture has %d SAs, want 1", len(got))
	}
	g := got[0].(map[string]any)
	for _, k := range []string{"spi_i", "spi_r", "state", "proposal", "version"} {
		if g[k] != pick[k] {
			t.Errorf("%s: %v, want %v", k, g[k], pick[k])
		}
	}
	if a, b := len(g["exchanges"].([]any)), len(pick["exchanges"].([]any)); a != b {
		t.Errorf("%d exchanges, want %d", a, b)
	}

	// Standard input cannot be read twice.
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "--write", filepath.Join(dir, "x.pcapng"), "-"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("--write with stdin: exit %d, want %d (%s)", code, exitUsage, errb.String())
	}
}

// pcapRecordOffsets returns the file offsets of the record headers of a
// little-endian pcap file, parsed here independently of capture/.
func pcapRecordOffsets(t *testing.T, data []byte) []int {
	t.Helper()
	if binary.LittleEndian.Uint32(data) != 0xa1b2c3d4 {
		t.Fatal("not a little-endian microsecond pcap file")
	}
	var offs []int
	for o := 24; o+16 <= len(data); o += 16 + int(binary.LittleEndian.Uint32(data[o+8:])) {
		offs = append(offs, o)
	}
	return offs
}

// saFrame is a frame of a capture as the test sees it.
type saFrame struct {
	ts   time.Time
	data []byte
}

// framesOfSA decodes every frame of a pcap or pcapng file with gopacket
// (not with ikeflow) and returns those that carry an IKE message with
// IKE SPIs spii/spir (spir zero allowed) or an ESP packet of one of the
// child SA SPIs, and the total frame count.
func framesOfSA(t *testing.T, path string, spii, spir []byte, esp [][]byte) ([]saFrame, int) {
	t.Helper()
	lt, recs := testpcap.Records(t, path)
	var out []saFrame
	for _, rec := range recs {
		data := rec.Data
		p := gopacket.NewPacket(data, lt, gopacket.Default)
		match := false
		if udp, ok := p.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
			ike := udp.Payload
			if udp.SrcPort == 4500 || udp.DstPort == 4500 {
				// RFC 3948: the non-ESP marker precedes IKE, anything
				// else (but a keepalive) is ESP.
				if m, ok := bytes.CutPrefix(ike, []byte{0, 0, 0, 0}); ok {
					ike = m
				} else {
					for _, s := range esp {
						match = match || len(ike) >= 8 && bytes.Equal(ike[:4], s)
					}
					ike = nil
				}
			}
			match = match || len(ike) >= 28 && bytes.Equal(ike[:8], spii) &&
				(bytes.Equal(ike[8:16], spir) || bytes.Equal(ike[8:16], make([]byte, 8)))
		}
		if e, ok := p.Layer(layers.LayerTypeIPSecESP).(*layers.IPSecESP); ok {
			for _, s := range esp {
				match = match || binary.BigEndian.Uint32(s) == e.SPI
			}
		}
		if match {
			out = append(out, saFrame{rec.CI.Timestamp, data})
		}
	}
	return out, len(recs)
}

// withoutFrameNumbers drops the frame numbers from an analyze JSON value
// (a capture holding only some frames numbers them differently).
func withoutFrameNumbers(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if k != "frame" && k != "frames" && !strings.HasSuffix(k, "_frame") {
				m[k] = withoutFrameNumbers(e)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = withoutFrameNumbers(e)
		}
		return l
	}
	return v
}

// TestAnalyzeWriteDamaged damages one record in the middle of a real
// two-SA capture (an impossible captured length, as a bad disk block or
// a cut-and-pasted file does) and checks that analyze --write --spi still
// writes every readable frame of the selected SA, and only those: the
// frames after the damage are found by the numbers analyze gave them.
// The reference is the undamaged capture with that record removed.
func TestAnalyzeWriteDamaged(t *testing.T) {
	path := filepath.Join("..", "..", "testdata", "corpus", "ikev2-mixed-peers", "capture.pcap")
	orig := testutil.ReadFile(t, path)
	offs := pcapRecordOffsets(t, orig)
	full := analyzeJSON(t, path)["sas"].([]any)
	if len(full) != 2 {
		t.Fatalf("%d SAs in %s, want 2", len(full), path)
	}
	sa := full[0].(map[string]any)
	hexb := func(s any) []byte {
		b, err := hex.DecodeString(s.(string))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	spii, spir := hexb(sa["spi_i"]), hexb(sa["spi_r"])
	var esp [][]byte
	for _, c := range sa["child_sas"].([]any) {
		c := c.(map[string]any)
		esp = append(esp, hexb(c["spi_i"]), hexb(c["spi_r"]))
	}
	all, n := framesOfSA(t, path, spii, spir, esp)
	if n != len(offs) || len(all) < 8 || len(all) == n {
		t.Fatalf("%d of %d frames belong to SA %s (%d records)", len(all), n, sa["spi_i"], len(offs))
	}

	dir := t.TempDir()
	// The same capture as pcapng (written here with gopacket), damaged
	// the way the capture tests damage pcapng: a packet block whose
	// trailing length disagrees with its leading one.
	ng := pcapToPcapng(t, path)
	formats := []struct {
		name   string
		data   []byte
		recs   [][2]int // octets of each frame's record or block
		damage func(d []byte, rec [2]int)
	}{
		{"pcap", orig, recordSpans(offs, len(orig)), func(d []byte, r [2]int) { binary.LittleEndian.PutUint32(d[r[0]+8:], 0xfffffff0) }},
		{"pcapng", ng, packetBlocks(t, ng), func(d []byte, r [2]int) { d[r[1]-4] ^= 0x10 }},
	}
	// Frame 7 belongs to the other SA: everything after it moves up one.
	// Frames 5 (IKE_AUTH request) and 11 (ESP) belong to the selected SA.
	for _, format := range formats {
		if len(format.recs) != len(offs) {
			t.Fatalf("%s: %d packet records, want %d", format.name, len(format.recs), len(offs))
		}
		for _, k := range []int{7, 5, 11} {
			t.Run(format.name+"/"+strconv.Itoa(k), func(t *testing.T) {
				rec := format.recs[k-1]
				damaged := append([]byte(nil), format.data...)
				format.damage(damaged, rec)
				cut := append(append([]byte(nil), format.data[:rec[0]]...), format.data[rec[1]:]...)
				dpath, cpath := filepath.Join(dir, "damaged."+format.name), filepath.Join(dir, "cut."+format.name)
				if err := os.WriteFile(dpath, damaged, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(cpath, cut, 0o644); err != nil {
					t.Fatal(err)
				}
				checkWriteDamaged(t, dir, sa, dpath, cpath, k, all, spii, spir, esp)
			})
		}
	}
}

// checkWriteDamaged runs analyze --write --spi on the damaged capture
// dpath (frame k damaged) and compares with cpath, the undamaged capture
// without frame k; all is the SA's frames of the undamaged capture.
func checkWriteDamaged(t *testing.T, dir string, sa map[string]any, dpath, cpath string, k int, all []saFrame, spii, spir []byte, esp [][]byte) {
	t.Helper()
	want, _ := framesOfSA(t, cpath, spii, spir, esp)
	if len(want) != len(all)-btoi(k != 7) {
		t.Fatalf("%d frames of the SA without frame %d, %d with it", len(want), k, len(all))
	}

	out := filepath.Join(dir, "out-"+filepath.Base(dpath)+strconv.Itoa(k)+".pcapng")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"analyze", "-q", "--write", out, "--spi", sa["spi_i"].(string), dpath}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("analyze --write: exit %d: %s", code, stderr.String())
	}
	got, _ := framesOfSA(t, out, spii, spir, esp)
	if _, total := framesOfSA(t, out, nil, nil, nil); total != len(got) {
		t.Errorf("%d frames written, %d of them of the SA", total, len(got))
	}
	if len(got) != len(want) {
		t.Fatalf("%d frames written, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].ts.Equal(want[i].ts) || !bytes.Equal(got[i].data, want[i].data) {
			t.Fatalf("written frame %d (%v, %d octets) is not frame %v (%d octets)", i+1, got[i].ts, len(got[i].data), want[i].ts, len(want[i].data))
		}
	}

	// The written capture decodes to the SA of the undamaged
	// capture without the damaged frame.
	ref := analyzeJSON(t, "--spi", sa["spi_i"].(string), cpath)["sas"].([]any)
	res := analyzeJSON(t, out)["sas"].([]any)
	if len(ref) != 1 || len(res) != 1 {
		t.Fatalf("%d SAs written, %d in the reference", len(res), len(ref))
	}
	r, g := ref[0].(map[string]any), res[0].(map[string]any)
	if g["spi_i"] != sa["spi_i"] || g["spi_r"] != sa["spi_r"] {
		t.Errorf("SPIs %v/%v, want %v/%v", g["spi_i"], g["spi_r"], sa["spi_i"], sa["spi_r"])
	}
	for _, key := range []string{"spi_i", "spi_r", "state", "proposal", "exchanges", "child_sas", "start", "end"} {
		if a, b := withoutFrameNumbers(g[key]), withoutFrameNumbers(r[key]); !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %v\nwant %v", key, a, b)
		}
	}

}

// recordSpans turns record offsets into [start, end) spans.
func recordSpans(offs []int, size int) [][2]int {
	var out [][2]int
	for i, o := range offs {
		end := size
		if i+1 < len(offs) {
			end = offs[i+1]
		}
		out = append(out, [2]int{o, end})
	}
	return out
}

// pcapToPcapng rewrites a pcap file as pcapng with gopacket's writer.
func pcapToPcapng(t *testing.T, path string) []byte {
	t.Helper()
	lt, recs := testpcap.Records(t, path)
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, lt)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.WritePacket(rec.CI, rec.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// packetBlocks returns the spans of the Enhanced Packet Blocks of a
// little-endian pcapng file, parsed here.
func packetBlocks(t *testing.T, data []byte) [][2]int {
	t.Helper()
	var out [][2]int
	for o := 0; o+12 <= len(data); {
		n := int(binary.LittleEndian.Uint32(data[o+4:]))
		if n < 12 || o+n > len(data) {
			t.Fatalf("pcapng block at %d: length %d", o, n)
		}
		if binary.LittleEndian.Uint32(data[o:]) == 6 {
			out = append(out, [2]int{o, o + n})
		}
		o += n
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
