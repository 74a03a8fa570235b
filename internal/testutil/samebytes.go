package testutil

import (
	"bytes"
	"testing"
)

// SameBytes fails t unless got equals want, showing the byte where they
// part with up to 80 bytes of each around it; what names the comparison
// ("SA: AppendJSON differs from encoding/json"). It reports whether they
// were equal.
func SameBytes(t testing.TB, what string, got, want []byte) bool {
	t.Helper()
	if bytes.Equal(got, want) {
		return true
	}
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	lo := max(0, i-80)
	t.Errorf("%s at byte %d:\n got  …%s\n want …%s", what, i,
		got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
	return false
}
