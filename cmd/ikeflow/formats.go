package main

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ikeflow/ikeflow/twoside"
)

// formatUse is a flag that takes an output format name.
type formatUse uint8

const (
	useAnalyze    formatUse = 1 << iota // analyze --format: the report
	useLiveReport                       // live --report: the final report
	useLiveEvents                       // live --format: the event stream
)

// flag names the flag of a use.
func (u formatUse) flag() string {
	if u == useLiveReport {
		return "--report"
	}
	return "--format"
}

// ladderMode says whether a format draws sequence diagrams.
type ladderMode uint8

const (
	ladderNo     ladderMode = iota // none; --ladder is ignored (with a note)
	ladderFlag                     // with --ladder
	ladderAlways                   // always
)

// outputFormat is one output format. outputFormats is the one table
// validation, error messages, defaults, --help, the --ladder note,
// dispatch (analyze, live, two-sided) and the format lists in README.md
// and docs/live.md come from (TestOutputFormatDocs checks the docs).
type outputFormat struct {
	name    string
	aliases []string // other names accepted ("md")
	doc     string   // one line for --help and the docs
	uses    formatUse
	// streams: the writer takes each IKE SA as it is finalised and keeps
	// none (memory stays bounded however many SAs); the others get the
	// whole report at the end.
	streams bool
	ladder  ladderMode
	// exchanges: the report shows the exchanges and messages of its SAs
	// (SA.Exchanges) even without ladders; see needsExchanges.
	exchanges bool
	// decoded: the report shows the messages of its SAs decoded, which
	// analyze reads from the captures a second time (live has no files).
	decoded bool
	// report makes the writer of a report format; nil writes nothing.
	report func(*reportCtx) reportWriter
	// twoSided writes the comparison of two captures of one path
	// (analyze); alone: the analysis of the first capture follows it.
	twoSided func(w io.Writer, r *twoside.Report, ladderWidth int, ladder bool) error
	alone    bool
	// event makes the writer of an event stream format; nil writes nothing.
	event func(w *bufio.Writer) func(liveEvent) error
}

// outputFormats lists the formats; for each use, the first is the default
// and the order is the one help texts and docs list them in.
var outputFormats = []outputFormat{
	{
		name: "table", uses: useAnalyze | useLiveReport, ladder: ladderFlag,
		doc:    "verdict, SA table, findings table; one block per SA on a narrow terminal",
		report: wholeReport(renderTableView), twoSided: writeTwoSidedText(false), alone: true,
	},
	{
		name: "markdown", aliases: []string{"md"}, uses: useAnalyze | useLiveReport, ladder: ladderFlag,
		doc:    "the table's content as Markdown, to paste into a ticket",
		report: wholeReport(renderMarkdownView), twoSided: writeTwoSidedText(true), alone: true,
	},
	{
		name: "csv", uses: useAnalyze | useLiveReport, streams: true,
		doc:    "one row per finding (an SA without findings: one row), for spreadsheets; its last column, transport, says udp or tcp",
		report: func(c *reportCtx) reportWriter { return newCSVStream(c.w, c.o.refs) }, twoSided: twoSidedCSV,
	},
	{
		name: "json", uses: useAnalyze | useLiveReport, streams: true, exchanges: true,
		doc:    "SAs, findings and counts as one JSON document, described in docs/json.md",
		report: func(c *reportCtx) reportWriter { return &jsonStream{w: c.w, refs: c.o.refs, recycle: c.o.recycle} }, twoSided: twoSidedJSON,
	},
	{
		name: "html", uses: useAnalyze | useLiveReport, ladder: ladderAlways, decoded: true,
		doc:    "one self-contained page for a browser, no scripts: verdict, SAs, findings",
		report: wholeReport(renderHTMLView), twoSided: twoSidedHTML,
	},
	{
		name: "none", uses: useLiveReport,
		doc: "no final report: the event stream alone",
	},
	{
		name: "text", uses: useLiveEvents,
		doc:   "one line per event",
		event: textEvents,
	},
	{
		name: "json", uses: useLiveEvents,
		doc:   "one JSON object per event and line (NDJSON), described in docs/live.md",
		event: jsonEvents,
	},
	{
		name: "none", uses: useLiveEvents,
		doc: "no event stream: the final report alone",
	},
}

// needsExchanges reports whether the report of f, drawn with ladders or
// not, reads the SAs' exchanges (SA.Exchanges): JSON lists them, ladders
// draw them (html always; table and markdown with --ladder). The others
// print states, counts and findings only, so the analyzer need not build
// them (flows.Options.NoExchanges).
func (f *outputFormat) needsExchanges(ladder bool) bool {
	return f.exchanges || f.ladder == ladderAlways || f.ladder == ladderFlag && ladder
}

// formatsFor returns the formats a use offers, in table order.
func formatsFor(use formatUse) []*outputFormat {
	var out []*outputFormat
	for i := range outputFormats {
		if outputFormats[i].uses&use != 0 {
			out = append(out, &outputFormats[i])
		}
	}
	return out
}

// defaultFormat is the name of the first format a use offers.
func defaultFormat(use formatUse) string { return formatsFor(use)[0].name }

// lookupFormat returns the format a use offers under name (or an alias),
// or the usage error that lists them.
func lookupFormat(use formatUse, name string) (*outputFormat, error) {
	for _, f := range formatsFor(use) {
		if f.name == name || slices.Contains(f.aliases, name) {
			return f, nil
		}
	}
	return nil, usagef("%s must be %s, not %q", use.flag(), formatNames(use, ", ", " or ", nil), name)
}

// formatNames joins the names of the formats of a use that keep accepts
// (nil: all) as "a, b or c" (sep ", ", last " or ") or "a|b|c".
func formatNames(use formatUse, sep, last string, keep func(*outputFormat) bool) string {
	var names []string
	for _, f := range formatsFor(use) {
		if keep == nil || keep(f) {
			names = append(names, f.name)
		}
	}
	if len(names) < 2 {
		return strings.Join(names, sep)
	}
	return strings.Join(names[:len(names)-1], sep) + last + names[len(names)-1]
}

// ladderFormats says which report formats draw sequence diagrams:
// "table and markdown formats; html always has them".
func ladderFormats(use formatUse) string {
	s := formatNames(use, ", ", " and ", func(f *outputFormat) bool { return f.ladder == ladderFlag }) + " formats"
	if always := formatNames(use, ", ", " and ", func(f *outputFormat) bool { return f.ladder == ladderAlways }); always != "" {
		s += "; " + always + " always has them"
	}
	return s
}

// ladderNote warns, for a report format without sequence diagrams, that
// --ladder is ignored.
func ladderNote(w io.Writer, cmd string, use formatUse, f *outputFormat) {
	if f.report == nil || f.ladder != ladderNo {
		return
	}
	fmt.Fprintf(w, "ikeflow %s: --ladder applies to the %s formats only; ignored for %s\n", cmd, formatNames(use, ", ", " and ",
		func(f *outputFormat) bool { return f.ladder != ladderNo }), f.name)
}

// formatHelp lists the formats of a use for --help: name, doc, and whether
// it streams, draws sequence diagrams or has other names.
func formatHelp(use formatUse, title string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s (%s):\n", title, use.flag())
	for _, f := range formatsFor(use) {
		fmt.Fprintf(&b, "  %-9s %s%s\n", f.name, f.doc, formatTraits(f, use))
	}
	return b.String()
}

// formatTraits is what --help and the docs add to a format's doc line.
func formatTraits(f *outputFormat, use formatUse) string {
	var t []string
	if len(f.aliases) > 0 {
		t = append(t, "also "+strings.Join(f.aliases, ", "))
	}
	if f.streams && use == useAnalyze {
		t = append(t, "written as SAs finish")
	}
	switch f.ladder {
	case ladderFlag:
		t = append(t, "--ladder adds sequence diagrams")
	case ladderAlways:
		t = append(t, "sequence diagrams always")
	}
	if f.decoded && use == useAnalyze {
		t = append(t, "every message decoded, from a second read of the captures")
	}
	if len(t) == 0 {
		return ""
	}
	return " (" + strings.Join(t, "; ") + ")"
}

// formatDocTable is the Markdown table of every format that README.md
// carries (TestOutputFormatDocs compares them).
func formatDocTable() string {
	var b strings.Builder
	b.WriteString("| format | `analyze --format` | `live --report` | `live --format` | written | sequence diagrams | what |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for i := range outputFormats {
		f := &outputFormats[i]
		mark := func(u formatUse) string {
			if f.uses&u != 0 {
				return "✓"
			}
			return ""
		}
		written, ladder := "at the end", [...]string{"no", "with `--ladder`", "always"}[f.ladder]
		switch {
		case f.uses == useLiveEvents && f.event != nil:
			written, ladder = "per event", "-"
		case f.report == nil && f.event == nil:
			written, ladder = "-", "-"
		case f.streams:
			written = "as each SA ends (`analyze`)"
		}
		name := "`" + f.name + "`"
		for _, a := range f.aliases {
			name += ", `" + a + "`"
		}
		doc := f.doc
		if f.decoded {
			doc += "; `analyze` decodes every message, reading the captures a second time"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", name, mark(useAnalyze), mark(useLiveReport), mark(useLiveEvents), written, ladder, doc)
	}
	return b.String()
}
