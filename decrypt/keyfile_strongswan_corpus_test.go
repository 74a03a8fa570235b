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

// TestCharonKeysBusyLog: ikev2-rekey-collision's responder log with 420
// lines of other threads inserted after SA 1's own key dumps (a busy
// gateway), so that its own derivation finds its SPIs only through the
// nearest line: the rekey's keys, derived later in SA 1's context, went
// to SA 1 (the review of a change that took an SA created in the log as
// new at its first derivation), and the kept SA had none. Every key must
// still be its SA's in the UAT table.
func TestCharonKeysBusyLog(t *testing.T) {
	dir := testutil.Corpus("ikev2-rekey-collision")
	data, err := os.ReadFile(filepath.Join(dir, "charon-responder.log"))
	if err != nil {
		t.Skip(err)
	}
	uat, err := os.ReadFile(filepath.Join(dir, "ikev2_decryption_table"))
	if err != nil {
		t.Fatal(err)
	}
	table, err := readString(t, "uat", string(uat))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, k := range table.Keys {
		want[k.SPIi.String()+"/"+k.SPIr.String()] = k.EncrI.RevealHex() + " " + k.EncrR.RevealHex()
	}
	lines := strings.SplitAfter(string(data), "\n")
	at := -1
	for i, l := range lines {
		if strings.Contains(l, "<1> Sk_pr secret") {
			at = i + 3 // after its two rows
			break
		}
	}
	if at < 0 {
		t.Fatal("no Sk_pr dump of SA 1")
	}
	var filler []string
	for i := range 420 {
		filler = append(filler, "03:08:20 1"+string(rune('2'+i%4))+"[NET] received packet: from 192.0.2.7[500] to 192.0.2.8[500] (80 bytes)\n")
	}
	busy := strings.Join(append(append(append([]string{}, lines[:at]...), filler...), lines[at:]...), "")
	kf, err := readString(t, "busy", busy)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, k := range kf.Keys {
		name := k.SPIi.String() + "/" + k.SPIr.String()
		if w, ok := want[name]; !ok || w != k.EncrI.RevealHex()+" "+k.EncrR.RevealHex() {
			t.Errorf("the key of %s, given to SA %s, is not that SA's", k.Source, name)
			continue
		}
		got[name] = true
	}
	for name := range want {
		if !got[name] && strings.Contains(string(data), strings.Split(name, "/")[0]) {
			t.Errorf("no key for SA %s", name)
		}
	}
}
