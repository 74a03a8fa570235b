package main

import (
	"fmt"
	"os"

	"github.com/ikeflow/ikeflow/decrypt"
)

// loadKeys reads every key file and returns a keyring holding their keys.
// Errors name the file and line (decrypt.KeyFileError).
func loadKeys(e *env, paths []string) (*decrypt.Keyring, error) {
	kr := decrypt.NewKeyring()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("--keys: %w", err)
		}
		keys, err := decrypt.ParseKeyFile(p, f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--keys: %w", err)
		}
		if len(keys) == 0 {
			// Not fatal: a daemon log of an SA that failed early holds no
			// keys, and the analysis is still worth having.
			fmt.Fprintf(e.stderr, "ikeflow: warning: --keys %s: no keys in this file (either no IKE SA got as far as deriving keys, or the log level is too low: strongSwan prints keys at \"ike = 4\"; see docs/keys.md)\n", p)
		}
		kr.Add(keys...)
	}
	return kr, nil
}
