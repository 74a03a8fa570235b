package twoside

import "strconv"

// counted returns n with the words for it: "1 packet appears", "3 packets
// appear".
func counted(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// agree returns one when n is 1, else many ("frame"/"frames", "was"/"were").
func agree(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
