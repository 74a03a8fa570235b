package capture

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestPcapTimesAcrossRefills reads a 3 MB pcap made of the frames of a real
// capture, each stamped 1 ms after the previous one, and checks every
// event's time against the stamp written. The record header of some frames
// straddles the end of the read buffer; the refill then moves the buffered
// octets, and a header read before the refill must not be used after it
// (ikeflow once gave such frames times decades off, every ~1 MiB).
func TestPcapTimesAcrossRefills(t *testing.T) {
	f, err := os.Open("../testdata/corpus/ikev2-psk-success/capture.pcap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := pcapgo.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var frames [][]byte
	for {
		d, _, err := pr.ReadPacketData()
		if err != nil {
			break
		}
		frames = append(frames, d)
	}
	if len(frames) == 0 {
		t.Fatal("no frames in the template capture")
	}
	path := filepath.Join(t.TempDir(), "long.pcap")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriter(out)
	w := pcapgo.NewWriter(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	n, size := 0, 24
	for size < 3<<20 {
		d := frames[n%len(frames)]
		ci := ciFor(d)
		ci.Timestamp = base.Add(time.Duration(n) * time.Millisecond)
		if err := w.WritePacket(ci, d); err != nil {
			t.Fatal(err)
		}
		n++
		size += 16 + len(d)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()

	r, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	events, bad := 0, 0
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		events++
		want := base.Add(time.Duration(e.Frame-1) * time.Millisecond)
		if !e.Time.Equal(want) {
			if bad++; bad <= 3 {
				t.Errorf("frame %d: time %s, written %s", e.Frame, e.Time.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d events with a wrong time", bad, events)
	}
	if events < n/2 {
		t.Errorf("%d events from %d frames", events, n)
	}
}
