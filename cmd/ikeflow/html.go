package main

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ikeflow/ikeflow/flows"
)

//go:embed report.html.tmpl
var htmlTemplateText string

// htmlTemplate returns the template of the HTML report. html/template
// escapes every value for its context: capture content (identities,
// vendor strings, payload text) is hostile. It is parsed on first use, not
// when the program starts: parsing it took about half of the start-up
// of every command (package main's initialisation, 1.0 ms of 4.5), for a
// format few runs use.
var htmlTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("report").Funcs(template.FuncMap{
		"lower": strings.ToLower,
		"add":   func(a, b int) int { return a + b },
		"sub":   func(a, b int) int { return a - b },
	}).Parse(htmlTemplateText))
})

// openLimit is the number of SAs up to which the problem SAs' sections
// are open when the page loads; above it every SA section starts closed.
// Up to openAll SAs, every section is open.
const (
	openLimit = 20
	openAll   = 5
)

// htmlPage is the data of the HTML report.
type htmlPage struct {
	Title      string
	Inputs     []string // the captures, as given
	Headline   string
	Worst      string // most severe verdict entry: "error", "warning" or ""
	Verdict    []verdictEntry
	Capture    string
	Notes      []string // Report.CaptureNotes
	NotesHead  string
	Legend     string
	Summarised bool   // too many SAs: the summary view
	Summary    string // the summary view's explanation
	SAs        []*htmlSA
	MoreProb   int // summary view: problem SAs not listed
	Severities []htmlSeverity
	Note       string // decoded payloads: what is missing and why
}

// htmlSeverity is a section of findings of one severity.
type htmlSeverity struct {
	Name   string // "error", "warning", "info"
	Title  string
	Groups []*htmlGroup
}

// htmlGroup is one finding text (a findingGroup) with the SAs it concerns.
type htmlGroup struct {
	ID, Kind, Sev, Message, Frames string
	SAs                            []htmlLink
}

// htmlLink is a link to an SA section.
type htmlLink struct {
	Text, Anchor string
}

// htmlSA is one IKE SA: a table row and a section.
type htmlSA struct {
	N                                   int
	Anchor                              string
	Start, Peers, NAT, Version, SPIs    string
	State, StateClass, Proposal, Frames string
	Offered                             []string
	Encrypted                           string // keyNote: why encrypted messages were not read, or ""
	RekeyedFrom, RekeyedTo              string
	Findings                            []htmlLink // "F2 error no_proposal_chosen" → #f2
	FindingSevs                         []string   // severity per Findings entry
	Worst                               string     // "error", "warning", "info" or ""
	Open                                bool
	Children                            []htmlChild
	UnreadQM                            string // unreadQuickModes, when the SA has no child SAs but such quick modes
	Seq                                 *seqDiagram
	Messages                            []htmlMessage
}

// htmlChild is one child SA.
type htmlChild struct {
	Protocol, SPIs, State, Proposal string
	TSi, TSr                        string
	TSiOffered, TSrOffered          string // "" when not narrowed
	ESPItoR, ESPRtoI                uint64
	Created, Deleted                string
	Inferred                        bool
}

// htmlMessage is one IKE message with its decoded payloads.
type htmlMessage struct {
	Frame, Time, Dir, Exchange, Payloads string
	Size                                 int
	Retransmit                           bool
	Decoded                              string // dissect text, "" when unavailable
	n                                    int    // frame number in the analysis, for ordering
}

// frameLabel names a frame as the ladder does: "#12", or "b.pcap#12" with
// several inputs.
func frameLabel(refs *frameRefs, n int) string {
	if refs.multi() {
		return refs.ref(n)
	}
	return "#" + refs.ref(n)
}

// wantedFrames returns the frames (per input file) of every message of the
// report's SAs: those the HTML report shows decoded.
func wantedFrames(rep *flows.Report, refs *frameRefs) map[frameKey]bool {
	m := map[frameKey]bool{}
	for _, sa := range rep.SAs {
		for _, ex := range sa.Exchanges {
			for _, msg := range ex.Messages {
				m[refs.key(msg.Frame)] = true
			}
		}
	}
	return m
}

// renderHTML writes the report as one self-contained HTML page: verdict,
// SA table, findings by severity, and per SA a sequence diagram, the child
// SAs and the decoded messages. Large captures get the summary view.
func renderHTML(w io.Writer, rep *flows.Report, col *collector, o renderOpts, dm *decodedMessages) error {
	p := &htmlPage{Title: "ikeflow report", Capture: summaryLine(rep), Legend: o.refs.legend(), Inputs: o.inputs,
		Notes: rep.CaptureNotes, NotesHead: captureNotesHead}
	if len(o.inputs) > 0 {
		p.Title = "ikeflow: " + strings.Join(o.inputs, ", ")
	}
	if dm != nil {
		p.Note = dm.note
	} else {
		p.Note = "Decoded payloads are not part of this report (live capture): each message shows its payload summary."
	}
	view := rep
	if col != nil && col.summarised() {
		p.Summarised = true
		var states []string
		for _, st := range []string{"established", "deleted", "rekeyed", "failed", "half_open", "incomplete"} {
			if n := col.byState[st]; n > 0 {
				states = append(states, fmt.Sprintf("%s %d", st, n))
			}
		}
		p.Summary = fmt.Sprintf("%d IKE SAs (IKEv2 %d, IKEv1 %d): %s. Too many to show each: below are the SAs with warnings or errors (at most %d, sections closed) and their findings, each text once; the verdict counts every SA. Narrow with --peer or --spi, or use --format json for everything.",
			col.total, col.byVer[2], col.byVer[1], strings.Join(states, ", "), problemLimit)
		p.MoreProb = col.moreProb
		view = problemsView(rep, col.problems)
	}
	fi := indexFindings(view)
	entries := verdict(view, fi, o.refs)
	if p.Summarised {
		entries = summaryVerdict(col, col.kindGroups(rep), len(rep.CaptureNotes))
	}
	for i, v := range entries {
		if i == 0 {
			p.Headline = v.Text
			continue
		}
		p.Verdict = append(p.Verdict, v)
		if v.Sev == "error" || (v.Sev == "warning" && p.Worst == "") {
			p.Worst = v.Sev
		}
	}
	for _, sev := range []struct{ name, title string }{{"error", "Errors"}, {"warning", "Warnings"}, {"info", "Info"}} {
		s := htmlSeverity{Name: sev.name, Title: sev.title}
		for _, g := range fi.groups {
			if g.sev.String() != sev.name {
				continue
			}
			hg := &htmlGroup{ID: g.label(), Kind: g.kind, Sev: sev.name, Message: g.msg, Frames: o.refs.list(g.frames, 12)}
			for _, n := range g.sas {
				if n == 0 {
					hg.SAs = append(hg.SAs, htmlLink{Text: "capture"})
				} else {
					hg.SAs = append(hg.SAs, htmlLink{Text: "#" + strconv.Itoa(n), Anchor: "sa-" + strconv.Itoa(n)})
				}
			}
			s.Groups = append(s.Groups, hg)
		}
		if len(s.Groups) > 0 {
			p.Severities = append(p.Severities, s)
		}
	}
	idx := saIndex(view)
	for i, sa := range view.SAs {
		h := htmlSAOf(i+1, sa, fi, idx, o, dm)
		switch {
		case p.Summarised || len(view.SAs) > openLimit:
		case len(view.SAs) <= openAll:
			h.Open = true
		default:
			h.Open = h.Worst == "error" || h.Worst == "warning" || sa.State == flows.StateFailed
		}
		p.SAs = append(p.SAs, h)
	}
	return htmlTemplate().Execute(w, p)
}

// htmlSAOf builds the table row and section of SA number n.
func htmlSAOf(n int, sa *flows.SA, fi *findingIndex, idx map[string]int, o renderOpts, dm *decodedMessages) *htmlSA {
	h := &htmlSA{
		N:        n,
		Anchor:   "sa-" + strconv.Itoa(n),
		Start:    sa.Start.UTC().Format("2006-01-02 15:04:05.000"),
		Peers:    sa.Initiator.String() + " → " + sa.Responder.String(),
		NAT:      sa.NAT,
		Version:  "IKEv" + strconv.Itoa(sa.Version),
		SPIs:     sa.SPIi.String() + " / " + sa.SPIr.String(),
		State:    sa.State.String(),
		Proposal: sa.Proposal,
		Offered:  sa.Offered,
		Frames:   o.refs.span(sa.FirstFrame, sa.LastFrame),
	}
	if sa.Mode != "" {
		h.Version += " " + sa.Mode
	}
	if sa.Transport == "tcp" {
		h.Version += " over TCP"
	}
	h.Encrypted = keyNote(sa)
	switch sa.State {
	case flows.StateFailed, flows.StateHalfOpen:
		h.StateClass = "bad"
	case flows.StateIncomplete:
		h.StateClass = "unknown"
	case flows.StateEstablished:
		h.StateClass = "ok"
	default: // deleted, rekeyed: came up, ended
		h.StateClass = "ended"
	}
	if sa.RekeyedFrom != "" {
		h.RekeyedFrom = saRef(idx, sa.RekeyedFrom)
	}
	if sa.RekeyedTo != "" {
		h.RekeyedTo = saRef(idx, sa.RekeyedTo)
	}
	if n <= len(fi.bySA) {
		for _, g := range fi.bySA[n-1] {
			h.Findings = append(h.Findings, htmlLink{Text: g.label() + " " + g.sev.String() + " " + g.kind, Anchor: strings.ToLower(g.label())})
			h.FindingSevs = append(h.FindingSevs, g.sev.String())
			if h.Worst == "" {
				h.Worst = g.sev.String()
			}
		}
	}
	for _, c := range sa.ChildSAs {
		hc := htmlChild{Protocol: c.Protocol, SPIs: c.SPIi.String() + " / " + c.SPIr.String(), State: string(c.State), Proposal: c.Proposal,
			TSi: strings.Join(c.TSi, ", "), TSr: strings.Join(c.TSr, ", "),
			TSiOffered: strings.Join(c.TSiOffered, ", "), TSrOffered: strings.Join(c.TSrOffered, ", "),
			ESPItoR: c.ESPPackets.IToR, ESPRtoI: c.ESPPackets.RToI, Inferred: c.Inferred}
		if c.CreatedFrame > 0 {
			hc.Created = o.refs.ref(c.CreatedFrame)
		}
		if c.DeletedFrame > 0 {
			hc.Deleted = o.refs.ref(c.DeletedFrame)
		}
		h.Children = append(h.Children, hc)
	}
	if len(sa.ChildSAs) == 0 && sa.UnreadQuickModes > 0 {
		h.UnreadQM = unreadQuickModes(sa.UnreadQuickModes)
	}
	h.Seq = buildSeq(sa, o.refs)
	var msgs []htmlMessage
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			hm := htmlMessage{Frame: frameLabel(o.refs, m.Frame), Time: m.Time.UTC().Format("15:04:05.000000"),
				Exchange: ex.Type.String() + " mid " + strconv.FormatUint(uint64(ex.MID), 10), Payloads: m.Payloads,
				Size: m.Size, Retransmit: m.Retransmit, n: m.Frame}
			if m.Label != "" {
				hm.Exchange = m.Label + " " + hm.Exchange
			}
			hm.Dir = "initiator → responder"
			if m.From == "responder" {
				hm.Dir = "responder → initiator"
			}
			if dm != nil {
				hm.Decoded = dm.text[o.refs.key(m.Frame)]
			}
			msgs = append(msgs, hm)
		}
	}
	slices.SortStableFunc(msgs, func(x, y htmlMessage) int { return x.n - y.n })
	h.Messages = msgs
	return h
}
