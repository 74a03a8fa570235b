package flows

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// ladderWidth is the width of the arrow column of a ladder diagram.
const ladderWidth = 46

// Ladder renders sa as a text sequence diagram: one line per IKE message,
// initiator on the left and responder on the right, with the exchange, the
// message ID, the payloads and the round-trip time; retransmits are marked.
// Child SAs with their ESP counters and the SA's findings follow. The output
// is plain ASCII apart from payload names and ends with a newline.
func Ladder(sa *SA) string { return LadderWith(sa, LadderOptions{}) }

// LadderOptions adapts a ladder diagram to where it is shown.
type LadderOptions struct {
	// Width is the widest line allowed, in characters; 0 means no limit
	// (one line per message). With a width, the payload list of a message
	// goes on lines of its own under the arrow, and long header, child SA
	// and finding lines are wrapped with an indent.
	Width int
	// Frame names a frame number ("12", "b.pcap#12"); nil prints the
	// number. Message lines show "#" before plain numbers.
	Frame func(int) string
	// FindingRef, when set, names where a finding's text is printed
	// already ("F2"): the ladder then prints that reference instead of
	// the message. An empty result prints the message.
	FindingRef func(Finding) string
}

// LadderWith renders sa like [Ladder], laid out as o says.
func LadderWith(sa *SA, o LadderOptions) string {
	frame := o.Frame
	if frame == nil {
		frame = strconv.Itoa
	}
	var b strings.Builder
	line := func(first, rest string, text string) {
		b.WriteString(WrapLine(text, o.Width, first, rest))
	}
	head := "IKEv" + strconv.Itoa(sa.Version) + " SA " + sa.Name() + "  state " + sa.State.String()
	if sa.Mode != "" {
		head += "  (" + sa.Mode + " mode)"
	}
	if sa.Proposal != "" {
		head += "  " + sa.Proposal
	}
	line("", "    ", head)

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
	frameLabel := func(n int) string {
		s := frame(n)
		if s != "" && strings.Trim(s, "0123456789") == "" {
			s = "#" + s
		}
		return s
	}
	// The frame column is 7 wide, or as wide as the longest name if that
	// still fits; otherwise long names go on a line of their own.
	fw := 7
	for _, r := range rows {
		fw = max(fw, len([]rune(frameLabel(r.m.Frame))))
	}
	// A row is the frame column, the time (1+8+2) and the arrow (aw+1).
	aw := ladderWidth
	if o.Width > 0 && fw+12+aw > o.Width {
		fw = 7
	}
	if o.Width > 0 && fw+12+aw > o.Width {
		aw = max(o.Width-fw-12, 24)
	}
	left := "Initiator " + sa.Initiator.String()
	right := "Responder " + sa.Responder.String()
	pad := aw - len(left) - len(right)
	lead := strings.Repeat(" ", fw+11)
	peers := lead + left + strings.Repeat(" ", max(pad, 1)) + right
	if o.Width > 0 && len(peers) > o.Width {
		peers = lead + left + "\n" + lead + right
	}
	b.WriteString(peers + "\n")
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
		fl := frameLabel(m.Frame)
		if len([]rune(fl)) > fw {
			b.WriteString(fl + "\n")
			fl = ""
		}
		arr := padLeft(fl, fw) + " " + padLeft(rel(m.Time.Sub(sa.Start)), 8) + "  " + arrow(label, m.From == "initiator", aw)
		tail := m.Payloads + " (" + strconv.Itoa(m.Size) + " B)"
		if m.Response && ex.RTT > 0 && !m.Retransmit && isFirstResponse(ex, m) {
			tail += " rtt " + strconv.FormatFloat(ex.RTT, 'f', 1, 64) + " ms"
		}
		if m.Response && ex.Error != "" && isFirstResponse(ex, m) {
			tail += " ERROR " + ex.Error
		}
		if o.Width <= 0 || len([]rune(arr))+2+len([]rune(tail)) <= o.Width {
			b.WriteString(arr + "  " + tail + "\n")
			continue
		}
		b.WriteString(arr + "\n")
		ind := strings.Repeat(" ", min(fw+13, o.Width/3))
		line(ind, ind+"  ", tail)
	}
	omitted := 0 // messages beyond MaxExchangeMessages, in any exchange
	for _, ex := range sa.Exchanges {
		omitted += ex.MessagesOmitted
	}
	if omitted > 0 {
		b.WriteString("        … " + strconv.Itoa(omitted) + " more messages of crowded exchanges not kept (at most " +
			strconv.Itoa(MaxExchangeMessages) + " per exchange)\n")
	}
	if sa.ExchangesOmitted > 0 {
		b.WriteString("        … " + strconv.Itoa(sa.ExchangesOmitted) + " more exchanges not shown\n")
	}
	for _, c := range sa.ChildSAs {
		s := "child " + c.Protocol + " " + c.SPIi.String() + "/" + c.SPIr.String() + " " + string(c.State)
		if c.Proposal != "" {
			s += " " + c.Proposal
		}
		if len(c.TSi)+len(c.TSr) > 0 {
			s += " TSi " + strings.Join(c.TSi, ",") + " TSr " + strings.Join(c.TSr, ",")
		}
		if c.Inferred {
			s += " (inferred from ESP)"
		}
		s += "  ESP i→r " + strconv.FormatUint(c.ESPPackets.IToR, 10) + ", r→i " + strconv.FormatUint(c.ESPPackets.RToI, 10)
		line("  ", "      ", s)
	}
	for _, f := range sa.Findings {
		msg := f.Message
		if o.FindingRef != nil {
			if ref := o.FindingRef(f); ref != "" {
				msg = "see " + ref
			}
		}
		line("  ", "      ", "["+f.Severity.String()+"] "+string(f.Kind)+" "+framesWith(f.Frames, frame)+": "+msg)
	}
	return b.String()
}

// WrapLine returns text as lines of at most width characters (0: one
// line), the first prefixed by first and the others by rest, each ending
// with a newline. It breaks at spaces; a word longer than a line is broken
// after a '/' or ',' if it has one, else anywhere.
func WrapLine(text string, width int, first, rest string) string {
	if width <= 0 {
		return first + text + "\n"
	}
	var b strings.Builder
	prefix := first
	cur := []rune(nil)
	flush := func() {
		b.WriteString(prefix + string(cur) + "\n")
		prefix, cur = rest, cur[:0]
	}
	room := func() int { return max(width-len([]rune(prefix)), 8) }
	for _, w := range strings.Fields(text) {
		word := []rune(w)
		for {
			need := len(word)
			if len(cur) > 0 {
				need++
			}
			if len(cur)+need <= room() {
				if len(cur) > 0 {
					cur = append(cur, ' ')
				}
				cur = append(cur, word...)
				break
			}
			if len(cur) > 0 {
				flush()
				continue
			}
			// The word alone is too long for a line: split it.
			cut := room()
			for i := cut - 1; i > cut/2; i-- {
				if word[i] == '/' || word[i] == ',' {
					cut = i + 1
					break
				}
			}
			cur = append(cur, word[:cut]...)
			word = word[cut:]
			flush()
			if len(word) == 0 {
				break
			}
		}
	}
	if len(cur) > 0 || prefix == first {
		flush()
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

// arrow draws "|-- label ----->|" or "|<---- label --|", width+1
// characters wide (more when the label needs it).
func arrow(label string, right bool, width int) string {
	n := width - 4 - len(label) - 2
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
	l := len([]rune(s))
	if l >= n {
		return s
	}
	return strings.Repeat(" ", n-l) + s
}

// rel formats an offset as "+1.234".
func rel(d time.Duration) string {
	return "+" + strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
}

// framesWith formats frame numbers as "(frames 1, 2, 3)" or "(frame 1)",
// each named by name.
func framesWith(frames []int, name func(int) string) string {
	if len(frames) == 0 {
		return ""
	}
	s := make([]string, 0, len(frames))
	for _, f := range frames {
		s = append(s, name(f))
	}
	return "(" + words.Pick(len(s), "frame ", "frames ") + strings.Join(s, ", ") + ")"
}
