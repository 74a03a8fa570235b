package main

import (
	"bytes"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/flows"
)

// The CSV of analyze is written by hand, append-style into one buffer,
// with encoding/csv's bytes (Writer with ',' and without CRLF): its Writer
// wrote each record through a []string built per finding and a bufio
// write per field, a third of the CSV run's own cost on a 10k-SA capture.
// TestAppendCSVMatchesEncodingCSV compares the two.

// appendCSVField appends field as encoding/csv's Writer writes it: as it
// is, or quoted (a '"' doubled) when it is `\.`, holds a ',', '"', '\r'
// or '\n', or begins with a space character.
func appendCSVField[T ~string | ~[]byte](b []byte, field T) []byte {
	if !csvNeedsQuotes(field) {
		return append(b, field...)
	}
	b = append(b, '"')
	// The quotes are found with IndexByte, many octets a step: a finding's
	// text (always quoted, for its commas) was scanned octet by octet, the
	// larger part of the CSV writer's own time.
	for {
		i := indexByte(field, '"')
		if i < 0 {
			break
		}
		b = append(b, field[:i+1]...)
		b = append(b, '"')
		field = field[i+1:]
	}
	b = append(b, field...)
	return append(b, '"')
}

// indexByte is strings.IndexByte or bytes.IndexByte, whichever fits s.
func indexByte[T ~string | ~[]byte](s T, c byte) int {
	switch v := any(s).(type) {
	case string:
		return strings.IndexByte(v, c)
	case []byte:
		return bytes.IndexByte(v, c)
	}
	for i := 0; i < len(s); i++ { // a named string or byte slice type
		if s[i] == c {
			return i
		}
	}
	return -1
}

// csvNeedsQuotes is encoding/csv's fieldNeedsQuotes for the ',' delimiter.
func csvNeedsQuotes[T ~string | ~[]byte](field T) bool {
	if len(field) == 0 {
		return false
	}
	if len(field) == 2 && field[0] == '\\' && field[1] == '.' {
		return true
	}
	for i := 0; i < len(field); i++ {
		switch field[i] {
		case '\n', '\r', '"', ',':
			return true
		}
	}
	if c := field[0]; c < utf8.RuneSelf {
		return unicode.IsSpace(rune(c))
	}
	r, _ := utf8.DecodeRuneInString(string(field[:min(len(field), utf8.UTFMax)]))
	return unicode.IsSpace(r)
}

// appendChildSummary appends sa's child SAs, separated by sep: protocol,
// SPIs, state, traffic selectors when known and ESP counts each, or "-"
// when it has none (childSummary returns the same as a string).
func appendChildSummary(b []byte, sa *flows.SA, sep string) []byte {
	if len(sa.ChildSAs) == 0 {
		return append(b, '-')
	}
	for i := range sa.ChildSAs {
		c := sa.ChildSAs[i]
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, c.Protocol...)
		b = append(b, ' ')
		b = appendESPSPI(b, c.SPIi)
		b = append(b, '/')
		b = appendESPSPI(b, c.SPIr)
		b = append(b, ' ')
		b = append(b, c.State...)
		if len(c.TSi) > 0 || len(c.TSr) > 0 {
			b = append(b, ' ')
			b = appendJoined(b, c.TSi, ",")
			b = append(b, " ⇄ "...)
			b = appendJoined(b, c.TSr, ",")
		}
		b = append(b, " esp "...)
		b = strconv.AppendUint(b, c.ESPPackets.IToR, 10)
		b = append(b, "→ "...)
		b = strconv.AppendUint(b, c.ESPPackets.RToI, 10)
		b = append(b, "←"...)
	}
	return b
}

// appendJoined appends strings.Join(ss, sep).
func appendJoined(b []byte, ss []string, sep string) []byte {
	for i, s := range ss {
		if i > 0 {
			b = append(b, sep...)
		}
		b = append(b, s...)
	}
	return b
}

// appendESPSPI appends s as its String method writes it (8 hex digits).
func appendESPSPI(b []byte, s flows.ESPSPI) []byte {
	const hexdigits = "0123456789abcdef"
	for sh := 28; sh >= 0; sh -= 4 {
		b = append(b, hexdigits[(s>>sh)&0xf])
	}
	return b
}
