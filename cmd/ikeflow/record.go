package main

import (
	"encoding/hex"
	"net/netip"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/dissect"
)

// record is one IKE message as printed by "ikeflow dissect" (docs/json.md).
type record struct {
	// File names the capture when several are dissected (empty otherwise).
	File      string          `json:"file,omitempty"`
	Frame     int             `json:"frame"`
	Time      string          `json:"time"`
	Src       string          `json:"src"`
	Dst       string          `json:"dst"`
	Transport string          `json:"transport"`
	Version   int             `json:"version"`
	Exchange  string          `json:"exchange"`
	MessageID uint32          `json:"message_id"`
	SPIi      string          `json:"spi_i"`
	SPIr      string          `json:"spi_r"`
	Flags     []string        `json:"flags"`
	Response  bool            `json:"response"`
	Initiator bool            `json:"initiator"`
	Length    uint32          `json:"length"`
	Payloads  []payloadRecord `json:"payloads"`
	Errors    []string        `json:"errors,omitempty"`
	// Reassembled is set on the record of an IKEv1 message put together
	// from vendor fragments: the number of fragments. It follows the
	// record of the fragment that completed it, with that frame.
	Reassembled int `json:"reassembled_fragments,omitempty"`
}

// payloadRecord is one payload: its generic header fields plus the fields
// of its typed body, inlined.
type payloadRecord struct {
	Type     dissect.PayloadType
	Label    string // overrides Type.Short() ("encrypted" for an IKEv1 body)
	Critical bool
	Length   int
	Body     dissect.Body
	// Inner holds the payloads inside an SK/SKF payload once decrypted.
	Inner []payloadRecord
	// Decryption is the outcome for SK/SKF and encrypted IKEv1 bodies:
	// "decrypted", "no key", "integrity check failed", "malformed".
	Decryption string
	// Fragment is "N/TOTAL" for an RFC 7383 fragment.
	Fragment string
}

// appendJSON appends the payload as a JSON object to b. Writing the
// envelope directly (rather than through MarshalJSON at every level) spares
// encoding/json from re-validating nested output.
func (p payloadRecord) appendJSON(b []byte) ([]byte, error) {
	b = append(b, `{"type":`...)
	b = appendString(b, p.label())
	if p.Critical {
		b = append(b, `,"critical":true`...)
	}
	b = append(b, `,"length":`...)
	b = strconv.AppendInt(b, int64(p.Length), 10)
	if p.Decryption != "" {
		b = append(b, `,"decryption":`...)
		b = appendString(b, p.Decryption)
	}
	if p.Fragment != "" {
		b = append(b, `,"fragment":`...)
		b = appendString(b, p.Fragment)
	}
	if p.Inner != nil {
		b = append(b, `,"payloads":`...)
		var err error
		if b, err = appendPayloads(b, p.Inner); err != nil {
			return nil, err
		}
	}
	if p.Body != nil {
		// The body's fields join the payload's: its object is appended
		// and its braces dropped ("{}" and a nil body's "null" add
		// nothing).
		start := len(b)
		var err error
		if b, err = dissect.AppendBodyJSON(b, p.Body); err != nil {
			return nil, err
		}
		if len(b)-start > 2 && b[start] == '{' {
			b[start] = ','
			b = b[:len(b)-1]
		} else {
			b = b[:start]
		}
	}
	return append(b, '}'), nil
}

func appendPayloads(b []byte, ps []payloadRecord) ([]byte, error) {
	b = append(b, '[')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = p.appendJSON(b); err != nil {
			return nil, err
		}
	}
	return append(b, ']'), nil
}

// appendJSON appends the record as one JSON line (with the newline) to b.
func (r *record) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if r.File != "" {
		b = append(b, `"file":`...)
		b = appendString(b, r.File)
		b = append(b, ',')
	}
	b = append(b, `"frame":`...)
	b = strconv.AppendInt(b, int64(r.Frame), 10)
	// The member names are constants: joined at run time they were a
	// string allocation each, 5% of dissect --format json.
	for _, f := range [...]struct{ k, v string }{
		{`,"time":`, r.Time}, {`,"src":`, r.Src}, {`,"dst":`, r.Dst}, {`,"transport":`, r.Transport},
	} {
		b = append(b, f.k...)
		b = appendString(b, f.v)
	}
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = append(b, `,"exchange":`...)
	b = appendString(b, r.Exchange)
	b = append(b, `,"message_id":`...)
	b = strconv.AppendUint(b, uint64(r.MessageID), 10)
	b = append(b, `,"spi_i":"`...)
	b = append(b, r.SPIi...)
	b = append(b, `","spi_r":"`...)
	b = append(b, r.SPIr...)
	b = dissect.AppendJSONStrings(append(b, `","flags":`...), r.Flags)
	b = append(b, `,"response":`...)
	b = strconv.AppendBool(b, r.Response)
	b = append(b, `,"initiator":`...)
	b = strconv.AppendBool(b, r.Initiator)
	b = append(b, `,"length":`...)
	b = strconv.AppendUint(b, uint64(r.Length), 10)
	b = append(b, `,"payloads":`...)
	var err error
	if b, err = appendPayloads(b, r.Payloads); err != nil {
		return nil, err
	}
	if len(r.Errors) > 0 {
		b = dissect.AppendJSONStrings(append(b, `,"errors":`...), r.Errors)
	}
	if r.Reassembled > 0 {
		b = strconv.AppendInt(append(b, `,"reassembled_fragments":`...), int64(r.Reassembled), 10)
	}
	return append(b, "}\n"...), nil
}

// flagNames lists the set header flags by their RFC letters. The slices
// are shared (one per combination): callers must not change them.
func flagNames(h *dissect.Header) []string {
	if h.MajorVersion == 1 {
		return flagSets[0][h.Flags&(dissect.FlagEncryption|dissect.FlagCommit|dissect.FlagAuthOnly)]
	}
	return flagSets[1][(h.Flags&(dissect.FlagInitiator|dissect.FlagHigherVer|dissect.FlagResponse))>>3]
}

// flagSets holds the flag names of every combination of the three flags
// of IKEv1 (E, C, A: bits 0-2) and of IKEv2 (I, V, R: bits 3-5, shifted).
var flagSets = func() (sets [2][8][]string) {
	for v, names := range [2][3]string{{"E", "C", "A"}, {"I", "V", "R"}} {
		for bits := range 8 {
			set := []string{}
			for i, n := range names {
				if bits&(1<<i) != 0 {
					set = append(set, n)
				}
			}
			sets[v][bits] = set
		}
	}
	return sets
}()

// envelopeText returns the time, addresses and SPIs of a record, as
// appendTime, AddrPort.String and SPI.String write them, as substrings of
// one string: one allocation per message instead of five. scratch is
// reused (returned grown).
func envelopeText(scratch []byte, ev *capture.Event, h *dissect.Header) (b []byte, tm, src, dst, spii, spir string) {
	b = appendTime(scratch[:0], ev.Time)
	ends := [5]int{len(b)}
	for i, ap := range [2]netip.AddrPort{ev.Src, ev.Dst} {
		if ap.IsValid() {
			b = ap.AppendTo(b)
		} else {
			b = append(b, ap.String()...) // "invalid AddrPort", which AppendTo leaves out
		}
		ends[1+i] = len(b)
	}
	for i, spi := range [2]*dissect.SPI{&h.SPIi, &h.SPIr} {
		b = hex.AppendEncode(b, spi[:])
		ends[3+i] = len(b)
	}
	all := string(b)
	return b, all[:ends[0]], all[ends[0]:ends[1]], all[ends[1]:ends[2]], all[ends[2]:ends[3]], all[ends[3]:ends[4]]
}

// appendTime appends t as RFC 3339 with nanoseconds in UTC
// ("2006-01-02T15:04:05.000000000Z"), without time.Format's generality:
// dissect prints one per message.
func appendTime(b []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(b, "2006-01-02T15:04:05.000000000Z07:00")
	}
	hour, min, sec := t.Clock()
	start := len(b)
	b = append(b, "0000-00-00T00:00:00.000000000Z"...)
	put := func(i, v, width int) {
		for j := start + i + width - 1; j >= start+i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	put(5, int(month), 2)
	put(8, day, 2)
	put(11, hour, 2)
	put(14, min, 2)
	put(17, sec, 2)
	put(20, t.Nanosecond(), 9)
	return b
}

func (p payloadRecord) label() string {
	if p.Label != "" {
		return p.Label
	}
	return payloadShort[p.Type]
}

// payloadShort holds PayloadType.Short of every payload type, looked up
// once: dissect names several payloads per message, and the registry's
// map lookup was 5% of dissect's text output.
var payloadShort = func() (names [256]string) {
	for t := range names {
		names[t] = dissect.PayloadType(t).Short()
	}
	return names
}()

// appendString appends s as a JSON string, escaped as json.Marshal does
// (HTML characters included, like the payload bodies).
func appendString(b []byte, s string) []byte { return dissect.AppendJSONString(b, s) }
