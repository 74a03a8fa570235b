package flows

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestWrapLine: lines never exceed the width (words longer than a line are
// split, preferably after '/' or ','), prefixes are applied, nothing is lost.
func TestWrapLine(t *testing.T) {
	text := "SK{IDi N(INITIAL_CONTACT) IDr AUTH SA TSi TSr} ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z"
	for width := 20; width <= 100; width += 7 {
		out := WrapLine(text, width, "  ", "      ")
		if !strings.HasSuffix(out, "\n") {
			t.Fatalf("width %d: no final newline", width)
		}
		var words []string
		for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: line %d is %d wide: %q", width, i, n, line)
			}
			prefix := "      "
			if i == 0 {
				prefix = "  "
			}
			if !strings.HasPrefix(line, prefix) {
				t.Errorf("width %d: line %d lacks its prefix: %q", width, i, line)
			}
			words = append(words, strings.Fields(line)...)
		}
		if got := strings.Join(words, ""); got != strings.Join(strings.Fields(text), "") {
			t.Errorf("width %d: text changed:\n%s", width, out)
		}
	}
	if got := WrapLine("a  b", 0, "> ", ""); got != "> a  b\n" {
		t.Errorf("width 0: %q", got)
	}
	if got := WrapLine("", 40, "> ", ""); got != "> \n" {
		t.Errorf("empty text: %q", got)
	}
}

// TestLadderWidth: a real SA's ladder fits every width from 56 columns
// up, and with no width it is one line per message as before.
func TestLadderWidth(t *testing.T) {
	rep := analyze(loadPackets(t, "../testdata/corpus/ikev2-retransmit/capture.pcap"), Options{})
	if len(rep.SAs) == 0 {
		t.Fatal("no SA")
	}
	sa := rep.SAs[0]
	msgs := 0
	for _, ex := range sa.Exchanges {
		msgs += len(ex.Messages)
	}
	wide := Ladder(sa)
	if got := strings.Count(wide, "|\n") + strings.Count(wide, "|  "); got < msgs {
		t.Errorf("wide ladder: %d arrow lines for %d messages:\n%s", got, msgs, wide)
	}
	for width := 56; width <= 120; width += 8 {
		out := LadderWith(sa, LadderOptions{Width: width, Frame: func(n int) string { return "cap.pcap#" + itoa(n) }})
		for _, line := range strings.Split(out, "\n") {
			if n := utf8.RuneCountInString(line); n > width {
				t.Errorf("width %d: %d wide: %q", width, n, line)
			}
		}
		if !strings.Contains(out, "cap.pcap#1 ") && !strings.Contains(out, "\ncap.pcap#1\n") {
			t.Errorf("width %d: frame names not used:\n%s", width, out)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}
