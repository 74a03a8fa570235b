package flows

import (
	"path/filepath"
	"testing"
)

// TestMOBIKE: ikev2-mobike (strongSwan, the initiator moving from
// 198.51.100.10 to .11, UPDATE_SA_ADDRESSES at frame 15, RFC 4555; the
// child SA rekeyed after it, d627b1bc_i aeca7b66_o). With the keys, the ESP
// the responder sends to the initiator's new address (frames 22, 24, 26)
// is counted on that child SA: it belonged to no IKE SA, and the child SA
// was reported one way.
func TestMOBIKE(t *testing.T) {
	sc := "ikev2-mobike"
	sa := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))}).SAs[0]
	var c *ChildSA
	for _, x := range sa.ChildSAs {
		if x.SPIi == 0xd627b1bc {
			c = x
		}
	}
	if c == nil || c.ESPPackets != (ESPCount{IToR: 3, RToI: 3}) {
		t.Fatalf("child SA d627b1bc: %+v", c)
	}
	if f := finding(sa, KindOneWayESP); f != nil {
		t.Errorf("%s", f.Message)
	}
}
