package dissect

import "strconv"

// v1Name looks v up in names and falls back to the number with its range
// (see [fallbackName]). It is the shared body of the String methods of the
// IKEv1 registry types.
func v1Name[T ~uint8 | ~uint16 | ~uint32](v T, names map[T]string, ranges []valueRange) string {
	if n, ok := names[v]; ok {
		return n
	}
	return fallbackName(uint32(v), ranges)
}

// v1Utoa formats an unsigned value in decimal.
func v1Utoa[T ~uint8 | ~uint16 | ~uint32](v T) string {
	return strconv.FormatUint(uint64(v), 10)
}
