package main

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/flows"
)

// problemsView returns the report of a capture too large to list: its SAs
// are the collected SAs with warnings or errors (problems, in first-seen
// order), its findings theirs and the capture-wide ones.
func problemsView(rep *flows.Report, problems []*flows.SA) *flows.Report {
	probs := slices.Clone(problems)
	slices.SortStableFunc(probs, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	view := &flows.Report{SAs: probs, Stats: rep.Stats}
	names := make(map[string]bool, len(probs))
	for _, sa := range probs {
		names[sa.Name()] = true
	}
	for _, f := range rep.Findings {
		if f.SA == "" || names[f.SA] {
			view.Findings = append(view.Findings, f)
		}
	}
	return view
}

// summaryHeadline is the verdict headline of the summary view: counts of
// every SA, not only the listed ones.
func summaryHeadline(col *collector, notes int) string {
	var states []string
	for _, st := range []string{"established", "rekeyed", "deleted", "failed", "half_open", "incomplete"} {
		if n := col.byState[st]; n > 0 {
			states = append(states, fmt.Sprintf("%d %s", n, st))
		}
	}
	return fmt.Sprintf("%d IKE SAs (%s): %d with errors or warnings.", col.total, strings.Join(states, ", "), len(col.problems)+col.moreProb) + partialAnalysis(notes)
}

// summaryVerdict is the verdict of the summary view: the headline, then
// one line per severity and kind (most severe, then most frequent first)
// with the number of SAs concerned and the first sentence of an example.
func summaryVerdict(col *collector, kinds []*kindGroup, notes int) []verdictEntry {
	out := []verdictEntry{{Text: summaryHeadline(col, notes)}}
	for _, g := range kinds {
		where := fmt.Sprintf("on %d SA%s", g.nSAs, plural(g.nSAs))
		if g.nSAs == 0 {
			where = fmt.Sprintf("capture-wide (%d)", g.n)
		}
		text := g.kind + " " + where
		if g.sev > flows.SeverityInfo {
			text += ", e.g. " + firstSentence(g.msg)
		}
		out = append(out, verdictEntry{Sev: g.sev.String(), Text: text})
	}
	return out
}

// kindGroup is the findings of one severity and kind, over every SA.
type kindGroup struct {
	sev   flows.Severity
	kind  string
	n     int
	nSAs  int // SAs concerned
	first []int
	msg   string
}

// renderSummary is the table (or markdown) view of a capture with more
// IKE SAs than can be listed: the verdict, the SAs with warnings or errors,
// and the findings grouped by kind. With a width limit that the tables
// exceed, the SAs are blocks and the kinds a list.
func renderSummary(w io.Writer, rep *flows.Report, col *collector, markdown bool, o renderOpts) error {
	view := problemsView(rep, col.problems)
	fi := indexFindings(view)
	kinds := col.kindGroups(rep)
	entries := summaryVerdict(col, kinds, len(rep.CaptureNotes))
	note := "Too many SAs to list: below are the SAs with warnings or errors and the findings by kind. Narrow with --peer or --spi, or use --format json for everything."
	if markdown {
		return summaryMarkdown(w, rep, view, fi, entries, note, kinds, col, o)
	}
	var buf bytes.Buffer
	if err := summaryWide(&buf, rep, view, fi, entries, note, kinds, col, o); err != nil {
		return err
	}
	if o.width <= 0 || maxLineWidth(buf.String()) <= o.width {
		_, err := w.Write(buf.Bytes())
		return err
	}
	o.width = max(o.width, 40)
	writeEntries(w, entries, rep, o)
	fmt.Fprint(w, "\n"+flows.WrapLine(note, o.width, "", ""))
	writeSABlocks(w, view, fi, o, false)
	if col.moreProb > 0 {
		fmt.Fprintf(w, "\n… and %d more SAs with warnings or errors.\n", col.moreProb)
	}
	fmt.Fprintln(w, "\nFindings by kind (one example text each):")
	for _, g := range kinds {
		head := fmt.Sprintf("%s %s: %d finding%s on %d SA%s, first frames %s", g.sev, g.kind, g.n, plural(g.n), g.nSAs, plural(g.nSAs), o.refs.list(g.first, 4))
		text := flows.WrapLine(head, o.width, "", "    ")
		if o.color {
			text = strings.Replace(text, g.sev.String(), paint(true, g.sev, g.sev.String()), 1)
		}
		fmt.Fprint(w, text)
		fmt.Fprint(w, flows.WrapLine("Example: "+g.msg, o.width, "    ", "    "))
	}
	return nil
}

// writeEntries writes verdict entries (see writeVerdict) and the capture line.
func writeEntries(w io.Writer, entries []verdictEntry, rep *flows.Report, o renderOpts) {
	for i, v := range entries {
		switch {
		case i == 0:
			fmt.Fprint(w, flows.WrapLine("Verdict: "+v.Text, o.width, "", "  "))
		case v.Sev == "":
			fmt.Fprint(w, flows.WrapLine(v.Text, o.width, "  ", "  "))
		default:
			sev, _ := flows.ParseSeverity(v.Sev)
			tag := paint(o.color, sev, fmt.Sprintf("%-7s", v.Sev))
			text := flows.WrapLine(v.Text, o.width, strings.Repeat(" ", 10), strings.Repeat(" ", 10))
			fmt.Fprint(w, "  "+tag+" "+strings.TrimLeft(text, " "))
		}
	}
	fmt.Fprint(w, flows.WrapLine("Capture: "+summaryLine(rep), o.width, "", "  "))
	if l := o.refs.legend(); l != "" {
		fmt.Fprint(w, flows.WrapLine(l, o.width, "", "  "))
	}
	if len(rep.CaptureNotes) > 0 {
		fmt.Fprint(w, flows.WrapLine(captureNotesHead, o.width, "", "  "))
		for _, n := range rep.CaptureNotes {
			fmt.Fprint(w, flows.WrapLine("- "+n, o.width, "  ", "    "))
		}
	}
}

// captureNotesHead introduces Report.CaptureNotes in the reports.
const captureNotesHead = captureNotesTitle + " (the analysis lacks what these packets held):"

// captureNotesTitle names the list of capture problems, as the verdict
// refers to it.
const captureNotesTitle = "Capture problems"

// markdownCaptureNotes writes Report.CaptureNotes as a markdown list.
func markdownCaptureNotes(w io.Writer, rep *flows.Report) {
	if len(rep.CaptureNotes) == 0 {
		return
	}
	fmt.Fprintf(w, "**%s**\n\n", captureNotesHead)
	for _, n := range rep.CaptureNotes {
		fmt.Fprintf(w, "- %s\n", mdCell(n))
	}
	fmt.Fprintln(w)
}

// summaryWide writes the summary view as tables.
func summaryWide(w io.Writer, rep, view *flows.Report, fi *findingIndex, entries []verdictEntry, note string, kinds []*kindGroup, col *collector, o renderOpts) error {
	writeEntries(w, entries, rep, o)
	fmt.Fprintln(w, "\n"+note)
	if len(view.SAs) > 0 {
		fmt.Fprintln(w)
		// The table of the problem SAs is most of the view's rendering:
		// it was rendered during the analysis when the collector could
		// (summary_early.go), and is used when its cells are these.
		done, err := col.early.use(w, view, fi)
		if err != nil {
			return err
		}
		if !done {
			if err := writeProblemTable(w, problemCells(view, fi)); err != nil {
				return err
			}
		}
		if col.moreProb > 0 {
			fmt.Fprintf(w, "… and %d more SAs with warnings or errors.\n", col.moreProb)
		}
	}
	fmt.Fprintln(w, "\nFindings by kind:")
	t := newASCIITable(w)
	t.Header("Severity", "Kind", "Count", "SAs", "First frames", "Example")
	for _, g := range kinds {
		if err := t.Append([]string{paint(o.color, g.sev, g.sev.String()), g.kind, strconv.Itoa(g.n), strconv.Itoa(g.nSAs), o.refs.list(g.first, 8), wrap(g.msg, 72)}); err != nil {
			return err
		}
	}
	return t.Render()
}

// summaryMarkdown writes the summary view as markdown.
func summaryMarkdown(w io.Writer, rep, view *flows.Report, fi *findingIndex, entries []verdictEntry, note string, kinds []*kindGroup, col *collector, o renderOpts) error {
	writeMarkdownVerdict(w, entries)
	fmt.Fprintf(w, "\n**ikeflow:** %s\n\n", summaryLine(rep))
	markdownCaptureNotes(w, rep)
	fmt.Fprintf(w, "%s\n\n", note)
	if len(view.SAs) > 0 {
		err := writeMarkdownSAs(w, view, func(n int) string {
			return strings.Join(fi.saFindings(n, false), "<br>")
		})
		if err != nil {
			return err
		}
		if col.moreProb > 0 {
			fmt.Fprintf(w, "\n… and %d more SAs with warnings or errors.\n", col.moreProb)
		}
	}
	fmt.Fprintln(w, "\n### Findings by kind")
	fmt.Fprintln(w)
	t := newMarkdownTable(w)
	t.Header("Severity", "Kind", "Count", "SAs", "First frames", "Example")
	for _, g := range kinds {
		if err := t.Append([]string{g.sev.String(), g.kind, strconv.Itoa(g.n), strconv.Itoa(g.nSAs), mdCell(o.refs.list(g.first, 8)), mdCell(g.msg)}); err != nil {
			return err
		}
	}
	return t.Render()
}

// problemCells returns the cells of the summary view's table of problem
// SAs (view's SAs, their findings grouped by fi), row by row.
func problemCells(view *flows.Report, fi *findingIndex) [][]string {
	rows := saRows(view, "\n")
	cells := make([][]string, 0, len(rows))
	for _, r := range rows {
		cells = append(cells, []string{strconv.Itoa(r.n), r.start, r.peers, r.version, r.spis, r.state, r.proposal, r.children, findingsCell(fi, r.n)})
	}
	return cells
}

// findingsCell is the last cell of row n of the table of problem SAs: the
// severity and kind of each group of findings of SA n. The other cells of
// a row are the SA's own (saRows) and its number.
func findingsCell(fi *findingIndex, n int) string {
	return strings.Join(fi.saFindings(n, false), "\n")
}

// writeProblemTable writes the summary view's table of problem SAs, whose
// cells are cells (problemCells). The bytes depend on the cells alone.
func writeProblemTable(w io.Writer, cells [][]string) error {
	t := newASCIITable(w)
	t.Header("#", "Start (UTC)", "Initiator → Responder", "IKE", "SPIs i/r", "State", "Proposal", "Child SAs", "Findings")
	// Each row goes to Append as one []string, which tablewriter keeps
	// as its cells; nine arguments would be boxed one by one and
	// converted back (renderWide and the findings tables do the same).
	for _, row := range cells {
		if err := t.Append(row); err != nil {
			return err
		}
	}
	return t.Render()
}
