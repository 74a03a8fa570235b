package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// ladderWidth is the width of the arrow column of a ladder diagram.
const ladderWidth = 46

// Ladder renders sa as a text sequence diagram: one line per IKE message,
// initiator on the left and responder on the right, with the exchange, the
// message ID, the payloads and the round-trip time; retransmits are marked.
// Child SAs with their ESP counters and the SA's findings follow. The output
// is plain ASCII apart from payload names and ends with a newline.
func Ladder(sa *SA) string {
	var b strings.Builder
	b.WriteString("IKEv" + strconv.Itoa(sa.Version) + " SA " + sa.Name() + "  state " + sa.State.String())
	if sa.Mode != "" {
		b.WriteString("  (" + sa.Mode + " mode)")
	}
	if sa.Proposal != "" {
		b.WriteString("  " + sa.Proposal)
	}
	b.WriteByte('\n')
	left := "Initiator " + sa.Initiator.String()
	right := "Responder " + sa.Responder.String()
	pad := ladderWidth - len(left) - len(right)
	b.WriteString(strings.Repeat(" ", 18) + left + strings.Repeat(" ", max(pad, 1)) + right + "\n")

	type row struct {
		m  *Message
		ex *Exchange
	}
	var rows []row
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			rows = append(rows, row{m, ex})
		}
	}
	slices.SortStableFunc(rows, func(x, y row) int { return x.m.Frame - y.m.Frame })
	for _, r := range rows {
		m, ex := r.m, r.ex
		label := ex.Type.String() + " mid " + u32(ex.MID)
		if m.Label != "" {
			label = m.Label + " " + label
		}
		if m.Fragment != "" {
			label += " frag " + m.Fragment
		}
		if m.Retransmit {
			label += " RETRANSMIT"
		}
		b.WriteString(padLeft("#"+strconv.Itoa(m.Frame), 7) + " " + padLeft(rel(m.Time.Sub(sa.Start)), 8) + "  ")
		b.WriteString(arrow(label, m.From == "initiator"))
		b.WriteString("  " + m.Payloads + " (" + strconv.Itoa(m.Size) + " B)")
		if m.Response && ex.RTT > 0 && !m.Retransmit && isFirstResponse(ex, m) {
			b.WriteString(" rtt " + strconv.FormatFloat(ex.RTT, 'f', 1, 64) + " ms")
		}
		if m.Response && ex.Error != "" && isFirstResponse(ex, m) {
			b.WriteString(" ERROR " + ex.Error)
		}
		b.WriteByte('\n')
	}
	if sa.ExchangesOmitted > 0 {
		b.WriteString("        … " + strconv.Itoa(sa.ExchangesOmitted) + " more exchanges not shown\n")
	}
	for _, c := range sa.ChildSAs {
		b.WriteString("  child " + c.Protocol + " " + c.SPIi.String() + "/" + c.SPIr.String() + " " + c.State)
		if c.Proposal != "" {
			b.WriteString(" " + c.Proposal)
		}
		if len(c.TSi)+len(c.TSr) > 0 {
			b.WriteString(" TSi " + strings.Join(c.TSi, ",") + " TSr " + strings.Join(c.TSr, ","))
		}
		if c.Inferred {
			b.WriteString(" (inferred from ESP)")
		}
		b.WriteString("  ESP i→r " + strconv.FormatUint(c.ESPPackets.IToR, 10) + ", r→i " + strconv.FormatUint(c.ESPPackets.RToI, 10) + "\n")
	}
	for _, f := range sa.Findings {
		b.WriteString("  [" + f.Severity.String() + "] " + f.Kind + " " + framesText(f.Frames) + ": " + f.Message + "\n")
	}
	return b.String()
}

// isFirstResponse reports whether m is the first response of ex.
func isFirstResponse(ex *Exchange, m *Message) bool {
	for _, x := range ex.Messages {
		if x.Response {
			return x == m
		}
	}
	return false
}

// arrow draws "|-- label ----->|" or "|<---- label --|" of ladderWidth.
func arrow(label string, right bool) string {
	n := ladderWidth - 4 - len(label) - 2
	if n < 2 {
		n = 2
	}
	if right {
		return "|-- " + label + " " + strings.Repeat("-", n) + ">|"
	}
	return "|<" + strings.Repeat("-", n) + " " + label + " --|"
}

// padLeft right-aligns s in n columns.
func padLeft(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return strings.Repeat(" ", n-len(s)) + s
}

// rel formats an offset as "+1.234".
func rel(d time.Duration) string {
	return "+" + strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// framesText formats frame numbers as "(frames 1, 2, 3)".
func framesText(frames []int) string {
	if len(frames) == 0 {
		return ""
	}
	s := make([]string, 0, len(frames))
	for _, f := range frames {
		s = append(s, strconv.Itoa(f))
	}
	return "(frames " + strings.Join(s, ", ") + ")"
}
