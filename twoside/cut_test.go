package twoside

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// snapFile writes the capture at path as a snap length of snap keeps it
// (each record cut, its original length kept) and returns the new file.
func snapFile(t *testing.T, path string, snap int) string {
	t.Helper()
	lt, recs, err := testpcap.ReadAll(path)
	if err != nil {
		t.Fatal(err)
	}
	w := testpcap.NewWriter(lt)
	for _, r := range recs {
		if len(r.Data) > snap {
			r.Data, r.CI.CaptureLength = r.Data[:snap], snap
		}
		w.AddRecord(r.CI, r.Data)
	}
	out := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(out, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestSnapLengthSide: the same traffic captured twice, once whole and once
// with a snap length. At -s 200 ten of B's packets are cut: they were left
// out, and their copies in A read "never reached B ... dropped between the
// capture points" and B's answers "injected between the capture points",
// all false. They are now compared by their first octets and match. At
// -s 64 the IKE messages keep too few octets to compare: the sentences
// about them say that B's cut packets may be the missing ones.
func TestSnapLengthSide(t *testing.T) {
	path := testutil.Corpus("ikev2-rekey", "capture.pcap")
	a, b := NewPair("whole.pcap", "cut.pcap", Options{})
	load(t, path, a)
	load(t, snapFile(t, path, 200), b)
	r := Compare(a, b)
	if r.CutB != 10 || r.Matched != 28 || len(lostSet(r)) != 0 || len(onlySet(r)) != 0 {
		t.Errorf("-s 200: cut %d, matched %d, lost %v, only downstream %v", r.CutB, r.Matched, lostSet(r), onlySet(r))
	}
	a, b = NewPair("whole.pcap", "cut.pcap", Options{})
	load(t, path, a)
	load(t, snapFile(t, path, 64), b)
	r = Compare(a, b)
	if r.CutShortB == 0 {
		t.Fatalf("-s 64: no packet cut short")
	}
	for _, s := range r.Findings {
		if (strings.Contains(s, "never reached") || strings.Contains(s, "but never in")) && !strings.Contains(s, "may be among them") {
			t.Errorf("-s 64: %s", s)
		}
	}
}
