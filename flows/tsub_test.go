package flows

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTsubMatchesSub checks tsub against time.Time.Sub on capture-like
// times (1970 to 2106, several locations, nanosecond parts on both sides
// of each other) and on times outside that range, where tsub must fall
// back to Sub (saturation included).
func TestTsubMatchesSub(t *testing.T) {
	east := time.FixedZone("UTC+9", 9*3600)
	edges := []time.Time{
		{}, time.Unix(0, 0), time.Unix(0, 1).UTC(), time.Unix(-1, 999_999_999),
		time.Unix(1<<32-1, 999_999_999), time.Unix(1<<32, 0), time.Unix(1<<40, 5).UTC(),
		time.Unix(1_700_000_000, 999_999_999).UTC(), time.Unix(1_700_000_000, 1).In(east),
		time.Date(-300_000_000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(300_000_000, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		sec := r.Int64N(1 << 32)
		if r.IntN(4) == 0 {
			sec = 1_700_000_000 + r.Int64N(100)
		}
		edges = append(edges, time.Unix(sec, r.Int64N(1e9)).UTC())
	}
	for i, x := range edges {
		for _, y := range []time.Time{edges[(i*7+3)%len(edges)], edges[i/2], edges[0], edges[7]} {
			if got, want := tsub(x, y), x.Sub(y); got != want {
				t.Fatalf("tsub(%v, %v) = %v, Sub gives %v", x, y, got, want)
			}
		}
	}
}

// TestMonotonicDropped checks that packets stamped by time.Now (with a
// monotonic clock reading) are analysed as their wall-clock times: the
// same report as the same packets with the reading stripped.
func TestMonotonicDropped(t *testing.T) {
	pkts := corpusPackets(t, "ikev2-psk-success")
	base := time.Now()
	wall := make([]Packet, len(pkts))
	mono := make([]Packet, len(pkts))
	for i, p := range pkts {
		p.Time = base.Add(p.Time.Sub(pkts[0].Time))
		mono[i] = p
		p.Time = p.Time.Round(0)
		wall[i] = p
	}
	if mono[1].Time == wall[1].Time {
		t.Fatal("time.Now() carries no monotonic reading here")
	}
	a, b := analyze(wall, Options{}), analyze(mono, Options{})
	if len(a.SAs) == 0 || len(a.SAs) != len(b.SAs) {
		t.Fatalf("%d SAs, %d with monotonic stamps", len(a.SAs), len(b.SAs))
	}
	for i := range a.SAs {
		x, y := a.SAs[i], b.SAs[i]
		if x.Start != y.Start || x.End != y.End || len(x.Exchanges) != len(y.Exchanges) {
			t.Fatalf("SA %d: %v..%v (%d exchanges), with monotonic stamps %v..%v (%d)", i,
				x.Start, x.End, len(x.Exchanges), y.Start, y.End, len(y.Exchanges))
		}
		for j := range x.Exchanges {
			if x.Exchanges[j].RTT != y.Exchanges[j].RTT {
				t.Errorf("SA %d exchange %d: RTT %v, with monotonic stamps %v", i, j, x.Exchanges[j].RTT, y.Exchanges[j].RTT)
			}
		}
	}
}
