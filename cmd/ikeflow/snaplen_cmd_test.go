package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeSnapLength: corpus captures rewritten as "tcpdump -s 200"
// keeps them (each frame cut to 200 octets, its original length kept in
// the record), analysed as a user would. ikev2-rekey: the ESP belongs to
// the child SAs (it read "belong to no IKE SA in this capture ...
// negotiated before the capture started"), and one capture-wide
// snap_length warning says what was cut. ikev2-cert-rsa, whose IKE_AUTH
// messages are IP-fragmented: the cut first fragments yield their IKE
// headers, and the SA its ESP shows up is established (it read "failed",
// the exchange lost with its fragments).
func TestAnalyzeSnapLength(t *testing.T) {
	const snap = 200
	for _, c := range []struct{ scenario, state string }{{"ikev2-rekey", "rekeyed"}, {"ikev2-cert-rsa", "established"}} {
		frames := readFrames(t, filepath.Join("../../testdata/corpus", c.scenario, "capture.pcap"))
		for i := range frames {
			if fr := &frames[i]; len(fr.Data) > snap {
				fr.Data, fr.CI.CaptureLength = fr.Data[:snap], snap
			}
		}
		path := filepath.Join(t.TempDir(), c.scenario+"-s200.pcap")
		writeFrames(t, path, frames)
		rep := analyzeJSON(t, path)
		var kinds []string
		snapFound := false
		for _, f := range rep["findings"].([]any) {
			f := f.(map[string]any)
			if _, ok := f["sa"]; ok {
				continue
			}
			kinds = append(kinds, f["kind"].(string))
			if f["kind"] == "snap_length" && f["severity"] == "warning" && strings.Contains(f["message"].(string), "the capture kept at most") {
				snapFound = true
			}
		}
		if !snapFound || strings.Contains(strings.Join(kinds, " "), "esp_without_ike") {
			t.Errorf("%s: capture-wide findings %v, want snap_length and no esp_without_ike", c.scenario, kinds)
		}
		sas := rep["sas"].([]any)
		if st := sas[0].(map[string]any)["state"]; st != c.state {
			t.Errorf("%s: first SA %v, want %s", c.scenario, st, c.state)
		}
	}
}
