package capture

import (
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestSourceReaderMatchesFile decodes every corpus capture twice, through
// Open and through NewSourceReader over a pcapgo.Reader, and wants the
// same events and counters.
func TestSourceReaderMatchesFile(t *testing.T) {
	for _, p := range testutil.CorpusCaptures(t) {
		want := drainEvents(t, mustOpenFile(t, p))
		pr, closer, err := testpcap.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		sr := NewSourceReader(pr.(PacketSource), Options{})
		got := drainEvents(t, sr)
		closer.Close()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: source reader events differ from file reader:\n got %v\nwant %v", p, got, want)
		}
		if sr.LinkType() != pr.LinkType() || sr.Size() != -1 || sr.BytesRead() == 0 {
			t.Errorf("%s: link type %v size %d bytes %d", p, sr.LinkType(), sr.Size(), sr.BytesRead())
		}
	}
}

func mustOpenFile(t *testing.T, p string) *Reader {
	t.Helper()
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// drainEvents returns copies of every event of r plus its final stats.
func drainEvents(t *testing.T, r *Reader) []any {
	t.Helper()
	var out []any
	for i := 0; i < 1<<20; i++ {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return append(out, r.Stats())
		}
		if err != nil {
			t.Fatal(err)
		}
		c := *ev
		c.Data = append([]byte(nil), ev.Data...)
		out = append(out, c)
	}
	t.Fatal("too many events")
	return nil
}
