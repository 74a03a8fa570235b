package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// renderBoth draws header and rows as newASCIITable does, once with
// plainRows and once with tablewriter's Blueprint alone, and returns both.
func renderBoth(t testing.TB, header []string, rows [][]string) (plain, blueprint string, plainLines int) {
	t.Helper()
	var out [2]bytes.Buffer
	for i := range out {
		var r tw.Renderer
		rendition := tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)}
		var pr *plainRows
		if i == 0 {
			pr = newPlainRows(rendition)
			r = pr
		} else {
			r = renderer.NewBlueprint(rendition)
		}
		tbl := tablewriter.NewTable(&out[i],
			tablewriter.WithRenderer(r),
			tablewriter.WithHeaderAutoFormat(tw.Off),
			tablewriter.WithRowAlignment(tw.AlignLeft),
			tablewriter.WithHeaderAlignment(tw.AlignLeft),
			tablewriter.WithRowAutoWrap(tw.WrapNone),
			tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		)
		if len(header) > 0 {
			tbl.Header(header)
		}
		for _, row := range rows {
			if err := tbl.Append(row); err != nil {
				t.Fatal(err)
			}
		}
		if err := tbl.Render(); err != nil {
			t.Fatal(err)
		}
		if pr != nil {
			plainLines = pr.plain
		}
	}
	return out[0].String(), out[1].String(), plainLines
}

// TestPlainRowsMatchBlueprint checks that the ASCII tables' renderer
// writes what Blueprint writes: on rows of plain cells (written by
// plainRows itself) and on rows it must hand to Blueprint (colour escapes,
// non-ASCII and wide text, tabs, empty cells and columns).
func TestPlainRowsMatchBlueprint(t *testing.T) {
	cases := []struct {
		name      string
		header    []string
		rows      [][]string
		wantPlain bool // some body line is written by plainRows
	}{
		{"plain", []string{"#", "State", "Findings"}, [][]string{
			{"1", "established", "error no_proposal_chosen\ninfo nat_detected"},
			{"2", "failed (encrypted, no keys)", "-"},
			{"10", "half_open", "warning half_open\nwarning retransmit\ninfo end_unknown"},
		}, true},
		{"summary-like", []string{"#", "Initiator → Responder", "SPIs i/r"}, [][]string{
			{"1", "198.51.100.8:500 → 203.0.113.8:500\nNAT: both", "212a71b6865c5d8b\n533f47526aadf2de"},
			{"2", "[2001:db8::1]:500 → [2001:db8::2]:4500", "0000000000000000\n0000000000000000"},
		}, true},
		{"combining and wide", []string{"x", "y"}, [][]string{
			{"\u0301start", "e\u0301"},
			{"😀 emoji", "ｆｕｌｌ"},
			{"\u200bzero width", "→→"},
		}, true},
		{"colour", []string{"Severity", "Kind"}, [][]string{
			{paint(true, flows.SeverityError, "error"), "no_proposal_chosen"},
			{"info", "nat_detected"},
		}, true},
		{"wide and odd", []string{"a", "b"}, [][]string{
			{"日本語", "x"},
			{"tab\there", ""},
			{"", ""},
			{"é", "trailing  "},
			{"  leading", "ok"},
		}, true},
		{"no header", nil, [][]string{{"x", "y"}, {"longer cell", "z"}}, true},
		{"one column", []string{"only"}, [][]string{{"a"}, {"bb\nccc"}}, true},
	}
	ea := twwidth.IsEastAsian()
	defer twwidth.SetEastAsian(ea)
	for _, c := range cases {
		for _, eastAsian := range []bool{false, true} { // the arrow is two columns wide in East Asian width
			twwidth.SetEastAsian(eastAsian)
			name := c.name
			if eastAsian {
				name += "/east-asian"
			}
			t.Run(name, func(t *testing.T) {
				plain, blue, n := renderBoth(t, c.header, c.rows)
				if plain != blue {
					t.Fatalf("plainRows wrote\n%s\nBlueprint wrote\n%s", plain, blue)
				}
				if c.wantPlain && n == 0 {
					t.Errorf("no body line took the plain path:\n%s", plain)
				}
			})
		}
	}
}

// FuzzPlainRows compares plainRows with Blueprint on tables made from the
// input (rows split at '\x00', cells at '\x01', cell lines at '\n'), with
// East Asian widths off and on.
func FuzzPlainRows(f *testing.F) {
	f.Add("1\x01established\x01error x\ninfo y\x002\x01failed\x01-")
	f.Add("a\x01\x1b[31merror\x1b[0m\x00→\x01b")
	f.Add("\x01\x00\t\x01  \x00日\x01é")
	f.Add("\u0301x\x01😀\x00ｆ\x01\u200b")
	f.Fuzz(func(t *testing.T, in string) {
		if len(in) > 4096 {
			return
		}
		var rows [][]string
		cols := 0
		for r := range strings.SplitSeq(in, "\x00") {
			cells := strings.Split(r, "\x01")
			cols = max(cols, len(cells))
			rows = append(rows, cells)
			if len(rows) == 20 {
				break
			}
		}
		if cols > 12 {
			return
		}
		for i := range rows { // tablewriter pads short rows itself; give it full ones
			for len(rows[i]) < cols {
				rows[i] = append(rows[i], "")
			}
		}
		header := make([]string, cols)
		for i := range header {
			header[i] = "h" + strings.Repeat("x", i)
		}
		ea := twwidth.IsEastAsian()
		defer twwidth.SetEastAsian(ea)
		for _, eastAsian := range []bool{false, true} {
			twwidth.SetEastAsian(eastAsian)
			plain, blue, _ := renderBoth(t, header, rows)
			if plain != blue {
				t.Fatalf("rows %q (East Asian width %v):\nplainRows wrote\n%s\nBlueprint wrote\n%s", rows, eastAsian, plain, blue)
			}
		}
	})
}
