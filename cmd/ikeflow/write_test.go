package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// analyzeOut runs analyze with args and returns its JSON report.
func analyzeOut(t *testing.T, args ...string) map[string]any {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run(append([]string{"analyze", "-q", "--format", "json"}, args...), nil, &out, &errb); code != 0 {
		t.Fatalf("analyze %v: exit %d: %s", args, code, errb.String())
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAnalyzeWrite checks that analyze --write copies the packets of the
// reported SAs: all of them (IP fragments included) when nothing is
// filtered, only the selected SA's with --spi from merged captures.
func TestAnalyzeWrite(t *testing.T) {
	corpus := filepath.Join("..", "..", "testdata", "corpus")
	dir := t.TempDir()

	// Everything: the written capture analyses exactly like the original.
	frag := filepath.Join(corpus, "ikev2-cert-fragmentation", "capture.pcap")
	all := filepath.Join(dir, "all.pcapng")
	want := analyzeOut(t, "--write", all, frag)
	if got := analyzeOut(t, all); !reflect.DeepEqual(got, want) {
		t.Errorf("analyze of the written capture differs:\n got %v\nwant %v", got, want)
	}

	// One SA out of three captures merged by time.
	inputs := []string{
		filepath.Join(corpus, "ikev2-auth-child-no-proposal", "capture.pcap"),
		filepath.Join(corpus, "ikev2-psk-success", "capture.pcap"),
		frag,
	}
	full := analyzeOut(t, inputs...)
	sas := full["sas"].([]any)
	if len(sas) < 3 {
		t.Fatalf("%d SAs in the merged captures", len(sas))
	}
	pick := sas[1].(map[string]any)
	one := filepath.Join(dir, "one.pcapng")
	analyzeOut(t, append([]string{"--write", one, "--spi", pick["spi_i"].(string)}, inputs...)...)
	got := analyzeOut(t, one)["sas"].([]any)
	if len(got) != 1 {
		t.Fatalf("written capture has %d SAs, want 1", len(got))
	}
	g := got[0].(map[string]any)
	for _, k := range []string{"spi_i", "spi_r", "state", "proposal", "version"} {
		if g[k] != pick[k] {
			t.Errorf("%s: %v, want %v", k, g[k], pick[k])
		}
	}
	if a, b := len(g["exchanges"].([]any)), len(pick["exchanges"].([]any)); a != b {
		t.Errorf("%d exchanges, want %d", a, b)
	}

	// Standard input cannot be read twice.
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "--write", filepath.Join(dir, "x.pcapng"), "-"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("--write with stdin: exit %d, want %d (%s)", code, exitUsage, errb.String())
	}
}
