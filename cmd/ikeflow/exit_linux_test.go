//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// TestPanicExitStatus runs ikeflow as a process whose command panics (a
// nil standard output): the process exits with 1, not the Go runtime's 2,
// and the panic and its stack stay visible on stderr.
func TestPanicExitStatus(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestLiveHelperProcess$", "--", "version")
	cmd.Env = append(os.Environ(), "IKEFLOW_TEST_HELPER=1", "IKEFLOW_TEST_NIL_STDOUT=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitError {
		t.Fatalf("exit: %v, want status %d; stderr:\n%s", err, exitError, errb.String())
	}
	for _, s := range []string{"panic: runtime error", "goroutine ", "please report"} {
		if !strings.Contains(errb.String(), s) {
			t.Errorf("stderr lacks %q:\n%s", s, errb.String())
		}
	}
}

// TestWriteInterrupted: SIGINT while analyze --write writes its file
// removes the temporary file, leaves the previous file as it was, and
// exits with 130 (osExit is replaced so the test survives).
func TestWriteInterrupted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "cut.pcapng")
	if err := os.WriteFile(out, []byte("previous"), 0o644); err != nil {
		t.Fatal(err)
	}
	w, err := createPcapng(out, true, pcapgo.NgInterface{Name: "test", LinkType: layers.LinkTypeEthernet})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := w.write(0, gopacket.CaptureInfo{Timestamp: time.Unix(int64(i), 0)}, make([]byte, 60)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.flush(); err != nil {
		t.Fatal(err)
	}
	codes := make(chan int, 1)
	osExit = func(code int) { codes <- code }
	defer func() { osExit = os.Exit }()
	var errb bytes.Buffer
	w.removeOnSignal(&errb)
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-codes:
		if code != 130 {
			t.Errorf("exit status %d, want 130", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT was not handled")
	}
	if _, err := os.Stat(w.partial()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file %s left behind (%v)", w.partial(), err)
	}
	if b, _ := os.ReadFile(out); string(b) != "previous" {
		t.Errorf("the previous file holds %q", b)
	}
	if !strings.Contains(errb.String(), "was not written") {
		t.Errorf("stderr: %q", errb.String())
	}
	if err := w.close(nil); err != nil {
		t.Errorf("close after the interrupt: %v", err)
	}
	if b, _ := os.ReadFile(out); string(b) != "previous" {
		t.Errorf("close after the interrupt wrote %d octets", len(b))
	}
}
