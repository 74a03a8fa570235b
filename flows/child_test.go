package flows

import (
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestESPIndex checks the ESP index across its two maps: an IPv4 address
// and the same address IPv4-mapped are one key, IPv6 addresses another,
// the SPI and the address both count, and drop removes only the child SA
// it is given.
func TestESPIndex(t *testing.T) {
	x := newESPIndex[*ChildSA]()
	v4 := netip.MustParseAddr("198.51.100.10")
	mapped := netip.MustParseAddr("::ffff:198.51.100.10")
	v6 := netip.MustParseAddr("2001:db8::10")
	other := netip.MustParseAddr("198.51.100.11")
	a, b, c := &ChildSA{Protocol: "a"}, &ChildSA{Protocol: "b"}, &ChildSA{Protocol: "c"}
	x.set(0x084683ed, v4, a)
	x.set(0x084683ed, v6, b)
	x.set(0x2120fc6c, mapped, c)
	for _, tc := range []struct {
		spi  uint32
		dst  netip.Addr
		want *ChildSA
	}{
		{0x084683ed, v4, a}, {0x084683ed, mapped, a}, {0x084683ed, v6, b}, {0x084683ed, other, nil},
		{0x2120fc6c, v4, c}, {0x2120fc6c, v6, nil}, {0x084683ee, v4, nil},
	} {
		if got := x.get(tc.spi, tc.dst); got != tc.want {
			t.Errorf("get(%08x, %v) = %v, want %v", tc.spi, tc.dst, got, tc.want)
		}
	}
	x.drop(0x084683ed, mapped, b) // not the child SA there: kept
	if x.get(0x084683ed, v4) != a {
		t.Error("drop removed another child SA's entry")
	}
	x.drop(0x084683ed, mapped, a)
	x.drop(0x084683ed, v6, b)
	if x.get(0x084683ed, v4) != nil || x.get(0x084683ed, v6) != nil || len(x.v4) != 1 || len(x.v6) != 0 {
		t.Errorf("after drops: %d IPv4 and %d IPv6 entries, want 1 and 0", len(x.v4), len(x.v6))
	}
}

// TestESPAddressFamilies runs a real capture (ikev2-psk-success: keyless,
// so its child SA is inferred from ESP) with its addresses as they are,
// rewritten to IPv6, and rewritten to IPv4-mapped IPv6, and checks that
// every ESP packet lands on the child SA, counted in the direction its
// destination gives (counted here from the packets themselves).
func TestESPAddressFamilies(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	ini, resp := base[0].Src.Addr(), base[0].Dst.Addr()
	var wantIToR, wantRToI uint64
	for _, p := range base {
		switch {
		case p.Kind != KindESP:
		case p.Dst.Addr() == resp:
			wantIToR++
		default:
			wantRToI++
		}
	}
	if wantIToR == 0 || wantRToI == 0 {
		t.Fatalf("capture has %d/%d ESP packets per direction", wantIToR, wantRToI)
	}
	for name, to := range map[string][2]netip.Addr{
		"ipv4":   {ini, resp},
		"ipv6":   {netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b")},
		"mapped": {netip.AddrFrom16(ini.As16()), netip.AddrFrom16(resp.As16())},
	} {
		pk := clonePackets(base)
		swap := func(ap netip.AddrPort) netip.AddrPort {
			if ap.Addr() == ini {
				return netip.AddrPortFrom(to[0], ap.Port())
			}
			return netip.AddrPortFrom(to[1], ap.Port())
		}
		for i := range pk {
			pk[i].Src, pk[i].Dst = swap(pk[i].Src), swap(pk[i].Dst)
		}
		a := NewAnalyzer(Options{})
		for i := range pk {
			a.Add(&pk[i])
		}
		r := a.Finish()
		if len(r.SAs) != 1 || len(r.SAs[0].ChildSAs) != 1 || r.Stats.UnmatchedESP != 0 {
			t.Fatalf("%s: %d SAs, unmatched ESP %d", name, len(r.SAs), r.Stats.UnmatchedESP)
		}
		if got := r.SAs[0].ChildSAs[0].ESPPackets; got.IToR != wantIToR || got.RToI != wantRToI {
			t.Errorf("%s: ESP %d→ %d←, want %d→ %d←", name, got.IToR, got.RToI, wantIToR, wantRToI)
		}
	}
}

// TestHalfChildSPIFromESP: strongSwan captures with their keys, each
// without the request of an exchange that set up a child SA (the
// IKE_AUTH request of ikev2-psk-success, frame 3; the CREATE_CHILD_SA
// requests of ikev2-rekey, frames 9 and 17) or without its answer (the
// CREATE_CHILD_SA answers of ikev2-rekey, frames 10 and 18: the child SA
// is made from the offer the request shows and the ESP to the requester
// with the SPI it offered, offeredChild), as a capture point that
// dropped it records them. The decrypted answer gives the child SA and
// the responder's SPI; the requester's SPI was in the missing request,
// and ESP to the requester carries it. Before, the child SA read
// 00000000/… with ESP "one way only" (a warning) and its ESP back was
// esp_without_ike ("negotiated before the capture started …"), both
// false; now the SPI is read from that ESP, with a note saying so, and
// the child SA has the SPIs of the whole capture.
func TestHalfChildSPIFromESP(t *testing.T) {
	for _, c := range []struct {
		scen string
		drop int
	}{{"ikev2-psk-success", 3}, {"ikev2-rekey", 9}, {"ikev2-rekey", 17}, {"ikev2-rekey", 10}, {"ikev2-rekey", 18}} {
		dec := func() Decryptor { return corpusKeys(t, filepath.Join(corpusDir, c.scen)) }
		whole := analyze(corpusPackets(t, c.scen), Options{Decryptor: dec()})
		pk := slices.DeleteFunc(corpusPackets(t, c.scen), func(p Packet) bool { return p.Frame == c.drop })
		r := analyze(pk, Options{Decryptor: dec()})
		if r.Stats.UnmatchedESP != 0 {
			t.Errorf("%s without frame %d: %d ESP packets without IKE SA", c.scen, c.drop, r.Stats.UnmatchedESP)
		}
		spis := func(r *Report) []string {
			var out []string
			for _, sa := range r.SAs {
				for _, ch := range sa.ChildSAs {
					out = append(out, ch.SPIi.String()+"/"+ch.SPIr.String())
				}
			}
			return out
		}
		if got, want := spis(r), spis(whole); !slices.Equal(got, want) {
			t.Errorf("%s without frame %d: child SAs %v, want those of the whole capture %v", c.scen, c.drop, got, want)
		}
		noted := false
		for _, sa := range r.SAs {
			for _, f := range sa.Findings {
				if f.Kind == KindOneWayESP && f.Severity >= SeverityWarning {
					t.Errorf("%s without frame %d: %s", c.scen, c.drop, f.Message)
				}
				if f.Kind == KindCaptureGap && (strings.Contains(f.Message, "is read from the ESP sent to it") ||
					strings.Contains(f.Message, "but ESP then came to the initiator with the SPI it offered there")) {
					noted = true
				}
			}
		}
		if !noted {
			t.Errorf("%s without frame %d: no note that an SPI was read from ESP", c.scen, c.drop)
		}
	}
}
