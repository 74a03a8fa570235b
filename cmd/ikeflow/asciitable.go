package main

import (
	"bufio"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// asciiTable writes the same bytes as newASCIITable (tablewriter's ASCII
// style, left-aligned, no wrapping, a cell's lines split at "\n", empty
// lines at its ends dropped) for the
// cells it can lay out itself: printable ASCII, a few punctuation runes
// ikeflow's texts use, and the colour codes of paint, without spaces at
// either end of a line. Any other table goes to tablewriter unchanged.
// The summary view of a capture with 10k SAs spent 6% of its CPU time in
// tablewriter (20 ms for two tables of ~200 rows); this takes ~1 ms.
type asciiTable struct {
	w      io.Writer
	header []string
	rows   [][]string
}

func newPlainTable(w io.Writer) *asciiTable { return &asciiTable{w: w} }

// Header sets the column names.
func (t *asciiTable) Header(cols ...string) { t.header = cols }

// Append adds a row (it never fails: the error is tablewriter's signature).
func (t *asciiTable) Append(cells ...string) error {
	t.rows = append(t.rows, cells)
	return nil
}

// plainRunes are the non-ASCII runes asciiTable lays out itself (one
// column wide each).
const plainRunes = "→←↔…–—µ×≥≤·"

// plainLine reports whether asciiTable lays s out itself: printable ASCII,
// plainRunes and SGR colour codes ("\x1b[31m"), no space at either end.
func plainLine(s string) bool {
	if s != "" && (s[0] == ' ' || s[len(s)-1] == ' ') {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x20 && c < 0x7f:
		case c == 0x1b:
			j := i + 1
			if j >= len(s) || s[j] != '[' {
				return false
			}
			for j++; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			}
			if j >= len(s) || s[j] != 'm' {
				return false
			}
			i = j
		case c >= 0x80:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || !strings.ContainsRune(plainRunes, r) {
				return false
			}
			i += n - 1
		default:
			return false
		}
	}
	return true
}

// plainTables turns asciiTable's own layout on (tests compare it with
// tablewriter's by turning it off).
var plainTables = true

// Render writes the table.
func (t *asciiTable) Render() error {
	if !plainTables {
		return t.fallback()
	}
	ncol := len(t.header)
	cells := make([][][]string, 0, len(t.rows)+1) // row, column, line
	widths := make([]int, ncol)
	for r, row := range append([][]string{t.header}, t.rows...) {
		if len(row) != ncol || ncol == 0 {
			return t.fallback()
		}
		lines := make([][]string, ncol)
		for c, cell := range row {
			// tablewriter trims a cell's ends (here: only empty lines
			// can be there; lines with spaces at their ends go to it).
			lines[c] = strings.Split(strings.TrimSpace(cell), "\n")
			for _, l := range lines[c] {
				if !plainLine(l) || r == 0 && l == "" {
					return t.fallback()
				}
				widths[c] = max(widths[c], twwidth.Width(l))
			}
		}
		cells = append(cells, lines)
	}
	bw := bufio.NewWriter(t.w)
	border := func() {
		bw.WriteByte('+')
		for _, w := range widths {
			bw.WriteString(strings.Repeat("-", w+2))
			bw.WriteByte('+')
		}
		bw.WriteByte('\n')
	}
	border()
	for r, row := range cells {
		height := 0
		for _, lines := range row {
			height = max(height, len(lines))
		}
		for i := range height {
			bw.WriteByte('|')
			for c, lines := range row {
				l := ""
				if i < len(lines) {
					l = lines[i]
				}
				bw.WriteByte(' ')
				bw.WriteString(l)
				bw.WriteString(strings.Repeat(" ", widths[c]-twwidth.Width(l)+1))
				bw.WriteByte('|')
			}
			bw.WriteByte('\n')
		}
		if r == 0 {
			border()
		}
	}
	if len(t.rows) > 0 {
		border()
	}
	return bw.Flush()
}

// fallback renders the table with tablewriter.
func (t *asciiTable) fallback() error {
	tw := newASCIITable(t.w)
	h := make([]any, len(t.header))
	for i, s := range t.header {
		h[i] = s
	}
	tw.Header(h...)
	for _, row := range t.rows {
		r := make([]any, len(row))
		for i, s := range row {
			r[i] = s
		}
		if err := tw.Append(r...); err != nil {
			return err
		}
	}
	return tw.Render()
}
