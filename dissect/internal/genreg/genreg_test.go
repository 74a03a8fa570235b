package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedFileIsCurrent regenerates the registries from
// ../../registries.txt into a temporary directory and compares the result
// with the committed ../../zz_registries_gen.go, so an edit to either that
// is not carried to the other fails here.
func TestGeneratedFileIsCurrent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "zz_registries_gen.go")
	if err := run(filepath.Join("..", "..", "registries.txt"), out); err != nil {
		t.Fatal(err)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join("..", "..", "zz_registries_gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		fl, cl := strings.Split(string(fresh), "\n"), strings.Split(string(committed), "\n")
		for i := 0; i < len(fl) && i < len(cl); i++ {
			if fl[i] != cl[i] {
				t.Fatalf("dissect/zz_registries_gen.go is stale (run go generate ./dissect): line %d is %q, the table gives %q", i+1, cl[i], fl[i])
			}
		}
		t.Fatalf("dissect/zz_registries_gen.go is stale (run go generate ./dissect): %d lines, the table gives %d", len(cl), len(fl))
	}
}

// TestTableIsTheSource checks that what the generated file says comes from
// the table: a name changed in the table changes both the constant's line
// comment ("=") and the registry entry.
func TestTableIsTheSource(t *testing.T) {
	table, err := os.ReadFile(filepath.Join("..", "..", "registries.txt"))
	if err != nil {
		t.Fatal(err)
	}
	const line = "v\tCPRequest\t1\tCFG_REQUEST\t\t=\n"
	if !bytes.Contains(table, []byte(line)) {
		t.Fatalf("table has no line %q", line)
	}
	edited := bytes.Replace(table, []byte(line), []byte("v\tCPRequest\t1\tCFG_REQ_X\t\t=\n"), 1)
	regs, err := parseTable(edited)
	if err != nil {
		t.Fatal(err)
	}
	code, err := generate(regs)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"CPRequest CPType = 1 // CFG_REQ_X", `CPRequest: "CFG_REQ_X",`} {
		if !bytes.Contains(code, []byte(want)) {
			t.Errorf("generated code lacks %q", want)
		}
	}
	for _, gone := range []string{"= 1 // CFG_REQUEST\n", `"CFG_REQUEST",`} {
		if bytes.Contains(code, []byte(gone)) {
			t.Errorf("generated code still has %q", gone)
		}
	}
}

// TestParseTableErrors feeds damaged tables and checks each is refused with
// the line it is on.
func TestParseTableErrors(t *testing.T) {
	head := "registry\tT\tuint8\ttReg\tplain\n"
	cases := []struct{ name, table, want string }{
		{"unknown record", head + "bogus\tx\n", "2: unknown record"},
		{"field count", head + "const\nv\tA\t1\tA_NAME\t\n", "3: v record has 5 fields, want 6"},
		{"before registry", "doc\ttext\n", "1: doc record before the first registry"},
		{"v outside const", head + "v\tA\t1\tA_NAME\t\t\n", "2: v record outside a const block"},
		{"bad kind", "registry\tT\tuint8\ttReg\tfancy\n", "1: registry kind"},
		{"bad op", head + "method\tt\tString\tshout\n", "2: method op"},
		{"mdoc first", head + "mdoc\ttext\n", "2: mdoc record before a method"},
		{"dangling sdoc", head + "const\nsdoc\ttext\nrange\t0\t0\tr\t\n", "4: sdoc lines not followed"},
		{"desc in plain", head + "const\nv\tA\t1\tA_NAME\tlong\t\n", "registry T: A has a description in a plain registry"},
		{"twice", head + "const\nv\tA\t1\tA_NAME\t\t\nkey\tA\tX\t\n", "A listed twice"},
		{"const1 of two", head + "const1\nv\tA\t1\tA\t\t\nv\tB\t2\tB\t\t\n", "const1 block must hold exactly one"},
		{"both ranges", head + "ranges\tf()\nrange\t0\t0\tr\t\n", "both range records and a ranges expression"},
		{"no value", head + "const\nv\tA\t\tA\t\t\n", "constant A without a value"},
	}
	for _, c := range cases {
		_, err := parseTable([]byte(c.table))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestGenerateRefusesBadGo checks that a table whose Go fields do not
// parse is refused by generate rather than written out.
func TestGenerateRefusesBadGo(t *testing.T) {
	regs, err := parseTable([]byte("registry\tT\tuint8\ttReg\tplain\nconst\nv\tA\t1 +\tA_NAME\t\t\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := generate(regs); err == nil || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("generate: %v, want a parse error", err)
	}
}
