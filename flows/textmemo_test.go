package flows

import (
	"encoding/hex"
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestTextMemo checks that the memo gives the texts the decoders give,
// keeps kinds apart, stays within its bound and does not keep long keys.
func TestTextMemo(t *testing.T) {
	// A DER distinguished name: C=CH, O=strongSwan, CN=root.
	dn, _ := hex.DecodeString("3031310b300906035504061302434831133011060355040a130a7374726f6e675377616e310d300b06035504031304726f6f74")
	if dissect.DNString(dn) == "" {
		t.Fatal("test DN does not decode")
	}
	var nilMemo *textMemo
	m := &textMemo{m: map[string]string{}}
	for range 2 {
		for _, memo := range []*textMemo{nilMemo, m} {
			if got, want := memo.text(memoDN, string(dn)), dnOrHex(string(dn)); got != want {
				t.Errorf("DN text %q, want %q", got, want)
			}
			if got, want := memo.text(memoHex, string(dn)), hex.EncodeToString(dn); got != want {
				t.Errorf("hex text %q, want %q", got, want)
			}
		}
	}
	if len(m.m) != 2 {
		t.Errorf("%d entries for one DN as two kinds, want 2", len(m.m))
	}
	long := make([]byte, memoKeyMax+1)
	if got := m.text(memoHex, string(long)); got != hex.EncodeToString(long) {
		t.Error("long key: wrong text")
	}
	if len(m.m) != 2 {
		t.Errorf("a key of %d octets was kept", len(long))
	}
	for i := range 3 * memoMax {
		b := []byte{byte(i), byte(i >> 8)}
		if got := m.text(memoHex, string(b)); got != hex.EncodeToString(b) {
			t.Fatalf("hex of %x: %q", b, got)
		}
	}
	if len(m.m) != memoMax {
		t.Errorf("memo holds %d texts, bound %d", len(m.m), memoMax)
	}
}

// TestHashNames pins hashNames to its definition for every bit set: the
// names of values 1-7 in order, then "other"; nil when none.
func TestHashNames(t *testing.T) {
	for b := range 256 {
		var want []string
		for v := 1; v <= 7; v++ {
			if b&(1<<(v-1)) != 0 {
				want = append(want, dissect.HashAlgorithm(v).String())
			}
		}
		if b&(1<<7) != 0 {
			want = append(want, "other")
		}
		got := hashNames(uint8(b))
		if !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("hashNames(%#x) = %q, want %q", b, got, want)
		}
	}
}
