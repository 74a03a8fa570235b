package twoside

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"time"
)

// Clock is the estimated offset between the two captures' clocks.
type Clock struct {
	// Offset is B's clock minus A's clock at the start of A's capture.
	Offset time.Duration `json:"offset_ns"`
	// DriftPPM is how fast B's clock runs against A's, in parts per million
	// (0 when the matched span was too short to tell).
	DriftPPM float64 `json:"drift_ppm"`
	// Uncertainty is half the smallest round trips used: the offset is
	// right to within about this much.
	Uncertainty time.Duration `json:"uncertainty_ns"`
	// Pairs is the number of opposite-direction packet pairs used.
	Pairs int `json:"pairs"`
	// OneWay is set when matched packets went one way only: then the offset
	// assumes the fastest packet took no time and delays are relative.
	OneWay bool `json:"one_way"`

	base time.Time // A-clock reference of Offset
}

// at returns B's clock minus A's clock at A-clock time t.
func (c *Clock) at(t time.Time) time.Duration {
	if c.DriftPPM == 0 {
		return c.Offset
	}
	return c.Offset + time.Duration(float64(t.Sub(c.base))*c.DriftPPM/1e6)
}

// toA converts a B timestamp to A's clock.
func (c *Clock) toA(t time.Time) time.Time {
	a := t.Add(-c.Offset)
	return t.Add(-c.at(a))
}

// ipPair is an ordered pair of addresses (source, destination) as one side
// sees them; ports are left out because NAT rewrites them.
type ipPair struct{ src, dst netip.Addr }

// canon returns the pair with the smaller address first and whether p was
// reversed to get it.
func (p ipPair) canon() (ipPair, bool) {
	if p.dst.Less(p.src) {
		return ipPair{p.dst, p.src}, true
	}
	return p, false
}

// sample is one packet seen once on each side: its A time and B-A time.
type sample struct {
	ta time.Time
	d  time.Duration
}

type estimate struct {
	t     time.Time
	theta time.Duration
	rt    time.Duration
}

// estimateClock derives the clock offset from packets matched uniquely,
// grouped by address pair (A's view) and direction.
func estimateClock(groups map[ipPair][2][]sample, base time.Time) Clock {
	var ests []estimate
	var all []time.Duration
	for _, g := range groups {
		for dir := range 2 {
			slices.SortFunc(g[dir], func(x, y sample) int { return x.ta.Compare(y.ta) })
			for _, s := range g[dir] {
				all = append(all, s.d)
			}
		}
		for dir := range 2 {
			other := g[1-dir]
			if len(other) == 0 {
				continue
			}
			for _, s := range g[dir] {
				i := sort.Search(len(other), func(i int) bool { return !other[i].ta.Before(s.ta) })
				best := -1
				for _, j := range []int{i - 1, i} {
					if j >= 0 && j < len(other) && (best < 0 || absDur(other[j].ta.Sub(s.ta)) < absDur(other[best].ta.Sub(s.ta))) {
						best = j
					}
				}
				if absDur(other[best].ta.Sub(s.ta)) > 10*time.Second {
					continue
				}
				o := other[best]
				mid := s.ta.Add(o.ta.Sub(s.ta) / 2)
				ests = append(ests, estimate{t: mid, theta: s.d/2 + o.d/2, rt: absDur(s.d - o.d)})
			}
		}
	}
	c := Clock{base: base}
	if len(ests) == 0 {
		if len(all) == 0 {
			return c
		}
		c.OneWay = true
		c.Offset = slices.Min(all)
		return c
	}
	// NTP's minimum-delay filter: keep the pairs with the smaller round trips.
	slices.SortFunc(ests, func(x, y estimate) int { return cmp.Compare(x.rt, y.rt) })
	ests = ests[:(len(ests)+1)/2]
	c.Pairs = len(ests)
	c.Uncertainty = ests[len(ests)/2].rt / 2
	thetas := make([]time.Duration, len(ests))
	for i, e := range ests {
		thetas[i] = e.theta
	}
	slices.Sort(thetas)
	c.Offset = thetas[len(thetas)/2]
	slices.SortFunc(ests, func(x, y estimate) int { return x.t.Compare(y.t) })
	span := ests[len(ests)-1].t.Sub(ests[0].t)
	if len(ests) >= 4 && span >= 10*time.Second {
		// least squares theta = a + b*(t - base), in seconds
		var sx, sy, sxx, sxy float64
		n := float64(len(ests))
		for _, e := range ests {
			x := e.t.Sub(base).Seconds()
			y := (e.theta - c.Offset).Seconds()
			sx += x
			sy += y
			sxx += x * x
			sxy += x * y
		}
		if den := n*sxx - sx*sx; den > 0 {
			b := (n*sxy - sx*sy) / den
			a := (sy - b*sx) / n
			// keep the drift when it moves the offset by more than twice the
			// uncertainty over the span, and is plausible for a clock
			visible := absF(b*span.Seconds()) > 2*c.Uncertainty.Seconds()
			if ppm := b * 1e6; ppm > -1000 && ppm < 1000 && absF(ppm) >= 0.1 && visible {
				c.DriftPPM = ppm
				c.Offset += time.Duration(a * 1e9)
			}
		}
	}
	return c
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func absF(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
