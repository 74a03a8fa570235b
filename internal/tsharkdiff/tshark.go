package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// runTshark decodes capture with tshark (PDML) and returns its IKE messages.
// Key tables are installed in a throw-away configuration directory so that
// the user's own Wireshark profile plays no part.
func runTshark(capture string, keys []string) ([]msg, error) {
	cfg, err := os.MkdirTemp("", "tsharkdiff-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(cfg)
	if err := os.MkdirAll(filepath.Join(cfg, "wireshark"), 0o700); err != nil {
		return nil, err
	}
	for _, k := range keys {
		name := "ikev2_decryption_table"
		if isV1Table(k) {
			name = "ikev1_decryption_table"
		}
		data, err := os.ReadFile(k)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(cfg, "wireshark", name), data, 0o600); err != nil {
			return nil, err
		}
	}
	cmd := exec.Command("tshark", "-n", "-r", capture, "-Y", "isakmp", "-T", "pdml")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+cfg, "HOME="+cfg)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tshark -r %s: %v: %s", capture, err, stderr.String())
	}
	return readPDML(bytes.NewReader(out))
}

func isV1Table(path string) bool {
	return filepath.Ext(path) == ".ikev1_decryption_table" || filepath.Base(path) == "ikev1_decryption_table"
}
