package main

import (
	"strconv"
	"strings"
)

// appendText appends one record as a compact tree, the form people paste
// into tickets. It writes into b directly (no fmt) because dissect prints
// every message of a capture.
func appendText(b []byte, r *record) []byte {
	if r.File != "" {
		b = append(b, r.File...)
	}
	b = append(b, '#')
	b = strconv.AppendInt(b, int64(r.Frame), 10)
	b = appendStrings(b, "  ", r.Time, "  ", r.Src, " → ", r.Dst, " ", r.Transport, "\n    IKEv")
	b = strconv.AppendInt(b, int64(r.Version), 10)
	b = appendStrings(b, " ", r.Exchange)
	if r.Version == 2 { // IKEv1 has no request/response flag
		if r.Response {
			b = append(b, " response"...)
		} else {
			b = append(b, " request"...)
		}
	}
	if len(r.Flags) > 0 {
		b = appendStrings(b, " [", strings.Join(r.Flags, ","), "]")
	}
	b = append(b, "  mid "...)
	b = strconv.AppendUint(b, uint64(r.MessageID), 10)
	b = appendStrings(b, "  spi ", r.SPIi, "/", r.SPIr, "  ")
	b = strconv.AppendUint(b, uint64(r.Length), 10)
	b = append(b, " octets\n"...)
	b = appendPayloadsText(b, r.Payloads, "    ")
	for _, e := range r.Errors {
		b = appendStrings(b, "    ! ", e, "\n")
	}
	return b
}

// appendStrings appends each of parts to b.
func appendStrings(b []byte, parts ...string) []byte {
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

const labelWidth = 6

func appendPayloadsText(b []byte, ps []payloadRecord, indent string) []byte {
	for _, p := range ps {
		label := p.label()
		if p.Critical {
			label += "!"
		}
		text := ""
		if p.Body != nil {
			text = p.Body.String()
		}
		if p.Decryption != "" {
			if text != "" {
				text += "; "
			}
			text += p.Decryption
			if p.Fragment != "" {
				text += " fragment " + p.Fragment
			}
		}
		first := true
		for {
			line, rest, more := strings.Cut(text, "\n")
			b = append(b, indent...)
			if first {
				b = appendPadded(b, label)
				first = false
			} else {
				b = appendPadded(b, "")
			}
			b = append(b, ' ')
			b = append(b, line...)
			b = append(b, '\n')
			if !more {
				break
			}
			text = rest
		}
		if len(p.Inner) > 0 {
			b = appendPayloadsText(b, p.Inner, indent+"  ")
		}
	}
	return b
}

// appendPadded appends s left-aligned in labelWidth columns.
func appendPadded(b []byte, s string) []byte {
	b = append(b, s...)
	for n := len(s); n < labelWidth; n++ {
		b = append(b, ' ')
	}
	return b
}
