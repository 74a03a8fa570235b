// Package archtest enforces the one-way package dependencies of ikeflow:
// dissect ← decrypt ← flows ← cmd, with capture (packet input) beside them.
package archtest

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/ikeflow/ikeflow/"

// forbidden lists, per package directory, the imports it must not have.
var forbidden = map[string][]string{
	"dissect":          {module + "decrypt", module + "flows", module + "capture", module + "cmd", "github.com/gopacket/gopacket"},
	"dissect/ikelayer": {module + "decrypt", module + "flows", module + "capture", module + "cmd"},
	"decrypt":          {module + "flows", module + "capture", module + "cmd", "github.com/gopacket/gopacket"},
	"capture":          {module + "decrypt", module + "flows", module + "cmd"},
	"flows":            {module + "capture", module + "cmd"},
	"twoside":          {module + "decrypt", module + "flows", module + "cmd"},
}

func TestImports(t *testing.T) {
	for dir, bad := range forbidden {
		pkg, err := build.Default.ImportDir(filepath.Join("..", "..", dir), 0)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		for _, imp := range pkg.Imports { // non-test imports only
			for _, b := range bad {
				if imp == b || strings.HasPrefix(imp, b+"/") {
					t.Errorf("%s imports %s: packages depend one way (dissect ← decrypt ← flows ← cmd)", dir, imp)
				}
			}
		}
	}
}

// TestNoIOInDissect keeps dissect free of I/O: it decodes bytes to values.
func TestNoIOInDissect(t *testing.T) {
	pkg, err := build.Default.ImportDir("../../dissect", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		switch imp {
		case "os", "io/fs", "net", "os/exec", "bufio", "io":
			t.Errorf("dissect imports %s: it must not do I/O", imp)
		}
	}
}
