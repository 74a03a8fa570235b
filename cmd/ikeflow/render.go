package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/flows"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// saRow is the display form of one IKE SA, shared by the table, markdown
// and CSV renderers.
type saRow struct {
	n                           int
	start, peers, version, spis string
	state, proposal, children   string
}

func saRows(rep *flows.Report, sep string) []saRow {
	rows := make([]saRow, 0, len(rep.SAs))
	for i, sa := range rep.SAs {
		v := "v" + strconv.Itoa(sa.Version)
		if sa.Mode != "" {
			v += " " + sa.Mode
		}
		if sa.Transport != "" {
			v += " " + sa.Transport // IKE over TCP (RFC 8229)
		}
		r := saRow{
			n:        i + 1,
			start:    sa.Start.UTC().Format("2006-01-02 15:04:05.000"),
			peers:    sa.Initiator.String() + " → " + sa.Responder.String(),
			version:  v,
			spis:     sa.SPIi.String() + sep + sa.SPIr.String(),
			state:    sa.State.String(),
			proposal: sa.Proposal,
			children: childSummary(sa, sep),
		}
		if sa.NAT != "" {
			r.peers += sep + "NAT: " + sa.NAT
		}
		if n := keyNote(sa); n != "" {
			r.state += " (encrypted, " + n + ")"
		}
		rows = append(rows, r)
	}
	return rows
}

// childSummary returns appendChildSummary's text ("-" without child SAs).
func childSummary(sa *flows.SA, sep string) string {
	var buf [256]byte // on the stack: the string is the one allocation
	return string(appendChildSummary(buf[:0], sa, sep))
}

// frameList prints frames compactly: "3, 6, 9" or "3, 6, … (12 frames)".
func frameList(fr []int) string {
	const max = 8
	var b strings.Builder
	for i, f := range fr {
		if i == max {
			fmt.Fprintf(&b, ", … (%d frames)", len(fr))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(f))
	}
	return b.String()
}

// saIndex maps "spii/spir" to the SA's row number.
func saIndex(rep *flows.Report) map[string]int {
	m := make(map[string]int, len(rep.SAs))
	for i, sa := range rep.SAs {
		m[sa.Name()] = i + 1
	}
	return m
}

func saRef(idx map[string]int, name string) string {
	if name == "" {
		return "-"
	}
	if n, ok := idx[name]; ok {
		return "#" + strconv.Itoa(n)
	}
	return name
}

// wrap breaks text into lines of at most width runes at spaces.
//
// It writes into one builder and counts the runes of the line as it goes:
// building each line by concatenation and counting its runes again for
// every word (a []rune conversion) was quadratic in the words of a line
// and allocated twice per word, a third of the summary view's rendering
// after the analysis (the findings-by-kind table's examples: big10k's
// retransmit example has 700 words).
func wrap(text string, width int) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/max(width, 1) + 1)
	for i, para := range strings.Split(text, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		n := 0 // runes on the line so far (0: the line is empty)
		for _, w := range strings.Fields(para) {
			wn := utf8.RuneCountInString(w)
			switch {
			case n > 0 && n+1+wn > width:
				b.WriteByte('\n')
				n = 0
			case n > 0:
				b.WriteByte(' ')
				n++
			}
			b.WriteString(w)
			n += wn
		}
	}
	return b.String()
}

func paint(color bool, sev flows.Severity, s string) string {
	if !color {
		return s
	}
	switch sev {
	case flows.SeverityError:
		return "\x1b[31m" + s + "\x1b[0m"
	case flows.SeverityWarning:
		return "\x1b[33m" + s + "\x1b[0m"
	}
	return s
}

func newASCIITable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(newPlainRows(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
}

func newMarkdownTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewMarkdown()),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
	)
}

func summaryLine(rep *flows.Report) string {
	st := rep.Stats
	s := fmt.Sprintf("%d IKE SA%s, %d IKE message%s", st.IKESAs, plural(st.IKESAs), st.IKEPackets, plural(st.IKEPackets))
	if st.Decrypted > 0 || st.DecryptFailed > 0 {
		// Next to the IKE messages they count: after the ESP packets they
		// read as ESP decrypted, which ikeflow does not do.
		s += fmt.Sprintf(" (%d decrypted, %d could not be decrypted)", st.Decrypted, st.DecryptFailed)
	}
	return s + fmt.Sprintf(", %d ESP packet%s", st.ESPPackets, plural(st.ESPPackets))
}

// renderOpts says how a table or markdown report is laid out.
type renderOpts struct {
	// width is the widest line allowed (a terminal's columns); 0 means no
	// limit: the wide tables, as for a file or a pipe.
	width  int
	color  bool       // paint severities (terminals)
	ladder bool       // draw a sequence diagram per SA
	refs   *frameRefs // names frames; nil: plain numbers
	inputs []string   // the captures (HTML title); nil for live
	// recycle lets a streaming writer hand each SA's exchange storage
	// back once it has written the SA (flows.Recycle): analyze sets it,
	// as nothing else keeps its SAs; live keeps them for its final report.
	recycle bool
}

// renderTable writes the verdict, the SA table, the findings (each text
// once) and the ladders. When o.width is set and the tables would be wider,
// it writes the narrow layout instead (one block per SA).
func renderTable(w io.Writer, rep *flows.Report, o renderOpts) error {
	fi := indexFindings(rep)
	if o.width <= 0 {
		return renderWide(w, rep, fi, o)
	}
	var buf bytes.Buffer
	if err := renderWide(&buf, rep, fi, o); err != nil {
		return err
	}
	if maxLineWidth(buf.String()) <= o.width {
		_, err := w.Write(buf.Bytes())
		return err
	}
	return renderNarrow(w, rep, fi, o)
}

// writeVerdict writes the verdict (see verdict) and the capture line,
// each entry wrapped to o.width (0: not wrapped) under a hanging indent.
func writeVerdict(w io.Writer, rep *flows.Report, fi *findingIndex, o renderOpts) {
	writeEntries(w, verdict(rep, fi, o.refs), rep, o)
}

// renderWide writes the wide layout: verdict, SA table, findings table,
// ladders.
func renderWide(w io.Writer, rep *flows.Report, fi *findingIndex, o renderOpts) error {
	writeVerdict(w, rep, fi, o)
	if len(rep.SAs) > 0 {
		fmt.Fprintln(w)
		t := newASCIITable(w)
		t.Header("#", "Start (UTC)", "Initiator → Responder", "IKE", "SPIs i/r", "State", "Proposal", "Child SAs", "Findings")
		for _, r := range saRows(rep, "\n") {
			fnd := strings.Join(fi.saFindingRefs(r.n), "\n")
			if fnd == "" {
				fnd = "-"
			}
			if err := t.Append([]string{strconv.Itoa(r.n), r.start, r.peers, r.version, r.spis, r.state, wrap(r.proposal, 28), r.children, fnd}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if len(fi.groups) > 0 {
		fmt.Fprintln(w, "\nFindings (most severe first; each text once, with every SA it concerns):")
		t := newASCIITable(w)
		t.Header("#", "Severity", "Kind", "SA", "Frames", "What happened, what to check")
		for _, g := range fi.groups {
			if err := t.Append([]string{g.label(), paint(o.color, g.sev, g.sev.String()), g.kind, wrap(groupSAs(g, 8), 12), wrap(o.refs.list(g.frames, 8), 16), wrap(g.msg, 72)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(w, "\nNo findings.")
	}
	if o.ladder {
		writeLadders(w, rep, fi, o, 0)
	}
	return nil
}

// writeLadders writes the sequence diagram of every SA, width-limited;
// findings point to their text in the findings list.
func writeLadders(w io.Writer, rep *flows.Report, fi *findingIndex, o renderOpts, width int) {
	for i, sa := range rep.SAs {
		fmt.Fprintf(w, "\nIKE SA #%d %s\n%s", i+1, sa.Name(), flows.LadderWith(sa, ladderOpts(fi, o, width)))
	}
}

// ladderOpts returns the ladder options of a report: frames named by
// o.refs, findings pointing to their group.
func ladderOpts(fi *findingIndex, o renderOpts, width int) flows.LadderOptions {
	return flows.LadderOptions{Width: width, Frame: o.refs.ref, FindingRef: fi.ref}
}

// maxLineWidth returns the widest line of s in characters, not counting
// ANSI colour sequences.
func maxLineWidth(s string) int {
	widest := 0
	for line := range strings.SplitSeq(s, "\n") {
		widest = max(widest, visibleWidth(line))
	}
	return widest
}

// visibleWidth is the width of a line in characters, without ANSI colour
// sequences.
func visibleWidth(line string) int {
	n, esc := 0, false
	for _, r := range line {
		switch {
		case esc:
			esc = r != 'm'
		case r == '\x1b':
			esc = true
		default:
			n++
		}
	}
	return n
}

// mdCell makes text safe inside a markdown table cell.
func mdCell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", "<br>")
}

// renderMarkdown writes the same content as the table, ready for a ticket.
func renderMarkdown(w io.Writer, rep *flows.Report, o renderOpts) error {
	fi := indexFindings(rep)
	writeMarkdownVerdict(w, verdict(rep, fi, o.refs))
	fmt.Fprintf(w, "\n**ikeflow:** %s\n\n", summaryLine(rep))
	markdownCaptureNotes(w, rep)
	if len(rep.SAs) > 0 {
		fmt.Fprint(w, "### IKE SAs\n\n")
		err := writeMarkdownSAs(w, rep, func(n int) string {
			if fnd := strings.Join(fi.saFindingRefs(n), "<br>"); fnd != "" {
				return fnd
			}
			return "-"
		})
		if err != nil {
			return err
		}
	}
	fmt.Fprint(w, "\n### Findings\n\n")
	if len(fi.groups) == 0 {
		fmt.Fprintln(w, "No findings.")
	} else {
		t := newMarkdownTable(w)
		t.Header("#", "Severity", "Kind", "SA", "Frames", "What happened, what to check")
		for _, g := range fi.groups {
			if err := t.Append([]string{g.label(), g.sev.String(), g.kind, groupSAs(g, 8), mdCell(o.refs.list(g.frames, 8)), mdCell(g.msg)}); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}
	if o.ladder {
		for i, sa := range rep.SAs {
			fmt.Fprintf(w, "\n#### IKE SA #%d `%s`\n\n```\n%s```\n", i+1, sa.Name(), flows.LadderWith(sa, ladderOpts(fi, o, 0)))
		}
	}
	return nil
}

// mdText escapes the characters markdown would interpret in running text.
func mdText(s string) string {
	r := strings.NewReplacer("\\", "\\\\", "*", "\\*", "`", "\\`", "<", "&lt;", "[", "\\[")
	return r.Replace(s)
}

// csvStream writes one CSV row per finding as SAs are finalised (an SA
// without findings gets one row with empty finding columns), then the
// capture-wide findings: a flat table for spreadsheets. The rows are
// encoded into buf (csv_append.go) and written every flushBytes.
type csvStream struct {
	w    io.Writer
	buf  []byte // encoded rows not yet written
	base []byte // reused: the SA columns of the rows of one SA
	kids []byte // reused: the child_sas column of one SA, before quoting
	n    int
	refs *frameRefs
	err  error // the first write error; nothing is written after it
}

func newCSVStream(w io.Writer, refs *frameRefs) *csvStream {
	return &csvStream{w: w, refs: refs}
}

// csvHeader is the header row.
//
// transport, "udp" or "tcp" (RFC 8229), comes last, after the columns of
// the earlier versions, so that scripts reading columns by position keep
// working; it is empty on capture-wide rows.
const csvHeader = "sa,version,initiator,responder,spi_i,spi_r,state,proposal,child_sas,severity,kind,frames,message,transport\n"

// begin writes the header row.
func (c *csvStream) begin() error {
	c.buf = append(c.buf, csvHeader...)
	return c.flush(false)
}

// flush writes the rows encoded so far: all of them when all is set,
// else once flushBytes are waiting.
func (c *csvStream) flush(all bool) error {
	if c.err == nil && len(c.buf) > 0 && (all || len(c.buf) >= flushBytes) {
		_, c.err = c.w.Write(c.buf)
		c.buf = c.buf[:0]
	}
	return c.err
}

// csvFrames lists frames separated by spaces ("3 4", or "a.pcap#3 b.pcap#4"
// with several input files).
func csvFrames(fr []int, refs *frameRefs) string {
	s := make([]string, len(fr))
	for i, f := range fr {
		s[i] = refs.ref(f)
	}
	return strings.Join(s, " ")
}

// appendFinding appends the finding columns of a row (severity, kind,
// frames, message) and the transport (may be empty), and ends it.
func (c *csvStream) appendFinding(f *flows.Finding, transport string) {
	b := append(c.buf, f.Severity.String()...) // a word: never quoted
	b = append(b, ',')
	b = appendCSVField(b, string(f.Kind))
	b = append(b, ',')
	if c.refs == nil {
		// Frame numbers and spaces, beginning with a digit: never quoted.
		for i, fr := range f.Frames {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, int64(fr), 10)
		}
	} else {
		b = appendCSVField(b, csvFrames(f.Frames, c.refs))
	}
	b = append(b, ',')
	b = appendCSVField(b, f.Message)
	b = append(b, ',')
	b = append(b, transport...) // a word: never quoted
	c.buf = append(b, '\n')
}

// csvTransport is the transport column of sa's rows.
func csvTransport(sa *flows.SA) string {
	if sa.Transport == "" {
		return "udp"
	}
	return sa.Transport
}

func (c *csvStream) add(sa *flows.SA) error {
	c.n++
	b := strconv.AppendInt(c.base[:0], int64(c.n), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(sa.Version), 10)
	b = append(b, ',')
	b = appendCSVAddrPort(b, sa.Initiator)
	b = append(b, ',')
	b = appendCSVAddrPort(b, sa.Responder)
	b = append(b, ',')
	b = hex.AppendEncode(b, sa.SPIi[:]) // hex digits, as SPI.String: never quoted
	b = append(b, ',')
	b = hex.AppendEncode(b, sa.SPIr[:])
	b = append(b, ',')
	b = appendCSVField(b, sa.State.String())
	b = append(b, ',')
	b = appendCSVField(b, sa.Proposal)
	b = append(b, ',')
	c.kids = appendChildSummary(c.kids[:0], sa, "; ")
	b = appendCSVField(b, c.kids)
	c.base = append(b, ',')
	tr := csvTransport(sa)
	if len(sa.Findings) == 0 {
		c.buf = append(c.buf, c.base...)
		c.buf = append(c.buf, ",,,,"...)
		c.buf = append(c.buf, tr...)
		c.buf = append(c.buf, '\n')
	}
	for i := range sa.Findings {
		c.buf = append(c.buf, c.base...)
		c.appendFinding(&sa.Findings[i], tr)
	}
	return c.flush(false)
}

func (c *csvStream) end(rep *flows.Report) error {
	for i := range rep.Findings {
		if f := &rep.Findings[i]; f.SA == "" {
			c.buf = append(c.buf, ",,,,,,,,,"...)
			c.appendFinding(f, "")
		}
	}
	return c.flush(true)
}

// keyNote says, in a few words, why some of an SA's encrypted messages were
// not read: "no keys" when none were given for it, "key does not verify"
// (with the direction) when the key given fails the integrity check, "not
// all decrypted" when the keys verify but some messages could not be
// opened all the same (an IKEv1 message the capture lacks whole, a
// fragment missing, breaks the IV chain of the next one), "keys unusable:
// capture incomplete" when keys were given but nothing opened because the
// capture lacks the phase-1 messages the cipher or the IVs come from, ""
// when everything encrypted was read.
func keyNote(sa *flows.SA) string {
	if k := sa.Keys; k != nil {
		switch {
		case k.Initiator == flows.KeyFailed && k.Responder == flows.KeyFailed:
			return "key does not verify"
		case k.Initiator == flows.KeyFailed:
			return "key does not verify from initiator"
		case k.Responder == flows.KeyFailed:
			return "key does not verify from responder"
		case sa.Encrypted && (k.Initiator == flows.KeyVerified || k.Responder == flows.KeyVerified) &&
			(k.Initiator == flows.KeyVerified || k.Initiator == flows.KeyNotTried) &&
			(k.Responder == flows.KeyVerified || k.Responder == flows.KeyNotTried):
			return "not all decrypted"
		case sa.Encrypted && (k.Initiator == flows.KeyVerified || k.Responder == flows.KeyVerified) &&
			(k.Initiator == flows.KeyIncomplete || k.Responder == flows.KeyIncomplete):
			return "not all decrypted"
		case k.Initiator == flows.KeyIncomplete || k.Responder == flows.KeyIncomplete:
			// Keys given, none opened anything: the capture lacks the
			// phase-1 messages the cipher or the IVs come from.
			return "keys unusable: capture incomplete"
		}
	}
	if sa.Encrypted {
		return "no keys"
	}
	return ""
}

// writeMarkdownSAs writes the markdown table of rep's IKE SAs, one row an
// SA, its last cell what findings returns for the SA's number; '|' in any
// cell is escaped.
func writeMarkdownSAs(w io.Writer, rep *flows.Report, findings func(n int) string) error {
	t := newMarkdownTable(w)
	t.Header("#", "Start (UTC)", "Initiator → Responder", "IKE", "SPIs i/r", "State", "Proposal", "Child SAs", "Findings")
	for _, r := range saRows(rep, "<br>") {
		cells := []string{strconv.Itoa(r.n), r.start, r.peers, r.version, r.spis, r.state, r.proposal, r.children, findings(r.n)}
		for i := range cells {
			cells[i] = strings.ReplaceAll(cells[i], "|", `\|`)
		}
		if err := t.Append(cells); err != nil {
			return err
		}
	}
	return t.Render()
}

// writeMarkdownVerdict writes a verdict as markdown: the first entry as the
// verdict line, the others as a list.
func writeMarkdownVerdict(w io.Writer, entries []verdictEntry) {
	for i, v := range entries {
		switch {
		case i == 0:
			fmt.Fprintf(w, "**Verdict:** %s\n\n", mdText(v.Text))
		case v.Sev == "":
			fmt.Fprintf(w, "- %s\n", mdText(v.Text))
		default:
			fmt.Fprintf(w, "- **%s** %s\n", v.Sev, mdText(v.Text))
		}
	}
}
