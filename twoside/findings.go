package twoside

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// maxListed bounds the frames or sequence numbers one sentence lists.
const maxListed = 12

func (r *Report) sideName(s string) string {
	if s == "a" {
		return r.A
	}
	return r.B
}

// findings turns the report into sentences for a ticket.
func findings(r *Report) []string {
	var out []string
	if r.Related && !r.Unambiguous && r.Reason != "" {
		// Compared as asked (--two-sided), though the shared packets do
		// not line up: what follows may describe one capture point.
		out = append(out, "These may not be two views of one path: "+r.Reason+". Read what follows with that in mind.")
	}
	out = append(out, clockSentence(r))
	var lost, only, sent, reord int
	var delays []time.Duration
	for i := range r.Flows {
		f := &r.Flows[i]
		lost += len(f.Lost)
		only += len(f.OnlyDownstream)
		sent += f.Sent
		reord += f.Reordered
		if f.Arrived > 0 {
			delays = append(delays, f.DelayMin, f.DelayMax)
		}
		up, down := r.sideName(f.Upstream), r.sideName(other(f.Upstream))
		if f.Kind == "IKE" {
			for _, s := range ikeLossSentences(f, up, down) {
				out = append(out, s+r.cutShort(other(f.Upstream)))
			}
		} else if len(f.Lost) > 0 {
			out = append(out, fmt.Sprintf("%s from %s to %s: %d of %d packets seen in %s never reached %s (seq %s; frames %s in %s).",
				f.SA, f.From.Addr(), f.To.Addr(), len(f.Lost), f.Sent, up, down,
				list(f.Lost, func(x Ref) string { return strconv.FormatUint(uint64(x.ESPSeq), 10) }),
				list(f.Lost, func(x Ref) string { return strconv.Itoa(x.Frame) }), up)+r.cutShort(other(f.Upstream)))
		}
		if len(f.OnlyDownstream) > 0 {
			out = append(out, fmt.Sprintf("%s from %s to %s: %s in %s but never in %s (%s %s in %s): injected between the capture points, or sent by another path.",
				f.SA, f.From.Addr(), f.To.Addr(), words.Count(len(f.OnlyDownstream), "packet appears", "packets appear"), down, up, words.Pick(len(f.OnlyDownstream), "frame", "frames"),
				list(f.OnlyDownstream, func(x Ref) string { return strconv.Itoa(x.Frame) }), down)+r.cutShort(f.Upstream))
		}
		if f.Early > 0 {
			out = append(out, fmt.Sprintf("%s from %s to %s: %s in %s up to %s before %s saw %s sent: the clocks stepped or drifted in a way the offset does not cover; %s left out.",
				f.SA, f.From.Addr(), f.To.Addr(), words.Count(f.Early, "packet appears", "packets appear"), down, dur(f.EarlyMax), up,
				words.Pick(f.Early, "it", "them"), words.Pick(f.Early, "its delay is", "their delays are")))
		}
		if f.Reordered > 0 {
			out = append(out, fmt.Sprintf("%s from %s to %s: %s reached %s before a packet sent earlier (reordered between the capture points).",
				f.SA, f.From.Addr(), f.To.Addr(), words.Count(f.Reordered, "packet", "packets"), down))
		}
	}
	out = append(out, natSentences(r)...)
	if lost == 0 && only == 0 && sent > 0 {
		s := fmt.Sprintf("All %d packets sent past one capture point reached the other, in both directions", sent)
		if reord == 0 {
			s += ", in order"
		}
		out = append(out, s+".")
	}
	samePoint := sent > 0
	for i := range r.Flows {
		f := &r.Flows[i]
		samePoint = samePoint && f.DelayMin == 0 && f.DelayMax == 0 && f.Early == 0
	}
	r.SamePoint = samePoint
	if samePoint {
		out = append(out, "Every matched packet has the same time in both captures (after the offset): they were taken at one point, or one is a copy of the other; which side is upstream cannot be told.")
	}
	for i := range r.Flows {
		f := &r.Flows[i]
		if f.Arrived > 0 && !samePoint {
			note := relative(r)
			if f.DelayMin < 0 && !r.Clock.OneWay {
				note = fmt.Sprintf(" (below zero is within the clock offset's uncertainty, ±%s)", dur(r.Clock.Uncertainty))
			}
			out = append(out, fmt.Sprintf("%s from %s to %s: %s crossed from %s to %s in %s min, %s median, %s max%s.",
				f.SA, f.From.Addr(), f.To.Addr(), words.Count(f.Arrived, "packet", "packets"), r.sideName(f.Upstream), r.sideName(other(f.Upstream)),
				dur(f.DelayMin), dur(f.DelayMedian), dur(f.DelayMax), note))
		}
	}
	outside := 0
	for i := range r.Flows {
		outside += r.Flows[i].Outside
	}
	if outside > 0 {
		out = append(out, fmt.Sprintf("%s near the start or end %s sent while the other capture was not running: not judged.", words.Count(outside, "packet", "packets"), words.Pick(outside, "was", "were")))
	}
	for _, x := range []struct {
		name   string
		n      int
		frames []int
	}{{r.A, r.FragmentsA, r.FragmentFramesA}, {r.B, r.FragmentsB, r.FragmentFramesB}} {
		if x.n == 0 {
			continue
		}
		fs := make([]string, len(x.frames))
		for i, f := range x.frames {
			fs[i] = strconv.Itoa(f)
		}
		more := ""
		if x.n > len(x.frames) {
			more = fmt.Sprintf(" and %d more", x.n-len(x.frames))
		}
		// One datagram lists its one frame; several list at least two
		// frames or say how many more.
		out = append(out, fmt.Sprintf("%s holds %s it could not reassemble (%s %s%s): some of %s fragments are not in it (dropped before that point, or missed by the capture).", x.name, words.Count(x.n, "IP datagram", "IP datagrams"), words.Pick(x.n, "frame", "frames"), strings.Join(fs, ", "), more, words.Pick(x.n, "its", "their")))
	}
	if r.UnrelatedA > 0 || r.UnrelatedB > 0 {
		out = append(out, fmt.Sprintf("Not judged: %s in %s and %d in %s are between addresses that have no packet in common with the other capture (other conversations, not on the path between the capture points).", words.Count(r.UnrelatedA, "packet", "packets"), r.A, r.UnrelatedB, r.B))
	}
	if r.DuplicatesA > 0 || r.DuplicatesB > 0 {
		out = append(out, fmt.Sprintf("Ignored capture duplicates (same bytes, same addresses, under 1 ms apart): %d in %s, %d in %s.", r.DuplicatesA, r.A, r.DuplicatesB, r.B))
	}
	if r.CutA > 0 || r.CutB > 0 {
		out = append(out, fmt.Sprintf("Cut short by the capture's snap length: %s in %s and %d in %s. Every packet was compared by its first octets only (%d of an IKE message, %d of an ESP packet), which tell packets apart but not a rewrite past them.", words.Count(r.CutA, "IKE/ESP packet", "IKE/ESP packets"), r.A, r.CutB, r.B, prefixIKE, prefixESP))
	}
	if r.SkippedA > 0 || r.SkippedB > 0 {
		out = append(out, fmt.Sprintf("Not compared: %s in %s and %d in %s (cut by the snap length, too short for a header, or over a memory bound).", words.Count(r.SkippedA, "IKE/ESP packet", "IKE/ESP packets"), r.A, r.SkippedB, r.B))
	}
	return out
}

// cutShort is the caveat for a packet reported missing from the capture
// of side s ("a" or "b") when that capture cut packets too short to be
// compared, or records that it dropped packets: the packet may be one of
// them. "" when neither.
func (r *Report) cutShort(s string) string {
	n, dropped := r.CutShortA, r.DroppedA
	if s == "b" {
		n, dropped = r.CutShortB, r.DroppedB
	}
	var c string
	if n > 0 {
		c = fmt.Sprintf(" But %s holds %s cut by its snap length too short to compare (under %d octets of an IKE message, %d of an ESP packet): %s may be among them.",
			r.sideName(s), words.Count(n, "IKE/ESP packet", "IKE/ESP packets"), prefixIKE, prefixESP, "the missing ones")
	}
	if dropped > 0 {
		c += fmt.Sprintf(" But %s records that it dropped %d %s while it was taken (the capture fell behind the traffic): the missing ones may be among them.",
			r.sideName(s), dropped, words.Pick(int(min(dropped, 2)), "packet", "packets"))
	}
	return c
}

func other(s string) string {
	if s == "a" {
		return "b"
	}
	return "a"
}

func relative(r *Report) string {
	if r.Clock.OneWay {
		return " (relative to the fastest packet)"
	}
	return ""
}

func clockSentence(r *Report) string {
	c := &r.Clock
	if c.OneWay {
		return fmt.Sprintf("Matched packets went one way only: the clock offset between %s and %s cannot be told apart from the delay; taking the fastest packet as instant gives %s, and the delays below are relative to it.",
			r.A, r.B, signed(c.Offset))
	}
	ahead := "ahead of"
	off := c.Offset
	if off < 0 {
		ahead, off = "behind", -off
	}
	s := fmt.Sprintf("%s's clock is %s %s %s's (±%s, from %d packet pairs in both directions)", r.B, dur(off), ahead, r.A, dur(c.Uncertainty), c.Pairs)
	if c.DriftPPM != 0 {
		s += fmt.Sprintf(" and drifts %+.1f ppm", c.DriftPPM)
	}
	return s + "; removed before comparing times."
}

// ikeLossSentences groups the lost IKE messages of one flow by exchange,
// MID and request/response.
func ikeLossSentences(f *Flow, up, down string) []string {
	type gk struct {
		ex   string
		mid  uint32
		resp bool
		v1   bool
	}
	var order []gk
	groups := map[gk][]Ref{}
	for _, l := range f.Lost {
		k := gk{l.Exchange, l.MID, l.Response, l.Version == 1}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], l)
	}
	var out []string
	for _, k := range order {
		g := groups[k]
		what := "request"
		switch {
		case k.v1: // IKEv1 headers do not say request or response
			what = "message"
		case k.resp:
			what = "response"
		}
		if len(g) > 1 {
			what += "s"
		}
		frames := list(g, func(x Ref) string {
			if x.Fragment > 0 {
				return fmt.Sprintf("%d (fragment %d)", x.Frame, x.Fragment)
			}
			return strconv.Itoa(x.Frame)
		})
		s := fmt.Sprintf("%s %s MID %d of %s from %s (frames %s in %s) never reached %s", k.ex, what, k.mid, f.SA, f.From.Addr(), frames, up, down)
		later := g[len(g)-1].LaterCopy
		if later > 0 {
			s += fmt.Sprintf("; a later copy did (frame %d in %s): the first %d were dropped between the capture points, or missed by the downstream capture", later, up, len(g))
		} else {
			s += "; no copy did: dropped between the capture points, or missed by the downstream capture"
		}
		s += " (" + sizes(g) + ")."
		out = append(out, s)
	}
	return out
}

func sizes(g []Ref) string {
	lo, hi, frag := g[0].Size, g[0].Size, false
	for _, x := range g {
		lo, hi = min(lo, x.Size), max(hi, x.Size)
		frag = frag || x.Reassembled
	}
	s := group(lo) + " octets"
	if hi != lo {
		s = group(lo) + "–" + group(hi) + " octets"
	}
	if frag {
		s += ", IP-fragmented"
	}
	return s
}

func natSentences(r *Report) []string {
	type ak struct{ src, dst string }
	var order []ak
	byA := map[ak][]Mapping{}
	for _, m := range r.Mappings {
		k := ak{m.ASrc.String(), m.ADst.String()}
		if _, ok := byA[k]; !ok {
			order = append(order, k)
		}
		byA[k] = append(byA[k], m)
	}
	var out []string
	seen := map[string]bool{}
	for _, k := range order {
		ms := byA[k]
		rewritten := false
		for _, m := range ms {
			rewritten = rewritten || m.Rewritten
		}
		if !rewritten {
			continue
		}
		var parts []string
		for _, m := range ms {
			frames := fmt.Sprintf("frames %d–%d", m.FirstFrameA, m.LastFrameA)
			if m.FirstFrameA == m.LastFrameA {
				frames = fmt.Sprintf("frame %d", m.FirstFrameA)
			}
			parts = append(parts, fmt.Sprintf("%s → %s (%s, %s in %s)", m.BSrc, m.BDst, words.Count(m.Packets, "packet", "packets"), frames, r.A))
		}
		s := fmt.Sprintf("Rewritten between the capture points: %s → %s in %s became %s in %s", k.src, k.dst, r.A, strings.Join(parts, ", then "), r.B)
		if len(ms) > 1 {
			s += ": the NAT mapping changed during the capture"
		}
		out = append(out, s+".")
		if len(ms) > 1 {
			out = append(out, staleSentences(r, ms, seen)...)
		}
	}
	return out
}

// staleSentences explains losses addressed to a translated endpoint after
// the NAT had replaced it (ms are the runs of one A-side address pair).
func staleSentences(r *Report, ms []Mapping, seen map[string]bool) []string {
	last := ms[len(ms)-1]
	cur := map[string]bool{last.BSrc.String(): true, last.BDst.String(): true}
	var out []string
	for _, m := range ms[:len(ms)-1] {
		for j, ep := range []string{m.BSrc.String(), m.BDst.String()} {
			if cur[ep] {
				continue
			}
			newer := last.BSrc
			if j == 1 {
				newer = last.BDst
			}
			for i := range r.Flows {
				f := &r.Flows[i]
				if f.Upstream != "b" {
					continue
				}
				var hit []Ref
				for _, l := range f.Lost {
					if l.Dst.String() == ep && l.Frame > 0 {
						hit = append(hit, l)
					}
				}
				if len(hit) == 0 || seen[f.SA+ep] {
					continue
				}
				seen[f.SA+ep] = true
				out = append(out, fmt.Sprintf("%s of %s (%s %s in %s) %s sent to %s, a NAT mapping replaced by %s from frame %d in %s: the sender kept using the old mapping, which most likely no longer existed.",
					words.Count(len(hit), "lost packet", "lost packets"), f.SA, words.Pick(len(hit), "frame", "frames"), list(hit, func(x Ref) string { return strconv.Itoa(x.Frame) }), r.B, words.Pick(len(hit), "was", "were"), ep, newer, last.FirstFrameA, r.A))
			}
		}
	}
	return out
}

func list(rs []Ref, f func(Ref) string) string {
	var b strings.Builder
	for i, x := range rs {
		if i == maxListed {
			fmt.Fprintf(&b, " and %d more", len(rs)-maxListed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f(x))
	}
	return b.String()
}

// group writes n with thousands separators: 1,402.
func group(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + group(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// dur prints a duration with a precision that suits its size.
func dur(d time.Duration) string {
	a := absDur(d)
	switch {
	case a >= time.Minute:
		return d.Round(time.Millisecond).String()
	case a >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) + " s"
	case a >= time.Millisecond:
		return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + " ms"
	default:
		return strconv.FormatFloat(float64(d)/1e3, 'f', 0, 64) + " µs"
	}
}

func signed(d time.Duration) string {
	if d < 0 {
		return "-" + dur(-d)
	}
	return "+" + dur(d)
}
