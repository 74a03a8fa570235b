package flows

import (
	"bytes"
	"net/netip"
	"path/filepath"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestSAWorkExact checks that an SA's times and addresses come out of the
// compact open state (sawork.go) exactly as the packets gave them, also
// when the compact forms cannot hold them (times in a location, as a
// library caller may give them, from the first packet or from a later
// one; zoned IPv6 addresses), for which saWide keeps them whole, and IPv6
// addresses (saState.peer6). The expected values are the packets' own: the
// ikev2-psk-success capture starts in frame 1, is established by the
// IKE_AUTH response (frame 4, keyless) and ends in frame 14.
func TestSAWorkExact(t *testing.T) {
	zone := func(ap netip.AddrPort) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()).WithZone("eth1"), ap.Port())
	}
	v6 := func(ap netip.AddrPort) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()), ap.Port())
	}
	// doc puts the IPv4 address in 2001:db8::/96 (a native IPv6 address,
	// held in saState.peer6).
	doc := func(ap netip.AddrPort) netip.AddrPort {
		b := ap.Addr().As16()
		copy(b[:12], []byte{0x20, 0x01, 0x0d, 0xb8})
		return netip.AddrPortFrom(netip.AddrFrom16(b), ap.Port())
	}
	// docResp does so for the responder only (a library caller's packets:
	// one side of each SA IPv4, the other IPv6).
	var resp netip.Addr
	docResp := func(ap netip.AddrPort) netip.AddrPort {
		if ap.Addr() == resp {
			return doc(ap)
		}
		return ap
	}
	for _, tc := range []struct {
		name string
		loc  *time.Location
		from int // first frame in loc
		addr func(netip.AddrPort) netip.AddrPort
	}{
		{"utc", time.UTC, 1, nil},
		{"cet", time.FixedZone("CET", 3600), 1, nil},
		{"cet-from-3", time.FixedZone("CET", 3600), 3, nil}, // exact until IKE_AUTH: widen
		{"v4in6", time.UTC, 1, v6},
		{"v6", time.UTC, 1, doc},
		{"v6-responder", time.UTC, 1, docResp},
		{"v6-cet", time.FixedZone("CET", 3600), 1, doc},
		{"zoned", time.UTC, 1, zone},
		{"zoned-cet", time.FixedZone("CET", 3600), 1, zone},
	} {
		pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
		resp = pk[0].Dst.Addr()
		for i := range pk {
			if pk[i].Frame >= tc.from {
				pk[i].Time = pk[i].Time.In(tc.loc)
			}
			if tc.addr != nil {
				pk[i].Src, pk[i].Dst = tc.addr(pk[i].Src), tc.addr(pk[i].Dst)
			}
		}
		at := func(frame int) time.Time {
			for _, p := range pk {
				if p.Frame == frame {
					return p.Time
				}
			}
			t.Fatalf("%s: no frame %d", tc.name, frame)
			return time.Time{}
		}
		r := analyze(pk, Options{})
		if len(r.SAs) != 1 {
			t.Fatalf("%s: %d SAs", tc.name, len(r.SAs))
		}
		sa := r.SAs[0]
		if sa.Start != at(1) || sa.End != at(14) || sa.Established != at(4) {
			t.Errorf("%s: start %v end %v established %v; want %v, %v, %v", tc.name, sa.Start, sa.End, sa.Established,
				at(1), at(14), at(4))
		}
		if sa.Initiator != pk[0].Src || sa.Responder != pk[0].Dst {
			t.Errorf("%s: %v -> %v, want %v -> %v", tc.name, sa.Initiator, sa.Responder, pk[0].Src, pk[0].Dst)
		}
		if sa.FirstFrame != 1 || sa.LastFrame != 14 || len(sa.ChildSAs) != 1 || sa.Findings == nil {
			t.Errorf("%s: frames %d-%d, %d child SAs, findings %v", tc.name, sa.FirstFrame, sa.LastFrame, len(sa.ChildSAs), sa.Findings)
		}
	}
}

// TestLookupSnapshot checks what a live display relies on (it tracks SAs
// by pointer, cmd/ikeflow live_stream.go): while an SA is open Lookup
// returns one *SA, brought up to date on each call, and that *SA is the
// one finalised and handed to OnSA. The values checked are the capture's
// (ikev2-psk-success: IKE_AUTH response in frame 4, last frame 14).
func TestLookupSnapshot(t *testing.T) {
	pk := corpusPackets(t, "ikev2-psk-success")
	var got *SA
	a := NewAnalyzer(Options{ReorderWindow: -1, OnSA: func(sa *SA) { got = sa }})
	var seen *SA
	var spii, spir dissect.SPI
	for i := range pk {
		a.Add(&pk[i])
		if pk[i].Kind == KindIKE {
			copy(spii[:], pk[i].Data[0:8])
			copy(spir[:], pk[i].Data[8:16])
		}
		sa := a.Lookup(2, spii, spir)
		if sa == nil {
			t.Fatalf("frame %d: Lookup found no SA", pk[i].Frame)
		}
		if seen != nil && sa != seen {
			t.Fatalf("frame %d: Lookup returned another *SA", pk[i].Frame)
		}
		seen = sa
		if sa.LastFrame != pk[i].Frame || sa.End != pk[i].Time {
			t.Errorf("frame %d: snapshot last frame %d at %v", pk[i].Frame, sa.LastFrame, sa.End)
		}
		if est := !sa.Established.IsZero(); est != (pk[i].Frame >= 4) {
			t.Errorf("frame %d: snapshot established %v", pk[i].Frame, sa.Established)
		}
	}
	a.Finish()
	if got != seen || got.State != StateEstablished || got.LastFrame != 14 {
		t.Fatalf("OnSA got %p (state %v, last frame %d), Lookup gave %p", got, got.State, got.LastFrame, seen)
	}
}

// TestFinalisedStateReleased checks that an SA's working state (saAlloc:
// its exchange records, indexes, saRare) is released once the SA is
// finalised and handed on, while the caller still holds the SA and its
// child SAs: a child SA's owner link would keep it alive (the collector of
// cmd/ikeflow keeps up to hundreds of SAs). Captures with inferred child
// SAs (keyless) and negotiated ones (keys, rekeys).
func TestFinalisedStateReleased(t *testing.T) {
	for _, tc := range []struct{ scen, keys string }{
		{"ikev2-psk-success", ""},
		{"ikev2-psk-success", "ikev2_decryption_table"},
		{"ikev2-rekey", "ikev2_decryption_table"},
	} {
		opt := Options{}
		if tc.keys != "" {
			opt.Decryptor = keyringFor(t, filepath.Join(corpusDir, tc.scen, tc.keys))
		}
		var kept []*SA
		opt.OnSA = func(sa *SA) { kept = append(kept, sa) }
		a := NewAnalyzer(opt)
		pk := corpusPackets(t, tc.scen)
		for i := range pk {
			a.Add(&pk[i])
		}
		a.drain()
		var states []weak.Pointer[saState]
		a.ix.each(func(st *saState) { states = append(states, weak.Make(st)) })
		a.Finish()
		children := 0
		for _, sa := range kept {
			children += len(sa.ChildSAs)
		}
		if len(states) == 0 || children == 0 {
			t.Fatalf("%s %s: %d open SAs, %d child SAs: the test proves nothing", tc.scen, tc.keys, len(states), children)
		}
		runtime.GC()
		alive := 0
		for _, w := range states {
			if w.Value() != nil {
				alive++
			}
		}
		if alive > 0 {
			t.Errorf("%s %s: %d of %d finalised SAs' working state still reachable", tc.scen, tc.keys, alive, len(states))
		}
		runtime.KeepAlive(kept)
	}
}

// TestOfferUncached checks the initiator's IKE proposals of SAs whose offer
// the proposal cache has no number for (saState.offer 0: kept in saMore):
// every corpus capture (keyless and keyed) analysed with the cache's list
// full from the start must give every SA, offered proposals included,
// exactly as analysed with the cache (compared on their JSON encoding).
func TestOfferUncached(t *testing.T) {
	offered := 0
	for _, path := range corpusCaptures(t) {
		dir := filepath.Dir(path)
		pkts := loadPackets(t, path)
		for _, keyed := range []bool{false, true} {
			opt := func() Options {
				var o Options
				if keyed {
					if d := corpusKeys(t, dir); d != nil {
						o.Decryptor = d // a fresh one per run: decryptors keep state
					}
				}
				return o
			}
			want := analyze(pkts, opt())
			a := NewAnalyzer(opt())
			for range propCacheMax {
				a.propList = append(a.propList, &cachedProps{})
			}
			for i := range pkts {
				p := pkts[i]
				a.Add(&p)
			}
			got := a.Finish()
			if len(got.SAs) != len(want.SAs) {
				t.Fatalf("%s keys=%v: %d SAs, want %d", filepath.Base(dir), keyed, len(got.SAs), len(want.SAs))
			}
			for i, sa := range got.SAs {
				g, _ := sa.AppendJSON(nil)
				w, _ := want.SAs[i].AppendJSON(nil)
				if !bytes.Equal(g, w) {
					t.Errorf("%s keys=%v: SA %s differs without the cache's numbers:\n got %s\nwant %s", filepath.Base(dir), keyed, sa.Name(), g, w)
				}
				if len(sa.Offered) > 0 {
					offered++
				}
			}
		}
	}
	if offered == 0 {
		t.Error("no SA with offered proposals")
	}
}
