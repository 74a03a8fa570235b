package main

import (
	"fmt"
	"io"
	"strings"
)

// writeText prints one record as a compact tree, the form people paste into
// tickets.
func writeText(w io.Writer, r *record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d  %s  %s → %s %s\n", r.Frame, r.Time, r.Src, r.Dst, r.Transport)
	kind := "request"
	if r.Version == 2 && r.Response {
		kind = "response"
	} else if r.Version == 1 {
		kind = "" // IKEv1 has no request/response flag
	}
	flags := ""
	if len(r.Flags) > 0 {
		flags = " [" + strings.Join(r.Flags, ",") + "]"
	}
	fmt.Fprintf(&b, "    IKEv%d %s", r.Version, r.Exchange)
	if kind != "" {
		b.WriteString(" " + kind)
	}
	fmt.Fprintf(&b, "%s  mid %d  spi %s/%s  %d octets\n", flags, r.MessageID, r.SPIi, r.SPIr, r.Length)
	writePayloadsText(&b, r.Payloads, "    ")
	for _, e := range r.Errors {
		fmt.Fprintf(&b, "    ! %s\n", e)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writePayloadsText(b *strings.Builder, ps []payloadRecord, indent string) {
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
		lines := strings.Split(text, "\n")
		fmt.Fprintf(b, "%s%-6s %s\n", indent, label, lines[0])
		for _, l := range lines[1:] {
			fmt.Fprintf(b, "%s%-6s %s\n", indent, "", l)
		}
		if len(p.Inner) > 0 {
			writePayloadsText(b, p.Inner, indent+"  ")
		}
	}
}
