package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/ikeflow/ikeflow/decrypt"
)

// loadKeys reads every key file and returns a keyring holding their keys.
// Lines that cannot be used are warned about on stderr (file:line:
// reason); a file that gives no usable key is an error naming the file
// (decrypt.KeyFileError).
func loadKeys(e *env, paths []string) (*decrypt.Keyring, error) {
	kr := decrypt.NewKeyring()
	for _, p := range paths {
		kf, err := readKeyFile(p)
		if err != nil {
			return nil, fmt.Errorf("--keys %w", err)
		}
		warnKeyFile(e.stderr, "--keys ", kf)
		kr.Add(kf.Keys...)
	}
	return kr, nil
}

// readKeyFile opens and reads one key file. Errors start with the path
// once ("x.keys: is a directory", "x.keys:3: …").
func readKeyFile(path string) (*decrypt.KeyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(path, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return nil, errors.New(path + ": is a directory, not a key file")
	}
	return decrypt.ReadKeyFile(path, f)
}

// pathError renders an os error as "path: reason" without repeating the
// path (os.PathError already holds it).
func pathError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return errors.New(path + ": " + pe.Err.Error())
	}
	return err
}

// warnKeyFile prints a key file's warnings, one per line, and a note when
// it holds no keys.
func warnKeyFile(w io.Writer, what string, kf *decrypt.KeyFile) {
	for _, ke := range kf.Warnings {
		fmt.Fprintf(w, "ikeflow: warning: %s%v\n", what, ke)
	}
	if kf.MoreWarnings > 0 {
		fmt.Fprintf(w, "ikeflow: warning: %s%s: %d more bad line%s not shown\n", what, kf.Name, kf.MoreWarnings, plural(kf.MoreWarnings))
	}
	if len(kf.Keys) == 0 {
		// Not fatal: a daemon log of an SA that failed early holds no
		// keys, and the analysis is still worth having.
		fmt.Fprintf(w, "ikeflow: warning: %s%s: %s (see docs/keys.md)\n", what, kf.Name, kf.NoKeys)
	}
}
