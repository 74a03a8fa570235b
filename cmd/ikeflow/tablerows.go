package main

import (
	"io"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// plainRows is the renderer of the ASCII tables: tablewriter's Blueprint,
// whose body lines of plain cells it writes itself, byte for byte as
// Blueprint would.
//
// Why: Blueprint draws every cell line through a general path (merges,
// alignments, truncation, the display width of each cell measured several
// times in a locked cache, debug calls that box their arguments): on a
// summary table of 200 SAs it was half of the table's render time. A body
// line whose cells are unmerged, left-aligned with one-space padding and
// narrower than their column comes out of Blueprint as
// "| cell<spaces> | cell<spaces> |". A plain cell (printable ASCII: as
// many columns as octets) needs no measuring; another is measured, and
// its padded form checked.
// Any other line (header, border, another layout, a cell Blueprint would
// truncate) goes to Blueprint. tablewriter still lays the table out
// (widths, cell lines); TestPlainRowsMatchBlueprint and FuzzPlainRows
// compare the two renderers.
type plainRows struct {
	*renderer.Blueprint
	w   io.Writer
	sep string // the column separator ("|"); "" when the rendition has no plain shape (always Blueprint)
	buf []byte // the line being written, reused
	// plain counts the lines written here rather than by Blueprint.
	plain int
}

// newPlainRows returns the renderer for rendition r.
func newPlainRows(r tw.Rendition) *plainRows {
	p := &plainRows{Blueprint: renderer.NewBlueprint(r)}
	c := p.Blueprint.Config()
	if c.Borders.Left.Enabled() && c.Borders.Right.Enabled() && c.Settings.Separators.BetweenColumns.Enabled() &&
		plainText(c.Symbols.Column()) && len(c.Symbols.Column()) == 1 {
		p.sep = c.Symbols.Column()
	}
	return p
}

// Start begins a table written to w.
func (p *plainRows) Start(w io.Writer) error {
	p.w = w
	return p.Blueprint.Start(w)
}

// Row writes one line of a body row.
func (p *plainRows) Row(row []string, ctx tw.Formatting) {
	if !p.appendPlain(ctx) {
		p.Blueprint.Row(row, ctx)
		return
	}
	p.plain++
	p.w.Write(p.buf)
}

// appendPlain puts the line of ctx in p.buf when it is plain (see
// plainRows) and reports whether it was.
func (p *plainRows) appendPlain(ctx tw.Formatting) bool {
	n := ctx.Row.Widths.Len()
	if p.sep == "" || ctx.Row.Position != tw.Row || n == 0 || len(ctx.Row.Current) != n {
		return false
	}
	b := append(p.buf[:0], p.sep...)
	for col := range n {
		width, ok := ctx.Row.Widths.OK(col)
		cell, ok2 := ctx.Row.Current[col]
		if !ok || !ok2 || cell.Merge != (tw.MergeState{}) || cell.Align == tw.AlignRight || cell.Align == tw.AlignCenter ||
			cell.Padding.Left != " " || cell.Padding.Right != " " {
			return false
		}
		// A plain cell is as wide as it is long; another (the arrow of
		// "Initiator → Responder", a colour escape) is measured as
		// Blueprint measures it, and its padded form checked as Blueprint
		// checks it: a cell Blueprint would truncate or pad again goes to it.
		plain := plainText(cell.Data)
		cw := len(cell.Data)
		if !plain {
			cw = twwidth.Width(cell.Data)
		}
		if cw+2 > width {
			return false
		}
		if col > 0 {
			b = append(b, p.sep...)
		}
		start := len(b)
		b = append(b, ' ')
		b = append(b, cell.Data...)
		for range width - 1 - cw {
			b = append(b, ' ')
		}
		if !plain && twwidth.Width(string(b[start:])) != width {
			return false
		}
	}
	p.buf = append(append(b, p.sep...), '\n')
	return true
}

// plainText reports whether s is printable ASCII only, each octet one
// column wide.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
