package main

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY returns the controlling and the terminal side of a new
// pseudo-terminal of the given size.
func openPTY(t *testing.T, cols, rows int) (*os.File, *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("open pts: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: uint16(cols), Row: uint16(rows)}); err != nil {
		t.Fatal(err)
	}
	return m, s
}

// TestTerminalWidth runs analyze with its output on an 80-column
// pseudo-terminal (the width comes from the terminal, no flag) and checks
// that no line is wider than the terminal, ladders included.
func TestTerminalWidth(t *testing.T) {
	t.Setenv("COLUMNS", "")
	for _, scen := range []string{"ikev2-rekey", "ikev2-auth-child-no-proposal", "ikev1-wrong-psk"} {
		c, keys := scenario(t, scen)
		m, s := openPTY(t, 80, 24)
		var got bytes.Buffer
		done := make(chan struct{})
		go func() { io.Copy(&got, m); close(done) }()
		code := run(withKeyArgs(c, keys, "--ladder"), strings.NewReader(""), s, s)
		s.Close()
		<-done // the read ends with EIO once the terminal side is closed
		m.Close()
		if code != exitOK {
			t.Fatalf("%s: exit %d: %s", scen, code, got.String())
		}
		out := strings.ReplaceAll(got.String(), "\r\n", "\n")
		if !strings.HasPrefix(out, "Verdict:") || !strings.Contains(out, "\nIKE SA #1  IKEv") {
			t.Errorf("%s: not the narrow layout:\n%s", scen, out)
		}
		checkWidth(t, scen+" on an 80-column terminal", out, 80)
	}
}
