package dissect

import (
	"encoding/json"
	"reflect"
	"strconv"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// The JSON of the payload bodies (docs/json.md) is written by hand,
// append-style into the caller's buffer: no reflection, no intermediate
// values. The shape is the one the struct tags and the MarshalText /
// MarshalJSON methods of this package define, and the bytes are those of
// json.Marshal (HTML escaping on), field for field. json_test.go compares
// the two on every real payload of testdata and on bodies with every field
// set by reflection, so a field added to a type without being added to its
// AppendJSON fails the test; json_fuzz_test.go on fuzzed messages; and
// cmd/ikeflow's TestDissectJSONMatchesEncodingJSON on every message of the
// corpus captures, decrypted and damaged.
//
// The AppendJSON of a Body type returns an error, as json.Marshal can
// fail on a certificate's dates (where AppendJSONTime, unlike
// json.Marshal, writes null, so the error is nil today); that of a part
// inside a body (proposal, transform, attribute, selector), which cannot
// fail, returns only the buffer. A nil Body pointer is written "null", as json.Marshal does: by
// AppendBodyJSON, once for every type; the methods themselves take a
// non-nil receiver.

// AppendJSONString appends s as a JSON string exactly as json.Marshal
// writes it: '"', '\\' and control characters escaped (\b \f \n \r \t by
// name, others as \u00XX), '<', '>' and '&' escaped as \u003c, \u003e and
// \u0026, invalid UTF-8 replaced by \ufffd, U+2028 and U+2029 escaped.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s, true) }

// AppendJSONText is AppendJSONString without the HTML escapes: '<', '>'
// and '&' stay as they are, as a json.Encoder with SetEscapeHTML(false)
// writes them.
func AppendJSONText(b []byte, s string) []byte { return appendJSONString(b, s, false) }

// appendJSONString appends s as a JSON string, '<', '>' and '&' escaped
// when html is set.
func appendJSONString(b []byte, s string, html bool) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Skip the plain bytes 8 at a time (one call per run of them):
		// names and texts are nearly all plain ASCII.
		if i+8 <= len(s) {
			if i = plainPrefix(s, i, html); i >= len(s) {
				break
			}
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !jsonSpecialByte(c, html) {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default: // other control characters, '<', '>', '&'
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// AppendJSONStrings appends ss as a JSON array of strings, each as
// AppendJSONString writes it: "[]" when ss is empty, nil included (a
// caller that wants json.Marshal's "null" for a nil slice checks first).
func AppendJSONStrings(b []byte, ss []string) []byte {
	return appendEach(b, ss, func(b []byte, s *string) []byte { return AppendJSONString(b, *s) })
}

// appendEach appends xs as a JSON array, each element written by one
// ("[]" when xs is empty: the callers write json.Marshal's "null" for a
// nil slice where they must).
func appendEach[T any](b []byte, xs []T, one func(b []byte, x *T) []byte) []byte {
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = one(b, &xs[i])
	}
	return append(b, ']')
}

// jsonSpecialByte reports whether the ASCII byte c is escaped in a JSON
// string ('<', '>' and '&' only when html is set).
func jsonSpecialByte(c byte, html bool) bool {
	return c < 0x20 || c == '"' || c == '\\' || (html && (c == '<' || c == '>' || c == '&'))
}

// plainPrefix returns the index, from i on, of the first 8-byte word of s
// that holds a byte needing attention in a JSON string (0x80 and above,
// below 0x20, '"', '\\', and with html '<', '>' or '&'), or of the tail
// shorter than 8 bytes: every byte before it is written as it is. The
// test is exact, by the "has byte less than" and "has zero byte" word
// tricks; it is one loop rather than a function called per word, which
// the compiler did not inline (half of the time of a long message).
func plainPrefix(s string, i int, html bool) int {
	const lsb, msb = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		w := s[i : i+8]
		x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
			uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
		q, bs := x^(lsb*'"'), x^(lsb*'\\')
		m := x | (x-lsb*0x20)&^x | (q-lsb)&^q | (bs-lsb)&^bs
		if html {
			lt, gt, amp := x^(lsb*'<'), x^(lsb*'>'), x^(lsb*'&')
			m |= (lt-lsb)&^lt | (gt-lsb)&^gt | (amp-lsb)&^amp
		}
		if m&msb != 0 {
			return i
		}
	}
	return i
}

const hexDigits = "0123456789abcdef"

// appendHexJSON appends v as a quoted lower-case hex string (what
// HexBytes.MarshalText gives; "" for nil).
func appendHexJSON(b []byte, v []byte) []byte {
	b = append(b, '"')
	for _, c := range v {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return append(b, '"')
}

// appendHexField appends `,"name":"hex"` for the HexBytes fields tagged
// omitempty: nothing when v is empty. name includes the comma and colon.
func appendHexField(b []byte, name string, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return appendHexJSON(append(b, name...), v)
}

// appendHexList appends vs as a JSON array of hex strings ("null" when nil).
func appendHexList(b []byte, vs []HexBytes) []byte {
	if vs == nil {
		return append(b, "null"...)
	}
	return appendEach(b, vs, func(b []byte, v *HexBytes) []byte { return appendHexJSON(b, *v) })
}

// partAppender is a part inside a body (proposal, transform, attribute,
// selector) whose AppendJSON cannot fail.
type partAppender[T any] interface {
	*T
	AppendJSON(b []byte) []byte
}

// appendList appends xs as a JSON array of its elements' AppendJSON
// ("null" when nil, as json.Marshal writes a nil slice).
func appendList[T any, P partAppender[T]](b []byte, xs []T) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	return appendEach(b, xs, func(b []byte, x *T) []byte { return P(x).AppendJSON(b) })
}

// appendStringField appends `,"name":"s"` for the string fields tagged
// omitempty: nothing when s is empty.
func appendStringField(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	return AppendJSONString(append(b, name...), s)
}

// appendUintField appends name and v.
func appendUintField(b []byte, name string, v uint64) []byte {
	return strconv.AppendUint(append(b, name...), v, 10)
}

// appendUintOmit appends name and v for the fields tagged omitempty:
// nothing when v is 0.
func appendUintOmit(b []byte, name string, v uint64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendUint(append(b, name...), v, 10)
}

// appendIntField appends name and v.
func appendIntField(b []byte, name string, v int) []byte {
	return strconv.AppendInt(append(b, name...), int64(v), 10)
}

// appendBoolField appends name and v.
func appendBoolField(b []byte, name string, v bool) []byte {
	return strconv.AppendBool(append(b, name...), v)
}

// quoteAppended turns the text of an address or prefix (what its
// AppendText wrote at b[start:]) as a JSON string: quoted in place when it
// needs no escaping (always, but for an address zone).
func quoteAppended(b []byte, start int) []byte {
	for _, c := range b[start:] {
		if c >= utf8.RuneSelf || jsonSpecialByte(c, true) {
			s := string(b[start:])
			return AppendJSONString(b[:start], s)
		}
	}
	b = append(b, 0)
	copy(b[start+1:], b[start:len(b)-1])
	b[start] = '"'
	return append(b, '"')
}

// appendTextField appends name and v as its MarshalText writes it (a
// netip.Addr or netip.Prefix), for the fields tagged omitzero: nothing for
// the zero value.
func appendTextField[T interface {
	comparable
	AppendText(b []byte) ([]byte, error)
}](b []byte, name string, v T) []byte {
	var zero T
	if v == zero {
		return b
	}
	b = append(b, name...)
	start := len(b)
	b, _ = v.AppendText(b)
	return quoteAppended(b, start)
}

// AppendJSONTime appends t as time.Time.MarshalJSON does (RFC 3339 with
// nanoseconds, quoted), except that a time MarshalJSON refuses (a year
// outside 0 to 9999, a zone offset of a day or more) is written null:
// one time that cannot be written must not cost the whole document, and
// null is what a JSON reader takes for "no value" (encoding/json leaves a
// time.Time zero, the value the JSON models use for a time that is not
// known). The nearest time that can be written would be a time nobody
// recorded. Capture times never come here null: the capture readers give
// frames times from 1970 to 2262 only. The error is always nil; it stays
// for the callers written when such times were refused.
//
// It is written out by hand rather than with t.AppendFormat: a report has
// several times per IKE message (about 170k on a 10k-SA capture), and the
// general formatter (layout walk, date split through absolute days,
// fraction formatting) was 4% of an analyze --format json run.
// TestAppendJSONTimeMatches compares the two on years 0 to 9999, every
// fraction length and zone offsets of every kind.
func AppendJSONTime(b []byte, t time.Time) ([]byte, error) {
	_, off := t.Zone()
	if off <= -24*3600 || off >= 24*3600 {
		return append(b, "null"...), nil // MarshalJSON refuses a zone hour outside [0,23]
	}
	// Local seconds since 1970-01-01; years 0 to 9999 only (first checked
	// before the zone is added, so that the sum cannot overflow).
	const minSec, maxSec = -62167219200, 253402300800 // 0000-01-01, 10000-01-01
	u := t.Unix()
	if u < minSec-24*3600 || u >= maxSec+24*3600 {
		return append(b, "null"...), nil
	}
	sec := u + int64(off)
	if sec < minSec || sec >= maxSec {
		return append(b, "null"...), nil
	}
	// Unsigned from here on: division by a constant is then a multiply
	// and a shift, without the corrections for negative numbers; two
	// digits at a time from digitPairs.
	s := uint64(sec - minSec) // from 0000-01-01
	days, tod := s/86400, uint(s%86400)
	y, m, d := cachedDate(uint(days))
	hh, mm, ss := tod/3600, tod/60%60, tod%60
	b = append(b, '"',
		digitPairs[y/100*2], digitPairs[y/100*2+1], digitPairs[y%100*2], digitPairs[y%100*2+1], '-',
		digitPairs[m*2], digitPairs[m*2+1], '-', digitPairs[d*2], digitPairs[d*2+1], 'T',
		digitPairs[hh*2], digitPairs[hh*2+1], ':', digitPairs[mm*2], digitPairs[mm*2+1], ':',
		digitPairs[ss*2], digitPairs[ss*2+1])
	if ns := uint(t.Nanosecond()); ns != 0 {
		// Nine digits, trailing zeros dropped (RFC3339Nano's ".999999999").
		hi, lo := ns/100000, ns%100000 // 4 and 5 digits
		p1, p2, p3, p4 := hi/100, hi%100, lo/1000, lo/10%100
		b = append(b, '.',
			digitPairs[p1*2], digitPairs[p1*2+1], digitPairs[p2*2], digitPairs[p2*2+1],
			digitPairs[p3*2], digitPairs[p3*2+1], digitPairs[p4*2], digitPairs[p4*2+1], byte('0'+lo%10))
		for b[len(b)-1] == '0' { // ns != 0: a digit other than 0 stops it
			b = b[:len(b)-1]
		}
	}
	if off == 0 {
		return append(b, 'Z', '"'), nil
	}
	sign := byte('+')
	zone := off / 60 // minutes, truncated toward zero as time's formatter does
	if zone < 0 {
		sign, zone = '-', -zone
	}
	h, mi := zone/60, zone%60
	return append(b, sign, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), '"'), nil
}

// digitPairs holds "00" to "99": the two digits of n at 2n and 2n+1.
const digitPairs = "00010203040506070809" + "10111213141516171819" + "20212223242526272829" +
	"30313233343536373839" + "40414243444546474849" + "50515253545556575859" +
	"60616263646566676869" + "70717273747576777879" + "80818283848586878889" + "90919293949596979899"

// lastDate caches the date of the last day AppendJSONTime wrote, packed
// as (days+1)<<32 | year<<16 | month<<8 | day (0: none yet): the times of
// a report nearly all fall on a few days, and the date arithmetic was a
// third of the formatting. One word, read and written atomically: safe
// from any goroutine, and bounded.
var lastDate atomic.Uint64

// cachedDate is civilDate through lastDate.
func cachedDate(days uint) (year, month, day uint) {
	if v := lastDate.Load(); v>>32 == uint64(days)+1 {
		return uint(v>>16) & 0xffff, uint(v>>8) & 0xff, uint(v) & 0xff
	}
	year, month, day = civilDate(days)
	lastDate.Store((uint64(days)+1)<<32 | uint64(year)<<16 | uint64(month)<<8 | uint64(day))
	return year, month, day
}

// civilDate returns the proleptic Gregorian year, month and day of the day
// that is days after 0000-01-01 (days in [0, 3652425): years 0 to 9999).
// The year is counted from March, so that the leap day ends it: the
// usual days-to-civil arithmetic, with no table and no loop.
func civilDate(days uint) (year, month, day uint) {
	z := days - 60 + 146097 // days since -0400-03-01 (0000-03-01 is day 60)
	era := z / 146097       // 400-year cycles
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153 // month from March, 0 to 11
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400 - 400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// bodyAppender is what every Body type of this package implements (see
// json_v1.go, json_v2.go). Its AppendJSON takes a non-nil receiver.
type bodyAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// AppendBodyJSON appends body as a JSON object to b, exactly as
// json.Marshal writes it, without walking the value by reflection for
// every type [DecodePayload] returns (a nil pointer is "null"). Any other Body goes
// through json.Marshal.
func AppendBodyJSON(b []byte, body Body) ([]byte, error) {
	if a, ok := body.(bodyAppender); ok {
		if isNilPointer(body) {
			return append(b, "null"...), nil
		}
		return a.AppendJSON(b)
	}
	j, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return append(b, j...), nil
}

// isNilPointer reports whether v holds a nil pointer (a typed nil Body,
// which json.Marshal writes "null"). Only the kind and the pointer are
// read: no allocation, no walk of the value.
func isNilPointer(v any) bool {
	r := reflect.ValueOf(v)
	return r.Kind() == reflect.Pointer && r.IsNil()
}
