package twoside

import (
	"cmp"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// dupWindow is how close in time two byte-identical packets with the same
// addresses must be on one side to count as a capture duplicate (IKE
// retransmissions are at least hundreds of milliseconds apart).
const dupWindow = time.Millisecond

// maxEarly is how much earlier than its upstream copy a downstream copy may
// be seen and still be matched (and reported as a clock anomaly).
const maxEarly = time.Second

// maxCopies bounds the byte-identical copies of one packet matched per side;
// more are counted as skipped (a real peer retransmits a handful of times).
const maxCopies = 1024

// Compare matches the packets of two sides by content and reports losses,
// delays, reordering and address rewriting between the capture points. It
// sorts the sides' packets by time (captures with out-of-order timestamps are
// fine) and drops capture duplicates.
func Compare(a, b *Side) *Report {
	r := &Report{A: a.Name, B: b.Name,
		FragmentsA: a.FragmentErrors, FragmentsB: b.FragmentErrors, FragmentFramesA: a.FragmentFrames, FragmentFramesB: b.FragmentFrames}
	if a.Cut > 0 || b.Cut > 0 {
		// A capture cut packets short: every packet is compared by its
		// first octets, on both sides.
		for _, s := range [2]*Side{a, b} {
			for i := range s.Packets {
				s.Packets[i].key = s.Packets[i].pre
			}
		}
	}
	r.CutA, r.CutB = a.Cut, b.Cut
	r.CutShortA, r.CutShortB = a.CutShort, b.CutShort
	r.DroppedA, r.DroppedB = a.Dropped, b.Dropped
	r.DuplicatesA = a.prepare()
	r.DuplicatesB = b.prepare()
	r.PacketsA, r.PacketsB = len(a.Packets), len(b.Packets)
	ia, ib := a.index(), b.index()
	r.SkippedA, r.SkippedB = a.Skipped, b.Skipped
	shared := 0
	for k := range ia {
		if _, ok := ib[k]; ok {
			shared++
		}
	}
	small := min(len(ia), len(ib))
	switch {
	case len(a.Packets) == 0 && len(b.Packets) == 0:
		r.Reason = "neither capture holds an IKE or ESP packet"
		return r
	case len(a.Packets) == 0 || len(b.Packets) == 0:
		full, empty := a, b
		if len(a.Packets) == 0 {
			full, empty = b, a
		}
		r.Reason = fmt.Sprintf("%s holds no IKE or ESP packet, %s holds %d: if %s was captured on their path while they were sent, none of them arrived there",
			empty.Name, full.Name, len(full.Packets), empty.Name)
		return r
	case shared == 0:
		r.Reason = "the captures share no IKE message or ESP packet (different conversations, or different incidents)" + nothingArrived(a, b) + nothingArrived(b, a)
		return r
	case shared < min(3, small):
		r.Reason = fmt.Sprintf("the captures share only %s: too few to line them up", words.Count(shared, "packet", "packets"))
		return r
	}
	r.Related = true
	r.Unambiguous = shared*2 >= small && shared >= min(3, small)

	// clock offset from packets seen exactly once on each side
	groups := map[ipPair][2][]sample{}
	for k, xs := range ia {
		ys, ok := ib[k]
		if !ok || len(xs) != 1 || len(ys) != 1 {
			continue
		}
		pa, pb := &a.Packets[xs[0]], &b.Packets[ys[0]]
		cp, rev := ipPair{pa.Src.Addr(), pa.Dst.Addr()}.canon()
		g := groups[cp]
		dir := 0
		if rev {
			dir = 1
		}
		g[dir] = append(g[dir], sample{ta: pa.Time, d: pb.Time.Sub(pa.Time)})
		groups[cp] = g
	}
	r.Clock = estimateClock(groups, a.Packets[0].Time)

	// which side is upstream, per address pair and direction (A's view)
	up := map[ipPair]bool{} // true: A is upstream for packets src→dst
	for cp, g := range groups {
		var ts []time.Duration
		for _, s := range g[0] {
			ts = append(ts, s.d-r.Clock.at(s.ta))
		}
		aUp := true
		if len(ts) > 0 {
			slices.Sort(ts)
			aUp = ts[len(ts)/2] >= 0
		} else if len(g[1]) > 0 {
			for _, s := range g[1] {
				ts = append(ts, s.d-r.Clock.at(s.ta))
			}
			slices.Sort(ts)
			aUp = ts[len(ts)/2] < 0
		}
		up[cp] = aUp
		up[ipPair{cp.dst, cp.src}] = !aUp
	}
	// B's view of an address pair → A's view, learnt from matched packets
	bToA := map[ipPair]ipPair{}
	for k, xs := range ia {
		if ys, ok := ib[k]; ok {
			pa, pb := &a.Packets[xs[0]], &b.Packets[ys[0]]
			bToA[ipPair{pb.Src.Addr(), pb.Dst.Addr()}] = ipPair{pa.Src.Addr(), pa.Dst.Addr()}
		}
	}
	c := &comparison{r: r, a: a, b: b, flows: map[flowID]*Flow{}, maps: map[mapID]*Mapping{}}
	// the largest transit time of the uniquely matched packets, each in its
	// own direction (a packet seen downstream "before" it was sent says
	// nothing about how long the path takes)
	var maxTransit time.Duration
	for cp, g := range groups {
		for dir := range 2 {
			sign := time.Duration(1)
			if up[cp] != (dir == 0) {
				sign = -1
			}
			for _, s := range g[dir] {
				maxTransit = max(maxTransit, sign*(s.d-r.Clock.at(s.ta)))
			}
		}
	}
	c.window(maxTransit)
	keys := make([]key, 0, len(ia)+len(ib))
	for k := range ia {
		keys = append(keys, k)
	}
	for k := range ib {
		if _, ok := ia[k]; !ok {
			keys = append(keys, k)
		}
	}
	// Map order is random: match in time order (packets are sorted by time
	// in prepare), so flows and NAT mappings are found, and reported, in
	// the same order on every run.
	firstAt := func(k key) time.Time {
		if xs := ia[k]; len(xs) > 0 {
			return a.Packets[xs[0]].Time
		}
		return r.Clock.toA(b.Packets[ib[k][0]].Time)
	}
	slices.SortFunc(keys, func(x, y key) int {
		tx, ty := firstAt(x), firstAt(y)
		if c := tx.Compare(ty); c != 0 {
			return c
		}
		// same instant: A's packets first, then by position in each capture
		xa, ya := len(ia[x]) > 0, len(ia[y]) > 0
		switch {
		case xa && ya:
			return int(ia[x][0] - ia[y][0])
		case xa:
			return -1
		case ya:
			return 1
		}
		return int(ib[x][0] - ib[y][0])
	})
	for _, k := range keys {
		xs, ys := ia[k], ib[k]
		var aUp, known bool
		if len(xs) > 0 {
			p := &a.Packets[xs[0]]
			aUp, known = up[ipPair{p.Src.Addr(), p.Dst.Addr()}]
		} else {
			p := &b.Packets[ys[0]]
			if ap, ok := bToA[ipPair{p.Src.Addr(), p.Dst.Addr()}]; ok {
				aUp, known = up[ap]
			}
		}
		if !known {
			// no packet between these addresses is in both captures: other
			// conversations, not on the path between the capture points
			if len(xs) > 0 {
				r.UnrelatedA += len(xs)
			} else {
				r.UnrelatedB += len(ys)
			}
			continue
		}
		c.matchKey(xs, ys, aUp)
	}
	c.finish()
	if r.Unambiguous && (r.Matched < 3 || 2*r.Matched < shared) {
		// Shared octets alone do not make two views of one path: one
		// capture point cut into consecutive files (tcpdump -C, a ring
		// buffer) puts copies of a retransmitted message on both sides of
		// the cut, and none of them lines up as one packet seen at two
		// points (the corpus's dead-peer and retransmit captures split in
		// two: matched 0). One or two that do are too few to tell (zeek's
		// ipsec_client.pcap cut after frame 6, in the middle of the
		// third IKE_AUTH copy's fragments: matched 1).
		r.Unambiguous = false
		switch sh := words.Count(shared, "packet", "packets"); {
		case r.Matched == 0:
			lined := "none lines up"
			if shared == 1 {
				lined = "it does not line up"
			}
			r.Reason = "they share " + sh + ", but " + lined + " as one packet seen at two points: so do copies of a resent" +
				" message, one before and one after the cut between consecutive files of one capture"
		default:
			r.Reason = fmt.Sprintf("they share %s, and %s as one packet seen at two points: too few to tell two capture"+
				" points from consecutive files of one capture, where copies of a resent message fall on both sides of the cut",
				sh, words.Pick(r.Matched, "only 1 lines up", "only "+strconv.Itoa(r.Matched)+" line up"))
		}
	}
	r.Findings = findings(r)
	return r
}

// prepare sorts the packets by time (then frame) and removes capture
// duplicates; it returns how many it removed.
func (s *Side) prepare() int {
	slices.SortStableFunc(s.Packets, func(x, y Packet) int {
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		return cmp.Compare(x.Frame, y.Frame)
	})
	last := map[key]int{} // key → index in the kept slice
	kept := s.Packets[:0]
	dups := 0
	for _, p := range s.Packets {
		if j, ok := last[p.key]; ok {
			q := &kept[j]
			if p.Src == q.Src && p.Dst == q.Dst && p.Time.Sub(q.Time) < dupWindow {
				dups++
				continue
			}
		}
		last[p.key] = len(kept)
		kept = append(kept, p)
	}
	s.Packets = kept
	return dups
}

// index maps content keys to packet indexes (in time order), at most
// maxCopies per key.
func (s *Side) index() map[key][]int32 {
	m := make(map[key][]int32, len(s.Packets))
	for i := range s.Packets {
		k := s.Packets[i].key
		if len(m[k]) >= maxCopies {
			s.Skipped++
			continue
		}
		m[k] = append(m[k], int32(i))
	}
	return m
}

type flowID struct {
	sa  saID
	aUp bool
}

type mapID struct {
	aSrc, aDst, bSrc, bDst netip.AddrPort
}

type comparison struct {
	r          *Report
	a, b       *Side
	flows      map[flowID]*Flow
	maps       map[mapID]*Mapping
	mapOrder   []*Mapping
	aFirst     time.Time // capture windows in A's clock
	aLast      time.Time
	bFirst     time.Time
	bLast      time.Time
	tol, edge  time.Duration
	flowsOrder []*Flow
}

// window sets the capture windows in A's clock and the margins: a packet is
// judged only when the other capture was running from before it was sent
// until well after it should have arrived (twice the largest transit time
// seen, at least 10 ms).
func (c *comparison) window(maxTransit time.Duration) {
	c.aFirst, c.aLast = c.a.Packets[0].Time, c.a.Packets[len(c.a.Packets)-1].Time
	c.bFirst = c.r.Clock.toA(c.b.Packets[0].Time)
	c.bLast = c.r.Clock.toA(c.b.Packets[len(c.b.Packets)-1].Time)
	c.tol = max(time.Millisecond, 4*c.r.Clock.Uncertainty)
	if c.r.Clock.OneWay {
		c.tol = max(c.tol, 100*time.Millisecond)
	}
	c.edge = max(2*maxTransit+c.tol, 10*time.Millisecond)
}

func (c *comparison) flow(p *Packet, t time.Time, aUp bool) *Flow {
	id := flowID{p.sa, aUp}
	f := c.flows[id]
	if f == nil {
		f = &Flow{Kind: p.Kind.String(), From: p.Src, To: p.Dst, Upstream: "b", first: t}
		if aUp {
			f.Upstream = "a"
		}
		if p.Kind == KindIKE {
			f.SA = "IKE SA " + hex.EncodeToString(p.SPIi[:])
		} else {
			f.SA = fmt.Sprintf("ESP SPI 0x%08x", p.ESPSPI)
		}
		c.flows[id] = f
		c.flowsOrder = append(c.flowsOrder, f)
	}
	return f
}

func ref(p *Packet, side string) Ref {
	r := Ref{Frame: p.Frame, Side: side, Time: p.Time, Src: p.Src, Dst: p.Dst, Size: p.Size, Reassembled: p.Reassembled}
	if p.Kind == KindIKE {
		r.Version, r.Exchange = p.Version, p.Exchange.String()
		r.MID, r.Response, r.Fragment = p.MID, p.Response, p.Fragment
	} else {
		r.ESPSeq = p.ESPSeq
	}
	return r
}

// matchKey pairs the copies of one content key: each downstream copy goes to
// the latest unused upstream copy not later than it (plus tolerance).
func (c *comparison) matchKey(xs, ys []int32, aUp bool) {
	upS, downS := c.a, c.b
	ups, downs := xs, ys
	upName, downName := "a", "b"
	if !aUp {
		upS, downS, ups, downs, upName, downName = c.b, c.a, ys, xs, "b", "a"
	}
	inA := func(s *Side, p *Packet) time.Time {
		if s == c.b {
			return c.r.Clock.toA(p.Time)
		}
		return p.Time
	}
	upFirst, upLast, downFirst, downLast := c.aFirst, c.aLast, c.bFirst, c.bLast
	if !aUp {
		upFirst, upLast, downFirst, downLast = c.bFirst, c.bLast, c.aFirst, c.aLast
	}
	var stack []int32 // upstream copies not yet matched, latest on top
	var lostIdx []int32
	i := 0
	var f *Flow
	if len(ups) > 0 {
		f = c.flow(&upS.Packets[ups[0]], inA(upS, &upS.Packets[ups[0]]), aUp)
	}
	if f != nil {
		if t := inA(upS, &upS.Packets[ups[0]]); t.Before(f.first) {
			f.first = t
		}
	}
	for _, dj := range downs {
		dp := &downS.Packets[dj]
		td := inA(downS, dp)
		for i < len(ups) && !inA(upS, &upS.Packets[ups[i]]).After(td.Add(c.tol)) {
			stack = append(stack, ups[i])
			i++
		}
		early := false
		if len(stack) == 0 && i < len(ups) && !inA(upS, &upS.Packets[ups[i]]).After(td.Add(maxEarly)) {
			// the same bytes, seen downstream before they were sent: a
			// clock step, or an offset that does not hold here
			stack = append(stack, ups[i])
			i++
			early = true
		}
		if len(stack) == 0 {
			if f == nil {
				f = c.flow(dp, td, aUp)
			}
			if td.Before(f.first) {
				f.first = td
			}
			if td.Before(upFirst.Add(c.edge)) || td.After(upLast.Add(c.tol)) {
				f.Outside++
			} else {
				f.OnlyDownstream = append(f.OnlyDownstream, ref(dp, downName))
			}
			continue
		}
		uj := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		// copies left on the stack under the matched one were overtaken by
		// this later copy: lost, with a later copy that arrived
		up := &upS.Packets[uj]
		tu := inA(upS, up)
		f.Sent++
		f.Arrived++
		if early {
			f.Early++
			f.EarlyMax = max(f.EarlyMax, tu.Sub(td))
		} else {
			f.delays = append(f.delays, td.Sub(tu))
		}
		f.arrive = append(f.arrive, arrival{tu, td})
		if c.a.opt.Pairs {
			if f.upS == nil {
				f.upS, f.downS = upS, downS
			}
			f.pairs = append(f.pairs, pairIdx{up: uj, down: dj, delay: td.Sub(tu), early: early})
		}
		for _, l := range stack {
			r := ref(&upS.Packets[l], upName)
			r.LaterCopy = up.Frame
			f.Lost = append(f.Lost, r)
			f.Sent++
		}
		stack = stack[:0]
		pa, pb := up, dp
		if !aUp {
			pa, pb = dp, up
		}
		c.mapping(pa, pb)
	}
	lostIdx = append(lostIdx, stack...)
	lostIdx = append(lostIdx, ups[i:]...)
	for _, l := range lostIdx {
		up := &upS.Packets[l]
		tu := inA(upS, up)
		if tu.Before(downFirst.Add(-c.tol)) || tu.After(downLast.Add(-c.edge)) {
			f.Outside++
			continue
		}
		f.Sent++
		f.Lost = append(f.Lost, ref(up, upName))
	}
}

func (c *comparison) mapping(pa, pb *Packet) {
	id := mapID{pa.Src, pa.Dst, pb.Src, pb.Dst}
	m := c.maps[id]
	if m == nil {
		m = &Mapping{ASrc: pa.Src, ADst: pa.Dst, BSrc: pb.Src, BDst: pb.Dst, FirstFrameA: pa.Frame, LastFrameA: pa.Frame,
			Rewritten: pa.Src != pb.Src || pa.Dst != pb.Dst}
		c.maps[id] = m
		c.mapOrder = append(c.mapOrder, m)
	}
	m.Packets++
	m.FirstFrameA = min(m.FirstFrameA, pa.Frame)
	m.LastFrameA = max(m.LastFrameA, pa.Frame)
}

func (c *comparison) finish() {
	r := c.r
	for _, f := range c.flowsOrder {
		r.Matched += f.Arrived
		slices.SortFunc(f.Lost, func(x, y Ref) int { return cmp.Compare(x.Frame, y.Frame) })
		slices.SortFunc(f.OnlyDownstream, func(x, y Ref) int { return cmp.Compare(x.Frame, y.Frame) })
		if len(f.delays) > 0 {
			slices.Sort(f.delays)
			f.DelayMin, f.DelayMedian, f.DelayMax = f.delays[0], f.delays[len(f.delays)/2], f.delays[len(f.delays)-1]
		}
		slices.SortFunc(f.arrive, func(x, y arrival) int { return x.up.Compare(y.up) })
		// packets are in time order: by upstream index is by upstream time
		slices.SortFunc(f.pairs, func(x, y pairIdx) int { return cmp.Compare(x.up, y.up) })
		var latest time.Time
		for i, a := range f.arrive {
			if i > 0 && a.down.Before(latest) {
				f.Reordered++
			}
			if a.down.After(latest) {
				latest = a.down
			}
		}
		f.delays, f.arrive = nil, nil
		r.Flows = append(r.Flows, *f)
	}
	slices.SortStableFunc(r.Flows, func(x, y Flow) int { return x.first.Compare(y.first) })
	r.Flows = c.a.opt.keep(r.Flows, c.mapOrder)
	slices.SortFunc(c.mapOrder, func(x, y *Mapping) int { return cmp.Compare(x.FirstFrameA, y.FirstFrameA) })
	peers := c.a.opt.peerSet(c.mapOrder)
	for _, m := range c.mapOrder {
		if peers == nil || peers[m.ASrc.Addr()] || peers[m.ADst.Addr()] {
			r.Mappings = append(r.Mappings, *m)
		}
	}
}

// nothingArrived explains two captures with nothing in common where one
// holds packets to an address that sent packets in the other at about the
// same time (clocks within 10 minutes), while nothing from their sender
// shows up there: the most common ticket, where nothing got through.
func nothingArrived(from, to *Side) string {
	const slack = 10 * time.Minute
	// X sent something in to's capture (to is at or near X), and nothing
	// from the sender S shows up there
	sent := map[netip.Addr]bool{}
	for _, p := range to.Packets {
		sent[p.Src.Addr()] = true
	}
	tFirst, tLast := to.Packets[0].Time.Add(-slack), to.Packets[len(to.Packets)-1].Time.Add(slack)
	n := 0
	var dst netip.Addr
	var frames []int
	for _, p := range from.Packets {
		if sent[p.Dst.Addr()] && !sent[p.Src.Addr()] && !p.Time.Before(tFirst) && !p.Time.After(tLast) {
			if n == 0 {
				dst = p.Dst.Addr()
			}
			if p.Dst.Addr() == dst {
				n++
				if len(frames) < maxListed {
					frames = append(frames, p.Frame)
				}
			}
		}
	}
	if n == 0 {
		return ""
	}
	fs := make([]string, len(frames))
	for i, f := range frames {
		fs[i] = fmt.Sprint(f)
	}
	return fmt.Sprintf("; but %s holds %s to %s (%s %s), which sent packets in %s at about that time, while nothing from their sender is in %s: if %s was captured on the path to %s, none of them arrived there",
		from.Name, words.Count(n, "packet", "packets"), dst, words.Pick(len(fs), "frame", "frames"), strings.Join(fs, ", "), to.Name, to.Name, to.Name, dst)
}
