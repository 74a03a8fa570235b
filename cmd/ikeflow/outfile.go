package main

import (
	"errors"
	"os"

	"github.com/ikeflow/ikeflow/internal/atomicfile"
)

// checkOutput is run before any work: it refuses (as a command-line error,
// exit status 2) an output path given with flag that is one of the inputs
// (compared by file identity, so symlinks, hard links and relative paths
// are caught), the file standard output goes to, a directory, or an
// existing file without --force.
func checkOutput(e *env, flag, path string, force bool, inputs []string) error {
	if path == "" {
		return nil
	}
	if in := atomicfile.Same(path, inputs); in != "" {
		if in == path {
			return usagef("%s %s: that is one of the inputs; refusing to overwrite it", flag, path)
		}
		return usagef("%s %s: that is the input %s (same file); refusing to overwrite it", flag, path, in)
	}
	if f, ok := e.stdout.(*os.File); ok {
		if so, err := f.Stat(); err == nil && so.Mode().IsRegular() {
			if st, err := os.Stat(path); err == nil && os.SameFile(so, st) {
				return usagef("%s %s: standard output already goes to that file", flag, path)
			}
		}
	}
	if err := atomicfile.Check(path, force); err != nil {
		if errors.Is(err, atomicfile.ErrExist) {
			return usagef("%s: %v", flag, err)
		}
		return usagef("%s %s: %v", flag, path, err)
	}
	return nil
}
