package flows

import (
	"testing"
	"time"
)

// TestPastWindow checks the reorder window's test on keys (pastWindow)
// against tsub on the packets' times, for times inside 1970-2106 (where it
// subtracts the keys) and outside (before 1970, after 2106, with a
// location, the zero time), in and out of time order.
func TestPastWindow(t *testing.T) {
	base := time.Unix(1700000000, 123456789).UTC()
	times := []time.Time{
		base, base.Add(time.Second), base.Add(2 * time.Second), base.Add(2*time.Second + 1),
		base.Add(-3 * time.Second), base.Add(time.Hour),
		time.Unix(0, 0).UTC(), time.Unix(0, 1).UTC(), time.Unix(-1, 999999999).UTC(),
		time.Unix(maxTsubSec-1, 999999999).UTC(), time.Unix(maxTsubSec, 0).UTC(), time.Unix(maxTsubSec+2, 0).UTC(),
		base.In(time.FixedZone("X", 3600)), {}, time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	windows := []time.Duration{0, 1, time.Second, 2 * time.Second, time.Hour, 1 << 62}
	for i := range times {
		for j := range times {
			for k := range times {
				var r reorder
				var earliest time.Time
				for n, at := range []time.Time{times[i], times[j], times[k]} {
					r.push(&Packet{Frame: n + 1, Kind: KindESP, Time: at}, &Prepared{})
				}
				hp := &r.slab[r.firstKey().slot]
				earliest = hp.p.Time
				for _, w := range windows {
					if got, want := r.pastWindow(w), tsub(r.newest, earliest) > w; got != want {
						t.Fatalf("times %v, %v, %v, window %v: pastWindow %v, tsub says %v", times[i], times[j], times[k], w, got, want)
					}
				}
			}
		}
	}
}
