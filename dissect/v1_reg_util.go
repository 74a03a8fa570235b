package dissect

import "strconv"

// v1Utoa formats an unsigned value in decimal.
func v1Utoa[T ~uint8 | ~uint16 | ~uint32](v T) string {
	return strconv.FormatUint(uint64(v), 10)
}
