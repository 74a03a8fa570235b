package dissect

import (
	"math/rand/v2"
	"testing"
)

// TestJSONSpecial checks the word test of appendJSONString (plainPrefix) against a byte
// by byte one, with and without the HTML escapes: every byte value in
// every position of plain words, and random words.
func TestJSONSpecial(t *testing.T) {
	for _, html := range []bool{false, true} {
		special := func(c byte) bool { return c >= 0x80 || jsonSpecialByte(c, html) }
		check := func(x uint64) {
			want := false
			for k := range 8 {
				want = want || special(byte(x>>(8*k)))
			}
			var w [8]byte
			for k := range w {
				w[k] = byte(x >> (8 * k))
			}
			// plainPrefix stops at the word (0) or passes it (8).
			if got := plainPrefix(string(w[:]), 0, html) == 0; got != want {
				t.Fatalf("plainPrefix(%q, html %v) stops: %v, want %v", w, html, got, want)
			}
		}
		const plain = 0x4141414141414141 // "AAAAAAAA"
		for pos := range 8 {
			for c := range 256 {
				check(plain&^(0xff<<(8*pos)) | uint64(c)<<(8*pos))
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		for range 200000 {
			x := rng.Uint64()
			if rng.IntN(2) == 0 {
				x &^= 0x8080808080808080 // ASCII only: the interesting cases
			}
			check(x)
		}
	}
}
