//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
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
