package flows

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestChildSAsOfDeadPeer: an IKE SA torn down because its liveness checks
// went unanswered takes its child SAs with it, without a Delete. Real
// captures and the initiator's charon log: "giving up after 3
// retransmits" / "DPD check timed out, enforcing DPD action", then
// "IKE_SA c[1] state change: ESTABLISHED => DESTROYING" (ikev2-dpd-dead-peer,
// ikev1-dpd-dead-peer, ikev2-dpd-restart). The child SAs were shown
// "established" under a deleted IKE SA, with and without the keys.
func TestChildSAsOfDeadPeer(t *testing.T) {
	for _, sc := range []string{"ikev2-dpd-dead-peer", "ikev1-dpd-dead-peer", "ikev2-dpd-restart"} {
		for _, keys := range []bool{false, true} {
			opt := Options{}
			if keys {
				opt.Decryptor = corpusKeys(t, filepath.Join(corpusDir, sc))
			}
			sa := analyze(corpusPackets(t, sc), opt).SAs[0]
			if sa.State != StateDeleted || finding(sa, KindDeadPeer) == nil || len(sa.ChildSAs) == 0 {
				t.Fatalf("%s, keys %v: first IKE SA %s, %d child SAs, dead_peer %v", sc, keys, sa.State, len(sa.ChildSAs), finding(sa, KindDeadPeer) != nil)
			}
			for _, c := range sa.ChildSAs {
				if c.State != ChildDeleted || c.DeletedFrame != 0 {
					t.Errorf("%s, keys %v: child SA %s/%s %s, deleted at frame %d; want deleted, no frame", sc, keys, c.SPIi, c.SPIr, c.State, c.DeletedFrame)
				}
			}
		}
	}
}

// TestLivenessWithKeys: with the keys, an INFORMATIONAL request whose SK
// payload holds nothing is a liveness check, and the dead_peer finding
// says so rather than "a liveness check/DPD or a Delete": the SK payload
// itself was counted as content (ikev2-dpd-dead-peer, and libreswan's
// probes in libreswan-ikev2-dpd-dead-peer).
func TestLivenessWithKeys(t *testing.T) {
	for _, sc := range []string{"ikev2-dpd-dead-peer", "libreswan-ikev2-dpd-dead-peer"} {
		sa := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))}).SAs[0]
		if f := finding(sa, KindDeadPeer); f == nil || !strings.Contains(f.Message, "80 octets, empty: a liveness check/DPD)") {
			t.Errorf("%s: dead_peer %+v", sc, f)
		}
	}
}
