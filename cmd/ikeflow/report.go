package main

import (
	"io"

	"github.com/ikeflow/ikeflow/flows"
)

// renderReport writes the final report of analyze or live in format: the
// end of the JSON or CSV stream, the HTML page, the summary view of a large
// capture, the table or markdown.
// dm holds the decoded messages for the HTML report (nil: none).
func renderReport(w io.Writer, rep *flows.Report, col *collector, js *jsonStream, cs *csvStream, format string, o renderOpts, dm *decodedMessages) error {
	switch {
	case format == "none":
		return nil
	case js != nil:
		return js.end(rep)
	case cs != nil:
		return cs.end(rep)
	case format == "html":
		return renderHTML(w, rep, col, o, dm)
	case col.summarised():
		return renderSummary(w, rep, col, format != "table", o)
	case format == "table":
		return renderTable(w, rep, o)
	default:
		return renderMarkdown(w, rep, o)
	}
}
