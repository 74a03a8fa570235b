package flows

import (
	"strings"
	"testing"
)

// TestEndUnknownChildSAs: without keys, the child SAs inferred from ESP
// of an SA that ends with an encrypted INFORMATIONAL are "established" only
// as far as the capture shows, as the SA is, and end_unknown says so of
// them too. Real strongSwan captures: ikev2-child-delete-by-responder (the
// responder deletes child SA net2, ff4811dd/ca345efc, at frame 17, the
// initiator the IKE SA at 23), ikev2-reauth (the old IKE SA and its child
// deleted at frames 21-22 before the re-authentication). The note spoke of
// the SA only, and the child SAs' lines had no caveat.
func TestEndUnknownChildSAs(t *testing.T) {
	for _, sc := range []string{"ikev2-child-delete-by-responder", "ikev2-reauth"} {
		sa := analyze(corpusPackets(t, sc), Options{}).SAs[0]
		f := finding(sa, KindEndUnknown)
		if len(sa.ChildSAs) == 0 || f == nil || !strings.Contains(f.Message, "and its child SAs with it or before") {
			t.Errorf("%s: %d child SAs, end_unknown %+v", sc, len(sa.ChildSAs), f)
		}
	}
}
