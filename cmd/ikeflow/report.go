package main

import (
	"io"

	"github.com/ikeflow/ikeflow/flows"
)

// renderReport writes the final report of analyze or live in format: the
// end of the JSON or CSV stream, the HTML page, the summary view of a large
// capture, the table or markdown.
func renderReport(w io.Writer, rep *flows.Report, col *collector, js *jsonStream, cs *csvStream, format string, o renderOpts) error {
	switch {
	case format == "none":
		return nil
	case js != nil:
		return js.end(rep)
	case cs != nil:
		return cs.end(rep)
	case format == "html":
		return renderHTML(w, rep, col, o)
	case col.summarised():
		return renderSummary(w, rep, col, format != "table", o)
	case format == "table":
		return renderTable(w, rep, o)
	default:
		return renderMarkdown(w, rep, o)
	}
}
