package flows

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestFindingKindRegistry checks the registry against the package source
// and the documentation: every FindingKind constant declared in flows has
// exactly one row, every row has a severity and a doc line, and
// docs/json.md carries the registry's table exactly.
func TestFindingKindRegistry(t *testing.T) {
	rows := map[FindingKind]FindingKindInfo{}
	for _, r := range FindingKinds() {
		if _, dup := rows[r.Kind]; dup {
			t.Errorf("kind %q registered twice", r.Kind)
		}
		if r.Doc == "" || strings.Contains(r.Doc, "\n") || r.Severity > SeverityError {
			t.Errorf("kind %q: row %+v needs one doc line and a valid severity", r.Kind, r)
		}
		rows[r.Kind] = r
	}

	// Every constant of type FindingKind in the package's non-test files.
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				id, ok := vs.Type.(*ast.Ident)
				if !ok || id.Name != "FindingKind" {
					continue
				}
				for i, n := range vs.Names {
					declared++
					lit, _ := vs.Values[i].(*ast.BasicLit)
					if lit == nil {
						t.Errorf("%s: %s is not a literal", name, n.Name)
						continue
					}
					if _, ok := rows[FindingKind(strings.Trim(lit.Value, `"`))]; !ok {
						t.Errorf("%s: %s = %s has no row in findingKinds", name, n.Name, lit.Value)
					}
				}
			}
		}
	}
	if declared != len(rows) {
		t.Errorf("%d FindingKind constants, %d registry rows", declared, len(rows))
	}

	// docs/json.md carries the registry as a table between markers.
	doc := testutil.ReadFile(t, filepath.Join("..", "docs", "json.md"))
	const begin, end = "<!-- finding kinds: generated from flows.FindingKinds -->\n", "<!-- end of finding kinds -->"
	_, rest, ok1 := strings.Cut(string(doc), begin)
	table, _, ok2 := strings.Cut(rest, end)
	if want := findingKindTable(); !ok1 || !ok2 || table != want {
		t.Errorf("docs/json.md: the finding-kind table between %q and %q must read:\n%s", strings.TrimSpace(begin), end, want)
	}
}

// findingKindTable renders the registry as the Markdown table of docs/json.md.
func findingKindTable() string {
	var b strings.Builder
	b.WriteString("| kind | default severity | meaning |\n|---|---|---|\n")
	for _, r := range FindingKinds() {
		b.WriteString("| `" + string(r.Kind) + "` | " + r.Severity.String() + " | " + r.Doc + " |\n")
	}
	return b.String()
}
