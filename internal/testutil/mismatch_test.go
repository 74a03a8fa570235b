package testutil

import (
	"slices"
	"testing"
)

func TestMismatches(t *testing.T) {
	got := []string{"a", "b", "c", "d"}
	want := []string{"a", "x", "c"}
	m := Mismatches(got, want, -1)
	if !slices.Equal(m, []Mismatch[string]{{1, "b", "x"}, {3, "d", ""}}) {
		t.Errorf("all: %+v", m)
	}
	if m := Mismatches(got, want, 1); len(m) != 1 || m[0].Index != 1 {
		t.Errorf("limit 1: %+v", m)
	}
	if m := Mismatches(want, want, -1); m != nil {
		t.Errorf("equal: %+v", m)
	}
}
