package testutil

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

type fillInner struct{ N int }

type fillOuter struct {
	S      string
	I      int16
	U      uint8
	B      bool
	F      float64
	P      *fillInner
	Bytes  []byte
	List   []fillInner
	Arr    [2]int
	hidden int
}

// TestFillerFull: with Full, every exported field and what it points to
// is set non-zero, byte slices get up to ByteSlice elements, the hooks are
// called, and the unexported field stays zero.
func TestFillerFull(t *testing.T) {
	uints := 0
	for seed := range uint64(50) {
		f := &Filler{Rng: rand.New(rand.NewPCG(seed, 1)), T: t, Full: true, ByteSlice: 40,
			Strings: []string{"x"}, Floats: []float64{0.5},
			Uint: func(_ reflect.Kind, n uint64) uint64 { uints++; return n%7 + 1 }}
		var v fillOuter
		f.Fill(reflect.ValueOf(&v).Elem(), 0)
		if v.S != "x" || v.I == 0 || v.U == 0 || !v.B || v.F != 0.5 || v.P == nil ||
			len(v.Bytes) == 0 || len(v.Bytes) > 40 || len(v.List) == 0 || len(v.List) > 3 || v.hidden != 0 {
			t.Fatalf("seed %d: %+v", seed, v)
		}
		if v.U > 7 {
			t.Fatalf("seed %d: Uint hook not applied: %d", seed, v.U)
		}
	}
	if uints < 50 {
		t.Errorf("Uint hook called %d times", uints)
	}
}

// TestFillerSpecial: a type Special claims is left to it.
func TestFillerSpecial(t *testing.T) {
	f := &Filler{Rng: rand.New(rand.NewPCG(1, 1)), T: t, Full: true, Strings: []string{"x"},
		Special: map[reflect.Type]func(reflect.Value){
			reflect.TypeFor[string](): func(v reflect.Value) { v.SetString("special") },
		}}
	var v struct{ A, B string }
	f.Fill(reflect.ValueOf(&v).Elem(), 0)
	if v.A != "special" || v.B != "special" {
		t.Errorf("%+v", v)
	}
}
