package flows

import (
	"net/netip"
	"testing"
)

// TestPairIndex checks the index of the latest SA per pair of peers across
// its two maps: both directions of a pair are one key, an IPv4 pair and
// its IPv4-mapped form are one key, pairs with an IPv6 address (or one of
// each family) are keys of their own, and drop removes only the SA it is
// given.
func TestPairIndex(t *testing.T) {
	x := newPairIndex()
	a4, b4 := netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("203.0.113.10")
	a6, b6 := netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b")
	mapped := netip.AddrFrom16(b4.As16())
	s1, s2, s3 := &saState{}, &saState{}, &saState{}
	x.set(makePairKey(a4, b4), s1)
	x.set(makePairKey(b6, a6), s2)
	x.set(makePairKey(a4, b6), s3)
	for _, tc := range []struct {
		x, y netip.Addr
		want *saState
	}{
		{a4, b4, s1}, {b4, a4, s1}, {a4, mapped, s1}, {a6, b6, s2}, {b6, a6, s2}, {a4, b6, s3}, {b6, a4, s3},
		{a4, a6, nil}, {b4, b6, nil}, {a4, a4, nil},
	} {
		if got := x.get(makePairKey(tc.x, tc.y)); got != tc.want {
			t.Errorf("get(%v, %v) = %p, want %p", tc.x, tc.y, got, tc.want)
		}
	}
	k := makePairKey(a4, b4)
	if k4, ok := k.v4(); !ok || k4 != (pairKey4{[4]byte{198, 51, 100, 10}, [4]byte{203, 0, 113, 10}}) {
		t.Errorf("v4() = %v, %v", k4, ok)
	}
	x.drop(makePairKey(a4, b4), s2) // not the SA there: kept
	if x.get(makePairKey(a4, b4)) != s1 {
		t.Error("drop removed another SA's entry")
	}
	x.drop(makePairKey(mapped, a4), s1)
	x.drop(makePairKey(a6, b6), s2)
	if len(x.v4) != 0 || len(x.v6) != 1 {
		t.Errorf("after drops: %d IPv4 and %d IPv6 pairs, want 0 and 1", len(x.v4), len(x.v6))
	}
}

// TestPairMapForms checks that a pairMap finds every pair as makePairKey
// names it, IPv4 pairs (kept as 8-octet keys) and IPv6 ones alike,
// whatever form of its addresses names it, and that drop removes a pair
// only when it maps to the value given.
func TestPairMapForms(t *testing.T) {
	x := newPairMap[int32](0)
	a4, b4 := netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("203.0.113.10")
	a6 := netip.MustParseAddr("2001:db8::a")
	want := map[pairKey]int32{makePairKey(b4, a4): 1, makePairKey(a6, b4): 2, makePairKey(a4, a6): 3}
	for k, v := range want {
		x.set(k, v)
	}
	if n := len(x.v4) + len(x.v6); n != len(want) {
		t.Fatalf("%d pairs, want %d", n, len(want))
	}
	for k, v := range want {
		if got, ok := x.lookup(k); !ok || got != v {
			t.Errorf("pair %v = %d, %v, want %d", k, got, ok, v)
		}
	}
	if v, ok := x.lookup(makePairKey(netip.AddrFrom16(a4.As16()), b4)); !ok || v != 1 {
		t.Errorf("lookup of the IPv4-mapped form = %d, %v", v, ok)
	}
	x.drop(makePairKey(a4, b4), 7) // another value: kept
	if _, ok := x.lookup(makePairKey(b4, a4)); !ok {
		t.Error("drop with another value removed the pair")
	}
	x.drop(makePairKey(a4, b4), 1)
	if _, ok := x.lookup(makePairKey(b4, a4)); ok || len(x.v4)+len(x.v6) != 2 {
		t.Errorf("drop left the pair (%d pairs)", len(x.v4)+len(x.v6))
	}
}
