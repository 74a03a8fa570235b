package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/ikeflow/ikeflow/flows"
)

// findingGroup is one finding text shown once: every finding of the report
// with the same severity, kind and message, whichever SAs it concerns. The
// SA rows point to it by its label ("F2"), so a paragraph that applies to
// many SAs (NAT detected, weak crypto) is printed once.
type findingGroup struct {
	id     int // 1-based; printed as "F<id>"
	sev    flows.Severity
	kind   string
	msg    string
	sas    []int         // SA numbers (1-based rows) in first-seen order; 0 for capture-wide findings
	frames []int         // every frame of every finding of the group, in report order
	first  int           // first frame of the first finding
	n      int           // findings in the group
	causes []flows.Cause // the ranked causes (flows.Finding.Causes) of the first finding
}

// label returns "F<id>".
func (g *findingGroup) label() string { return "F" + strconv.Itoa(g.id) }

// findingIndex groups a report's findings and knows which groups concern
// which SA.
type findingIndex struct {
	groups []*findingGroup   // errors first, then warnings, then info; by first frame within a severity
	bySA   [][]*findingGroup // per SA row (index = row-1), in the order of groups
	global []*findingGroup   // groups with capture-wide findings
}

// maxGroupFrames bounds the frames kept per finding group (the text shows at
// most a few; JSON and CSV keep every finding).
const maxGroupFrames = 64

// indexFindings groups rep.Findings (see findingGroup) and orders the
// groups by severity, most severe first, then by first frame.
func indexFindings(rep *flows.Report) *findingIndex {
	idx := saIndex(rep)
	type key struct {
		sev       flows.Severity
		kind, msg string
	}
	byKey := map[key]*findingGroup{}
	var groups []*findingGroup
	for _, f := range rep.Findings {
		k := key{f.Severity, string(f.Kind), f.Message}
		g := byKey[k]
		if g == nil {
			g = &findingGroup{sev: f.Severity, kind: string(f.Kind), msg: f.Message, first: f.Order(), causes: f.Causes}
			byKey[k] = g
			groups = append(groups, g)
		}
		g.n++
		n := 0
		if f.SA != "" {
			n = idx[f.SA]
		}
		if !slices.Contains(g.sas, n) {
			g.sas = append(g.sas, n)
		}
		for _, fr := range f.Frames {
			if len(g.frames) < maxGroupFrames {
				g.frames = append(g.frames, fr)
			}
		}
	}
	slices.SortStableFunc(groups, func(x, y *findingGroup) int {
		if x.sev != y.sev {
			return int(y.sev) - int(x.sev)
		}
		return x.first - y.first
	})
	fi := &findingIndex{groups: groups, bySA: make([][]*findingGroup, len(rep.SAs))}
	for i, g := range groups {
		g.id = i + 1
		for _, n := range g.sas {
			if n == 0 {
				fi.global = append(fi.global, g)
			} else if n <= len(fi.bySA) {
				fi.bySA[n-1] = append(fi.bySA[n-1], g)
			}
		}
	}
	return fi
}

// saFindingRefs lists the finding groups of SA row n as
// "F2 error no_proposal_chosen" items, or nil when it has none.
func (fi *findingIndex) saFindingRefs(n int) []string { return fi.saFindings(n, true) }

// saFindings lists the finding groups of SA row n as "F2 error
// no_proposal_chosen" (labels) or "error no_proposal_chosen" items.
func (fi *findingIndex) saFindings(n int, labels bool) []string {
	if n < 1 || n > len(fi.bySA) {
		return nil
	}
	var out []string
	for _, g := range fi.bySA[n-1] {
		s := g.sev.String() + " " + g.kind
		if labels {
			s = g.label() + " " + s
		}
		out = append(out, s)
	}
	return out
}

// ref returns the label of the group holding f ("F2"), or "" if none.
func (fi *findingIndex) ref(f flows.Finding) string {
	for _, g := range fi.groups {
		if g.sev == f.Severity && g.kind == string(f.Kind) && g.msg == f.Message {
			return g.label()
		}
	}
	return ""
}

// groupSAs formats the SAs of a group as "#1, #3" ("capture" for
// capture-wide findings), at most max of them.
func groupSAs(g *findingGroup, max int) string {
	var parts []string
	for i, n := range g.sas {
		if i == max {
			parts = append(parts, fmt.Sprintf("… (%d SAs)", len(g.sas)))
			break
		}
		if n == 0 {
			parts = append(parts, "capture")
		} else {
			parts = append(parts, "#"+strconv.Itoa(n))
		}
	}
	return strings.Join(parts, ", ")
}

// firstSentence returns the text up to and including the first full stop
// that ends a sentence (followed by a space and an upper-case letter, or by
// the end of the text).
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			continue
		}
		if i+1 == len(s) {
			return s
		}
		if s[i+1] == ' ' && i+2 < len(s) && unicode.IsUpper(rune(s[i+2])) {
			return s[:i+1]
		}
	}
	return s
}

// likelyCause returns the first ranked cause of an SA's
// authentication_failed_evidence finding, or false when the SA has none.
func likelyCause(groups []*findingGroup) (flows.Cause, bool) {
	for _, g := range groups {
		if g.kind == string(flows.KindAuthFailedEvidence) && len(g.causes) > 0 {
			return g.causes[0], true
		}
	}
	return flows.Cause{}, false
}

// verdictLimit bounds the per-SA lines of the verdict; the rest is counted.
const verdictLimit = 20

// verdictEntry is one line of the verdict: a severity and a text.
type verdictEntry struct {
	Sev  string // "error", "warning", "info", or "" for the headline and notes
	Text string
}

// problemSA reports whether an SA belongs in the verdict: a warning or
// error finding, or a state that says it did not come up.
func problemSA(sa *flows.SA, fs []*findingGroup) (flows.Severity, bool) {
	worst, any := flows.SeverityInfo, false
	for _, g := range fs {
		if g.sev > flows.SeverityInfo {
			worst, any = max(worst, g.sev), true
		}
	}
	if !any && (sa.State == flows.StateFailed || sa.State == flows.StateHalfOpen) {
		return flows.SeverityWarning, true
	}
	return worst, any
}

// partialAnalysis is what a verdict's headline adds when the captures had
// n problems (Report.CaptureNotes: damaged records, fragments cut short,
// a file that ends mid-record): its counts and "no errors or warnings"
// are then about what could be read, and the headline says so rather
// than leave it to the list further down.
func partialAnalysis(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" The analysis is partial: %d capture problem%s (see %s).", n, plural(n), captureNotesTitle)
}

// verdict builds the summary printed at the top of every report: a
// headline with the SA states, one line per problem SA (what failed and
// the most severe finding), capture-wide problems, then the info kinds.
// Errors come before warnings before info. refs formats frame numbers.
func verdict(rep *flows.Report, fi *findingIndex, refs *frameRefs) []verdictEntry {
	var out []verdictEntry
	states := map[flows.State]int{}
	for _, sa := range rep.SAs {
		states[sa.State]++
	}
	var probs []verdictProb
	quiet := 0 // problem SAs without a warning or error finding
	for i, sa := range rep.SAs {
		if sev, ok := problemSA(sa, fi.bySA[i]); ok {
			probs = append(probs, verdictProb{i + 1, sev})
			if !hasProblemFinding(fi.bySA[i]) {
				quiet++
			}
		}
	}
	slices.SortStableFunc(probs, func(x, y verdictProb) int { return int(y.sev) - int(x.sev) })
	head := fmt.Sprintf("%d IKE SA%s", len(rep.SAs), plural(len(rep.SAs)))
	var st []string
	for _, s := range []flows.State{flows.StateEstablished, flows.StateRekeyed, flows.StateDeleted, flows.StateFailed, flows.StateHalfOpen, flows.StateIncomplete} {
		if n := states[s]; n > 0 {
			st = append(st, fmt.Sprintf("%d %s", n, s))
		}
	}
	if len(st) > 0 {
		head += " (" + strings.Join(st, ", ") + ")"
	}
	var globalProb int
	for _, g := range fi.global {
		if g.sev > flows.SeverityInfo {
			globalProb++
		}
	}
	switch {
	case len(probs) == 0 && globalProb == 0 && len(rep.CaptureNotes) > 0:
		head += ": no errors or warnings in what could be read."
	case len(probs) == 0 && globalProb == 0:
		head += ": no errors or warnings."
	case len(probs) == 0:
		head += fmt.Sprintf(": no SA has errors or warnings; %d capture-wide problem%s.", globalProb, plural(globalProb))
	case quiet == 0:
		head += fmt.Sprintf(": %d with errors or warnings.", len(probs))
	default:
		head += fmt.Sprintf(": %d with errors or warnings, %d %s without a finding.", len(probs)-quiet, quiet, "not up")
	}
	head += partialAnalysis(len(rep.CaptureNotes))
	out = append(out, verdictEntry{"", head})
	for i, p := range probs {
		if i == verdictLimit {
			out = append(out, verdictEntry{"", fmt.Sprintf("… and %d more SAs with errors or warnings (see the table).", len(probs)-verdictLimit)})
			break
		}
		sa := rep.SAs[p.n-1]
		text := fmt.Sprintf("#%d IKEv%d %s → %s %s", p.n, sa.Version, sa.Initiator.Addr(), sa.Responder.Addr(), sa.State)
		var main *findingGroup
		var others []string
		for _, g := range fi.bySA[p.n-1] {
			switch {
			case g.sev == flows.SeverityInfo:
			case main == nil:
				main = g
			default:
				others = append(others, g.label()+" "+g.kind)
			}
		}
		if main == nil {
			text += ": no finding names a cause (see the exchanges of this SA)."
		} else {
			fr := saFrames(sa, main)
			text += ": " + main.kind + " (" + main.label() + ", frame" + plural(len(fr)) + " " + refs.list(fr, 4) + ") " + firstSentence(main.msg)
			if c, ok := likelyCause(fi.bySA[p.n-1]); ok && !strings.Contains(firstSentence(main.msg), firstSentence(c.Text)) {
				text += " Most likely: [" + c.Evidence + "] " + firstSentence(c.Text)
			}
			if len(others) > 0 {
				text += " Also: " + strings.Join(others, ", ") + "."
			}
		}
		out = append(out, verdictEntry{p.sev.String(), text})
	}
	for _, g := range fi.global {
		if g.sev == flows.SeverityInfo {
			continue
		}
		at := "" // a capture-wide finding about no frame (capture_loss) names none
		if len(g.frames) > 0 {
			at = ", frame" + plural(len(g.frames)) + " " + refs.list(g.frames, 4)
		}
		out = append(out, verdictEntry{g.sev.String(), "capture: " + g.kind + " (" + g.label() + at + ") " + firstSentence(g.msg)})
	}
	// Info: one line per kind, naming the SAs.
	type info struct {
		labels []string
		sas    []int
		seen   map[int]bool
	}
	infos := map[string]*info{}
	var kinds []string
	for _, g := range fi.groups {
		if g.sev != flows.SeverityInfo {
			continue
		}
		in := infos[g.kind]
		if in == nil {
			in = &info{seen: map[int]bool{}}
			infos[g.kind] = in
			kinds = append(kinds, g.kind)
		}
		in.labels = append(in.labels, g.label())
		for _, n := range g.sas { // several groups of a kind may name the same SA
			if !in.seen[n] {
				in.seen[n] = true
				in.sas = append(in.sas, n)
			}
		}
	}
	for _, k := range kinds {
		in := infos[k]
		labels := in.labels
		if len(labels) > 4 {
			labels = append(labels[:4:4], "…")
		}
		out = append(out, verdictEntry{"info", k + " (" + strings.Join(labels, ", ") + ") on " + groupSAs(&findingGroup{sas: in.sas}, 8)})
	}
	return out
}

// verdictProb is an SA of the verdict: its row number and worst severity.
type verdictProb struct {
	n   int
	sev flows.Severity
}

// hasProblemFinding reports whether any of gs is a warning or an error.
func hasProblemFinding(gs []*findingGroup) bool {
	for _, g := range gs {
		if g.sev > flows.SeverityInfo {
			return true
		}
	}
	return false
}

// saFrames returns the frames of g's findings that belong to sa.
func saFrames(sa *flows.SA, g *findingGroup) []int {
	for _, f := range sa.Findings {
		if f.Severity == g.sev && string(f.Kind) == g.kind && f.Message == g.msg {
			return f.Frames
		}
	}
	return g.frames
}

// plural is the suffix of a noun counted n times: "" for 1, else "s".
func plural[T ~int | ~int64 | ~uint64 | ~uint32](n T) string {
	if n == 1 {
		return ""
	}
	return "s"
}
