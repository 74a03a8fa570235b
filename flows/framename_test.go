package flows

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestFrameNameInTexts: with Options.FrameName every frame a finding's
// text names (message and causes) goes through it, and nothing else does:
// with the names unwrapped the texts are those written without it. Every
// corpus capture, with its keys when it has some (decrypted texts name
// more frames).
func TestFrameNameInTexts(t *testing.T) {
	named := regexp.MustCompile(`<([0-9]+)>`)
	bare := regexp.MustCompile(`\bframes? [0-9]`)
	seen := 0
	for _, name := range corpusScenarios(t) {
		dir := filepath.Join(corpusDir, name)
		pk := loadPackets(t, filepath.Join(dir, "capture.pcap"))
		frames := map[int]bool{}
		for _, p := range pk {
			frames[p.Frame] = true
		}
		var keys []string
		for _, k := range []string{"ikev2_decryption_table", "ikev1_decryption_table"} {
			if _, err := os.Stat(filepath.Join(dir, k)); err == nil {
				keys = append(keys, filepath.Join(dir, k))
			}
		}
		for _, key := range append([]string{""}, keys...) {
			opt := func() Options {
				if key == "" {
					return Options{}
				}
				return Options{Decryptor: keyringFor(t, key)}
			}
			plain := analyze(pk, opt())
			o := opt()
			o.FrameName = func(f int) string {
				if !frames[f] {
					t.Errorf("%s: FrameName(%d), not a frame of the capture", name, f)
				}
				return "<" + strconv.Itoa(f) + ">"
			}
			got := analyze(pk, o)
			a, b := texts(plain), texts(got)
			if len(a) != len(b) {
				t.Fatalf("%s %s: %d texts, %d with FrameName", name, key, len(a), len(b))
			}
			for i := range a {
				if s := named.ReplaceAllString(b[i], "$1"); s != a[i] {
					t.Errorf("%s %s: with FrameName\n%s\nwithout\n%s", name, key, b[i], a[i])
				}
				if m := bare.FindString(b[i]); m != "" {
					t.Errorf("%s %s: %q not named by FrameName in %s", name, key, m, b[i])
				}
				seen += len(named.FindAllString(b[i], -1))
			}
		}
	}
	if seen == 0 {
		t.Fatal("no text names a frame")
	}
}

// texts returns the messages and cause texts of r's findings, in order.
func texts(r *Report) []string {
	var out []string
	add := func(fs []Finding) {
		for _, f := range fs {
			out = append(out, f.Message)
			for _, c := range f.Causes {
				out = append(out, c.Text)
			}
		}
	}
	for _, sa := range r.SAs {
		add(sa.Findings)
	}
	add(r.Findings)
	return out
}

// TestFrameNamer: plain numbers without the options; with FrameName each
// frame named; with FrameList lists (and pairs joined by "and") written
// by it.
func TestFrameNamer(t *testing.T) {
	name := func(f int) string { return "f" + strconv.Itoa(f) }
	list := func(fs []int) string {
		s := make([]string, len(fs))
		for i, f := range fs {
			s[i] = strconv.Itoa(f)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	for _, c := range []struct {
		n                  frameNamer
		one, join, and, ap string
	}{
		{frameNamer{}, "3", "3, 5, 9", "3 and 5", "x3, 5, 9|7"},
		{frameNamer{name: name}, "f3", "f3, f5, f9", "f3 and f5", "xf3, f5, f9|f7"},
		{frameNamer{name: name, list: list}, "f3", "[3 5 9]", "[3 5]", "x[3 5 9]|f7"},
	} {
		fs := []int{3, 5, 9}
		ap := string(c.n.appendOne(append(c.n.appendJoin([]byte("x"), fs), '|'), 7))
		if got := [4]string{c.n.one(3), c.n.join(fs), c.n.and(3, 5), ap}; got != [4]string{c.one, c.join, c.and, c.ap} {
			t.Errorf("got %q, want %q", got, [4]string{c.one, c.join, c.and, c.ap})
		}
	}
}
