package main

import (
	"encoding/json"
	"io"

	"github.com/ikeflow/ikeflow/flows"
	"github.com/ikeflow/ikeflow/twoside"
)

// reportWriter writes a report in one format (outputFormat.report): begin
// before the first IKE SA, add with every finalised SA when the format
// streams (the others take the SAs from the report), end with the report.
type reportWriter interface {
	begin() error
	add(sa *flows.SA) error
	end(rep *flows.Report) error
}

// findingSink is a streaming writer that takes each SA finding as its SA
// is finalised, so the collector keeps none of them.
type findingSink interface {
	finding(f *flows.Finding) error
}

// reportCtx is what a report writer writes to and with.
type reportCtx struct {
	w   io.Writer
	o   renderOpts       // layout; o.refs names frames
	col *collector       // what was collected (summary view of large captures)
	dm  *decodedMessages // the decoded messages (decoded formats in analyze; nil otherwise)
}

// wholeReport makes the writer of a format that needs the whole report:
// render runs at end.
func wholeReport(render func(c *reportCtx, rep *flows.Report) error) func(*reportCtx) reportWriter {
	return func(c *reportCtx) reportWriter { return &whole{c, render} }
}

// whole is a reportWriter that renders at end.
type whole struct {
	c      *reportCtx
	render func(*reportCtx, *flows.Report) error
}

func (*whole) begin() error                  { return nil }
func (*whole) add(*flows.SA) error           { return nil }
func (w *whole) end(rep *flows.Report) error { return w.render(w.c, rep) }

// renderTableView writes the table, or the summary view of a large capture.
func renderTableView(c *reportCtx, rep *flows.Report) error {
	if c.col.summarised() {
		return renderSummary(c.w, rep, c.col, false, c.o)
	}
	return renderTable(c.w, rep, c.o)
}

// renderMarkdownView writes the markdown, or the summary view of a large
// capture in markdown.
func renderMarkdownView(c *reportCtx, rep *flows.Report) error {
	if c.col.summarised() {
		return renderSummary(c.w, rep, c.col, true, c.o)
	}
	return renderMarkdown(c.w, rep, c.o)
}

// renderHTMLView writes the HTML page.
func renderHTMLView(c *reportCtx, rep *flows.Report) error {
	return renderHTML(c.w, rep, c.col, c.o, c.dm)
}

// finding keeps an SA finding encoded for the end of the document. With
// one input add keeps its place instead, and flush copies its encoding
// from the SA's.
func (j *jsonStream) finding(f *flows.Finding) error {
	if j.refs == nil {
		j.name = f.SA
		return nil
	}
	return j.findings.add(f)
}

// close releases the findings' temporary file.
func (j *jsonStream) close() {
	if j.findings != nil {
		j.findings.close()
	}
}

// finding takes nothing: the SA's rows hold its findings already.
func (c *csvStream) finding(*flows.Finding) error { return nil }

// nothing is the writer of a format that writes no report ("none").
type nothing struct{}

func (nothing) begin() error             { return nil }
func (nothing) add(*flows.SA) error      { return nil }
func (nothing) end(*flows.Report) error  { return nil }
func newNothing(*reportCtx) reportWriter { return nothing{} }

// reportOut is a report on its way out: the format's writer and the
// collector (flows.Options.OnSA) that feeds it, keeping only what the
// format needs. It is the one path analyze and live render through.
type reportOut struct {
	rw  reportWriter
	ctx *reportCtx
	col *collector
}

// startReport begins a report in format f on w.
func startReport(f *outputFormat, w io.Writer, o renderOpts) (*reportOut, error) {
	ctx := &reportCtx{w: w, o: o}
	mk := f.report
	if mk == nil {
		mk = newNothing
	}
	rw := mk(ctx)
	if err := rw.begin(); err != nil {
		return nil, err
	}
	var stream func(*flows.SA) error
	if f.streams {
		stream = rw.add
	}
	col := newCollector(stream)
	if s, ok := rw.(findingSink); ok {
		col.onFinding = s.finding
	}
	if a, ok := rw.(aheadWriter); ok {
		col.ahead = a
	}
	col.tableAhead = f.name == "table"
	ctx.col = col
	return &reportOut{rw: rw, ctx: ctx, col: col}, nil
}

// end writes the rest of the report: rep is the collector's report; dm
// the decoded messages (nil: none).
func (r *reportOut) end(rep *flows.Report, dm *decodedMessages) error {
	r.ctx.dm = dm
	return r.rw.end(rep)
}

// close releases what the writer holds (temporary files), after ending
// the collector's pipe, if still running (an analysis stopped early: the
// SAs not yet written are skipped).
func (r *reportOut) close() {
	if r.col.pipe != nil {
		r.col.pipe.abort()
	}
	if c, ok := r.rw.(interface{ close() }); ok {
		c.close()
	}
}

// writeTwoSidedText writes the two-sided comparison as text or markdown,
// with the four-lane sequence diagrams when ladder is set.
func writeTwoSidedText(md bool) func(io.Writer, *twoside.Report, int, bool) error {
	return func(w io.Writer, r *twoside.Report, width int, ladder bool) error {
		writeTwoSided(w, r, md)
		if ladder {
			writeTwoSidedLadder(w, r, width, md)
		}
		return nil
	}
}

// twoSidedJSON writes the two-sided comparison as one indented JSON document.
func twoSidedJSON(w io.Writer, r *twoside.Report, _ int, _ bool) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	return enc.Encode(r)
}

// twoSidedCSV writes the two-sided comparison as CSV.
func twoSidedCSV(w io.Writer, r *twoside.Report, _ int, _ bool) error { return writeTwoSidedCSV(w, r) }

// twoSidedHTML writes the two-sided comparison as one HTML page.
func twoSidedHTML(w io.Writer, r *twoside.Report, _ int, _ bool) error {
	return writeTwoSidedHTML(w, r)
}
