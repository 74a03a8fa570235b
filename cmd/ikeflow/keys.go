package main

import (
	"fmt"
	"os"

	"github.com/ikeflow/ikeflow/decrypt"
)

// loadKeys reads every key file and returns a keyring holding their keys.
// Errors name the file and line (decrypt.KeyFileError).
func loadKeys(paths []string) (*decrypt.Keyring, error) {
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
			return nil, fmt.Errorf("--keys: %s: no keys found (expected a Wireshark ikev1/ikev2_decryption_table, a strongSwan charon log at ike level 4, libreswan secrets, FortiGate gateway list or ikeflow key lines; see docs/keys.md)", p)
		}
		kr.Add(keys...)
	}
	return kr, nil
}
