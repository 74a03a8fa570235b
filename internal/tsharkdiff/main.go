// Command tsharkdiff compares ikeflow's decode of every capture with tshark's,
// field by field, and fails on any disagreement that the allow-list does not
// explain.
//
// Usage (from the repository root; "make tshark-diff" does this):
//
//	go run ./internal/tsharkdiff [-ikeflow BIN] [-allow FILE] [CAPTURE...]
//
// Without capture arguments it checks testdata/corpus/*/capture.pcap and the
// third-party captures in ../shared/captures. Key tables found next to a
// capture (ikev2_decryption_table, ikev1_decryption_table, or
// NAME.ikev1_decryption_table) are given to both tools.
//
// tshark 4.0 cannot decode IKE over TCP (RFC 8229); for a capture with TCP
// 4500 streams, tshark's side of those messages comes from its decode of a
// UDP re-framing of the streams (tcpencap.go, the Go counterpart of
// testdata/gen/tcp2udp.py), reported under the original frame numbers.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

func main() {
	bin := flag.String("ikeflow", "", "ikeflow binary (default: build ./cmd/ikeflow)")
	allowPath := flag.String("allow", "testdata/tshark-allow.txt", "allow-list of known, explained disagreements")
	flag.Parse()
	if *bin == "" {
		dir, err := os.MkdirTemp("", "tsharkdiff-bin-")
		if err != nil {
			fatal(err)
		}
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "ikeflow")
		build := exec.Command("go", "build", "-o", *bin, "./cmd/ikeflow")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fatal(fmt.Errorf("building ikeflow: %w", err))
		}
	}
	allow, err := loadAllow(*allowPath)
	if err != nil {
		fatal(err)
	}
	caps := flag.Args()
	if len(caps) == 0 {
		caps = discover(".")
	}
	results := make([]result, 0, len(caps))
	failed := false
	for _, c := range caps {
		r := compareCapture(*bin, c, findKeys(c), allow)
		results = append(results, r)
		if r.failed() {
			failed = true
		}
	}
	printTable(os.Stdout, results)
	for _, u := range allow.unused() {
		fmt.Fprintf(os.Stdout, "note: allow-list entry not needed any more: %s\n", u)
	}
	if failed {
		os.Exit(1)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "tsharkdiff:", err)
	os.Exit(2)
}
