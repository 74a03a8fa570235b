package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// copied is an Event with its Data copied, safe to keep.
type copied struct {
	Event
}

// readAll reads every event of r, copying the data.
func readAll(t testing.TB, r *Reader) []copied {
	t.Helper()
	var out []copied
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		c := copied{*e}
		c.Data = append([]byte(nil), e.Data...)
		out = append(out, c)
	}
}

// openAll opens a file and reads all its events.
func openAll(t testing.TB, path string, opt Options) ([]copied, Stats) {
	t.Helper()
	r, err := Open(path, opt)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	defer r.Close()
	ev := readAll(t, r)
	return ev, r.Stats()
}

// ciFor returns capture info for a whole frame at the test base time.
func ciFor(b []byte) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: testpcap.Base, CaptureLength: len(b), Length: len(b)}
}

// allocated returns the octets the heap allocated while fn ran.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// ethPcap returns a pcap of the IP packets, each in an Ethernet frame with
// the given VLAN tags, all at the test base time.
func ethPcap(pkts [][]byte, vlans ...uint16) *testpcap.Writer {
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for _, p := range pkts {
		w.Add(testpcap.Base, testpcap.Ethernet(p, vlans...))
	}
	return w
}

// gzipped returns b compressed with gzip at level.
func gzipped(b []byte, level int) []byte {
	var zb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&zb, level)
	if err != nil {
		panic(err) // only for an invalid level
	}
	zw.Write(b)
	zw.Close()
	return zb.Bytes()
}
