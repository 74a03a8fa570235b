package testutil

// Mismatch is one index at which two slices differ; an element one slice
// lacks is the zero value.
type Mismatch[T any] struct {
	Index     int
	Got, Want T
}

// Mismatches compares got and want element by element and returns the
// first limit differences (all of them when limit < 0).
func Mismatches[T comparable](got, want []T, limit int) []Mismatch[T] {
	var out []Mismatch[T]
	for i := 0; i < max(len(got), len(want)) && (limit < 0 || len(out) < limit); i++ {
		var m Mismatch[T]
		m.Index = i
		if i < len(got) {
			m.Got = got[i]
		}
		if i < len(want) {
			m.Want = want[i]
		}
		if m.Got != m.Want {
			out = append(out, m)
		}
	}
	return out
}
