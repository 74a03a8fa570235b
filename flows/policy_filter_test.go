package flows

import (
	"net/netip"
	"testing"
)

// TestAddrFilter checks that the filter in front of the remembered
// proposals never calls an added address absent, and calls most others
// absent at the maps' bound (what saves their lookups).
func TestAddrFilter(t *testing.T) {
	var f addrFilter
	addr := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	for i := range maxPolicies {
		f.add(addr(i))
	}
	f.add(netip.MustParseAddr("2001:db8::1"))
	for i := range maxPolicies {
		if f.absent(addr(i)) {
			t.Fatalf("%v added but called absent", addr(i))
		}
	}
	if f.absent(netip.MustParseAddr("2001:db8::1")) {
		t.Fatal("2001:db8::1 added but called absent")
	}
	absent := 0
	const others = 20000
	for i := maxPolicies; i < maxPolicies+others; i++ {
		if f.absent(addr(i)) {
			absent++
		}
	}
	if absent < others*85/100 {
		t.Errorf("%d of %d addresses never added called absent, want at least 85%%", absent, others)
	}
}

// TestRememberPastBound checks the remembered proposals once more peers
// than maxPolicies have offered and accepted: peers remembered before the
// bound are still updated, later ones are not remembered.
func TestRememberPastBound(t *testing.T) {
	a := NewAnalyzer(Options{})
	addr := func(i int) netip.Addr {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	for i := range maxPolicies + 500 {
		a.rememberOffer(addr(i), true, []string{"A"}, i+1)
		a.rememberAccept(addr(i), addr(i+1<<20), true, "B", i+1)
	}
	if len(a.offers) != maxPolicies || len(a.accepted) != maxPolicies {
		t.Fatalf("%d offers, %d accepted remembered, want %d each", len(a.offers), len(a.accepted), maxPolicies)
	}
	a.rememberOffer(addr(7), true, []string{"C", "D"}, 99999)
	a.rememberAccept(addr(7), addr(maxPolicies+100), true, "E", 99999)
	if got := a.offers[addr(7)]; got.ike != "C; D" || got.ikeFrame != 99999 {
		t.Errorf("offer of a remembered peer not updated: %+v", got)
	}
	if got := a.accepted[addr(7)]; got.ike != "E" || got.ikeFrame != 99999 {
		t.Errorf("accepted proposal of a remembered peer not updated: %+v", got)
	}
	if _, ok := a.accepted[addr(maxPolicies+100)]; ok {
		t.Error("a peer past the bound was remembered")
	}
}
