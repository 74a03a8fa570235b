package dissect

import "testing"

// registryCases are the expected names of values of one registry type.
type registryCases struct {
	typ  string
	name func(uint32) string // e.g. valueString[DHGroup]
	want map[uint32]string
}

// checkRegistryCases fails t for every value whose name is not the one wanted.
func checkRegistryCases(t *testing.T, cases []registryCases) {
	t.Helper()
	for _, c := range cases {
		for v, want := range c.want {
			if got := c.name(v); got != want {
				t.Errorf("%s(%d) = %q, want %q", c.typ, v, got, want)
			}
		}
	}
}
