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
	b = appendStrings(b, "  ", r.Time, "  ", r.Src, " → ", r.Dst, " ", r.Transport)
	if r.Reassembled > 0 {
		b = append(b, "  reassembled from "...)
		b = strconv.AppendInt(b, int64(r.Reassembled), 10)
		b = append(b, " IKEv1 fragments"...)
	}
	b = append(b, "\n    IKEv"...)
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

// appendPayloadsText appends one line per payload (more when its text has
// several lines): the label, then the body's text, then the decryption
// outcome on its last line. The pieces are appended as they are rather
// than joined into one string first.
func appendPayloadsText(b []byte, ps []payloadRecord, indent string) []byte {
	for _, p := range ps {
		text := ""
		if p.Body != nil {
			text = p.Body.String()
		}
		body := text != ""
		first := true
		for {
			line, rest, more := strings.Cut(text, "\n")
			b = append(b, indent...)
			if first {
				b = appendLabel(b, p.label(), p.Critical)
				first = false
			} else {
				b = appendPadded(b, "")
			}
			b = append(b, ' ')
			b = append(b, line...)
			if !more && p.Decryption != "" {
				if body {
					b = append(b, "; "...)
				}
				b = append(b, p.Decryption...)
				if p.Fragment != "" {
					b = append(b, " fragment "...)
					b = append(b, p.Fragment...)
				}
			}
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

// appendLabel appends a payload's label, with "!" when it is critical,
// left-aligned in labelWidth columns.
func appendLabel(b []byte, label string, critical bool) []byte {
	n := len(label)
	b = append(b, label...)
	if critical {
		b = append(b, '!')
		n++
	}
	for ; n < labelWidth; n++ {
		b = append(b, ' ')
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
