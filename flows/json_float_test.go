package flows

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// checkFloat compares appendFloat with encoding/json on f.
func checkFloat(t *testing.T, f float64) {
	t.Helper()
	want, werr := json.Marshal(f)
	got, err := appendFloat([]byte("x"), f)
	if werr != nil {
		if err == nil {
			t.Fatalf("%v (%#x): appendFloat wrote %q, encoding/json refuses it", f, math.Float64bits(f), got)
		}
		return
	}
	if err != nil || string(got) != "x"+string(want) {
		t.Fatalf("%v (%#x): appendFloat %q (err %v), encoding/json %q", f, math.Float64bits(f), got, err, want)
	}
}

// TestAppendFloatMatchesEncodingJSON checks the float writer, and its
// shortcut for whole microseconds and nanoseconds of a millisecond, against
// encoding/json: on the round-trip times as the analyzer makes them
// (nanosecond and microsecond durations of every magnitude), on the
// neighbours of such values (one ulp off: not k/1e6, so not the shortcut),
// at the shortcut's bounds, and on random doubles.
func TestAppendFloatMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 13))
	for _, f := range []float64{0, math.Copysign(0, -1), 1e-6, 1e-7, 0.5, 1, 7.807, 0.47, 12.345678, 123.4567891,
		1 << 31, math.Nextafter(1<<31, 0), 1<<31 - 1e-6, 2147.483647, 1e20, 1e21, 5e-324, -1, -7.807, math.MaxFloat64,
		math.Inf(1), math.Inf(-1), math.NaN()} {
		checkFloat(t, f)
		checkFloat(t, math.Nextafter(f, 0))
		checkFloat(t, math.Nextafter(f, math.Inf(1)))
	}
	for range 60000 {
		// A duration of up to 10^e ns, as millis makes it (reorder.go).
		d := time.Duration(rng.Int64N(int64(math.Pow10(1 + rng.IntN(16)))))
		if rng.IntN(2) == 0 {
			d = d.Truncate(time.Microsecond)
		}
		f := float64(d) / float64(time.Millisecond)
		checkFloat(t, f)
		checkFloat(t, math.Nextafter(f, 0))
		checkFloat(t, math.Nextafter(f, math.Inf(1)))
		checkFloat(t, math.Float64frombits(rng.Uint64()))
		checkFloat(t, rng.Float64()*math.Pow10(rng.IntN(20)-8))
	}
}

// FuzzAppendFloat compares appendFloat with encoding/json on any double.
func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1e-6, 7.807, 0.47, 12.345678, 1 << 31, 2147.483647, 1e21, 5e-324, -4.5} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) { checkFloat(t, v) })
}
