package flows

import (
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestSharedLabels checks the label tables render uses against the
// functions they are built from, inside and outside the tables (the
// fragment numbers and IKEv1 message numbers come from the wire).
func TestSharedLabels(t *testing.T) {
	types := []dissect.ExchangeType{dissect.ExchangeIdentityProtect, dissect.ExchangeAggressive,
		dissect.ExchangeQuickMode, dissect.ExchangeTransaction, dissect.ExchangeInformationalV1,
		dissect.ExchangeIKEAuth, 0, 255}
	for _, typ := range types {
		for n := range 256 {
			if got, want := sharedV1Label(typ, uint8(n)), v1Label(typ, uint8(n)); got != want {
				t.Errorf("sharedV1Label(%d, %d) = %q, want %q", typ, n, got, want)
			}
		}
	}
	for _, total := range []uint16{0, 1, 2, 3, 15, 16, 17, 64, 65535} {
		for _, num := range []uint16{0, 1, 2, total - 1, total, total + 1, 65535} {
			if got, want := sharedFragLabel(num, total), fragLabel(num, total); got != want {
				t.Errorf("sharedFragLabel(%d, %d) = %q, want %q", num, total, got, want)
			}
		}
	}
}
