// Package words holds the English of the texts ikeflow prints: the
// indefinite article of a name or number, and nouns, verbs and pronouns
// that agree with a count.
package words

import "strconv"

// Article returns the indefinite article for word as a finding reads it
// aloud: "an" before a vowel sound ("an IKE_AUTH request", "an unknown
// 7 request", "an 8-bit key", "an 11-bit key"), "a" otherwise ("a
// CREATE_CHILD_SA request", "a 1024-bit key"). Names are spelled as
// registry names are; numbers are read as digits in groups of three
// ("18" eighteen, "18000" eighteen thousand).
func Article(word string) string {
	if word == "" {
		return "a"
	}
	switch c := word[0]; {
	case c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U',
		c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u':
		return "an"
	case c == '8':
		return "an" // eight, eighty, eight hundred, eight thousand
	case c == '1' && len(word) > 1 && (word[1] == '1' || word[1] == '8'):
		// eleven and eighteen are read as such when they lead a group of
		// three: 11, 18, 11000, 18000 (not 110 or 1100).
		n := 0
		for n < len(word) && word[n] >= '0' && word[n] <= '9' {
			n++
		}
		if n%3 == 2 {
			return "an"
		}
	}
	return "a"
}

// Count returns n and the noun for it: "1 message", "3 messages".
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// Pick returns one when n is 1, else many ("frame"/"frames", "has"/"have",
// "it"/"they").
func Pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
