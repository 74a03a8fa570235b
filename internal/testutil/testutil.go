// Package testutil holds what the tests of several packages share: where
// the capture corpus and the third-party captures are, and reading test
// files with the test failing (or skipping) on error, and the Filler that
// sets every field of a value for the JSON tests. It imports no
// ikeflow package, so the tests of every package can use it.
package testutil

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// root finds the module root once: the nearest directory holding go.mod,
// from the working directory (a test's package directory) upward.
var root = sync.OnceValue(func() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
})

// Corpus returns the path of elem below testdata/corpus, the captures made
// with real daemons by testdata/gen.
func Corpus(elem ...string) string {
	return filepath.Join(append([]string{root(), "testdata", "corpus"}, elem...)...)
}

// Field returns the path of elem below testdata/field, captures taken
// with a real capture tool under field conditions (see its README.md).
func Field(elem ...string) string {
	return filepath.Join(append([]string{root(), "testdata", "field"}, elem...)...)
}

// CorpusCaptures returns the capture.pcap of every corpus scenario, or
// skips the test when there are none.
func CorpusCaptures(tb testing.TB) []string {
	tb.Helper()
	paths, _ := filepath.Glob(Corpus("*", "capture.pcap"))
	if len(paths) == 0 {
		tb.Skip("no corpus captures in " + Corpus())
	}
	return paths
}

// SharedDir is the folder of the third-party captures, ../shared/captures
// next to the repository (see its README.md).
func SharedDir() string { return filepath.Join(filepath.Dir(root()), "shared", "captures") }

// SharedCapture returns the path of a third-party capture below SharedDir,
// or skips the test when it is absent.
func SharedCapture(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(SharedDir(), name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("third-party capture %s not available (%v); it lives in ../shared/captures next to the repository", name, err)
	}
	return p
}

// SharedCaptures lists every capture file (.pcap, .pcapng, .cap) below
// SharedDir, or skips the test when there are none.
func SharedCaptures(tb testing.TB) []string {
	tb.Helper()
	var out []string
	filepath.WalkDir(SharedDir(), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		switch filepath.Ext(p) {
		case ".pcap", ".pcapng", ".cap":
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 {
		tb.Skipf("no third-party captures in %s; they live in ../shared/captures next to the repository", SharedDir())
	}
	return out
}

// ReadFile returns the content of path, failing the test on error.
func ReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// ReadGzip returns the decompressed content of the gzip file at path,
// failing the test on error.
func ReadGzip(tb testing.TB, path string) []byte {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(ReadFile(tb, path)))
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return b
}

// ReadJSON decodes the JSON file at path into v, failing the test on
// error.
func ReadJSON(tb testing.TB, path string, v any) {
	tb.Helper()
	if err := json.Unmarshal(ReadFile(tb, path), v); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
}

// Aliases makes three other names of the file at path: a symbolic link
// (to its base name) and a hard link beside it, named sym+ext and
// hard+ext, and its path relative to the working directory.
func Aliases(tb testing.TB, path, ext string) (sym, hard, rel string) {
	tb.Helper()
	dir := filepath.Dir(path)
	sym, hard = filepath.Join(dir, "sym"+ext), filepath.Join(dir, "hard"+ext)
	if err := os.Symlink(filepath.Base(path), sym); err != nil {
		tb.Fatal(err)
	}
	if err := os.Link(path, hard); err != nil {
		tb.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	if rel, err = filepath.Rel(wd, path); err != nil {
		tb.Fatal(err)
	}
	return sym, hard, rel
}

// TempFile writes data to a new file name in the test's temporary
// directory and returns its path, failing the test on error.
func TempFile(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// Exists reports whether path names an existing file (optional inputs).
func Exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
