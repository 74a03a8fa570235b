package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// undamagedFrames reads every frame of a capture with gopacket's readers
// (independently of this package).
func undamagedFrames(t *testing.T, data []byte) [][]byte {
	t.Helper()
	var src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	if binary.LittleEndian.Uint32(data) == 0x0a0d0d0a {
		r, err := pcapgo.NewNgReader(bytes.NewReader(data), pcapgo.DefaultNgReaderOptions)
		if err != nil {
			t.Fatal(err)
		}
		src = r
	} else {
		r, err := pcapgo.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		src = r
	}
	var out [][]byte
	for {
		d, _, err := src.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
}

// readFrames reads every frame of the file at path with a FrameReader.
func readFrames(t *testing.T, path string) ([]Frame, *FrameReader) {
	t.Helper()
	r, err := OpenFrames(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []Frame
	for {
		f, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, r
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		c := *f
		c.Data = append([]byte(nil), f.Data...)
		out = append(out, c)
	}
}

// TestFrameReaderDamaged damages one record in the middle of real pcap,
// gzip-compressed pcap and pcapng captures: the FrameReader skips it,
// returns every other frame as recorded, and numbers them as the Reader
// numbers its events (each IKE event's message is inside the frame of
// the same number).
func TestFrameReaderDamaged(t *testing.T) {
	type input struct {
		name   string
		data   []byte
		damage func(d []byte) // damages frame k
		k      int
		gz     bool
	}
	var ins []input
	pc := testutil.ReadFile(t, testutil.Corpus("ikev2-rekey", "capture.pcap"))
	offs := pcapRecords(t, pc)
	for _, gz := range []bool{false, true} {
		ins = append(ins, input{"pcap", pc, func(d []byte) { binary.LittleEndian.PutUint32(d[offs[14]+8:], 0xfffffff0) }, 15, gz})
	}
	if p := filepath.Join(testutil.SharedDir(), "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"); testutil.Exists(p) {
		ng := testutil.ReadFile(t, p)
		bo, types := ngBlocks(t, ng)
		blk, frame := 0, 0
		for i, ty := range types {
			if ty == ngEPB || ty == ngSPB {
				if frame++; frame == 6 {
					blk = i
					break
				}
			}
		}
		ins = append(ins, input{"pcapng", ng, func(d []byte) { binary.LittleEndian.PutUint32(d[bo[blk]+4:], 0x7ffffff0) }, 6, false})
	} else {
		t.Logf("pcapng case skipped: %s not available", p)
	}
	for _, in := range ins {
		whole := undamagedFrames(t, in.data)
		data := append([]byte(nil), in.data...)
		in.damage(data)
		if in.gz {
			data = gzipped(data, gzip.DefaultCompression)
		}
		path := testutil.TempFile(t, "damaged", data)
		frames, fr := readFrames(t, path)
		if len(frames) != len(whole)-1 || fr.Damaged() != 1 || fr.Truncated() {
			t.Fatalf("%s gz=%v: %d frames of %d, %d damaged places, truncated %v", in.name, in.gz, len(frames), len(whole), fr.Damaged(), fr.Truncated())
		}
		for i, f := range frames {
			w := i
			if i+1 >= in.k {
				w++ // after the damaged frame
			}
			if f.Number != i+1 || !bytes.Equal(f.Data, whole[w]) || f.Info.CaptureLength != len(f.Data) || f.NoInterface || f.LinkType == 0 {
				t.Fatalf("%s gz=%v: frame %d: number %d, %d octets, want frame %d of the undamaged capture (%d octets)", in.name, in.gz, i+1, f.Number, len(f.Data), w+1, len(whole[w]))
			}
		}
		ev, _ := openAll(t, path, Options{})
		n := 0
		for _, e := range ev {
			if e.Kind != KindIKE || e.Reassembled {
				continue
			}
			n++
			if e.Frame < 1 || e.Frame > len(frames) || !bytes.Contains(frames[e.Frame-1].Data, e.Data) {
				t.Fatalf("%s gz=%v: IKE event of frame %d is not in frame %d of the FrameReader", in.name, in.gz, e.Frame, e.Frame)
			}
		}
		if n < 5 {
			t.Fatalf("%s: only %d IKE events", in.name, n)
		}
	}
}
