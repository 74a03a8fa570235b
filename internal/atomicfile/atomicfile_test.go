package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

func write(t *testing.T, f *File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// leftovers lists the temporary files in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.partial-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantState checks that path holds want and that dir has n temporary
// files left.
func wantState(t *testing.T, dir, path, want string, n int) {
	t.Helper()
	if got := content(t, path); got != want {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
	if l := leftovers(t, dir); len(l) != n {
		t.Errorf("temporary files %v, want %d", l, n)
	}
}

// TestReplace: until Commit the old content stays under the name and the
// new one is in a temporary file beside it; after Commit the name holds
// the new content, with the old file's permissions, and nothing is left.
func TestReplace(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pcapng")
	if err := os.WriteFile(out, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := Check(out, false); !errors.Is(err, ErrExist) {
		t.Fatalf("Check without overwrite: %v, want ErrExist", err)
	}
	if _, err := Create(out, false); !errors.Is(err, ErrExist) {
		t.Fatalf("Create without overwrite: %v, want ErrExist", err)
	}
	f, err := Create(out, true)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "new content")
	if got := content(t, out); got != "old" {
		t.Errorf("before Commit the target holds %q", got)
	}
	if filepath.Dir(f.Name()) != dir || !strings.HasPrefix(filepath.Base(f.Name()), "out.pcapng.partial-") {
		t.Errorf("temporary file %s", f.Name())
	}
	if got := content(t, f.Name()); got != "new content" {
		t.Errorf("temporary file holds %q", got)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	wantState(t, dir, out, "new content", 0)
	if st, _ := os.Stat(out); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 (the replaced file's)", st.Mode().Perm())
	}
}

// TestAbort leaves the previous file and no temporary file.
func TestAbort(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x")
	os.WriteFile(out, []byte("old"), 0o644)
	f, err := Create(out, true)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "half")
	f.Abort()
	wantState(t, dir, out, "old", 0)
}

// TestNoClobberAtCommit: without overwrite, a file that appeared during the
// run is not replaced; the data stays in the temporary file.
func TestNoClobberAtCommit(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "x")
	f, err := Create(out, false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "mine")
	os.WriteFile(out, []byte("theirs"), 0o644)
	if err := f.Commit(); !errors.Is(err, ErrExist) {
		t.Fatalf("Commit: %v, want ErrExist", err)
	}
	if got := content(t, out); got != "theirs" {
		t.Errorf("target %q", got)
	}
	if got := content(t, f.Name()); got != "mine" {
		t.Errorf("temporary file %q", got)
	}

	// A new name: linked into place, temporary file removed.
	out2 := filepath.Join(dir, "y")
	f, err = Create(out2, false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "fresh")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	wantState(t, dir, out2, "fresh", 1) // only the first one's
}

// TestSymlinkAndDevice: a symlink keeps pointing at the file, which gets
// the new content; a device is written in place; a directory is refused.
func TestSymlinkAndDevice(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	link := filepath.Join(dir, "link")
	os.WriteFile(real, []byte("old"), 0o644)
	if err := os.Symlink("real", link); err != nil {
		t.Fatal(err)
	}
	f, err := Create(link, true)
	if err != nil {
		t.Fatal(err)
	}
	write(t, f, "new")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the symlink was replaced: %v %v", st.Mode(), err)
	}
	if got := content(t, real); got != "new" {
		t.Errorf("symlink target %q", got)
	}

	f, err = Create(os.DevNull, false)
	if err != nil {
		t.Fatalf("/dev/null: %v", err)
	}
	write(t, f, "x")
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode().IsRegular() {
		t.Fatalf("/dev/null replaced: %v", err)
	}
	if err := Check(dir, true); err == nil {
		t.Error("a directory was accepted")
	}
	if err := Check(filepath.Join(dir, "nodir", "x"), true); err == nil {
		t.Error("a missing directory was accepted")
	}
}

// TestSame finds an input through a relative path, a symlink and a hard
// link, and only then.
func TestSame(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pcap")
	other := filepath.Join(dir, "other.pcap")
	os.WriteFile(in, []byte("x"), 0o644)
	os.WriteFile(other, []byte("x"), 0o644)
	sym, hard, rel := testutil.Aliases(t, in, ".pcap")
	for _, out := range []string{in, sym, hard, rel, dir + "/./in.pcap"} {
		if got := Same(out, []string{"-", other, in}); got != in {
			t.Errorf("Same(%s) = %q, want %s", out, got, in)
		}
	}
	if got := Same(other+"x", []string{in}); got != "" {
		t.Errorf("a new file matched %q", got)
	}
	if got := Same(other, []string{in, sym}); got != "" {
		t.Errorf("another file matched %q", got)
	}
}
