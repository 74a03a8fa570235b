package main

import (
	"bytes"
	"testing"
)

// TestAnalyzeRecycleSameJSON: analyze's JSON writer hands each SA's
// exchanges and messages back once written (flows.Recycle), and the SAs
// finalised after it are built in that storage. On a capture of more SAs
// than jsonStream holds before it writes (flushEvery), twelve copies of
// every corpus capture interleaved, the document must be the same bytes
// as without recycling: whether the pipe's goroutine encodes each SA
// (recycled when written) or the analyzing goroutine encodes them all
// ahead (recycled as soon as the bytes are kept).
func TestAnalyzeRecycleSameJSON(t *testing.T) {
	_, big := corpusCopies(t, 12)
	analyzeJSON := func(recycle bool) []byte {
		t.Helper()
		old := recycleSAs
		recycleSAs = recycle
		defer func() { recycleSAs = old }()
		var out, errb bytes.Buffer
		if code := run([]string{"analyze", "-q", "--format", "json", big}, nil, &out, &errb); code > 1 {
			t.Fatalf("analyze: exit %d: %s", code, errb.String())
		}
		return out.Bytes()
	}
	want := analyzeJSON(false)
	if n := bytes.Count(want, []byte(`"spi_i":`)); n < 2*flushEvery {
		t.Fatalf("%d SAs and child SAs: too few to recycle across flushes", n)
	}
	behind := pipeBehind
	t.Cleanup(func() { pipeBehind = behind })
	for name, rule := range map[string]func(*saPipe) bool{
		"default":           behind,
		"all encoded ahead": func(*saPipe) bool { return true },
		"none ahead":        func(*saPipe) bool { return false },
	} {
		pipeBehind = rule
		if got := analyzeJSON(true); !bytes.Equal(got, want) {
			i := 0
			for i < min(len(got), len(want)) && got[i] == want[i] {
				i++
			}
			t.Errorf("%s: recycling changes the JSON from octet %d: %q, want %q", name, i,
				got[max(0, i-80):min(len(got), i+80)], want[max(0, i-80):min(len(want), i+80)])
		}
	}
}
