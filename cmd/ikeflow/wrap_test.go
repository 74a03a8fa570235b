package main

import (
	"strings"
	"testing"
)

// wrapRef is wrap as first written (line by line, concatenating words and
// counting the line's runes again for each): the reference the faster
// wrap must agree with.
func wrapRef(text string, width int) string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
				out = append(out, line)
				line = w
				continue
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// wrapSeeds are texts wrap meets (finding messages, proposals, frame
// lists) and the edges: empty lines, runs of spaces and tabs, words longer
// than the width, multi-octet and invalid UTF-8.
var wrapSeeds = []string{
	"",
	"\n",
	"a",
	"  leading and trailing  ",
	"one\n\ntwo paragraphs\n",
	"The initiator sent its IKE_AUTH request (message ID 1) 227 times at +0 s, +0.2 s, +0.4 s (back-off: 0.2 s, 0.2 s).",
	"AES-CBC-128/SHA2-256/Pre-shared key/MODP_2048 AES-GCM-16-256/PRF-HMAC-SHA2-384/ECP_384",
	"averyveryveryveryverylongwordthatdoesnotfitanywidth short words after it",
	"198.51.100.61 → 203.0.113.61, 452 packets: ümläuts ünd ëmoji 🔥🔥 count as runes",
	"tab\tseparated\vwords\fand\rcarriage",
	"invalid \xff\xfe octets \xc3 in words",
}

// TestWrapSame checks wrap against the reference on the seeds at every
// width from 1 to 80.
func TestWrapSame(t *testing.T) {
	for _, s := range wrapSeeds {
		for w := 0; w <= 80; w++ {
			if got, want := wrap(s, w), wrapRef(s, w); got != want {
				t.Fatalf("wrap(%q, %d) = %q, want %q", s, w, got, want)
			}
		}
	}
}

// FuzzWrap checks wrap against the reference on any text and width.
func FuzzWrap(f *testing.F) {
	for _, s := range wrapSeeds {
		f.Add(s, uint8(12))
	}
	f.Fuzz(func(t *testing.T, s string, w uint8) {
		if got, want := wrap(s, int(w)), wrapRef(s, int(w)); got != want {
			t.Fatalf("wrap(%q, %d) = %q, want %q", s, w, got, want)
		}
	})
}

// BenchmarkWrapExample wraps a long finding example (a retransmit with
// hundreds of times, as big10k's) as the findings-by-kind table does.
func BenchmarkWrapExample(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("The initiator sent its IKE_AUTH request (message ID 1) 227 times at")
	for i := range 227 {
		sb.WriteString(" +" + strings.Repeat("1", i%3+1) + ".2 s,")
	}
	text := sb.String()
	b.ReportAllocs()
	for b.Loop() {
		wrap(text, 72)
	}
}
