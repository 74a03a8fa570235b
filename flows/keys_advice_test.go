package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestKeysGivenNoFalseAdvice runs every corpus capture that has keys
// with them, whole and with one packet missing at every position, as a
// capture point that lost a packet records it. With keys given, no
// finding may tell the reader to give the keys or speak of having none,
// and no direction of an SA may read "no_key" unless the whole capture
// has it too. Before, ikev1-dpd-dead-peer, ikev1-quick-id-mismatch and
// three libreswan captures without MM3, MM4 or MM6 said "Without keys …
// give the keys to see the R-U-THEREs" or "Give the keys (or read the
// log) to see which", and without MM3 or MM4 "no_key": the keys were
// given, and the capture lacked what their IVs come from. The keyless
// runs of the same captures keep the advice (the check means something).
func TestKeysGivenNoFalseAdvice(t *testing.T) {
	false1 := func(m string) bool {
		return strings.Contains(m, "Give the keys") || strings.Contains(m, "give the keys") || strings.Contains(m, "Without keys")
	}
	claims := func(r *Report) (advice []string, noKey bool) {
		for _, sa := range r.SAs {
			if k := sa.Keys; k != nil && (k.Initiator == KeyMissing || k.Responder == KeyMissing) {
				noKey = true
			}
			for _, f := range sa.Findings {
				if false1(f.Message) {
					advice = append(advice, string(f.Kind)+": "+f.Message)
				}
			}
		}
		return advice, noKey
	}
	runs, keyless := 0, 0
	for _, name := range corpusScenarios(t) {
		dec := corpusKeys(t, filepath.Join(corpusDir, name))
		if dec == nil {
			continue
		}
		pk := corpusPackets(t, name)
		_, wholeNoKey := claims(analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, name))}))
		for i := range pk {
			cut := slices.Delete(slices.Clone(pk), i, i+1)
			advice, noKey := claims(analyze(cut, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, name))}))
			runs++
			for _, a := range advice {
				t.Errorf("%s without frame %d, with keys: %s", name, pk[i].Frame, a)
			}
			if noKey && !wholeNoKey {
				t.Errorf("%s without frame %d, with keys: a direction reads no_key", name, pk[i].Frame)
			}
			if a, _ := claims(analyze(cut, Options{})); len(a) > 0 {
				keyless++
			}
		}
	}
	if runs < 300 || keyless == 0 {
		t.Errorf("%d runs, %d keyless with the advice: the check covers too little", runs, keyless)
	}
}
