package decrypt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestCharonKeysMatchUAT: every IKEv2 key read from a corpus scenario's
// charon logs is the key of the SA it is given to in the scenario's
// Wireshark UAT table (written from the same logs by the generator, which
// follows charon's SA names), and the logs give a key to every SA of the
// table. In ikev2-rekey-collision (both peers rekeying the IKE SA, RFC
// 7296 §2.8.2) each log gave the kept IKE SA's keys to the old SA, one of
// them named "unknown" (the thread's next manager line checked the old SA
// in), and the kept SA had none.
func TestCharonKeysMatchUAT(t *testing.T) {
	dirs, _ := filepath.Glob(testutil.Corpus("*"))
	checked := 0
	for _, dir := range dirs {
		logs, _ := filepath.Glob(filepath.Join(dir, "charon-*.log"))
		uat, err := os.ReadFile(filepath.Join(dir, "ikev2_decryption_table"))
		if len(logs) == 0 || err != nil {
			continue
		}
		table, err := readString(t, "uat", string(uat))
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		want := map[string]string{}
		for _, k := range table.Keys {
			want[k.SPIi.String()+"/"+k.SPIr.String()] = k.EncrI.RevealHex() + " " + k.EncrR.RevealHex() + " " + k.IntegI.RevealHex() + " " + k.IntegR.RevealHex()
		}
		got := map[string]bool{}
		for _, l := range logs {
			data, err := os.ReadFile(l)
			if err != nil {
				t.Fatal(err)
			}
			kf, err := readString(t, l, string(data))
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			// The log cut after its first derivation (a log that starts
			// later than the SA's own keys): the keys it still gives are
			// still their SAs' (the review found a rekey's keys given to
			// the old SA so).
			if i := strings.Index(string(data), "Sk_ei secret"); i >= 0 {
				if j := strings.Index(string(data[i:]), "checkin"); j >= 0 {
					cut := string(data[i+j:])
					if kc, err := readString(t, l+" (cut)", cut); err == nil {
						for _, k := range kc.Keys {
							name := k.SPIi.String() + "/" + k.SPIr.String()
							if w, ok := want[name]; k.Version == 2 && !k.SPIr.IsZero() && (!ok || w != k.EncrI.RevealHex()+" "+k.EncrR.RevealHex()+" "+k.IntegI.RevealHex()+" "+k.IntegR.RevealHex()) {
								t.Errorf("%s cut after its first keys: the key of %s, given to SA %s, is not that SA's", l, k.Source, name)
							}
						}
					}
				}
			}
			for _, k := range kf.Keys {
				if k.Version != 2 {
					continue
				}
				name := k.SPIi.String() + "/" + k.SPIr.String()
				if w, ok := want[name]; !ok || w != k.EncrI.RevealHex()+" "+k.EncrR.RevealHex()+" "+k.IntegI.RevealHex()+" "+k.IntegR.RevealHex() {
					t.Errorf("%s: the key of line %s, given to SA %s, is not that SA's in the UAT table", l, k.Source, name)
					continue
				}
				got[name] = true
				checked++
			}
		}
		for name := range want {
			if !got[name] {
				t.Errorf("%s: no key for SA %s from the charon logs", dir, name)
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d keys checked", checked)
	}
}
