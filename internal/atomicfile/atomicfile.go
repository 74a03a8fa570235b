// Package atomicfile writes output files so that no run of ikeflow, however
// it ends, leaves a half-written file under the name the user gave or
// destroys one of its inputs.
//
// Data goes to a temporary file in the same directory ("NAME.partial-N"),
// which Commit renames over NAME once it is complete and synced. Until
// then NAME is untouched: an interrupted or killed run leaves the previous
// file (or no file) under NAME, and the temporary file beside it.
//
// Without overwrite, Commit links the temporary file to NAME, which fails
// if NAME exists, so a file that appeared during the run is not replaced
// either.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// ErrExist is returned (wrapped) when the output exists and overwriting
// was not asked for.
var ErrExist = errors.New("file exists (give --force to replace it)")

// File is an output file being written under a temporary name.
type File struct {
	f         *os.File
	target    string // final path, symlinks resolved
	tmp       string // temporary path; "" when written in place
	overwrite bool
	done      bool
}

// Check tells, before any work is done, whether path can be written: it is
// not a directory, and it does not exist unless overwrite is set. A device
// or FIFO (such as /dev/null or a named pipe) is always accepted: it is
// written in place.
func Check(path string, overwrite bool) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		dir := filepath.Dir(path)
		if ds, derr := os.Stat(dir); derr != nil {
			return derr
		} else if !ds.IsDir() {
			return fmt.Errorf("%s is not a directory", dir)
		}
		return nil
	case err != nil:
		return err
	case st.IsDir():
		return fmt.Errorf("%s is a directory", path)
	case !st.Mode().IsRegular():
		return nil
	case !overwrite:
		return fmt.Errorf("%s: %w", path, ErrExist)
	}
	return nil
}

// Create starts writing path: a temporary file is created beside it (in
// the directory of the file a symlink at path points to). Devices and
// FIFOs are opened and written in place. Create fails with ErrExist when
// path exists and overwrite is false.
func Create(path string, overwrite bool) (*File, error) {
	if err := Check(path, overwrite); err != nil {
		return nil, err
	}
	target := path
	if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		if target, err = filepath.EvalSymlinks(path); err != nil {
			return nil, err
		}
	}
	if st, err := os.Stat(target); err == nil && !st.Mode().IsRegular() {
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return nil, err
		}
		return &File{f: f, target: target, overwrite: true}, nil
	}
	for i := 0; ; i++ {
		tmp := target + ".partial-" + strconv.FormatUint(uint64(rand.Uint32()), 10)
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			if st, serr := os.Stat(target); serr == nil {
				f.Chmod(st.Mode().Perm()) // a replaced file keeps its permissions
			}
			return &File{f: f, target: target, tmp: tmp, overwrite: overwrite}, nil
		}
		if !errors.Is(err, fs.ErrExist) || i == 100 {
			return nil, err
		}
	}
}

// Name is the path being written now: the temporary file (or the device).
func (f *File) Name() string {
	if f.tmp != "" {
		return f.tmp
	}
	return f.target
}

// Target is the path the file gets at Commit (symlinks resolved).
func (f *File) Target() string { return f.target }

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// Commit syncs and closes the temporary file and renames it to the target:
// from now on the target holds the whole new content. Without overwrite,
// Commit fails with ErrExist if the target appeared meanwhile, and the
// temporary file is kept (Name).
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: already committed or aborted")
	}
	f.done = true
	if f.tmp == "" {
		return f.f.Close()
	}
	err := f.f.Sync()
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if f.overwrite {
		err = os.Rename(f.tmp, f.target)
	} else {
		err = os.Link(f.tmp, f.target)
		var le *os.LinkError
		if errors.As(err, &le) && (errors.Is(le.Err, syscall.EPERM) || errors.Is(le.Err, syscall.ENOTSUP) ||
			errors.Is(le.Err, syscall.EXDEV)) {
			// No hard links on this file system: check, then rename.
			if _, serr := os.Lstat(f.target); serr == nil {
				err = fmt.Errorf("%s: %w", f.target, ErrExist)
			} else {
				err = os.Rename(f.tmp, f.target)
			}
		} else if err == nil {
			err = os.Remove(f.tmp)
		} else if errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("%s: %w", f.target, ErrExist)
		}
	}
	if err != nil {
		return err
	}
	syncDir(filepath.Dir(f.target))
	return nil
}

// Abort closes and removes the temporary file, leaving the target as it
// was. It does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.f.Close()
	if f.tmp != "" {
		os.Remove(f.tmp)
	}
}

// syncDir makes a rename in dir durable (best effort).
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// Same returns the first of paths that is the same file as out (same
// device and inode: through symlinks, hard links and relative paths), or
// "" when none is or out does not exist. Paths that cannot be examined
// (such as "-") are skipped.
func Same(out string, paths []string) string {
	so, err := os.Stat(out)
	if err != nil {
		return ""
	}
	for _, p := range paths {
		if sp, err := os.Stat(p); err == nil && os.SameFile(so, sp) {
			return p
		}
	}
	return ""
}
