package flows

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// naiveEveryCopyAnswered is everyCopyAnswered as it was first written: for
// each copy, a walk over every response of the exchange.
func naiveEveryCopyAnswered(ex *exRec, g []int) bool {
	if len(g) < 2 {
		return false
	}
	for k, i := range g {
		req, found := ex.msgTime(i), false
		for j := range ex.nmsgs() {
			t := ex.msgTime(j)
			if !ex.msg(j).response() || t.Before(req) || t.Sub(req) > promptAnswer {
				continue
			}
			if k+1 < len(g) && !t.Before(ex.msgTime(g[k+1])) {
				continue
			}
			found = true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

// TestEveryCopyAnswered compares the binary-search version with the walk
// on random exchanges: requests resent at random intervals, responses
// (some late, some missing, some out of time order), times that need the
// exact list (a start in a location) and times that do not.
func TestEveryCopyAnswered(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	agree, yes := 0, 0
	for n := range 3000 {
		start := base
		if n%3 == 0 {
			start = base.In(time.FixedZone("X", 3600)) // every time goes to the exact list
		}
		ex := newExchange(dissect.ExchangeIKEAuth, 1, sideI, start)
		var g []int
		at := time.Duration(0)
		for c := range 2 + rng.IntN(6) {
			m := cmsg{hash: 1}
			if c > 0 {
				m.flags |= cmsgRetransmit
			}
			g = append(g, ex.nmsgs())
			ex.add(&m, ex.nmsgs()+1, start.Add(at), 100)
			if rng.IntN(5) > 0 { // answered, usually at once
				d := time.Duration(rng.IntN(1500)) * time.Millisecond
				if rng.IntN(8) == 0 {
					d = -d / 10 // captured slightly out of order
				}
				r := cmsg{hash: 2, flags: cmsgResponse}
				ex.add(&r, ex.nmsgs()+1, start.Add(at+d), 100)
			}
			at += time.Duration(200+rng.IntN(3000)) * time.Millisecond
		}
		got, want := everyCopyAnswered(ex, g), naiveEveryCopyAnswered(ex, g)
		if got != want {
			t.Fatalf("exchange %d: everyCopyAnswered = %v, the walk says %v", n, got, want)
		}
		agree++
		if got {
			yes++
		}
	}
	if yes == 0 || yes == agree {
		t.Fatalf("the random exchanges did not exercise both answers (%d of %d answered)", yes, agree)
	}
}
