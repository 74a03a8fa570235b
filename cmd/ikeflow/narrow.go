package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ikeflow/ikeflow/flows"
)

// narrowKeyWidth is the width of the key column of the narrow layout.
const narrowKeyWidth = 11

// renderNarrow writes the report for a narrow terminal: the verdict, one
// block of "key value" lines per SA, the findings (each text once), and
// the ladders, no line wider than o.width.
func renderNarrow(w io.Writer, rep *flows.Report, fi *findingIndex, o renderOpts) error {
	o.width = max(o.width, 40)
	writeVerdict(w, rep, fi, o)
	writeSABlocks(w, rep, fi, o, true)
	writeFindingsNarrow(w, fi, o)
	if o.ladder {
		writeLadders(w, rep, fi, o, o.width)
	}
	return nil
}

// writeSABlocks writes one block of "key value" lines per SA of rep; its
// findings are named with their labels (F2) when labels is set.
func writeSABlocks(w io.Writer, rep *flows.Report, fi *findingIndex, o renderOpts, labels bool) {
	width := o.width
	idx := saIndex(rep)
	key := func(k, v string) {
		first := "  " + k + strings.Repeat(" ", max(narrowKeyWidth-len([]rune(k)), 1))
		fmt.Fprint(w, flows.WrapLine(v, width, first, strings.Repeat(" ", len([]rune(first))+2)))
	}
	for i, sa := range rep.SAs {
		n := i + 1
		head := fmt.Sprintf("\nIKE SA #%d  IKEv%d", n, sa.Version)
		if sa.Mode != "" {
			head += " " + sa.Mode + " mode"
		}
		fmt.Fprintln(w, head+"  "+sa.State.String())
		key("start", sa.Start.UTC().Format("2006-01-02 15:04:05.000")+" UTC, frames "+o.refs.span(sa.FirstFrame, sa.LastFrame))
		key("initiator", sa.Initiator.String())
		key("responder", sa.Responder.String())
		if sa.NAT != "" {
			key("NAT", sa.NAT)
		}
		if sa.Transport == "tcp" {
			key("transport", "TCP (RFC 8229)")
		}
		key("SPIs i/r", sa.SPIi.String()+" "+sa.SPIr.String())
		if n := keyNote(sa); n != "" {
			key("note", "encrypted messages not decrypted ("+n+"): their contents were not analysed")
		}
		if sa.Proposal != "" {
			key("proposal", sa.Proposal)
		}
		for _, c := range sa.ChildSAs {
			s := fmt.Sprintf("%s %s/%s %s", c.Protocol, c.SPIi, c.SPIr, c.State)
			if len(c.TSi) > 0 || len(c.TSr) > 0 {
				s += ", " + strings.Join(c.TSi, ",") + " ⇄ " + strings.Join(c.TSr, ",")
			}
			s += fmt.Sprintf(", ESP %d→ %d←", c.ESPPackets.IToR, c.ESPPackets.RToI)
			key("child SA", s)
		}
		if len(sa.ChildSAs) == 0 && sa.UnreadQuickModes > 0 {
			key("child SA", unreadQuickModes(sa.UnreadQuickModes))
		}
		if sa.RekeyedFrom != "" {
			key("rekey of", saRef(idx, sa.RekeyedFrom))
		}
		if sa.RekeyedTo != "" {
			key("rekeyed to", saRef(idx, sa.RekeyedTo))
		}
		refs := fi.saFindings(n, labels)
		if len(refs) == 0 {
			key("findings", "none")
		} else {
			for j, r := range refs {
				k := ""
				if j == 0 {
					k = "findings"
				}
				key(k, r)
			}
		}
	}
}

// writeFindingsNarrow writes every finding text once, most severe first.
func writeFindingsNarrow(w io.Writer, fi *findingIndex, o renderOpts) {
	width := o.width
	if len(fi.groups) == 0 {
		fmt.Fprintln(w, "\nNo findings.")
	} else {
		fmt.Fprintln(w, "\nFindings (most severe first; each text once):")
	}
	for _, g := range fi.groups {
		head := g.label() + " " + g.sev.String() + " " + g.kind + " on " + groupSAs(g, 8)
		if len(g.frames) > 0 {
			head += ", frame" + plural(len(g.frames)) + " " + o.refs.list(g.frames, 8)
		}
		text := flows.WrapLine(head, width, "", "    ")
		if o.color {
			// Escape sequences take no columns: wrap the plain text, then paint.
			plain := g.label() + " " + g.sev.String() + " "
			text = strings.Replace(text, plain, g.label()+" "+paint(true, g.sev, g.sev.String())+" ", 1)
		}
		fmt.Fprint(w, text)
		fmt.Fprint(w, flows.WrapLine(g.msg, width, "    ", "    "))
	}
}
