// Command genreg writes the IANA registry declarations of package dissect
// (zz_registries_gen.go) from their one data table, registries.txt. It runs
// from the dissect directory through the go:generate directive in
// registry.go:
//
//	go generate ./dissect
//
// The table format is described at the top of registries.txt and in
// [parseTable].
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := run("registries.txt", "zz_registries_gen.go"); err != nil {
		fmt.Fprintln(os.Stderr, "genreg:", err)
		os.Exit(1)
	}
}

// run reads the table at tablePath and writes the generated Go source to
// outPath.
func run(tablePath, outPath string) error {
	src, err := os.ReadFile(tablePath)
	if err != nil {
		return err
	}
	regs, err := parseTable(src)
	if err != nil {
		return fmt.Errorf("%s:%w", tablePath, err)
	}
	code, err := generate(regs)
	if err != nil {
		return err
	}
	return os.WriteFile(outPath, code, 0o644)
}
