package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// record is one IKE message as printed by "ikeflow dissect" (docs/json.md).
type record struct {
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

	msg *dissect.Message // for the text renderer
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

// MarshalJSON writes {"type":…, "critical":…, "length":…, <body fields>}.
func (p payloadRecord) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	b.WriteString(strconv.Quote(p.label()))
	if p.Critical {
		b.WriteString(`,"critical":true`)
	}
	b.WriteString(`,"length":`)
	b.WriteString(strconv.Itoa(p.Length))
	if p.Decryption != "" {
		b.WriteString(`,"decryption":`)
		b.WriteString(strconv.Quote(p.Decryption))
	}
	if p.Fragment != "" {
		b.WriteString(`,"fragment":`)
		b.WriteString(strconv.Quote(p.Fragment))
	}
	if p.Inner != nil {
		inner, err := json.Marshal(p.Inner)
		if err != nil {
			return nil, err
		}
		b.WriteString(`,"payloads":`)
		b.Write(inner)
	}
	if p.Body != nil {
		body, err := json.Marshal(p.Body)
		if err != nil {
			return nil, err
		}
		body = bytes.TrimSpace(body)
		if len(body) > 2 && body[0] == '{' {
			b.WriteByte(',')
			b.Write(body[1 : len(body)-1])
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
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

// formatTime prints RFC 3339 with nanoseconds in UTC.
func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

func (p payloadRecord) label() string {
	if p.Label != "" {
		return p.Label
	}
	return p.Type.Short()
}
