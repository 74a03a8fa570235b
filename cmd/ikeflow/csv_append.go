package main

import (
	"bytes"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/flows"
	"github.com/ikeflow/ikeflow/internal/words"
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

// appendCSVAddrPort appends ap as appendCSVField writes its String, without
// the string: written in place (two per CSV row, the larger part of the
// row's allocations) and quoted afterwards in the rare case it must be
// (an IPv6 zone may hold anything). The zero value, which AppendTo leaves
// out, is String's "invalid AddrPort".
func appendCSVAddrPort(b []byte, ap netip.AddrPort) []byte {
	if !ap.IsValid() {
		return appendCSVField(b, ap.String())
	}
	start := len(b)
	b = ap.AppendTo(b)
	if csvNeedsQuotes(b[start:]) {
		s := string(b[start:])
		b = appendCSVField(b[:start], s)
	}
	return b
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
	// Eight octets a step: most fields (proposals, child SA summaries,
	// kinds) hold none of the four and were scanned octet by octet, a
	// quarter of the CSV writer's own time. A word holds one of them
	// exactly when, XORed with that octet repeated, it has a zero octet:
	// (v - 0x01…) &^ v has the top bit of a byte set for a zero byte (and
	// none if there is none; higher bytes may be flagged after a zero, but
	// the answer is only yes or no).
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(field); i += 8 {
		x := uint64(field[i]) | uint64(field[i+1])<<8 | uint64(field[i+2])<<16 | uint64(field[i+3])<<24 |
			uint64(field[i+4])<<32 | uint64(field[i+5])<<40 | uint64(field[i+6])<<48 | uint64(field[i+7])<<56
		nl, cr, q, c := x^(lsb*'\n'), x^(lsb*'\r'), x^(lsb*'"'), x^(lsb*',')
		if ((nl-lsb)&^nl|(cr-lsb)&^cr|(q-lsb)&^q|(c-lsb)&^c)&msb != 0 {
			return true
		}
	}
	for ; i < len(field); i++ {
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
		if sa.UnreadQuickModes > 0 {
			return append(b, unreadQuickModes(sa.UnreadQuickModes)...)
		}
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

// unreadQuickModes says that n IKEv1 quick modes completed without keys
// (flows.SA.UnreadQuickModes): an SA without child SAs, but not without
// IPsec SAs.
func unreadQuickModes(n int) string {
	return words.Count(n, "quick mode", "quick modes") + " completed (encrypted: IPsec SA not known)"
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
