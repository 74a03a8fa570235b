package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// copyFile copies a corpus file into dir and returns the copy's path.
func copyFile(t *testing.T, src, dir, name string) string {
	t.Helper()
	b := testutil.ReadFile(t, src)
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestWriteOntoInputRefused: --write naming one of the inputs (directly,
// through a symlink, a hard link or another relative path) is a command-line
// error and leaves the input byte for byte as it was. Before the check,
// "analyze --write x.pcap x.pcap" replaced the capture.
func TestWriteOntoInputRefused(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(corpus, "ikev2-psk-success")
	capPath := copyFile(t, filepath.Join(src, "capture.pcap"), dir, "capture.pcap")
	keys := copyFile(t, filepath.Join(src, "ikev2_decryption_table"), dir, "keys.txt")
	orig, _ := os.ReadFile(capPath)
	origKeys, _ := os.ReadFile(keys)
	sym, hard, rel := testutil.Aliases(t, capPath, ".pcapng")
	other := filepath.Join(dir, "sub", "..", "capture.pcap")
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	cases := [][]string{
		{"analyze", "--write", capPath, capPath},
		{"analyze", "--write", capPath, "--force", capPath},
		{"--write", rel, capPath},
		{"analyze", "-w", sym, capPath},
		{"analyze", "--write", hard, "--force", capPath},
		{"analyze", "--write", other, capPath},
		{"analyze", "--write", keys, "--force", "--keys", keys, capPath},
		{"live", "-i", "lo", "--write", keys, "--force", "--keys", keys},
		{"live", "-i", "lo", "--write", keys, "--bpf", "@" + keys},
	}
	for _, args := range cases {
		out, errb, code := ikeflow(t, args...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitUsage, out, errb)
		}
		if !strings.Contains(errb, "refusing to overwrite") {
			t.Errorf("%v: stderr lacks the reason:\n%s", args, errb)
		}
		if b, _ := os.ReadFile(capPath); !bytes.Equal(b, orig) {
			t.Fatalf("%v: the capture was changed (%d octets, was %d)", args, len(b), len(orig))
		}
		if b, _ := os.ReadFile(keys); !bytes.Equal(b, origKeys) {
			t.Fatalf("%v: the key file was changed", args)
		}
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.partial-*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestWriteExisting: --write does not replace an existing file unless
// --force is given; with --force the file is replaced by a complete
// capture (analysing it gives the original's report).
func TestWriteExisting(t *testing.T) {
	dir := t.TempDir()
	capPath := filepath.Join(corpus, "ikev2-psk-success", "capture.pcap")
	out := filepath.Join(dir, "ticket.pcapng")
	if err := os.WriteFile(out, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, errb, code := ikeflow(t, "analyze", "-q", "--write", out, capPath)
	if code != exitUsage || !strings.Contains(errb, "--force") {
		t.Errorf("existing file without --force: exit %d, want %d, stderr:\n%s", code, exitUsage, errb)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Fatalf("the existing file was changed to %d octets", len(b))
	}
	// live refuses before it opens the interface (no root needed).
	_, errb, code = ikeflow(t, "live", "-i", "lo", "--write", out)
	if code != exitUsage || !strings.Contains(errb, "--force") {
		t.Errorf("live, existing file without --force: exit %d, want %d, stderr:\n%s", code, exitUsage, errb)
	}
	// A directory is no file.
	if _, errb, code = ikeflow(t, "analyze", "--write", dir, capPath); code != exitUsage {
		t.Errorf("--write DIR: exit %d, want %d:\n%s", code, exitUsage, errb)
	}

	want := analyzeJSON(t, capPath)
	analyzeJSON(t, "--write", out, "--force", capPath)
	if got := analyzeJSON(t, out); !reflect.DeepEqual(got["sas"], want["sas"]) {
		t.Errorf("the replaced file analyses differently:\n got %v\nwant %v", got["sas"], want["sas"])
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.partial-*")); len(m) > 0 {
		t.Errorf("left behind: %v", m)
	}
}

// TestStdoutIsOutput: --write onto the file standard output goes to is
// refused.
func TestStdoutIsOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "report.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var errb bytes.Buffer
	code := run([]string{"analyze", "--write", path, "--force", filepath.Join(corpus, "ikev2-psk-success", "capture.pcap")}, nil, f, &errb)
	if code != exitUsage || !strings.Contains(errb.String(), "standard output") {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, errb.String())
	}
}

// TestExitStatusOnlyUsageIs2: failures that are not the command line's
// fault exit with 1, and a panic in a command exits with 1 showing the
// panic and asking for a report (the Go runtime would exit with 2).
func TestExitStatusOnlyUsageIs2(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"live", "-i", "lo", "--bpf", "@" + filepath.Join(dir, "missing.bpf")},
		{"analyze", "--keys", filepath.Join(dir, "missing.keys"), filepath.Join(corpus, "ikev2-psk-success", "capture.pcap")},
		{"analyze", filepath.Join(dir, "missing.pcap")},
		{"keys", "list", filepath.Join(dir, "missing.keys")},
	} {
		if out, errb, code := ikeflow(t, args...); code != exitError {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, exitError, out, errb)
		}
	}

	// A real panic through run: a nil standard output.
	var errb bytes.Buffer
	code := run([]string{"version"}, nil, nil, &errb)
	if code != exitError {
		t.Errorf("panic: exit %d, want %d", code, exitError)
	}
	for _, s := range []string{"internal error", "panic: runtime error", "goroutine ", "runVersion", "please report"} {
		if !strings.Contains(errb.String(), s) {
			t.Errorf("panic message lacks %q:\n%s", s, errb.String())
		}
	}
}
