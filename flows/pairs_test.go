package flows

import (
	"math/rand/v2"
	"net/netip"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPairHistBounded sends 200 real SAs between distinct peers through a
// per-pair SA history bounded to 16 pairs, with a real establish/delete
// cycle replayed five times between one more pair either after them or
// before them. The history stays within the bound, the flapping pair is
// reported with its five SAs (a pair with more than one SA is never the
// one dropped), and a note says how many histories were dropped. With a
// bound of 100 the history is sized by Finish (reservePairs), as every SA
// is still open then.
func TestPairHistBounded(t *testing.T) {
	const n = 200
	for _, c := range []struct {
		bound     int
		flapFirst bool
	}{{16, false}, {16, true}, {100, false}, {100, true}} {
		bound, flapFirst := c.bound, c.flapFirst
		a := NewAnalyzer(Options{})
		a.hist.max = bound
		start := time.Minute
		if flapFirst {
			start = -time.Hour
			flapFive(t, a, start)
			newSynth(t).run(a, n)
		} else {
			newSynth(t).run(a, n)
			flapFive(t, a, start)
		}
		r := a.Finish()
		if len(r.SAs) != n+5 {
			t.Fatalf("%d SAs, want %d", len(r.SAs), n+5)
		}
		if a.hist.len() > bound {
			t.Errorf("history of %d pairs kept, bound %d", a.hist.len(), bound)
		}
		var kinds []string
		note := ""
		var noteFrames []int
		for _, f := range r.Findings {
			if f.Kind != KindFlapping {
				continue // the synthetic SAs' own (nat_detected, end_unknown)
			}
			kinds = append(kinds, string(f.Kind)+":"+f.Severity.String())
			switch f.Severity {
			case SeverityInfo:
				note, noteFrames = f.Message, f.Frames
			case SeverityWarning:
				if len(f.Frames) != 5 {
					t.Errorf("flapping first %v: flapping names frames %v, want the 5 SAs'", flapFirst, f.Frames)
				}
			}
		}
		if noteFrames == nil {
			t.Error("note with nil Frames (JSON null)")
		}
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"sa_flapping:info", "sa_flapping:warning"}) {
			t.Errorf("flapping first %v: findings %v", flapFirst, kinds)
		}
		// 201 pairs through a table of 16 (100), one of them kept
		// throughout: 185 (101) single-SA histories dropped.
		if !strings.Contains(note, "at most "+strconv.Itoa(bound)+" pairs") ||
			!strings.Contains(note, " "+strconv.Itoa(n+1-bound)+" histories ") {
			t.Errorf("flapping first %v: note %q", flapFirst, note)
		}
	}
}

// flapFive feeds a the real ikev2-psk-success exchange five times between
// the same peers with new SPIs, 20 s apart, shifted by start, with frame
// numbers apart from the synthetic capture's.
func flapFive(t *testing.T, a *Analyzer, start time.Duration) {
	base := corpusPackets(t, "ikev2-psk-success")
	frame := 1 << 20
	if start < 0 {
		// Frames before the synthetic capture's (which start at 1): Finish
		// finalises SAs by first frame, so these are recorded first.
		frame = -1 << 20
	}
	for i := range 5 {
		for _, p := range clonePackets(base) {
			p.Time = p.Time.Add(start + time.Duration(i)*20*time.Second)
			frame++
			p.Frame = frame
			copySPIs(&p, i+1)
			a.Add(&p)
		}
	}
}

// TestPairHistBytes measures the heap that the history of pairs of peers
// with a single finished SA costs (the million-SA concentrator capture
// fills the table with them): at most 64 B a pair, the map entry and the
// ring included (273 B when every pair had its own record, cycle slice
// and addresses; 209 B with the record as the map value, the map half
// full after its last growth at 2^14 entries like the table at its bound
// of 2^17; 168 B with a 4-byte index in the map; 115 B with IPv4 pairs
// keyed by 8 octets, pairMap; 54 B with the 24-octet pointer-free record
// and a ring of record indexes instead of 48 octets and 32-octet keys).
func TestPairHistBytes(t *testing.T) {
	const n = 1 << 14
	a := NewAnalyzer(Options{})
	sts := singleSAPairs(n)
	per := liveGrowth(n, func() {
		for i := range sts {
			a.observePair(&sts[i])
		}
	})
	runtime.KeepAlive(sts)
	if a.hist.len() != n {
		t.Fatalf("%d pairs recorded, want %d", a.hist.len(), n)
	}
	t.Logf("%d B per single-SA pair", per)
	if per > 64 {
		t.Errorf("%d B per single-SA pair, want at most 64", per)
	}
}

// singleSAPairs returns n finished established SAs, each between its own
// pair of IPv4 peers, one second apart.
func singleSAPairs(n int) []saState {
	return singleSAPairsAt(n, func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 1)
}

// singleSAPairsAt returns n finished established SAs, each between peer(i)
// and 192.0.2.1, one second apart from base, the i-th first seen in frame
// frame0+2i.
func singleSAPairsAt(n int, peer func(int) netip.Addr, base time.Time, frame0 int) []saState {
	sts := make([]saState, n)
	for i := range sts {
		st := &sts[i]
		st.setPeers(netip.AddrPortFrom(peer(i), 500), netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 500))
		st.initTimes(base.Add(time.Duration(i) * time.Second))
		st.touch(base.Add(time.Duration(i)*time.Second+time.Minute), frame0+2*i)
		st.out.set(outAuthOK)
	}
	return sts
}

// TestPairQueueBounded sends ten times the bound of single-SA pairs
// through the history: the queue of pairs that may be dropped never takes
// more than an index per pair of the bound (a slice compacted when half
// consumed took up to twice that), it still drops the oldest first, and
// the pairs kept are the last ones. The pairs are of IPv4 peers, of an
// IPv6 and an IPv4 peer (whose keys the records do not hold), and of IPv4
// peers whose SAs start at times in a location and in frames past 2^32
// (which the records do not hold exactly): what is held beside the
// records for them is dropped with them.
func TestPairQueueBounded(t *testing.T) {
	const bound = 1000
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}) }
	v6 := func(i int) netip.Addr {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
	}
	utc := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name   string
		peer   func(int) netip.Addr
		base   time.Time
		frame0 int
		key6   int // pairs whose keys are held beside the records
		wide   int // pairs whose first SA is held beside the records
	}{
		{"ipv4", v4, utc, 1, 0, 0},
		{"ipv6", v6, utc, 1, bound, 0},
		{"wide", v4, utc.In(time.FixedZone("CET", 3600)), 1 << 32, 0, bound},
	} {
		a := NewAnalyzer(Options{})
		a.hist.max = bound
		sts := singleSAPairsAt(10*bound, c.peer, c.base, c.frame0)
		for i := range sts {
			a.observePair(&sts[i])
			if cap(a.hist.q) > bound {
				t.Fatalf("%s: after %d pairs: queue of %d keys, bound %d", c.name, i+1, cap(a.hist.q), bound)
			}
		}
		if a.hist.len() != bound || a.hist.dropped != 9*bound {
			t.Fatalf("%s: %d pairs kept, %d dropped; want %d, %d", c.name, a.hist.len(), a.hist.dropped, bound, 9*bound)
		}
		if len(a.hist.key6) != c.key6 || len(a.hist.wide) != c.wide || len(a.hist.recs) != bound {
			t.Errorf("%s: %d records, %d IPv6 keys, %d wide starts; want %d, %d, %d", c.name,
				len(a.hist.recs), len(a.hist.key6), len(a.hist.wide), bound, c.key6, c.wide)
		}
		for i := 9 * bound; i < len(sts); i++ {
			st := &sts[i]
			j, ok := a.hist.lookup(st.pairKey())
			if !ok {
				t.Fatalf("%s: pair %d (one of the last %d) was dropped", c.name, i, bound)
			}
			if a.hist.key(j) != st.pairKey() || a.hist.start(j) != st.start() || a.hist.firstFrame(j) != st.firstFrame() {
				t.Fatalf("%s: pair %d: record of %v, %v, frame %d; want %v, %v, %d", c.name, i,
					a.hist.key(j), a.hist.start(j), a.hist.firstFrame(j), st.pairKey(), st.start(), st.firstFrame())
			}
		}
	}
}

// TestPairHistSize holds a pair's record to 24 octets without pointers, so
// that the 2^17 records of a full history cost 3 MB that the garbage
// collector need not scan (48 octets with a time.Time's location and a
// pointer to the rest of the history before).
func TestPairHistSize(t *testing.T) {
	typ := reflect.TypeFor[pairHist]()
	if typ.Size() > 24 {
		t.Errorf("pairHist is %d octets, want at most 24", typ.Size())
	}
	if p := pointerField(typ); p != "" {
		t.Errorf("pairHist holds a pointer (%s)", p)
	}
	// The rest of the history of a pair with more than one SA: 32
	// octets without pointers (96 with three before, and a slice of
	// 64-octet cycles).
	typ = reflect.TypeFor[pairMore]()
	if typ.Size() > 32 {
		t.Errorf("pairMore is %d octets, want at most 32", typ.Size())
	}
	if p := pointerField(typ); p != "" {
		t.Errorf("pairMore holds a pointer (%s)", p)
	}
}

// TestPairMoreBytes measures the heap that pairs of peers with three
// finished SAs each cost (the million-SA capture keeps about 20,000 such
// pairs for good): at most 100 B a pair, record, ring, table and the rest
// of their history included (about 300 B with a pointer to a 96-octet
// struct holding a slice of 64-octet cycles).
func TestPairMoreBytes(t *testing.T) {
	const n = 1 << 13
	h := newPairHistory(maxPairHist)
	sts := singleSAPairs(3 * n)
	for i := range sts {
		// SAs i, i+n and i+2n between the same peers, at later times
		// and frames.
		j := i % n
		ip := netip.AddrFrom4([4]byte{10, byte(j >> 16), byte(j >> 8), byte(j)})
		sts[i].setPeers(netip.AddrPortFrom(ip, 500), netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, 1}), 500))
	}
	per := liveGrowth(n, func() {
		for i := range sts {
			h.observe(&sts[i])
		}
	})
	runtime.KeepAlive(sts)
	if h.len() != n || h.n(0) != 3 || len(h.wideMore) != 0 {
		t.Fatalf("%d pairs, the first of %d SAs, %d wide; want %d, 3, 0", h.len(), h.n(0), len(h.wideMore), n)
	}
	t.Logf("%d B per pair of three SAs", per)
	if per > 100 {
		t.Errorf("%d B per pair of three SAs, want at most 100", per)
	}
}

// TestPairMoreExact records SAs between the same two peers, given as
// plain IPv4 addresses in both directions, as IPv4-mapped IPv6, as IPv6,
// at times in a location and in frames past 2^32, and checks that the rest
// of the pair's history gives back each later SA's frame and flags, the
// last kept SA's end and peers exactly, compact (up to two later SAs of
// IPv4 peers at capture times and frames) or not.
func TestPairMoreExact(t *testing.T) {
	a4, b4 := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("203.0.113.9")
	a6, b6 := netip.MustParseAddr("2001:db8::7"), netip.MustParseAddr("2001:db8::9")
	mapped := netip.AddrFrom16(a4.As16())
	utc := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	cet := time.FixedZone("CET", 3600)
	type sa struct {
		i, r  netip.Addr
		at    time.Time
		life  time.Duration
		frame int
		del   bool
	}
	for _, c := range []struct {
		name    string
		sas     []sa
		compact bool
	}{
		{"ipv4", []sa{{a4, b4, utc, time.Minute, 1, false}, {b4, a4, utc.Add(time.Hour), 10 * time.Minute, 50, true},
			{a4, b4, utc.Add(2 * time.Hour), time.Second, 90, false}}, true},
		{"ipv4 reversed", []sa{{a4, b4, utc, time.Minute, 1, false}, {a4, b4, utc.Add(time.Hour), time.Minute, 50, false},
			{b4, a4, utc.Add(2 * time.Hour), time.Hour, 90, true}}, true},
		{"four", []sa{{a4, b4, utc, time.Minute, 1, false}, {b4, a4, utc.Add(time.Hour), 10 * time.Minute, 50, true},
			{a4, b4, utc.Add(2 * time.Hour), time.Second, 90, false}, {a4, b4, utc.Add(3 * time.Hour), time.Second, 95, true}}, false},
		{"mapped", []sa{{a4, b4, utc, time.Minute, 1, false}, {mapped, b4, utc.Add(time.Hour), time.Minute, 50, false},
			{a4, b4, utc.Add(2 * time.Hour), time.Second, 90, false}}, false},
		{"mapped last", []sa{{a4, b4, utc, time.Minute, 1, false}, {a4, b4, utc.Add(time.Hour), time.Minute, 50, false},
			{b4, mapped, utc.Add(2 * time.Hour), time.Second, 90, false}}, false},
		{"ipv6", []sa{{a6, b6, utc, time.Minute, 1, false}, {b6, a6, utc.Add(time.Hour), time.Minute, 50, false}}, false},
		{"mixed", []sa{{a6, b4, utc, time.Minute, 1, false}, {b4, a6, utc.Add(time.Hour), time.Minute, 50, false}}, false},
		{"location", []sa{{a4, b4, utc, time.Minute, 1, false}, {b4, a4, utc.Add(time.Hour), time.Minute, 50, false},
			{a4, b4, utc.Add(2 * time.Hour).In(cet), time.Second, 90, false}}, false},
		{"frames past 2^32", []sa{{a4, b4, utc, time.Minute, 1, false}, {b4, a4, utc.Add(time.Hour), time.Minute, 1 << 32, false}}, false},
		{"negative frame", []sa{{a4, b4, utc, time.Minute, 1, false}, {b4, a4, utc.Add(time.Hour), time.Minute, -5, false}}, false},
	} {
		h := newPairHistory(maxPairHist)
		sts := make([]saState, len(c.sas))
		var want []cycleWide
		for j, s := range c.sas {
			st := &sts[j]
			st.setPeers(netip.AddrPortFrom(s.i, 500), netip.AddrPortFrom(s.r, 4500))
			st.initTimes(s.at)
			st.setFrames(s.frame, s.frame+3)
			if s.at.Location() == time.UTC {
				st.touch(s.at.Add(s.life), s.frame+3)
			} else {
				st.widen()
				st.wideState().end = s.at.Add(s.life)
			}
			st.out.set(outAuthOK)
			if s.del {
				st.out.set(outDeleted)
			}
			h.observe(st)
			if j > 0 {
				want = append(want, cycleWide{frame: s.frame, short: s.life < flapLife, deleted: s.del})
			}
		}
		i, ok := h.lookup(sts[0].pairKey())
		if !ok || h.n(i) != len(c.sas) {
			t.Fatalf("%s: pair found %v with %d SAs, want %d", c.name, ok, h.n(i), len(c.sas))
		}
		if compact := h.mores[h.more[i]].flags&moreWide == 0; compact != c.compact {
			t.Errorf("%s: compact %v, want %v", c.name, compact, c.compact)
		}
		last := &sts[len(sts)-1]
		w := h.rest(i)
		if !slices.Equal(w.cycles, want) || w.lastEnd != last.end() || w.a != last.initiator().Addr() || w.b != last.responder().Addr() {
			t.Errorf("%s: rest %v, end %v, %v -> %v; want %v, %v, %v -> %v", c.name, w.cycles, w.lastEnd, w.a, w.b,
				want, last.end(), last.initiator().Addr(), last.responder().Addr())
		}
	}
}

// pointerField names a field of typ that is or holds a pointer ("" when
// none).
func pointerField(typ reflect.Type) string {
	switch typ.Kind() {
	case reflect.Struct:
		for i := range typ.NumField() {
			f := typ.Field(i)
			if p := pointerField(f.Type); p != "" {
				return f.Name + "." + p
			}
		}
		return ""
	case reflect.Array:
		if typ.Len() == 0 {
			return ""
		}
		return pointerField(typ.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return ""
	}
	return typ.String()
}

// TestFlappingExact replays the real ikev2-psk-success exchange five times
// between the same peers, 20 s apart, as a library caller may feed it:
// between IPv4 peers in frames from 1 at UTC times (the compact record),
// between IPv6 peers, IPv4-mapped IPv6 peers, at times in a location, in
// frames past 2^32 and in negative frames (held beside it). The flapping warning names the five
// SAs' first frames, gives the first SA's start as it was (location
// included) and the same text but for the addresses, whatever the form.
func TestFlappingExact(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	a4, b4 := base[0].Src.Addr(), base[0].Dst.Addr()
	a6, b6 := netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b")
	am, bm := netip.AddrFrom16(a4.As16()), netip.AddrFrom16(b4.As16())
	cet := time.FixedZone("CET", 3600)
	want := ""
	for _, c := range []struct {
		name   string
		frame0 int
		loc    *time.Location
		a, b   netip.Addr // the peers instead of a4 and b4
	}{
		{"compact", 0, nil, a4, b4},
		{"ipv6", 0, nil, a6, b6},
		{"location", 0, cet, a4, b4},
		{"frames past 2^32", 1 << 32, nil, a4, b4},
		{"negative frames", -1 << 20, nil, a4, b4},
		{"ipv4-mapped", 0, nil, am, bm},
		{"all", 1 << 40, cet, a6, b6},
	} {
		var pk []Packet
		var firsts []int
		for i := range 5 {
			firsts = append(firsts, c.frame0+len(pk)+1)
			for _, p := range clonePackets(base) {
				p.Time = p.Time.Add(time.Duration(i) * 20 * time.Second)
				if c.loc != nil {
					p.Time = p.Time.In(c.loc)
				}
				p.Frame = c.frame0 + len(pk) + 1
				copySPIs(&p, i+1)
				swap := func(x netip.AddrPort) netip.AddrPort {
					if x.Addr() == a4 {
						return netip.AddrPortFrom(c.a, x.Port())
					}
					return netip.AddrPortFrom(c.b, x.Port())
				}
				p.Src, p.Dst = swap(p.Src), swap(p.Dst)
				pk = append(pk, p)
			}
		}
		r := analyze(pk, Options{})
		var warns []Finding
		for _, f := range r.Findings {
			if f.Kind == KindFlapping {
				warns = append(warns, f)
			}
		}
		if len(r.SAs) != 5 || len(warns) != 1 || warns[0].Severity != SeverityWarning {
			t.Fatalf("%s: %d SAs, flapping findings %v", c.name, len(r.SAs), warns)
		}
		f := warns[0]
		if f.Time != pk[0].Time || f.Time.Location() != pk[0].Time.Location() {
			t.Errorf("%s: finding time %v, want the first packet's %v", c.name, f.Time, pk[0].Time)
		}
		if !slices.Equal(f.Frames, firsts) {
			t.Errorf("%s: frames %v, want %v", c.name, f.Frames, firsts)
		}
		msg := strings.Replace(f.Message, c.a.String()+" and "+c.b.String(), a4.String()+" and "+b4.String(), 1)
		if want == "" {
			want = msg
			if !strings.HasPrefix(want, a4.String()+" and "+b4.String()+" established 5 short-lived IKE SAs in ") {
				t.Errorf("%s: message %q", c.name, want)
			}
		} else if msg != want {
			t.Errorf("%s: message %q, want %q", c.name, msg, want)
		}
	}
}

// TestPairHistModel feeds random finished SAs between 300 pairs of peers
// (IPv4, IPv6 and mixed, each pair named in either direction and, for
// IPv4, sometimes by its IPv4-mapped form) through histories bounded to
// 7, 31 and 100 pairs, and checks them after every SA against a model of
// the bound: a map of SA counts per pair and a queue of pairs in the
// order their history started, from which the oldest pair of a single SA
// among the next pairDropScan queued is dropped. The same pairs are kept
// and dropped, with the same counts; every record is found under its own
// key and no other, and the table holds every record once.
func TestPairHistModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 17))
	addrs := make([]netip.Addr, 0, 40)
	for i := range 20 {
		addrs = append(addrs, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}),
			netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(i)}))
	}
	type pair struct{ x, y netip.Addr }
	pairs := make([]pair, 0, 300)
	for len(pairs) < cap(pairs) {
		x, y := addrs[rng.IntN(len(addrs))], addrs[rng.IntN(len(addrs))]
		if x != y && !slices.ContainsFunc(pairs, func(p pair) bool { return makePairKey(p.x, p.y) == makePairKey(x, y) }) {
			pairs = append(pairs, pair{x, y})
		}
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, bound := range []int{7, 31, 100} {
		h := newPairHistory(bound)
		count := map[pairKey]int{}
		var queue []pairKey
		dropped := 0
		for step := range 20000 {
			// Recent pairs come back more often, so that some reach
			// more than one SA before they would be dropped.
			j := rng.IntN(len(pairs))
			if rng.IntN(3) == 0 {
				j = step % len(pairs)
			}
			x, y := pairs[j].x, pairs[j].y
			if rng.IntN(2) == 0 {
				x, y = y, x
			}
			if x.Is4() && rng.IntN(4) == 0 {
				x = netip.AddrFrom16(x.As16())
			}
			var st saState
			st.setPeers(netip.AddrPortFrom(x, 500), netip.AddrPortFrom(y, 500))
			st.initTimes(base.Add(time.Duration(step) * time.Second))
			st.touch(base.Add(time.Duration(step+rng.IntN(600))*time.Second), step+1)
			st.out.set(outAuthOK)
			h.observe(&st)

			k := makePairKey(x, y)
			switch {
			case count[k] > 0:
				count[k]++
			case len(count) < bound:
				count[k] = 1
				queue = append(queue, k)
			default:
				ok := false
				for n := 0; n < pairDropScan && len(queue) > 0 && !ok; n++ {
					q := queue[0]
					queue = queue[1:]
					if count[q] == 1 {
						delete(count, q)
						ok = true
					}
				}
				dropped++
				if ok {
					count[k] = 1
					queue = append(queue, k)
				}
			}

			if h.len() != len(count) || h.dropped != dropped || len(h.recs) != len(count) {
				t.Fatalf("bound %d, step %d: %d pairs (%d records), %d dropped; model %d, %d",
					bound, step, h.len(), len(h.recs), h.dropped, len(count), dropped)
			}
			used := 0
			for _, s := range h.index.slots {
				if s != 0 {
					used++
				}
			}
			if used != h.len() {
				t.Fatalf("bound %d, step %d: %d slots used, %d pairs", bound, step, used, h.len())
			}
			if step%7 != 0 {
				continue // the pairs themselves every 7 SAs: a lost one stays lost
			}
			for _, p := range pairs {
				k := makePairKey(p.x, p.y)
				i, ok := h.lookup(k)
				if ok != (count[k] > 0) || ok && (h.key(i) != k || h.n(i) != min(count[k], 64)) {
					t.Fatalf("bound %d, step %d: pair %v-%v found %v (record %d), model %d SAs",
						bound, step, p.x, p.y, ok, i, count[k])
				}
			}
		}
	}
}

// TestPairTableRemoveAbsent checks that removing a record the table does
// not hold returns and leaves the table as it was, rather than probing for
// ever.
func TestPairTableRemoveAbsent(t *testing.T) {
	h := newPairHistory(maxPairHist)
	sts := singleSAPairs(100)
	for i := range sts {
		h.observe(&sts[i])
	}
	// A record whose key is no pair's in the table.
	h.recs = append(h.recs, pairHist{key: pairKey4{[4]byte{192, 0, 2, 7}, [4]byte{198, 51, 100, 9}}})
	absent := int32(len(h.recs) - 1)
	h.remove(absent)
	if h.len() != len(sts) {
		t.Fatalf("%d pairs after removing an absent record, want %d", h.len(), len(sts))
	}
	for i := range sts {
		if _, ok := h.lookup(sts[i].pairKey()); !ok {
			t.Fatalf("pair %d lost after removing an absent record", i)
		}
	}
	var empty pairHistory
	empty.recs = []pairHist{{}}
	empty.remove(0) // no slots at all
}
