//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestIsTerminal: a pseudo-terminal is a terminal; /dev/null (a character
// device too), a regular file, a pipe and a buffer are not, so output
// sent to /dev/null is laid out as for a file (no width limit, no
// colour).
func TestIsTerminal(t *testing.T) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	for _, c := range []struct {
		name string
		f    *os.File
	}{{"/dev/null", null}, {"file", file}, {"pipe", pw}} {
		if isTerminal(c.f) {
			t.Errorf("%s: isTerminal true", c.name)
		}
		if w := outputWidth(c.f, autoWidth); w != 0 {
			t.Errorf("%s: outputWidth %d, want 0 (no limit)", c.name, w)
		}
	}
	if isTerminal(&bytes.Buffer{}) {
		t.Error("buffer: isTerminal true")
	}
	t.Setenv("COLUMNS", "")
	m, s := openPTY(t, 100, 24)
	defer m.Close()
	defer s.Close()
	if !isTerminal(s) {
		t.Error("pseudo-terminal: isTerminal false")
	}
	if w := outputWidth(s, autoWidth); w != 100 {
		t.Errorf("pseudo-terminal: outputWidth %d, want 100", w)
	}
}
