//go:build linux

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// liveScenarios are corpus captures replayed onto the veth pair: successes,
// failures, IKEv1, IP fragments and retransmits.
var liveScenarios = []struct {
	name string
	keys string // key file in the scenario directory, if any
}{
	{"ikev2-psk-success", "ikev2_decryption_table"},
	{"ikev2-auth-child-no-proposal", "ikev2_decryption_table"},
	{"ikev1-quick-id-mismatch", "ikev1_decryption_table"},
	{"ikev2-cert-fragmentation", "ikev2_decryption_table"},
	{"ikev2-retransmit", ""},
}

// TestLiveEndToEnd replays corpus captures, at their original timing,
// from one network namespace onto a veth pair while "ikeflow live" captures
// in the other, then checks that (1) the live report equals "ikeflow
// analyze" on the pcapng live wrote, (2) its IKE SAs, child SAs and
// findings equal analyze on the original corpus capture, and (3) the event
// stream announced every exchange, SA end and finding, with no frame
// dropped by the kernel. Needs root; skipped otherwise.
func TestLiveEndToEnd(t *testing.T) {
	skipUnlessNetns(t)
	if testing.Short() {
		t.Skip("replays captures in real time (~15 s)")
	}
	start := time.Now()
	p := newVethPair(t)
	snd := p.newSender(t)
	for _, sc := range liveScenarios {
		t.Run(sc.name, func(t *testing.T) {
			dir := filepath.Join("..", "..", "testdata", "corpus", sc.name)
			frames := readEthernetFrames(t, filepath.Join(dir, "capture.pcap"))
			written := filepath.Join(t.TempDir(), "live.pcapng")
			var keys []string
			if sc.keys != "" {
				keys = []string{"--keys", filepath.Join(dir, sc.keys)}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := append([]string{"--format", "json", "--report", "json", "--write", written, "--duration", "45s"}, keys...)
			lp := p.startLive(t, ctx, nil, args...)
			if err := snd.replay(frames, 2*time.Second); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond) // the last frames reach the socket
			lp.stop(t)

			events, live := splitLiveOutput(t, lp.stdout.Bytes())
			fromFile := analyzeJSON(t, append(keys, written)...)
			if !reflect.DeepEqual(live, fromFile) {
				t.Errorf("live report differs from analyze on the written capture:\nlive: %s\nfile: %s", mustJSON(live), mustJSON(fromFile))
			}
			orig := analyzeJSON(t, append(keys, filepath.Join(dir, "capture.pcap"))...)
			if got, want := essentials(live), essentials(orig); !reflect.DeepEqual(got, want) {
				t.Errorf("live SAs/findings differ from analyze on the corpus capture:\nlive:   %s\ncorpus: %s", mustJSON(got), mustJSON(want))
			}
			checkEvents(t, events, live, len(frames))
		})
	}
	t.Logf("end-to-end: %d scenarios in %s", len(liveScenarios), time.Since(start).Round(time.Millisecond))
}

// splitLiveOutput separates the NDJSON events from the final JSON report.
func splitLiveOutput(t *testing.T, out []byte) ([]map[string]any, map[string]any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	var events []map[string]any
	var report map[string]any
	for i := 0; i < 1<<20; i++ {
		var v map[string]any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("live output is not a JSON stream: %v\n%s", err, out)
		}
		if _, ok := v["event"]; ok {
			if report != nil {
				t.Fatalf("event after the report: %v", v)
			}
			events = append(events, v)
			continue
		}
		report = v
	}
	if report == nil {
		t.Fatalf("no report in the live output:\n%s", out)
	}
	return events, report
}

// analyzeJSON runs "ikeflow analyze --format json" in process.
func analyzeJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"analyze", "-q", "--format", "json"}, args...), nil, &out, &errb); code != 0 {
		t.Fatalf("analyze %v: exit %d: %s", args, code, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("analyze output: %v", err)
	}
	return v
}

// essentials projects a report onto what must not depend on the replay's
// timing: the SAs, their exchanges, child SAs and findings (kind,
// severity, frames), and the packet counts.
func essentials(rep map[string]any) any {
	pick := func(m any, keys ...string) map[string]any {
		out := map[string]any{}
		mm, _ := m.(map[string]any)
		for _, k := range keys {
			out[k] = mm[k]
		}
		return out
	}
	list := func(v any, f func(any) any) []any {
		var out []any
		l, _ := v.([]any)
		for _, x := range l {
			out = append(out, f(x))
		}
		return out
	}
	finding := func(f any) any { return pick(f, "kind", "severity", "frames", "sa") }
	var sas []any
	for _, sa := range list(rep["sas"], func(x any) any { return x }) {
		m := pick(sa, "version", "initiator", "responder", "spi_i", "spi_r", "state", "proposal", "first_frame", "last_frame", "nat")
		s := sa.(map[string]any)
		m["exchanges"] = list(s["exchanges"], func(x any) any {
			return pick(x, "type", "mid", "from", "answered", "retransmits", "error")
		})
		m["child_sas"] = list(s["child_sas"], func(x any) any {
			return pick(x, "protocol", "spi_i", "spi_r", "state", "ts_i", "ts_r", "esp_packets", "created_frame")
		})
		m["findings"] = list(s["findings"], finding)
		sas = append(sas, m)
	}
	st := pick(rep["stats"], "ike_packets", "esp_packets", "ike_sas", "decrypted", "decrypt_failed", "malformed")
	return map[string]any{"sas": sas, "findings": list(rep["findings"], finding), "stats": st}
}

// checkEvents checks the event stream against the final report.
func checkEvents(t *testing.T, events []map[string]any, rep map[string]any, sent int) {
	t.Helper()
	count := map[string]int{}
	for _, e := range events {
		count[e["event"].(string)]++
	}
	sas, _ := rep["sas"].([]any)
	exchanges, findings := 0, 0
	for _, x := range sas {
		s := x.(map[string]any)
		ex, _ := s["exchanges"].([]any)
		exchanges += len(ex)
		fs, _ := s["findings"].([]any)
		findings += len(fs)
	}
	global, _ := rep["findings"].([]any)
	for _, f := range global {
		if f.(map[string]any)["sa"] == nil {
			findings++
		}
	}
	if count["exchange"] != exchanges {
		t.Errorf("%d exchange events, the report has %d exchanges", count["exchange"], exchanges)
	}
	if count["sa_end"]+count["failed"] != len(sas) {
		t.Errorf("%d sa_end/failed events, the report has %d SAs", count["sa_end"]+count["failed"], len(sas))
	}
	if count["finding"] != findings {
		t.Errorf("%d finding events, the report has %d findings", count["finding"], findings)
	}
	last := events[len(events)-1]
	if last["event"] != "capture_end" {
		t.Fatalf("last event is %v, want capture_end", last["event"])
	}
	if last["dropped"] != float64(0) {
		t.Errorf("kernel dropped %v frames", last["dropped"])
	}
	if last["received"] != float64(sent) {
		t.Errorf("captured %v frames, sent %d", last["received"], sent)
	}
	t.Logf("events: %v", count)
}

func mustJSON(v any) string {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}
