package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/flows"
	"github.com/ikeflow/ikeflow/internal/words"
	"github.com/ikeflow/ikeflow/twoside"
)

// maxArrows bounds the arrows drawn per SA in a two-sided diagram (text and
// HTML); the rest are counted in a closing line.
const maxArrows = 120

// tsState is what happened to a packet between the capture points.
type tsState uint8

const (
	tsArrived  tsState = iota // seen at both points
	tsLost                    // seen upstream only
	tsOnlyDown                // seen downstream only
)

// tsArrow is one arrow of a two-sided diagram: one packet, or a run of ESP
// packets that all arrived (n > 1).
type tsArrow struct {
	t         time.Time // A's clock: upstream time, downstream for tsOnlyDown
	rightward bool      // from the endpoint on A's side to the one on B's side
	state     tsState
	up, down  *twoside.Ref // up nil for tsOnlyDown, down nil for tsLost
	// for runs: the last packet's refs, the count, the delay range
	lastUp, lastDown *twoside.Ref
	n                int
	dmin, dmax       time.Duration
	early            bool
	nat              string // set on the first arrow after the translation changed
}

// tsDiagram is one SA of a two-sided comparison, ready to draw.
type tsDiagram struct {
	sa          string
	left, right string // endpoint on A's side as A saw it, on B's side as B saw it
	// leftRole and rightRole are "initiator" and "responder" when an
	// IKE_SA_INIT request shows who started the SA, else empty
	leftRole, rightRole string
	summary             []string
	arrows              []tsArrow
	notDrawn            int // arrows over maxArrows
	lostHidden          int // lost packets among them
	outside             int
}

// tsDiagrams groups the flows of r by SA (both directions of an IKE SA in
// one diagram) in order of first packet, and puts each SA's packets in A's
// time order. r must come from a comparison with Options.Pairs.
func tsDiagrams(r *twoside.Report) []*tsDiagram {
	var out []*tsDiagram
	by := map[string]*tsDiagram{}
	for i := range r.Flows {
		f := &r.Flows[i]
		d := by[f.SA]
		if d == nil {
			d = &tsDiagram{sa: f.SA}
			by[f.SA] = d
			out = append(out, d)
		}
		d.add(r, f)
	}
	for _, d := range out {
		slices.SortStableFunc(d.arrows, func(x, y tsArrow) int { return x.t.Compare(y.t) })
		d.roles()
		d.merge()
		d.natNotes()
		if len(d.arrows) > maxArrows {
			for _, a := range d.arrows[maxArrows:] {
				d.notDrawn += a.n
				if a.state == tsLost {
					d.lostHidden++
				}
			}
			d.arrows = d.arrows[:maxArrows]
		}
	}
	return out
}

func (d *tsDiagram) add(r *twoside.Report, f *twoside.Flow) {
	right := f.Upstream == "a"
	d.outside += f.Outside
	s := fmt.Sprintf("%s -> %s (upstream %s): %d sent, %d arrived, %d lost", f.From.Addr(), f.To.Addr(), r.UpstreamName(f), f.Sent, f.Arrived, len(f.Lost))
	if len(f.OnlyDownstream) > 0 {
		s += fmt.Sprintf(", %d seen only downstream", len(f.OnlyDownstream))
	}
	if f.Kind == "ESP" && len(f.Lost) > 0 {
		seqs := make([]string, 0, min(len(f.Lost), 10))
		for _, l := range f.Lost[:min(len(f.Lost), 10)] {
			seqs = append(seqs, strconv.FormatUint(uint64(l.ESPSeq), 10))
		}
		if len(f.Lost) > 10 {
			seqs = append(seqs, "...")
		}
		s += " (seq " + strings.Join(seqs, ", ") + ")"
	}
	if f.Reordered > 0 {
		s += fmt.Sprintf(", %d reordered", f.Reordered)
	}
	d.summary = append(d.summary, s)
	for _, p := range f.Pairs() {
		p := p
		d.endpoints(&p.Up, right)
		d.endpoints(&p.Down, right)
		d.arrows = append(d.arrows, tsArrow{t: r.InA(p.Up), rightward: right, state: tsArrived, up: &p.Up, down: &p.Down,
			lastUp: &p.Up, lastDown: &p.Down, n: 1, dmin: p.Delay, dmax: p.Delay, early: p.Early})
	}
	for i := range f.Lost {
		l := &f.Lost[i]
		d.endpoints(l, right)
		d.arrows = append(d.arrows, tsArrow{t: r.InA(*l), rightward: right, state: tsLost, up: l, n: 1})
	}
	for i := range f.OnlyDownstream {
		o := &f.OnlyDownstream[i]
		d.endpoints(o, right)
		d.arrows = append(d.arrows, tsArrow{t: r.InA(*o), rightward: right, state: tsOnlyDown, down: o, n: 1})
	}
}

// roles names the initiator from the first IKE_SA_INIT request of an IKEv2
// SA (its sender started the SA).
func (d *tsDiagram) roles() {
	for _, a := range d.arrows {
		ref := a.up
		if ref == nil {
			ref = a.down
		}
		if ref.Version == 2 && ref.Exchange == "IKE_SA_INIT" && !ref.Response {
			d.leftRole, d.rightRole = "initiator", "responder"
			if !a.rightward {
				d.leftRole, d.rightRole = d.rightRole, d.leftRole
			}
			return
		}
	}
}

// endpointLabel names an endpoint with its role when known: "198.51.100.10
// (initiator, as A saw it)".
func endpointLabel(addr, role, point string) string {
	s := orUnknown(addr) + " ("
	if role != "" {
		s += role + ", "
	}
	return s + "as " + point + " saw it)"
}

// endpoints names the endpoints from a packet: the one on A's side as A saw
// it, the one on B's side as B saw it.
func (d *tsDiagram) endpoints(ref *twoside.Ref, rightward bool) {
	src, dst := ref.Src.Addr().String(), ref.Dst.Addr().String()
	if !rightward {
		src, dst = dst, src
	}
	if ref.Side == "a" && d.left == "" {
		d.left = src
	}
	if ref.Side == "b" && d.right == "" {
		d.right = dst
	}
}

// merge puts runs of consecutive ESP packets of one direction that all
// arrived into one arrow each.
func (d *tsDiagram) merge() {
	out := d.arrows[:0]
	for _, a := range d.arrows {
		if k := len(out) - 1; k >= 0 && a.state == tsArrived && a.up.Version == 0 && !a.early {
			p := &out[k]
			if p.state == tsArrived && p.up.Version == 0 && !p.early && p.rightward == a.rightward &&
				p.lastUp.Src == a.up.Src && p.lastUp.Dst == a.up.Dst && p.lastDown.Src == a.down.Src && p.lastDown.Dst == a.down.Dst {
				p.lastUp, p.lastDown = a.up, a.down
				p.n++
				p.dmin, p.dmax = min(p.dmin, a.dmin), max(p.dmax, a.dmax)
				continue
			}
		}
		out = append(out, a)
	}
	d.arrows = out
}

// natNotes marks the first arrow of each direction, and each one after the
// translation between the points changed, with the translation when any
// address or port differs between A and B.
func (d *tsDiagram) natNotes() {
	last := [2]string{}
	for i := range d.arrows {
		a := &d.arrows[i]
		if a.state != tsArrived {
			continue
		}
		dir := 0
		if !a.rightward {
			dir = 1
		}
		var parts []string
		if a.up.Src != a.down.Src {
			parts = append(parts, fmt.Sprintf("source %s becomes %s", a.up.Src, a.down.Src))
		}
		if a.up.Dst != a.down.Dst {
			parts = append(parts, fmt.Sprintf("destination %s becomes %s", a.up.Dst, a.down.Dst))
		}
		m := ""
		if len(parts) > 0 {
			m = "NAT between the points: " + strings.Join(parts, ", ")
		}
		if m != last[dir] {
			if m == "" {
				m = fmt.Sprintf("no translation from here on: %s -> %s at both points", a.up.Src, a.up.Dst)
				last[dir] = ""
			} else {
				last[dir] = m
			}
			a.nat = m
		}
	}
}

// label says what an arrow carries: exchange and message ID or ESP
// sequence, size, frames and the delay between the points.
func (a *tsArrow) label() string { return a.what() + " " + a.detail() }

// what names the packet: exchange and message ID or ESP sequence, and size.
func (a *tsArrow) what() string {
	ref := a.up
	if ref == nil {
		ref = a.down
	}
	var b strings.Builder
	if ref.Version == 0 {
		b.WriteString("ESP seq " + strconv.FormatUint(uint64(ref.ESPSeq), 10))
		if a.n > 1 {
			fmt.Fprintf(&b, "-%d (%d packets)", a.lastUp.ESPSeq, a.n)
		}
	} else {
		b.WriteString(ref.Exchange)
		if ref.Version == 2 {
			if ref.Response {
				b.WriteString(" resp")
			} else {
				b.WriteString(" req")
			}
		}
		b.WriteString(" mid " + strconv.FormatUint(uint64(ref.MID), 10))
		if ref.Fragment > 0 {
			b.WriteString(" frag " + strconv.Itoa(int(ref.Fragment)))
		}
	}
	fmt.Fprintf(&b, " %d B", ref.Size)
	if ref.Reassembled {
		b.WriteString(" (reassembled)")
	}
	return b.String()
}

// detail gives the frames and what happened between the points.
func (a *tsArrow) detail() string {
	var b strings.Builder
	switch a.state {
	case tsArrived:
		b.WriteString(a.frames(a.up, a.lastUp) + " " + a.frames(a.down, a.lastDown) + " ")
		if a.early {
			b.WriteString("seen downstream " + fmtDelay(-a.dmin) + " before it was sent (clock step)")
		} else {
			b.WriteString(fmtDelay(a.dmin))
			if a.dmax != a.dmin {
				b.WriteString(" to " + fmtDelay(a.dmax))
			}
		}
	case tsLost:
		b.WriteString(a.frames(a.up, nil) + " LOST between A and B")
		if a.up.LaterCopy > 0 {
			fmt.Fprintf(&b, " (a later copy, %s#%d, arrived)", a.up.Side, a.up.LaterCopy)
		}
	case tsOnlyDown:
		b.WriteString(a.frames(a.down, nil) + " seen only downstream")
	}
	return b.String()
}

// frames names the frame of first ("a#12"), or the frames of a run
// ("a#12-20").
func (a *tsArrow) frames(first, last *twoside.Ref) string {
	s := first.Side + "#" + strconv.Itoa(first.Frame)
	if a.n > 1 && last != nil && last.Frame != first.Frame {
		s += "-" + strconv.Itoa(last.Frame)
	}
	return s
}

// fmtDelay prints a delay between the capture points in ASCII.
func fmtDelay(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + fmtDelay(-d)
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + " us"
	case d < time.Second:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) + " ms"
	}
	return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
}

// tsLane is the gap between two lanes of the text diagram, by default and
// at least.
const (
	tsLane    = 12
	tsLaneMin = 6
	tsTimeCol = 10
)

// arrowText draws one arrow over the four lanes (endpoint on A's side, A, B,
// endpoint on B's side) s columns apart.
func (a *tsArrow) arrowText(s int) string {
	row := []byte(tsLanes(s))
	set := func(i int, c byte) {
		if !a.rightward {
			i = 3*s - i
			switch c {
			case '>':
				c = '<'
			}
		}
		row[i] = c
	}
	mid := s + s/2
	switch a.state {
	case tsArrived:
		for i := 1; i < 3*s; i++ {
			set(i, '-')
		}
		set(3*s-1, '>')
	case tsLost:
		for i := 1; i < mid; i++ {
			set(i, '-')
		}
		set(mid, 'X')
	case tsOnlyDown:
		set(mid, '*')
		for i := mid + 1; i < 3*s; i++ {
			set(i, '-')
		}
		set(3*s-1, '>')
	}
	if a.state != tsOnlyDown {
		set(s, 'o') // seen upstream
	}
	if a.state != tsLost {
		set(2*s, 'o') // seen downstream
	}
	return string(row)
}

// tsLanes is a row with the four lanes and nothing between them.
func tsLanes(s int) string {
	row := []byte(strings.Repeat(" ", 3*s+1))
	for i := range 4 {
		row[i*s] = '|'
	}
	return string(row)
}

// writeTwoSidedLadder draws every SA of r as a four-column sequence diagram
// no wider than width (0: no limit; below 30 columns the lanes alone are
// wider).
func writeTwoSidedLadder(w io.Writer, r *twoside.Report, width int, md bool) {
	if md {
		fmt.Fprintf(w, "\n## Two-sided sequence diagrams\n\n```\n")
	} else {
		fmt.Fprintf(w, "\nTwo-sided sequence diagrams\n\n")
	}
	s := tsLane
	if width > 0 {
		// room for the time, the lanes and a label of 36
		s = max(min(tsLane, (width-tsTimeCol-1-2-36)/3), tsLaneMin)
	}
	wrap := func(text, first, rest string) {
		io.WriteString(w, flows.WrapLine(text, width, first, rest))
	}
	wrap(legendText(r), "", "  ")
	fmt.Fprintln(w)
	for _, d := range tsDiagrams(r) {
		wrap(d.sa, "", "  ")
		wrap("left: "+endpointLabel(d.left, d.leftRole, "A")+"; A: "+r.A+"; B: "+r.B+"; right: "+endpointLabel(d.right, d.rightRole, "B"), "  ", "    ")
		for _, s := range d.summary {
			wrap(s, "  ", "    ")
		}
		if d.outside > 0 {
			wrap(fmt.Sprintf("%d packet%s not drawn: the other capture was not running when %s passed", d.outside, plural(d.outside), words.Pick(d.outside, "it", "they")), "  ", "    ")
		}
		head := []byte(strings.Repeat(" ", tsTimeCol) + tsLanes(s))
		for i, c := range []byte("LABR") {
			head[tsTimeCol+i*s] = c
		}
		fmt.Fprintln(w, strings.TrimRight(string(head), " "))
		var start time.Time
		if len(d.arrows) > 0 {
			start = d.arrows[0].t
		}
		blank := strings.Repeat(" ", tsTimeCol) + tsLanes(s) + "  "
		// too narrow for a label beside the lanes: labels go under the arrow
		below := width > 0 && width-len(blank)-2 < 16
		for i := range d.arrows {
			a := &d.arrows[i]
			t := fmt.Sprintf("%9.3f ", a.t.Sub(start).Seconds())
			if below {
				fmt.Fprintln(w, t+a.arrowText(s))
				if a.nat != "" {
					wrap(a.nat, "      ", "        ")
				}
				wrap(a.label(), "      ", "        ")
				continue
			}
			if a.nat != "" {
				wrap(a.nat, blank, blank+"  ")
			}
			wrap(a.label(), t+a.arrowText(s)+"  ", blank+"  ")
		}
		if d.notDrawn > 0 {
			wrap(fmt.Sprintf("... %d more packet%s not drawn (%d of the lost ones): the table above counts them all, --format json lists the lost ones", d.notDrawn, plural(d.notDrawn), d.lostHidden), "  ", "    ")
		}
		fmt.Fprintln(w)
	}
	if md {
		fmt.Fprintf(w, "```\n")
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "(not seen)"
	}
	return s
}

// legendText explains the text diagrams.
func legendText(r *twoside.Report) string {
	return "Times in seconds on " + r.A + "'s clock (B's clock offset removed). L and R are the endpoints, A and B the capture points. " +
		"o: seen at that capture point; X: lost between A and B (seen upstream only); *: appears between A and B (seen downstream only). " +
		"Arrows end at the receiving endpoint: whether it got the packet after the last capture point, the captures cannot tell. " +
		"a#N, b#N: frame N in A or B; the time after the frames is the one-way delay between the points" + delayNote(r)
}

// delayNote says how far the delays can be trusted.
func delayNote(r *twoside.Report) string {
	if r.Clock.OneWay {
		return " (relative: packets went one way only, so the fastest is taken as instant)."
	}
	return " (the clock offset is known to within " + fmtDelay(r.Clock.Uncertainty) + ": delays that small, or slightly below zero, mean about none)."
}
