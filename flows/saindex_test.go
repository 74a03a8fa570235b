package flows

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestSAIndexCollisions feeds IKE SAs whose SPIs collide on the index's
// fast key (saindex.go: the initiator SPI alone) and on its bits: real
// corpus exchanges (ikev2-psk-success, ikev1-main-quick) whose header SPIs
// are rewritten so that dozens of IKEv2 SAs share one initiator SPI with
// different responder SPIs, an IKEv1 SA shares it too (from its first,
// half-open message on), and two SAs have initiator SPIs that differ from
// it in the first octet only or in the last octet only (with the same
// responder SPI as the original). Their messages are interleaved. Every SA
// must come out on its own, holding exactly the frames given to it,
// whether SAs stay open to the end or idle ones are finalised (and leave
// the index) before a second group with the same initiator SPI starts.
// The expected partition is the one the test built, not the analyzer's.
func TestSAIndexCollisions(t *testing.T) {
	v2 := ikeOnly(corpusPackets(t, "ikev2-psk-success"))
	v1 := ikeOnly(corpusPackets(t, "ikev1-main-quick"))
	if len(v2) < 4 || len(v1) < 4 || !spiR(v2[0]).IsZero() || spiR(v2[1]).IsZero() || !spiR(v1[0]).IsZero() {
		t.Fatal("corpus captures are not the exchanges this test edits")
	}
	spii, spir0 := spiI(v2[0]), spiR(v2[1])
	high, low := spii, spii
	high[0] ^= 0xff
	low[7] ^= 0xff

	type sa struct {
		v      uint8
		i, r   dissect.SPI
		pk     []Packet // in their own order
		frames []int    // given by the merge
	}
	// variant copies v2 with new SPIs and addresses; from the IKE_SA_INIT
	// response on when noInit (the SA then is first seen with both SPIs).
	variant := func(i, r dissect.SPI, n int, noInit bool) *sa {
		s := &sa{v: 2, i: i, r: r}
		for _, p := range clonePackets(v2) {
			if noInit && spiR(p).IsZero() {
				continue
			}
			setSPIs(&p, i, r)
			p.Src, p.Dst = shiftAddr(p.Src, n), shiftAddr(p.Dst, n)
			s.pk = append(s.pk, p)
		}
		return s
	}
	orig := variant(spii, spir0, 0, false)
	v1sa := &sa{v: 1, i: spii, r: spiR(v1[1])}
	for _, p := range clonePackets(v1) {
		setSPIs(&p, spii, spiR(p))
		v1sa.pk = append(v1sa.pk, p)
	}
	group1 := []*sa{orig, v1sa, variant(high, spir0, 1, false), variant(low, spir0, 2, false)}
	var group2 []*sa
	for k := 1; k <= 48; k++ {
		r := spir0
		r[0], r[1] = byte(k), byte(k>>8)
		g := &group1
		if k > 32 {
			g = &group2 // after a long gap: the SAs above may have left the index
		}
		*g = append(*g, variant(spii, r, k+2, true))
	}

	// The original's IKE_SA_INIT request and response come first (so that
	// no other SA's response is taken for the answer to its request), then
	// the messages of each group in turn, one per SA.
	var merged []Packet
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	add := func(s *sa, p Packet) {
		p.Frame = len(merged) + 1
		p.Time = at
		at = at.Add(time.Millisecond)
		s.frames = append(s.frames, p.Frame)
		merged = append(merged, p)
	}
	add(orig, orig.pk[0])
	add(orig, orig.pk[1])
	orig.pk = orig.pk[2:]
	for _, g := range [][]*sa{group1, group2} {
		for more := true; more; {
			more = false
			for _, s := range g {
				if len(s.pk) > 0 {
					add(s, s.pk[0])
					s.pk, more = s.pk[1:], true
				}
			}
		}
		at = at.Add(time.Hour)
	}
	all := append(slices.Clone(group1), group2...)

	for _, opt := range []Options{{}, {IdleTimeout: time.Minute, OnSA: func(*SA) {}}} {
		t.Run(fmt.Sprintf("idle=%v", opt.IdleTimeout), func(t *testing.T) {
			var got []*SA
			if opt.OnSA != nil {
				opt.OnSA = func(sa *SA) { got = append(got, sa) }
			}
			a := NewAnalyzer(opt)
			for i := range merged {
				p := merged[i]
				p.Data = slices.Clone(p.Data)
				a.Add(&p)
			}
			if opt.IdleTimeout == 0 {
				// Everything is still open: Lookup finds each SA by its SPIs.
				a.drain()
				for _, s := range all {
					sa := a.Lookup(s.v, s.i, s.r)
					if sa == nil || sa.Version != int(s.v) || sa.SPIi != s.i || sa.SPIr != s.r {
						t.Fatalf("Lookup(%d, %v, %v) = %v", s.v, s.i, s.r, sa)
					}
				}
			}
			r := a.Finish()
			got = append(got, r.SAs...)
			if len(got) != len(all) {
				t.Fatalf("%d SAs, want %d", len(got), len(all))
			}
			byKey := map[saKey]*SA{}
			for _, sa := range got {
				byKey[saKey{sa.SPIi, sa.SPIr, uint8(sa.Version)}] = sa
			}
			for _, s := range all {
				sa := byKey[saKey{s.i, s.r, s.v}]
				if sa == nil {
					t.Errorf("no IKEv%d SA %v/%v", s.v, s.i, s.r)
					continue
				}
				if f := saFrames(sa); !slices.Equal(f, s.frames) {
					t.Errorf("IKEv%d SA %v/%v holds frames %v, want %v", s.v, s.i, s.r, f, s.frames)
				}
			}
		})
	}
}

// ikeOnly returns the IKE packets of pk.
func ikeOnly(pk []Packet) []Packet {
	return slices.DeleteFunc(pk, func(p Packet) bool { return p.Kind != KindIKE })
}

// spiI returns the initiator SPI in an IKE packet's header.
func spiI(p Packet) dissect.SPI { return dissect.SPI(p.Data[0:8]) }

// spiR returns the responder SPI in an IKE packet's header.
func spiR(p Packet) dissect.SPI { return dissect.SPI(p.Data[8:16]) }

// setSPIs rewrites an IKE packet's header SPIs, leaving a zero responder
// SPI zero.
func setSPIs(p *Packet, i, r dissect.SPI) {
	copy(p.Data[0:8], i[:])
	if !spiR(*p).IsZero() {
		copy(p.Data[8:16], r[:])
	}
}

// shiftAddr moves an IPv4 address by n in its third octet.
func shiftAddr(ap netip.AddrPort, n int) netip.AddrPort {
	b := ap.Addr().As4()
	b[2] += byte(n)
	return netip.AddrPortFrom(netip.AddrFrom4(b), ap.Port())
}

// saFrames returns the frames of an SA's messages, in order.
func saFrames(sa *SA) []int {
	var f []int
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			f = append(f, m.Frame)
		}
	}
	slices.Sort(f)
	return f
}

// TestSAIndexRetryKeys checks the index entries of an SA whose responder
// SPI changed: ikev2-invalid-ke-retry edited so that the responder fills
// in an SPI of its own in its INVALID_KE_PAYLOAD response (frame 2), then
// answers the retry with another (c83e…, the capture's). The SA is found
// under both, and once it is finalised as idle neither finds it any more:
// its IKE_AUTH and INFORMATIONAL exchanges replayed an hour later (the
// same SPIs, after another SA's first message) make a new SA, not messages
// added to the finished one.
func TestSAIndexRetryKeys(t *testing.T) {
	pk := ikeOnly(corpusPackets(t, "ikev2-invalid-ke-retry"))
	if len(pk) != 8 || !spiR(pk[1]).IsZero() || spiR(pk[3]).IsZero() {
		t.Fatal("ikev2-invalid-ke-retry is not the exchange this test edits")
	}
	first := dissect.SPI{0x5e, 1, 2, 3, 4, 5, 6, 7}
	copy(pk[1].Data[8:16], first[:])
	spii, spir := spiI(pk[0]), spiR(pk[3])
	// Another SA's first message, alone, an hour later: the analyzer
	// finalises idle SAs after each packet, so the SA above is gone when
	// the replay comes.
	other := ikeOnly(corpusPackets(t, "ikev2-psk-success"))[0]
	other.Time = pk[7].Time.Add(time.Hour - time.Second)
	pk = append(pk, other)
	for _, p := range clonePackets(pk[4:8]) {
		p.Time = p.Time.Add(time.Hour)
		pk = append(pk, p)
	}
	for i := range pk {
		pk[i].Frame = i + 1
	}
	var got []*SA
	a := NewAnalyzer(Options{IdleTimeout: time.Minute, OnSA: func(sa *SA) { got = append(got, sa) }})
	for i := range pk[:8] {
		a.Add(&pk[i])
	}
	a.drain()
	for _, r := range []dissect.SPI{first, spir} {
		if sa := a.Lookup(2, spii, r); sa == nil || sa.FirstFrame != 1 {
			t.Errorf("Lookup(2, %v, %v) = %v, want the SA of frame 1", spii, r, sa)
		}
	}
	for i := range pk[8:] {
		a.Add(&pk[8+i])
	}
	a.drain()
	if len(got) != 1 || got[0].FirstFrame != 1 {
		t.Fatalf("%d SAs finalised as idle, want 1: the SA of frame 1", len(got))
	}
	got = append(got, a.Finish().SAs...)
	got = slices.DeleteFunc(got, func(sa *SA) bool { return sa.SPIi == spiI(other) })
	want := [][]int{{1, 2, 3, 4, 5, 6, 7, 8}, {10, 11, 12, 13}}
	if len(got) != len(want) {
		t.Fatalf("%d SAs, want %d", len(got), len(want))
	}
	for i, sa := range got {
		if f := saFrames(sa); sa.SPIi != spii || sa.SPIr != spir || !slices.Equal(f, want[i]) {
			t.Errorf("SA %d: %v/%v with frames %v, want %v/%v with %v", i, sa.SPIi, sa.SPIr, f, spii, spir, want[i])
		}
	}
}

// TestSAIndexModel drives the index through random sequences of what the
// analyzer does to it (new half-open SAs, new keyed SAs, further responder
// SPIs, SAs leaving when finalised) over a handful of SPIs, so that
// initiator SPIs collide all the time (two differ only in their first
// octet, two only in their last), and checks after every step that find
// answers, for every key, what two plain maps of full keys (the index as
// it was before saindex.go) answer.
func TestSAIndexModel(t *testing.T) {
	spiIs := []dissect.SPI{{1, 2, 3, 4, 5, 6, 7, 8}, {0xfe, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 3, 4, 5, 6, 7, 0xf7}}
	spiRs := []dissect.SPI{{}, {9, 9, 9, 9, 9, 9, 9, 1}, {9, 9, 9, 9, 9, 9, 9, 2}, {0xa, 9, 9, 9, 9, 9, 9, 1}}
	rng := rand.New(rand.NewPCG(13, 13))
	for run := range 50 {
		a := NewAnalyzer(Options{})
		keys := map[saKey]*saState{}
		half := map[halfKey]*saState{}
		var live []*saState
		newSA := func(v uint8, i, r dissect.SPI) *saState {
			st := &saState{Version: v, SPIi: i, SPIr: r}
			live = append(live, st)
			return st
		}
		for step := range 300 {
			v := uint8(1 + rng.IntN(2))
			i := spiIs[rng.IntN(len(spiIs))]
			r := spiRs[1+rng.IntN(len(spiRs)-1)]
			switch op := rng.IntN(4); {
			case op == 0: // a message with a zero responder SPI and no SA for it
				if half[halfKey{i, v}] == nil {
					st := newSA(v, i, dissect.SPI{})
					a.addHalf(st)
					half[halfKey{i, v}] = st
				}
			case op == 1: // a message with both SPIs and no SA for them
				if keys[saKey{i, r, v}] == nil {
					st := newSA(v, i, r)
					a.addKey(st, saKey{i, r, v})
					keys[saKey{i, r, v}] = st
				}
			case op == 2 && len(live) > 0: // an SA answered, or answered again after a retry
				st := live[rng.IntN(len(live))]
				k := saKey{st.SPIi, r, st.Version}
				if keys[k] == nil {
					st.setSPIr(r) // as v1/v2 do before adding a responder SPI
					a.addKey(st, k)
					keys[k] = st
				}
			case op == 3 && len(live) > 0: // an SA finalised
				j := rng.IntN(len(live))
				st := live[j]
				live = slices.Delete(live, j, j+1)
				a.ix.drop(st)
				maps.DeleteFunc(keys, func(_ saKey, x *saState) bool { return x == st })
				maps.DeleteFunc(half, func(_ halfKey, x *saState) bool { return x == st })
			}
			for _, i := range spiIs {
				for _, r := range spiRs {
					for v := uint8(1); v <= 2; v++ {
						gk, gh := a.ix.find(v, i, r)
						wk := keys[saKey{i, r, v}]
						if r.IsZero() {
							wk = nil
						}
						if gk != wk || gh != half[halfKey{i, v}] {
							t.Fatalf("run %d step %d: find(%d, %v, %v) = %p, %p; want %p, %p",
								run, step, v, i, r, gk, gh, wk, half[halfKey{i, v}])
						}
					}
				}
			}
		}
		n, seen := 0, map[*saState]bool{}
		a.ix.each(func(st *saState) { n, seen[st] = n+1, true })
		if a.ix.len() != n || len(seen) != len(live) || slices.ContainsFunc(live, func(st *saState) bool { return !seen[st] }) {
			t.Fatalf("run %d: each visits %d entries (len %d) of %d SAs, want the %d open", run, n, a.ix.len(), len(seen), len(live))
		}
	}
}
