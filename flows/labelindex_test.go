package flows

import (
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestLabelIndex reads back the number of every label v1Label makes,
// including those of 10 and more (a hostile capture's forged fragment
// IDs reach MM13): before, only the last digit was read, so "MM12" was
// step 2.
func TestLabelIndex(t *testing.T) {
	for _, typ := range []dissect.ExchangeType{dissect.ExchangeIdentityProtect, dissect.ExchangeAggressive, dissect.ExchangeQuickMode, dissect.ExchangeTransaction} {
		for n := 1; n <= 255; n++ {
			l := v1Label(typ, uint8(n))
			if got := labelIndex(l); int(got) != n {
				t.Fatalf("labelIndex(%q) = %d, want %d", l, got, n)
			}
		}
	}
	for _, l := range []string{"", "QM", "MM", "12", "MMx"} {
		if got := labelIndex(l); got != 0 {
			t.Errorf("labelIndex(%q) = %d, want 0", l, got)
		}
	}
}
