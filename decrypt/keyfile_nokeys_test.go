package decrypt

import (
	"os"
	"testing"
)

// TestStrongSwanLogWithoutKeys: the corpus scenario whose IKE_SA_INIT was
// refused has charon logs without key dumps. They are recognised as
// strongSwan logs holding no keys, not rejected as an unknown format.
func TestStrongSwanLogWithoutKeys(t *testing.T) {
	p := "../testdata/corpus/ikev2-init-no-proposal/charon-initiator.log"
	f, err := os.Open(p)
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	keys, format, err := ParseKeyFileFormat(p, f)
	if err != nil {
		t.Fatalf("ParseKeyFileFormat: %v", err)
	}
	if format != FormatStrongSwan || len(keys) != 0 {
		t.Errorf("got format %v with %d keys, want strongSwan with 0", format, len(keys))
	}
}
