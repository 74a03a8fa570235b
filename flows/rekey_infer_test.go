package flows

import "testing"

// TestInferredRekeyAfterDelete: without keys, a new IKE SA first seen in
// mid-conversation right after a CREATE_CHILD_SA of the IKE SA between
// the same peers is taken for its rekey (inferRekey), also when the old
// SA's Delete (an INFORMATIONAL) comes between them, as when the peer that
// rekeyed deletes the old SA before using the new one. Real captures
// (the daemons' logs: "IKE_SA c[2] rekeyed", pluto "rekeyed IKE SA #1",
// iked "rekeyed as new IKESA"): the new IKE SA was "incomplete" and the
// old one "established".
func TestInferredRekeyAfterDelete(t *testing.T) {
	for _, sc := range []string{"ikev2-rekey-by-responder", "ikev2-rekey-ike-first", "libreswan-ikev2-rekey-ike",
		"libreswan-ikev2-rekey-by-responder", "openiked-ikev2-rekey"} {
		r := analyze(corpusPackets(t, sc), Options{})
		for i, sa := range r.SAs {
			last := i == len(r.SAs)-1
			if (!last && sa.State != StateRekeyed) || (last && sa.State != StateEstablished) {
				t.Errorf("%s: IKE SA %d of %d %s", sc, i+1, len(r.SAs), sa.State)
			}
			if i > 0 && sa.RekeyedFrom != r.SAs[i-1].Name() {
				t.Errorf("%s: IKE SA %d rekeyed from %q, want %s", sc, i+1, sa.RekeyedFrom, r.SAs[i-1].Name())
			}
		}
	}
}
