package flows

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestEndUnknown: without keys, an IKEv2 SA whose last exchange is an
// encrypted INFORMATIONAL and which then falls silent is not presented as
// simply up. The daemons' logs say each of these SAs was deleted by that
// INFORMATIONAL (strongSwan, libreswan and OpenIKED initiators); with the
// keys ikeflow sees the Delete and says "deleted" instead.
func TestEndUnknown(t *testing.T) {
	for _, sc := range []string{"ikev2-psk-success", "libreswan-ikev2-success", "openiked-ikev2-success", "libreswan-ikev2-responder", "ikev1-main-quick", "libreswan-ikev1-main-quick"} {
		pk := loadPackets(t, filepath.Join(corpusDir, sc, "capture.pcap"))
		r := analyze(pk, Options{})
		if len(r.SAs) != 1 {
			t.Fatalf("%s: %d SAs", sc, len(r.SAs))
		}
		sa := r.SAs[0]
		if f := finding(sa, KindEndUnknown); sa.State != StateEstablished || f == nil || len(f.Frames) != 2 { // IKEv2 request+response; IKEv1 two Deletes
			t.Errorf("%s without keys: state %s, end_unknown %+v", sc, sa.State, f)
		} else if sa.Version == 1 && strings.Contains(f.Message, "last exchange") {
			// IKEv1 informational messages are one-way exchanges each: the two
			// Deletes are two exchanges, not "the last exchange".
			t.Errorf("%s: end_unknown calls a run of IKEv1 informational exchanges one exchange: %s", sc, f.Message)
		}
		table := "ikev2_decryption_table"
		if sa.Version == 1 {
			table = "ikev1_decryption_table"
		}
		r = analyze(pk, Options{Decryptor: keyringFor(t, filepath.Join(corpusDir, sc, table))})
		if sa := r.SAs[0]; sa.State != StateDeleted || finding(sa, KindEndUnknown) != nil {
			t.Errorf("%s with keys: state %s, findings %v", sc, sa.State, kinds(sa.Findings))
		}
	}
	// A dead peer: the last INFORMATIONAL is never answered, the SA is not
	// "possibly deleted" by it.
	r := analyze(loadPackets(t, filepath.Join(corpusDir, "ikev2-dpd-dead-peer", "capture.pcap")), Options{})
	for _, sa := range r.SAs {
		if finding(sa, KindEndUnknown) != nil {
			t.Errorf("dpd-dead-peer SA %s: end_unknown on an unanswered INFORMATIONAL", sa.Name())
		}
	}
}
