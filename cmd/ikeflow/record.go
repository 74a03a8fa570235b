package main

import (
	"strconv"
	"time"

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
	for _, f := range [...]struct{ k, v string }{
		{"time", r.Time}, {"src", r.Src}, {"dst", r.Dst}, {"transport", r.Transport},
	} {
		b = append(b, `,"`+f.k+`":`...)
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
	b = append(b, `","flags":[`...)
	for i, f := range r.Flags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f)
	}
	b = append(b, `],"response":`...)
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
		b = append(b, `,"errors":[`...)
		for i, e := range r.Errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, e)
		}
		b = append(b, ']')
	}
	return append(b, "}\n"...), nil
}

// flagNames lists the set header flags by their RFC letters.
func flagNames(h *dissect.Header) []string {
	out := []string{}
	if h.MajorVersion == 1 {
		for _, f := range []struct {
			bit  uint8
			name string
		}{{dissect.FlagEncryption, "E"}, {dissect.FlagCommit, "C"}, {dissect.FlagAuthOnly, "A"}} {
			if h.Flags&f.bit != 0 {
				out = append(out, f.name)
			}
		}
		return out
	}
	for _, f := range []struct {
		bit  uint8
		name string
	}{{dissect.FlagInitiator, "I"}, {dissect.FlagHigherVer, "V"}, {dissect.FlagResponse, "R"}} {
		if h.Flags&f.bit != 0 {
			out = append(out, f.name)
		}
	}
	return out
}

// formatTime prints RFC 3339 with nanoseconds in UTC
// ("2006-01-02T15:04:05.000000000Z"), without time.Format's generality:
// dissect prints one per message.
func formatTime(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	hour, min, sec := t.Clock()
	var b [30]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, min, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond(), 9)
	b[29] = 'Z'
	if year < 0 || year > 9999 {
		return t.Format("2006-01-02T15:04:05.000000000Z07:00")
	}
	return string(b[:])
}

func (p payloadRecord) label() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Type.Short()
}

// appendString appends s as a JSON string, escaped as json.Marshal does
// (HTML characters included, like the payload bodies).
func appendString(b []byte, s string) []byte { return dissect.AppendJSONString(b, s) }
