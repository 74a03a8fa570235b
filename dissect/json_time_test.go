package dissect

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestAppendJSONTimeMatches compares AppendJSONTime with time.Time's
// MarshalJSON, the writer it replaces: every year boundary of the range
// MarshalJSON accepts and just outside it, every length of fraction, and
// zone offsets east and west, with seconds, at and past the 24-hour limit.
// What MarshalJSON refuses AppendJSONTime writes null, without an error.
func TestAppendJSONTimeMatches(t *testing.T) {
	zones := []*time.Location{time.UTC, time.Local,
		time.FixedZone("east", 5*3600+30*60), time.FixedZone("west", -(9*3600 + 59)),
		time.FixedZone("secs", 45), time.FixedZone("min", -60),
		time.FixedZone("edge", 24*3600-1), time.FixedZone("wedge", -(24*3600 - 1)),
		time.FixedZone("day", 24*3600), time.FixedZone("-day", -24*3600), time.FixedZone("far", 100*3600)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	var times []time.Time
	for _, y := range []int{-1, 0, 1, 4, 99, 100, 400, 1600, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2026, 2100, 2400, 9998, 9999, 10000, 292277026596} {
		for _, md := range [][2]int{{1, 1}, {2, 28}, {2, 29}, {3, 1}, {12, 31}} {
			for _, ns := range []int{0, 1, 10, 999, 1000, 120000, 319223000, 500000000, 999999999} {
				times = append(times,
					time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, ns, time.UTC),
					time.Date(y, time.Month(md[0]), md[1], 23, 59, 59, ns, time.UTC))
			}
		}
	}
	rng := rand.New(rand.NewPCG(13, 13))
	for range 20000 {
		times = append(times, time.Unix(rng.Int64N(253402300800+62167219200+2*86400)-62167219200-86400, rng.Int64N(1e9)))
	}
	times = append(times, time.Time{}, time.Unix(1<<62, 0), time.Unix(-1<<62, 0))
	for _, tm := range times {
		for _, z := range zones {
			tz := tm.In(z)
			want, werr := tz.MarshalJSON()
			got, gerr := AppendJSONTime([]byte("x"), tz)
			if gerr != nil {
				t.Fatalf("%v: AppendJSONTime error %v", tz, gerr)
			}
			if werr != nil {
				want = []byte("null")
			}
			if string(got) != "x"+string(want) {
				t.Fatalf("%v: got %s, want x%s", tz, got, want)
			}
		}
	}
}

// BenchmarkAppendJSONTime formats capture-like times (UTC, microseconds).
func BenchmarkAppendJSONTime(b *testing.B) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = AppendJSONTime(buf[:0], t0.Add(time.Duration(i)*1237*time.Microsecond))
	}
}

// BenchmarkAppendFormatTime is BenchmarkAppendJSONTime with the general
// formatter AppendJSONTime replaced, for comparison.
func BenchmarkAppendFormatTime(b *testing.B) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var buf []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = t0.Add(time.Duration(i)*1237*time.Microsecond).AppendFormat(buf[:0], time.RFC3339Nano)
	}
}
