package main

import (
	"fmt"
	"html/template"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
	"github.com/ikeflow/ikeflow/twoside"
)

// Geometry of a two-sided diagram (SVG user units; the image scales to the
// page width).
const (
	tsvWidth = 1260
	tsvTop   = 58 // y of the first arrow
	tsvRow   = 34 // between arrows
	tsvLabel = 590
)

// tsvLanes are the x of the four lifelines: endpoint on A's side, A, B,
// endpoint on B's side.
var tsvLanes = [4]int{100, 250, 400, 550}

// tsvArrow is one arrow of the SVG diagram.
type tsvArrow struct {
	Class  string // "arrived", "lost" or "only-down"
	Frames string // data-frame: the frame(s) in the upstream capture, or downstream when only seen there
	Y      int
	X1, X2 int
	Head   string // arrowhead path; empty for lost packets
	XMark  bool   // draw an X at X2 (lost midway)
	Start  bool   // draw an open circle at X1 (appears midway)
	Seen   []int  // x of the capture points that saw it
	Time   string
	What   string
	Detail string
	NAT    string
}

// tsvDiagram is one SA's diagram.
type tsvDiagram struct {
	SA          string
	Summary     []string
	Outside     int
	NotDrawn    int
	LostHidden  int
	Height      int
	Bottom      int
	Lanes       [4]int
	LaneLabels  [4]string
	LaneSubs    [4]string
	Arrows      []tsvArrow
	Width, Text int
}

// tsvPage is the data of the two-sided HTML report.
type tsvPage struct {
	Title    string
	A, B     string
	Report   *twoside.Report
	Clock    string
	Flows    [][]string
	Mappings [][]string
	Diagrams []*tsvDiagram
	Legend   string
}

// writeTwoSidedHTML writes the comparison as one self-contained page: the
// summary (clock offset, findings, per-flow counts, address translations),
// then a four-lane diagram per SA with lost packets as arrows that stop
// between the capture points.
func writeTwoSidedHTML(w io.Writer, r *twoside.Report) error {
	p := &tsvPage{Title: "ikeflow two-sided comparison: " + r.A + " and " + r.B, A: r.A, B: r.B, Report: r,
		Legend: "Times in seconds on " + r.A + "'s clock (B's clock offset removed). A filled dot: seen at that capture point. " +
			"Red arrow ending in an X between A and B: lost between the points (seen upstream only). " +
			"Orange arrow starting with an open circle between A and B: seen only downstream. " +
			"Arrows end at the receiving endpoint: whether it got the packet after the last capture point, the captures cannot tell. " +
			"a#N, b#N: frame N in A or B; the time after the frames is the one-way delay between the points" + delayNote(r)}
	c := &r.Clock
	switch {
	case c.OneWay:
		p.Clock = fmt.Sprintf("B's clock minus A's: %v, taking the fastest packet as instant (packets went one way only: delays are relative)", c.Offset)
	default:
		p.Clock = fmt.Sprintf("B's clock minus A's: %v ± %s, from %d packet pairs in both directions", c.Offset, fmtDelay(c.Uncertainty), c.Pairs)
		if c.DriftPPM != 0 {
			p.Clock += fmt.Sprintf("; drift %.2f ppm", c.DriftPPM)
		}
	}
	for _, f := range r.Flows {
		delay := "-"
		if f.Arrived > 0 {
			delay = fmtDelay(f.DelayMin) + " / " + fmtDelay(f.DelayMedian) + " / " + fmtDelay(f.DelayMax)
		}
		p.Flows = append(p.Flows, []string{f.SA, f.From.Addr().String() + " → " + f.To.Addr().String(), r.UpstreamName(&f),
			strconv.Itoa(f.Sent), strconv.Itoa(f.Arrived), strconv.Itoa(len(f.Lost)), strconv.Itoa(len(f.OnlyDownstream)), strconv.Itoa(f.Reordered), delay})
	}
	for _, m := range r.Mappings {
		rw := "no"
		if m.Rewritten {
			rw = "yes"
		}
		frames := strconv.Itoa(m.FirstFrameA)
		if m.LastFrameA != m.FirstFrameA {
			frames += "–" + strconv.Itoa(m.LastFrameA)
		}
		p.Mappings = append(p.Mappings, []string{m.ASrc.String() + " → " + m.ADst.String(), m.BSrc.String() + " → " + m.BDst.String(),
			strconv.Itoa(m.Packets), frames, rw})
	}
	for _, d := range tsDiagrams(r) {
		p.Diagrams = append(p.Diagrams, tsvLayout(r, d))
	}
	return twoSidedHTMLTemplate().Execute(w, p)
}

// tsvLayout places the arrows of d.
func tsvLayout(r *twoside.Report, d *tsDiagram) *tsvDiagram {
	v := &tsvDiagram{SA: d.sa, Summary: d.summary, Outside: d.outside, NotDrawn: d.notDrawn, LostHidden: d.lostHidden,
		Lanes: tsvLanes, Width: tsvWidth, Text: tsvLabel,
		LaneLabels: [4]string{orUnknown(d.left), "A", "B", orUnknown(d.right)},
		LaneSubs:   [4]string{"as A saw it", r.A, r.B, "as B saw it"}}
	if d.leftRole != "" {
		v.LaneSubs[0], v.LaneSubs[3] = d.leftRole+", as A saw it", d.rightRole+", as B saw it"
	}
	var start time.Time
	if len(d.arrows) > 0 {
		start = d.arrows[0].t
	}
	y := tsvTop
	for i := range d.arrows {
		a := &d.arrows[i]
		if a.nat != "" {
			y += 16
		}
		v.Arrows = append(v.Arrows, tsvPlace(a, y, start))
		y += tsvRow
	}
	v.Bottom = y - tsvRow + 12
	v.Height = y
	return v
}

// tsvPlace draws one arrow at height y.
func tsvPlace(a *tsArrow, y int, start time.Time) tsvArrow {
	L, A, B, R := tsvLanes[0], tsvLanes[1], tsvLanes[2], tsvLanes[3]
	mid := (A + B) / 2
	from, to, up, down := L, R, A, B
	if !a.rightward {
		from, to, up, down = R, L, B, A
	}
	v := tsvArrow{Y: y, Time: strconv.FormatFloat(a.t.Sub(start).Seconds(), 'f', 3, 64), What: a.what(), Detail: a.detail(), NAT: a.nat}
	switch a.state {
	case tsArrived:
		v.Class, v.Frames = "arrived", a.frames(a.up, a.lastUp)
		v.X1, v.X2, v.Seen = from, to, []int{up, down}
	case tsLost:
		v.Class, v.Frames = "lost", a.frames(a.up, nil)
		v.X1, v.X2, v.Seen, v.XMark = from, mid, []int{up}, true
	case tsOnlyDown:
		v.Class, v.Frames = "only-down", a.frames(a.down, nil)
		v.X1, v.X2, v.Seen, v.Start = mid, to, []int{down}, true
	}
	if !v.XMark {
		dx := -9
		if v.X2 < v.X1 {
			dx = 9
		}
		v.Head = fmt.Sprintf("M%d %d l%d -4 v8 z", v.X2, y, dx)
	}
	return v
}

// twoSidedHTMLTemplate returns the template of the page. html/template
// escapes every value for its context (file names and addresses come from
// the user and the capture). It is parsed on first use, not at start-up,
// as htmlTemplate.
var twoSidedHTMLTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("twoside").Funcs(template.FuncMap{
		"add":  func(a, b int) int { return a + b },
		"sub":  func(a, b int) int { return a - b },
		"s":    plural[int],
		"they": func(n int) string { return words.Pick(n, "it", "they") },
	}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
:root { --err: #b3261e; --warn: #9a6700; --ok: #1b6e3a; --line: #d0d7de; --bg2: #f6f8fa; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2328; margin: 0 auto; padding: 16px 20px 40px; max-width: 1240px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: #57606a; }
.mono, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
th { background: var(--bg2); }
ul.findings li { margin: 3px 0; overflow-wrap: anywhere; }
svg.ts { width: 100%; height: auto; display: block; margin: 6px 0 10px; }
svg.ts text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 11px; fill: #1f2328; }
svg.ts text.lane { font-weight: 600; }
svg.ts text.sub, svg.ts text.time { fill: #57606a; }
svg.ts .life { stroke: #8c959f; stroke-width: 1.5; }
svg.ts .cap { stroke: #8c959f; stroke-width: 1.5; stroke-dasharray: 4 3; }
svg.ts .arrived { color: #0550ae; }
svg.ts .lost { color: var(--err); }
svg.ts .only-down { color: var(--warn); }
svg.ts g line.arrow { stroke: currentColor; stroke-width: 1.8; }
svg.ts .lost line.arrow { stroke-width: 2.4; }
svg.ts .only-down line.arrow { stroke-dasharray: 5 3; }
svg.ts .lost text.detail { fill: var(--err); font-weight: 600; }
svg.ts text.nat { fill: #6f42c1; }
.legend { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; background: var(--bg2); }
</style>
</head>
<body>
<h1>Two-sided comparison</h1>
<p class="sub">ikeflow compared two captures of the same path packet by packet (IKE messages and ESP packets matched by content). For the IKE analysis of each capture, run <code>ikeflow analyze --format html</code> on it alone.</p>
<table>
<tr><th>A</th><td class="mono">{{.A}}</td><td>{{.Report.PacketsA}} IKE/ESP packets</td></tr>
<tr><th>B</th><td class="mono">{{.B}}</td><td>{{.Report.PacketsB}} IKE/ESP packets</td></tr>
<tr><th>Matched</th><td colspan="2">{{.Report.Matched}} packets seen at both points</td></tr>
<tr><th>Clock</th><td colspan="2">{{.Clock}}</td></tr>
</table>
<h2>Findings</h2>
<ul class="findings">
{{- range .Report.Findings}}
<li>{{.}}</li>
{{- end}}
</ul>
<h2>Per SA and direction</h2>
<table>
<thead><tr><th>SA</th><th>from → to</th><th>upstream</th><th>sent</th><th>arrived</th><th>lost</th><th>only down</th><th>reordered</th><th>delay min / median / max</th></tr></thead>
{{template "rows" .Flows}}
<h2>Address translations between the points</h2>
{{- if .Mappings}}
<table>
<thead><tr><th>at A</th><th>at B</th><th>packets</th><th>frames in A</th><th>rewritten</th></tr></thead>
{{template "rows" .Mappings}}
{{- else}}
<p class="sub">No packet was matched, so no translation is known.</p>
{{- end}}
<h2>Sequence diagrams</h2>
<p class="legend">{{.Legend}}</p>
{{- range .Diagrams}}
{{- $d := .}}
<section class="ts-sa">
<h3 class="mono">{{.SA}}</h3>
<ul>
{{- range .Summary}}
<li class="mono">{{.}}</li>
{{- end}}
{{- if .Outside}}
<li>{{.Outside}} packet{{s .Outside}} not drawn: the other capture was not running when {{they .Outside}} passed.</li>
{{- end}}
</ul>
<svg class="ts" viewBox="0 0 {{.Width}} {{.Height}}" role="img" aria-label="two-sided sequence diagram of {{.SA}}">
{{- range $i, $x := .Lanes}}
<text class="lane" x="{{$x}}" y="14" text-anchor="middle">{{index $d.LaneLabels $i}}</text>
<text class="sub" x="{{$x}}" y="28" text-anchor="middle">{{index $d.LaneSubs $i}}</text>
<line class="{{if or (eq $i 1) (eq $i 2)}}cap{{else}}life{{end}}" x1="{{$x}}" y1="36" x2="{{$x}}" y2="{{$d.Bottom}}"/>
{{- end}}
{{- range .Arrows}}
{{- $a := .}}
<g class="{{.Class}}" data-frame="{{.Frames}}">
{{- if .NAT}}
<text class="nat" x="{{$d.Text}}" y="{{sub .Y 26}}">{{.NAT}}</text>
{{- end}}
<text class="time" x="4" y="{{add .Y 4}}">{{.Time}}</text>
<line class="arrow" x1="{{.X1}}" y1="{{.Y}}" x2="{{.X2}}" y2="{{.Y}}"/>
{{- if .Head}}
<path d="{{.Head}}" fill="currentColor"/>
{{- end}}
{{- if .XMark}}
<path d="M{{sub .X2 6}} {{sub .Y 6}} l12 12 M{{sub .X2 6}} {{add .Y 6}} l12 -12" stroke="currentColor" stroke-width="2.4"/>
{{- end}}
{{- if .Start}}
<circle cx="{{.X1}}" cy="{{.Y}}" r="4" fill="#fff" stroke="currentColor" stroke-width="1.6"/>
{{- end}}
{{- range .Seen}}
<circle cx="{{.}}" cy="{{$a.Y}}" r="3.5" fill="currentColor"/>
{{- end}}
<text x="{{$d.Text}}" y="{{sub .Y 3}}">{{.What}}</text>
<text class="detail" x="{{$d.Text}}" y="{{add .Y 10}}">{{.Detail}}</text>
</g>
{{- end}}
</svg>
{{- if .NotDrawn}}
<p class="sub">{{.NotDrawn}} more packet{{s .NotDrawn}} not drawn ({{.LostHidden}} of the lost ones): the table above counts them all, <code>--format json</code> lists the lost ones.</p>
{{- end}}
</section>
{{- end}}
</body>
</html>
{{define "rows"}}<tbody>
{{- range .}}
<tr>{{range .}}<td class="mono">{{.}}</td>{{end}}</tr>
{{- end}}
</tbody>
</table>{{end}}`))
})
