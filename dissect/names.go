package dissect

import "strconv"

// valueRange labels a span of registry values that has no individual name,
// such as "private use" or "unassigned".
type valueRange struct {
	lo, hi uint32
	label  string
}

// fallbackName formats v with the label of the first range containing it,
// e.g. "private use 40961"; values in no range print as "unknown N".
func fallbackName(v uint32, ranges []valueRange) string {
	for _, r := range ranges {
		if v >= r.lo && v <= r.hi {
			return r.label + " " + strconv.FormatUint(uint64(v), 10)
		}
	}
	return "unknown " + strconv.FormatUint(uint64(v), 10)
}
