package testutil

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// Filler sets every exported field of a value to random test values by
// reflection, so that a field added to a type later is filled too. The
// JSON tests of dissect and flows fill values with it and compare their
// hand-written encoders with encoding/json; what differs between them
// (strings, special types, how often a pointer stays nil) is set in the
// fields.
type Filler struct {
	// Rng draws every value.
	Rng *rand.Rand
	// T is failed when a value has a kind the filler has no values for.
	T testing.TB
	// Full makes every field non-zero and every pointer and slice set;
	// otherwise about half the fields stay zero and slices may be nil or
	// empty.
	Full bool
	// NilPointer, when Full is off, leaves a pointer nil one time in
	// NilPointer (0: never).
	NilPointer int
	// ByteSlice, when above 0, gives a byte slice 1 to ByteSlice elements
	// (other slices get 1 to 3).
	ByteSlice int
	// Strings are the values a string field takes (one at random).
	Strings []string
	// Floats are the values a float field takes; with none, a float field
	// fails the test.
	Floats []float64
	// Special fills the values of the types it holds (times, addresses)
	// in place of the filler.
	Special map[reflect.Type]func(v reflect.Value)
	// Uint, when set, narrows the random value n of an unsigned field of
	// kind k (toward the known values of a registry).
	Uint func(k reflect.Kind, n uint64) uint64
}

// Zero reports whether the next field stays zero: never when Full, one
// time in two otherwise.
func (f *Filler) Zero() bool { return !f.Full && f.Rng.IntN(2) == 0 }

// FillTime sets v (a time.Time) to a random instant in the years from to
// from+years-1, in UTC or one time in four in a +05:30 zone, with
// nanoseconds or not — or leaves it zero, as Zero says.
func (f *Filler) FillTime(v reflect.Value, from, years int) {
	if f.Zero() {
		return
	}
	r := f.Rng
	tm := time.Date(from+r.IntN(years), time.Month(1+r.IntN(12)), 1+r.IntN(28),
		r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(3)*r.IntN(1e9), time.UTC)
	if r.IntN(4) == 0 {
		tm = tm.In(time.FixedZone("IST", 5*3600+30*60))
	}
	v.Set(reflect.ValueOf(tm))
}

// Fill sets v and what it holds; depth is how deep v is (pointers are left
// nil below depth 4, slices empty below depth 3).
func (f *Filler) Fill(v reflect.Value, depth int) {
	if fill, ok := f.Special[v.Type()]; ok {
		fill(v)
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.Fill(v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		if depth > 4 || (!f.Full && f.NilPointer > 0 && f.Rng.IntN(f.NilPointer) == 0) {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.Fill(v.Elem(), depth+1)
	case reflect.Slice:
		f.fillSlice(v, depth)
	case reflect.Array:
		for i := range v.Len() {
			f.Fill(v.Index(i), depth)
		}
	case reflect.String:
		if !f.Zero() {
			v.SetString(f.Strings[f.Rng.IntN(len(f.Strings))])
		}
	case reflect.Bool:
		v.SetBool(!f.Zero())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !f.Zero() {
			v.SetInt(int64(f.Rng.IntN(1<<20)) - 1000)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !f.Zero() {
			n := f.Rng.Uint64()
			if f.Uint != nil {
				n = f.Uint(v.Kind(), n)
			}
			v.SetUint(n)
		}
	case reflect.Float32, reflect.Float64:
		if len(f.Floats) == 0 {
			f.noValues(v)
		} else if !f.Zero() {
			v.SetFloat(f.Floats[f.Rng.IntN(len(f.Floats))])
		}
	default:
		f.noValues(v)
	}
}

// fillSlice sets v (a slice) nil, empty or to 1 to 3 filled elements (1
// to ByteSlice for bytes).
func (f *Filler) fillSlice(v reflect.Value, depth int) {
	switch f.Rng.IntN(4) {
	case 0:
		if !f.Full {
			return // nil
		}
	case 1:
		if !f.Full {
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
			return
		}
	}
	if depth > 3 {
		return
	}
	n := 1 + f.Rng.IntN(3)
	if f.ByteSlice > 0 && v.Type().Elem().Kind() == reflect.Uint8 {
		n = 1 + f.Rng.IntN(f.ByteSlice)
	}
	v.Set(reflect.MakeSlice(v.Type(), n, n))
	for i := range n {
		f.Fill(v.Index(i), depth+1)
	}
}

// noValues fails the test: v has a kind the filler has no values for.
func (f *Filler) noValues(v reflect.Value) {
	f.T.Helper()
	f.T.Fatalf("filler: no values for %s (kind %s): teach the test (and AppendJSON) about it", v.Type(), v.Kind())
}
