package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestStartHeapRunsFirst runs this test binary with GODEBUG=inittrace=1
// and checks that internal/startheap initialised before the packages
// whose initialisers allocate most at start-up (tablewriter's width
// cache, gopacket's layers): it maps the heap pages they fill (see its
// doc). The test binary links them as ikeflow does, and Go orders
// initialisers by import path among those ready.
func TestStartHeapRunsFirst(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	pos := map[string]int{}
	for i, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "init" {
			if _, seen := pos[f[1]]; !seen {
				pos[f[1]] = i
			}
		}
	}
	const first = "github.com/ikeflow/ikeflow/internal/startheap"
	at, ok := pos[first]
	if !ok {
		t.Fatalf("no init of %s in the trace:\n%s", first, out)
	}
	for _, later := range []string{
		"github.com/olekukonko/tablewriter/pkg/twwidth",
		"github.com/gopacket/gopacket/layers",
		"github.com/ikeflow/ikeflow/dissect",
		"github.com/ikeflow/ikeflow/flows",
	} {
		p, ok := pos[later]
		if !ok {
			t.Errorf("no init of %s in the trace", later)
			continue
		}
		if p < at {
			t.Errorf("%s initialised before %s", later, first)
		}
	}
}
