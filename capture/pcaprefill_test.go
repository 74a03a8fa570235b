package capture

import (
	"bufio"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestPcapTimesAcrossRefills reads a 3 MB pcap made of the frames of a real
// capture, each stamped 1 ms after the previous one, and checks every
// event's time against the stamp written. The record header of some frames
// straddles the end of the read buffer; the refill then moves the buffered
// octets, and a header read before the refill must not be used after it
// (ikeflow once gave such frames times decades off, every ~1 MiB).
func TestPcapTimesAcrossRefills(t *testing.T) {
	_, recs, err := testpcap.ReadAll(testutil.Corpus("ikev2-psk-success", "capture.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	frames := testpcap.Frames(recs)
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

	ev, _ := openAll(t, path, Options{})
	events, bad := len(ev), 0
	for _, e := range ev {
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
