package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// ikeflow runs the CLI in-process and returns stdout, stderr and the exit status.
func ikeflow(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

const corpus = "../../testdata/corpus"

func scenario(t testing.TB, name string) (capture string, keys []string) {
	t.Helper()
	dir := filepath.Join(corpus, name)
	capture = filepath.Join(dir, "capture.pcap")
	if _, err := os.Stat(capture); err != nil {
		t.Fatalf("corpus scenario %s missing: %v", name, err)
	}
	for _, k := range []string{"ikev2_decryption_table", "ikev1_decryption_table"} {
		if _, err := os.Stat(filepath.Join(dir, k)); err == nil {
			keys = append(keys, filepath.Join(dir, k))
		}
	}
	return capture, keys
}

// keyArgs returns args followed by a --keys flag for each key file.
func keyArgs(args []string, keys ...string) []string {
	for _, k := range keys {
		args = append(args, "--keys", k)
	}
	return args
}

// openScenario opens the capture of a corpus scenario and returns it with
// its path; the reader is closed when the test ends.
func openScenario(t *testing.T, name string) (*capture.Reader, string) {
	t.Helper()
	c, _ := scenario(t, name)
	r, err := capture.Open(c, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, c
}

func TestHelpAndUsage(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{[]string{"--help"}, exitOK, "Commands:", ""},
		{[]string{"help", "dissect"}, exitOK, "Usage: ikeflow dissect", ""},
		{[]string{"dissect", "--help"}, exitOK, "--format", ""},
		{[]string{"analyze", "-h"}, exitOK, "--fail-on", ""},
		{[]string{"keys", "--help"}, exitOK, "keys export --wireshark", ""},
		{[]string{"version"}, exitOK, "ikeflow ", ""},
		{nil, exitUsage, "", "Usage:"},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command or file "frobnicate"`},
		{[]string{"dissect"}, exitUsage, "", "no capture file given"},
		{[]string{"dissect", "--format", "xml", "x.pcap"}, exitUsage, "", "--format must be text or json"},
		{[]string{"analyze", "--fail-on", "info", "x.pcap"}, exitUsage, "", "--fail-on must be error or warning"},
		{[]string{"analyze", "--peer", "not-an-ip", "x.pcap"}, exitUsage, "", "is not an IP address"},
		{[]string{"analyze", "--bogus", "x.pcap"}, exitUsage, "", "unknown flag: --bogus"},
		{[]string{"dissect", "/nonexistent/capture.pcap"}, exitError, "", "/nonexistent/capture.pcap: no such file"},
		{[]string{"/nonexistent/capture.pcap"}, exitError, "", "no such file"},
		{[]string{"dissect", "--keys", "/nonexistent/keys", "x.pcap"}, exitError, "", "--keys"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errb, code := ikeflow(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstdout: %s\nstderr: %s", code, tt.code, out, errb)
			}
			if !strings.Contains(out, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, out)
			}
			if !strings.Contains(errb, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, errb)
			}
		})
	}
}

// TestGolden compares the CLI's output on real corpus captures with
// reviewed golden files. Regenerate with: go test ./cmd/ikeflow -update
func TestGolden(t *testing.T) {
	type gcase struct {
		name string
		args func(capture string, keys []string) []string
	}
	withKeys := func(cmd string, extra ...string) func(string, []string) []string {
		return func(c string, keys []string) []string {
			return append(keyArgs(append([]string{cmd}, extra...), keys...), c)
		}
	}
	cases := map[string][]gcase{
		"ikev2-psk-success":               {{"dissect-text", withKeys("dissect")}, {"analyze-ladder", withKeys("analyze", "--ladder")}},
		"ikev2-auth-child-no-proposal":    {{"analyze", withKeys("analyze")}, {"analyze-nokeys", func(c string, _ []string) []string { return []string{"analyze", c} }}},
		"ikev2-init-no-proposal":          {{"analyze", withKeys("analyze")}},
		"ikev2-ts-unacceptable":           {{"analyze-md", withKeys("analyze", "--format", "markdown")}},
		"ikev2-auth-failed":               {{"analyze", withKeys("analyze")}},
		"ikev2-invalid-ke-retry":          {{"analyze", withKeys("analyze")}},
		"ikev2-retransmit":                {{"analyze", withKeys("analyze")}},
		"ikev2-rekey":                     {{"analyze-json", withKeys("analyze", "--format", "json")}},
		"ikev2-cert-fragmentation":        {{"dissect-json", withKeys("dissect", "--format", "json")}},
		"ikev2-cert-rsa":                  {{"analyze", withKeys("analyze")}, {"dissect-text", withKeys("dissect")}},
		"ikev2-cert-expired":              {{"analyze", withKeys("analyze")}},
		"ikev2-cert-missing-intermediate": {{"analyze-json", withKeys("analyze", "--format", "json")}},
		"ikev1-main-quick":                {{"dissect-text", withKeys("dissect")}, {"analyze-csv", withKeys("analyze", "--format", "csv")}},
		"ikev1-quick-id-mismatch":         {{"analyze", withKeys("analyze")}},
		// IKEv1 fragmentation: MM5/MM6 reassembled, decrypted with keys,
		// labelled and listed with their fragments without.
		"ikev1-cert-fragmentation": {{"analyze-ladder", withKeys("analyze", "--ladder")},
			{"analyze-ladder-nokeys", func(c string, _ []string) []string { return []string{"analyze", "--ladder", c} }},
			{"dissect-text", withKeys("dissect")}},
		// IKE over TCP (RFC 8229) between two libreswan plutos: the
		// transport in the table, the messages' framing in the decode.
		"libreswan-ikev2-tcp": {{"analyze-ladder", withKeys("analyze", "--ladder")}, {"dissect-text", withKeys("dissect")}},
		// Both daemons' logs: each peer derived its own key (wrong PSK),
		// so both directions decrypt only with both logs.
		"ikev1-wrong-psk": {{"analyze-bothlogs", func(c string, _ []string) []string {
			d := filepath.Dir(c)
			return []string{"analyze", "--keys", filepath.Join(d, "charon-initiator.log"), "--keys", filepath.Join(d, "charon-responder.log"), c}
		}}},
	}
	for scen, cs := range cases {
		for _, c := range cs {
			t.Run(scen+"/"+c.name, func(t *testing.T) {
				capture, keys := scenario(t, scen)
				out, errb, code := ikeflow(t, c.args(capture, keys)...)
				if code != exitOK {
					t.Fatalf("exit status %d\nstderr: %s", code, errb)
				}
				compareGolden(t, scen+"."+c.name+".golden", out)
			})
		}
	}
}

func TestFailOn(t *testing.T) {
	bad, badKeys := scenario(t, "ikev2-auth-child-no-proposal")
	args := keyArgs([]string{"analyze", "--fail-on", "error", "--format", "json"}, badKeys...)
	if _, errb, code := ikeflow(t, append(args, bad)...); code != exitFindings {
		t.Errorf("child SA refused: exit %d, want %d (stderr %s)", code, exitFindings, errb)
	}
	good, goodKeys := scenario(t, "ikev2-psk-success")
	args = keyArgs([]string{"analyze", "--fail-on", "error", "--format", "json"}, goodKeys...)
	if _, errb, code := ikeflow(t, append(args, good)...); code != exitOK {
		t.Errorf("healthy SA: exit %d, want 0 (stderr %s)", code, errb)
	}
}

// TestDecryptionStates uses a real capture with its real key, then with
// one octet of SK_ai changed: the first decrypts, the second must say
// "integrity check failed" and show no inner payloads.
func TestDecryptionStates(t *testing.T) {
	capture, keys := scenario(t, "ikev2-psk-success")
	if len(keys) == 0 {
		t.Fatal("scenario has no key table")
	}
	out, _, code := ikeflow(t, "dissect", "--keys", keys[0], capture)
	if code != exitOK || !strings.Contains(out, "decrypted") || !strings.Contains(out, "IDi") {
		t.Fatalf("with the right key: exit %d, output:\n%s", code, out)
	}
	data := testutil.ReadFile(t, keys[0])
	fields := strings.Split(strings.TrimSpace(string(data)), ",")
	if len(fields) < 8 {
		t.Fatalf("unexpected key table: %q", data)
	}
	// Field 5 is SK_ai: flip its first hex digit.
	ai := []byte(fields[5])
	if ai[0] == '0' {
		ai[0] = '1'
	} else {
		ai[0] = '0'
	}
	fields[5] = string(ai)
	bad := testutil.TempFile(t, "ikev2_decryption_table", []byte(strings.Join(fields, ",")+"\n"))
	out, _, code = ikeflow(t, "dissect", "--keys", bad, capture)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "integrity check failed") {
		t.Errorf("wrong SK_ai did not give \"integrity check failed\":\n%s", out)
	}
	if strings.Contains(out, "IDi    ID_FQDN") {
		t.Errorf("inner payloads shown despite failed integrity check:\n%s", out)
	}
	// analyze says the key does not verify, in the state column and as a
	// finding, and never calls the SA's messages "no keys".
	out, _, _ = ikeflow(t, "analyze", "--keys", bad, capture)
	if !strings.Contains(out, "(encrypted, key does not verify from initiator)") || !strings.Contains(out, "key_does_not_verify") || strings.Contains(out, "no keys)") {
		t.Errorf("analyze with a wrong SK_ai:\n%s", out)
	}
	out, _, _ = ikeflow(t, "dissect", capture)
	if !strings.Contains(out, "no key") {
		t.Errorf("without keys the SK payload should say \"no key\":\n%s", out)
	}
}

// TestStdinAndMerge reads a capture from standard input and merges two captures by time.
func TestStdinAndMerge(t *testing.T) {
	capture, _ := scenario(t, "ikev2-psk-success")
	data := testutil.ReadFile(t, capture)
	var out, errb bytes.Buffer
	if code := run([]string{"dissect", "--format", "json", "-"}, bytes.NewReader(data), &out, &errb); code != exitOK {
		t.Fatalf("stdin: exit %d: %s", code, errb.String())
	}
	fileOut, _, _ := ikeflow(t, "dissect", "--format", "json", capture)
	if out.String() != fileOut {
		t.Errorf("stdin output differs from file output")
	}
	other, _ := scenario(t, "ikev2-init-no-proposal")
	merged, errs, code := ikeflow(t, "analyze", "--format", "json", capture, other)
	if code != exitOK {
		t.Fatalf("merge: exit %d: %s", code, errs)
	}
	if n := strings.Count(merged, `"spi_i":`); n < 2 {
		t.Errorf("merged analysis shows %d SPI fields, want SAs from both captures", n)
	}
}

// TestAppendString checks the JSON string writer against encoding/json on
// strings with quotes, control characters, non-ASCII and invalid UTF-8.
func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "IKE_SA_INIT", `a"b\c`, "esc\x1b[0m", "tab\t", "ünïcode →", "bad\xffutf8", "<&>"} {
		want, _ := json.Marshal(s)
		if got := string(appendString(nil, s)); got != string(want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
	}
}

// TestFormatTime checks the hand-written formatter against time.Format.
// formatTime is appendTime as a string (the tests' reference; dissect
// appends through envelopeText).
func formatTime(t time.Time) string {
	var b [30]byte
	return string(appendTime(b[:0], t))
}

func TestFormatTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 22, 11, 19, 41, 389802000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2015, 1, 14, 21, 14, 2, 835161000, time.FixedZone("X", 3600)),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
	} {
		want := tm.UTC().Format("2006-01-02T15:04:05.000000000Z07:00")
		if got := formatTime(tm); got != want {
			t.Errorf("formatTime(%v) = %s, want %s", tm, got, want)
		}
	}
}

// TestNoIKEHint: a capture without IKE (the third-party ESP/AH capture)
// says so on stderr, naming the ports looked at, and exits 0.
func TestNoIKEHint(t *testing.T) {
	c := "../../../shared/captures/zeek-spicy-ipsec/IPsec_ESP-AH_tunnel_mode.cap"
	if _, err := os.Stat(c); err != nil {
		t.Skip("shared captures absent")
	}
	out, errb, code := ikeflow(t, "dissect", c)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	if !strings.Contains(errb, "no IKE message in 10 packets (10 ESP)") || !strings.Contains(errb, "--ike-ports") {
		t.Errorf("stderr lacks the hint:\n%s", errb)
	}
	if _, errb, _ := ikeflow(t, "dissect", "-q", c); errb != "" {
		t.Errorf("-q should silence the hint, got %q", errb)
	}
}

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{{"300MB", 300e6}, {"300MiB", 300 << 20}, {"2GiB", 2 << 30}, {"1048576", 1 << 20}, {" 64 KiB ", 64 << 10}, {"5GB", 5e9}} {
		if got, err := parseSize(tt.in); err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "MB", "-5MB", "0", "12XB", "99999999999GiB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%q) accepted", bad)
		}
	}
}
