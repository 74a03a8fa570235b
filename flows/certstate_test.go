package flows

import (
	"reflect"
	"testing"
)

// TestCertStateSize holds an SA's certState (both peers' identities and
// certificates, allocated for every SA with certificates or signatures)
// to 512 octets, the 512 size class (600 before its one-octet fields were
// put together: a 640-octet allocation).
func TestCertStateSize(t *testing.T) {
	if size := reflect.TypeOf(certState{}).Size(); size > 512 {
		t.Errorf("certState is %d octets, want at most 512", size)
	}
}
