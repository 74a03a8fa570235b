package capture

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// capturesDir is where the third-party captures live (see
// ../shared/captures/README.md relative to the repository root).
const capturesDir = "../../shared/captures"

// sharedCapture returns the path of a third-party capture or skips the test.
func sharedCapture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(capturesDir, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("third-party capture %s not available (%v); it lives in ../shared/captures next to the repository", name, err)
	}
	return p
}

// allSharedCaptures lists every capture file in capturesDir or skips.
func allSharedCaptures(t testing.TB) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(capturesDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		switch filepath.Ext(p) {
		case ".pcap", ".pcapng", ".cap":
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 {
		t.Skipf("no third-party captures in %s; they live in ../shared/captures next to the repository", capturesDir)
	}
	return out
}

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

func readFileMaybe(p string) ([]byte, error) { return os.ReadFile(p) }
