package flows

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// scanRetransmitGroup is the grouping retransmitGroups replaced, kept as
// the reference: the transmissions of the i-th message of ex when it was
// sent more than once (i, then every later retransmit that matches it),
// found by comparing it with every later message.
func scanRetransmitGroup(ex *exRec, i int) []int {
	m := ex.msg(i)
	if m.retransmit() || m.fragTotal != 0 && m.fragNum != 1 {
		return nil
	}
	var g []int
	key := ex.labelKey(m)
	for j := i + 1; j < ex.nmsgs(); j++ {
		if r := ex.msg(j); r.retransmit() && r.side() == m.side() && r.response() == m.response() &&
			ex.labelKey(r) == key && sameFragment(r, m) {
			if len(g) == 0 {
				g = append(g, i)
			}
			g = append(g, j)
		}
	}
	return g
}

// sameFragment reports whether the Fragment of r matches that of m for
// scanRetransmitGroup: equal, or both fragments with r the first ("1/n").
// Fragment is "" exactly when fragTotal is 0, and fragLabel ("num/total")
// is one-to-one, so the numbers are compared instead of the strings.
func sameFragment(r, m *cmsg) bool {
	if r.fragTotal == 0 || m.fragTotal == 0 {
		return r.fragTotal == m.fragTotal
	}
	return r.fragNum == m.fragNum && r.fragTotal == m.fragTotal || r.fragNum == 1
}

// TestRetransmitGroups compares retransmitGroups with the pairwise scan
// on random exchanges of both versions' types: requests and responses
// from both sides, retransmit flags, IKEv1 labels and IKEv2 fragments
// ("1/n" copies of other totals too), with few distinct values so that
// groups overlap and several first transmissions share a key.
func TestRetransmitGroups(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 29))
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	types := []dissect.ExchangeType{dissect.ExchangeIKEAuth, dissect.ExchangeIdentityProtect, dissect.ExchangeQuickMode, dissect.ExchangeInformational}
	groups, shared := 0, 0
	for n := range 3000 {
		ex := newExchange(types[n%len(types)], 1, sideI, base)
		msgs := 1 + rng.IntN(40)
		if n%100 == 0 {
			msgs = MaxExchangeMessages + 5 // a full exchange: the omitted ones join nothing
		}
		for j := range msgs {
			m := cmsg{hash: uint64(rng.IntN(3))}
			if rng.IntN(2) == 0 {
				m.flags |= cmsgRetransmit
			}
			if rng.IntN(2) == 0 {
				m.flags |= cmsgResponse
			}
			if rng.IntN(3) == 0 {
				m.flags |= cmsgResponder
			}
			if rng.IntN(2) == 0 {
				m.flags |= cmsgLabeled
				m.label = uint8(rng.IntN(3))
			}
			if rng.IntN(3) == 0 {
				m.fragTotal = uint8(2 + rng.IntN(2))
				m.fragNum = uint8(1 + rng.IntN(int(m.fragTotal)))
			}
			ex.add(&m, j+1, base.Add(time.Duration(j)*time.Second), 100)
		}
		var want [][]int
		for i := range ex.nmsgs() {
			if g := scanRetransmitGroup(ex, i); g != nil {
				want = append(want, g)
			}
		}
		var got [][]int
		retransmitGroups(ex, nil, func(g []int) { got = append(got, slices.Clone(g)) })
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("exchange %d (%v, %d messages): groups %v, the scan gives %v", n, ex.Type, ex.nmsgs(), got, want)
		}
		groups += len(want)
		seen := map[int]int{}
		for _, g := range want {
			for _, j := range g[1:] {
				if seen[j]++; seen[j] == 2 {
					shared++
				}
			}
		}
	}
	if groups == 0 || shared == 0 {
		t.Fatalf("the random exchanges gave %d groups, %d copies in several groups: not the cases this test is for", groups, shared)
	}
}

// BenchmarkRetransmitGroups groups a full exchange (MaxExchangeMessages)
// of requests, every other one a retransmit, whose copies match none of
// the first transmissions (they come from the other side): the case where
// the pairwise scan (sub-benchmark "scan") does all its comparisons for
// nothing.
func BenchmarkRetransmitGroups(b *testing.B) {
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	ex := newExchange(dissect.ExchangeIKEAuth, 1, sideI, base)
	for j := range MaxExchangeMessages {
		m := cmsg{hash: 1}
		if j%2 == 1 {
			m.flags |= cmsgRetransmit | cmsgResponder
		}
		ex.add(&m, j+1, base.Add(time.Duration(j)*time.Second), 100)
	}
	b.Run("groups", func(b *testing.B) {
		var rs []groupedCopy
		for b.Loop() {
			rs = retransmitGroups(ex, rs, func([]int) { b.Fatal("a group") })
		}
	})
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			for i := range ex.nmsgs() {
				if scanRetransmitGroup(ex, i) != nil {
					b.Fatal("a group")
				}
			}
		}
	})
}
