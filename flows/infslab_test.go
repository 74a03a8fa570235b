package flows

import (
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"
)

// TestInfSlabReuse streams 4000 keyless SAs (the synthetic capture of
// BenchmarkAnalyze100kSAs: ikev2-psk-success rewritten, one SA a
// millisecond, 4 s in all) with a 1 s idle timeout: each SA's child SA is
// inferred from its ESP, and the records of the SAs finalised meanwhile
// are reused (infSlab), so the slab holds fewer records than there were
// SAs, while every SA still gets one inferred child SA with its own SPIs
// and the ESP counts of the capture (counted from its packets here, not
// taken from the analyser); after Finish no record holds its SA.
func TestInfSlabReuse(t *testing.T) {
	const n = 4000
	s := newSynth(t)
	var iToR, rToI uint64
	var spiI, spiR uint32 // the template's SPIs of each direction
	ini := s.tmpl[0].Src.Addr()
	for _, p := range s.tmpl {
		if p.Kind != KindESP {
			continue
		}
		if p.Src.Addr() == ini {
			iToR++
			spiR = p.ESPSPI
		} else {
			rToI++
			spiI = p.ESPSPI
		}
	}
	if iToR == 0 || rToI == 0 {
		t.Fatalf("template ESP %d/%d, want both directions", iToR, rToI)
	}
	got := 0
	seen := make(map[ESPSPI]bool, n)
	a := NewAnalyzer(Options{IdleTimeout: time.Second, OnSA: func(sa *SA) {
		got++
		if len(sa.ChildSAs) != 1 {
			t.Fatalf("SA %d: %d child SAs, want 1", got, len(sa.ChildSAs))
		}
		c := sa.ChildSAs[0]
		i := uint32(c.SPIi) ^ spiI // the SA's number, shifted (synth.run)
		if !c.Inferred || c.ESPPackets != (ESPCount{iToR, rToI}) || uint32(c.SPIr)^spiR != i || i&0xff != 0 || seen[c.SPIi] {
			t.Fatalf("SA %d: child SA inferred %v %s/%s esp %d/%d, want inferred, SPIs %x/%x xor the same SA number, esp %d/%d",
				got, c.Inferred, c.SPIi, c.SPIr, c.ESPPackets.IToR, c.ESPPackets.RToI, spiI, spiR, iToR, rToI)
		}
		seen[c.SPIi] = true
	}})
	s.run(a, n)
	used := a.infs.n
	a.Finish()
	if got != n {
		t.Fatalf("got %d SAs, want %d", got, n)
	}
	// Finish drops the indexes whole, so no record is freed then: each
	// must still let go of its SA (release), which is otherwise kept, with
	// all it holds, as long as the Analyzer.
	for i := uint32(1); i < a.infs.n; i++ {
		if a.infs.at(i).owner != nil {
			t.Fatalf("record %d still holds its SA after Finish", i)
		}
	}
	// An SA is open from its first packet until 1 s after its last: at
	// most (that span + 1 ms) / 1 ms of them at once.
	span := s.tmpl[len(s.tmpl)-1].Time.Sub(s.tmpl[0].Time) + time.Second
	most := uint32(span/time.Millisecond) + 2 // and index 0
	if used == 0 || used > most || used >= n {
		t.Errorf("the slab handed out %d records for %d SAs open at most %d at a time (%v), want at most that", used, n, most-2, span)
	}
}

// TestInfIndexModel checks infIndex against a plain map keyed by SPI and
// address (what espIndex is), over random sets, drops and lookups of few
// SPIs: records of SAs that share an address (a responder), an SA whose
// two peers are one address, IPv6 and IPv4-mapped forms of the same
// addresses, and addresses no record's SA has, so that keys share SPIs and
// move between bySPI and the address-keyed maps.
func TestInfIndexModel(t *testing.T) {
	type key struct {
		spi uint32
		is4 bool
		a   [16]byte
	}
	keyOf := func(spi uint32, a netip.Addr) key {
		a = a.Unmap()
		return key{spi, a.Is4(), a.As16()}
	}
	ap := func(s string) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(s), 500) }
	peers := [][2]netip.AddrPort{
		{ap("10.0.0.1"), ap("192.0.2.1")},
		{ap("10.0.0.2"), ap("192.0.2.1")},
		{ap("10.0.0.3"), ap("10.0.0.3")},
		{ap("2001:db8::1"), ap("2001:db8::2")},
		{ap("::ffff:10.0.0.4"), ap("192.0.2.1")},
	}
	addrs := []netip.Addr{netip.MustParseAddr("198.51.100.9"), netip.MustParseAddr("::ffff:192.0.2.1")}
	for _, pp := range peers {
		addrs = append(addrs, pp[0].Addr(), pp[1].Addr())
	}
	for seed := range 20 {
		rng := rand.New(rand.NewPCG(uint64(seed), 1))
		var s infSlab
		var recs []uint32
		for _, pp := range peers {
			st := &saState{}
			st.setPeers(pp[0], pp[1])
			for range 2 {
				i, _ := s.alloc(st, 0)
				recs = append(recs, i)
			}
		}
		x := newInfIndex()
		ref := map[key]uint32{}
		for op := range 3000 {
			spi := uint32(rng.IntN(4))
			r := recs[rng.IntN(len(recs))]
			var dst netip.Addr
			if rng.IntN(4) == 0 {
				dst = addrs[rng.IntN(len(addrs))]
			} else {
				dst = s.at(r).owner.peer(saSide(rng.IntN(2))).Addr()
			}
			k := keyOf(spi, dst)
			switch rng.IntN(3) {
			case 0, 1:
				x.set(&s, spi, dst, r)
				ref[k] = r
			default:
				i := r
				if rng.IntN(2) == 0 {
					i = 0
				}
				x.drop(&s, spi, dst, i)
				if cur, ok := ref[k]; ok && (i == 0 || cur == i) {
					delete(ref, k)
				}
			}
			for spi := range uint32(4) {
				for _, a := range addrs {
					got, want := x.get(&s, spi, a), ref[keyOf(spi, a)]
					if got != want {
						t.Fatalf("seed %d op %d: get(%d, %v) = %d, want %d", seed, op, spi, a, got, want)
					}
				}
			}
			n := len(x.bySPI) + len(x.full.v4) + len(x.full.v6)
			if n != len(ref) {
				t.Fatalf("seed %d op %d: %d entries, want %d (a key in two places)", seed, op, n, len(ref))
			}
		}
	}
}
