package flows

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// IKEv1 fragmentation (the vendor fragment payload, ISAKMP payload 132,
// announced with the FRAGMENTATION vendor ID by Cisco, strongSwan,
// libreswan and racoon): a message too large for the path (main mode 5
// and 6 with certificates) travels as several clear IKEv1 messages with
// its cookies, exchange type and message ID, each holding one fragment
// payload: a fragment ID (the same for all fragments of a message and its
// retransmissions), a number from 1 and a flag on the last one. The
// fragments' data put together is the whole message, header included.
//
// The Analyzer reassembles them per SA, sender and fragment ID, so that
// the message is analysed once and whole (its label, decryption with the
// keys, content), while each fragment's frame is listed in the exchange
// with its number, and the last one also with the total (cmsg.fragNum,
// fragTotal): as on the wire, where only the last fragment tells how many
// there are ("1", "2", "3/3", as strongSwan logs them). Bounds: those
// of dissect.FragmentsV1 (128 fragments, 64 KiB a message, the IKEv2
// limits), maxV1FragSets messages per SA, maxV1FragHeld messages with
// fragments held and maxV1FragOctets octets over all SAs, and a message
// still incomplete v1FragTimeout after its first fragment is given up when
// a fragment with its ID comes (which then starts a new message; 30 s is
// the time strongSwan gives a half-open IKE SA), unless that fragment is a
// copy of one the message holds: its retransmission, which restarts the
// timeout. A message given up, or
// incomplete when its SA ends, gets a fragments_missing finding naming
// the fragments seen and missing (maxNoted per SA, then one counting the
// rest).
const (
	maxV1FragSets   = 8
	maxV1FragHeld   = 1024
	maxV1FragOctets = 16 << 20
	v1FragTimeout   = 30 * time.Second
)

// v1FragSet is one fragmented IKEv1 message of an SA.
type v1FragSet struct {
	side  saSide
	id    uint16
	step  uint8 // its label in the exchange (v1step), set by v1
	ex    *exRec
	start time.Time
	// renewed is when v1FragTimeout runs from: start, or the time of the
	// last copy of a held fragment that came after it (v1FragSetOf).
	renewed time.Time
	parts   dissect.FragmentsV1
	frames  []int // frames of its fragments (first copies), up to MaxFragments
	done    bool  // reassembled
	closed  bool  // given up (timeout, eviction) or reported at the end
	held    bool  // counted in the Analyzer's held sets
	size    int   // the reassembled message's length
	count   uint8 // fragments it was reassembled from
	// refused counts fragments the reassembly refused (numbers beyond the
	// last, contradicting last flags, cut by the capture, size); the
	// first such frame is refusedAt.
	refused   int
	refusedAt int
	cut       bool // a refused fragment was cut short in the capture
	bad       bool // reassembled, but not into a message of this SA
	// skipped: the Decryptor's IV chain was continued past this message,
	// incomplete then, with its last fragment (v1FragSkip).
	skipped bool
}

// v1Frags holds an SA's fragmented messages (v1Odd.frags), oldest first,
// and counts the findings about them.
type v1Frags struct {
	sets       []*v1FragSet
	reported   int // fragments_missing findings made
	unreported int // messages never reassembled past maxNoted findings
}

// v1FragNote tells v1 what the message being analysed is as a fragment.
type v1FragNote struct {
	set   *v1FragSet
	num   uint8
	last  bool // flagged last
	first bool // the fragment started its message: it takes the next label
	// whole is the reassembled message when this fragment completed it
	// (a.v1f.whole), decoded with wholeErr.
	whole    *dissect.Message
	wholeErr error
	// unread: whole is not to be decrypted (v1FragSet.skipped).
	unread bool
}

// v1FragWork is the Analyzer's part: what all SAs hold, and the scratch
// space of the message being analysed.
type v1FragWork struct {
	held   int // sets with fragments held
	octets int // their octets
	whole  dissect.Message
	buf    []byte // whole's bytes (whole aliases them)
	note   v1FragNote
}

// v1Fragment recognises an IKEv1 fragment (a clear message whose first
// payload is a fragment payload) in a.msg, sent by side of st, and adds it
// to its message's reassembly. It returns nil for any other message.
// The fragment payload is read from the raw bytes, so that a fragment cut
// short by the capture is still known as one (and refused, with a note).
func (a *Analyzer) v1Fragment(st *saState, p *Packet, side saSide) *v1FragNote {
	h := &a.msg.Header
	raw := a.msg.Raw
	if h.IsEncrypted() || h.NextPayload != dissect.PayloadFragmentV1 || len(raw) < dissect.HeaderLen+8 {
		return nil
	}
	plen := int(binary.BigEndian.Uint16(raw[dissect.HeaderLen+2:]))
	body := raw[dissect.HeaderLen+4:]
	cut := plen > len(raw)-dissect.HeaderLen
	if plen >= 4 && !cut {
		body = body[:plen-4]
	}
	id, num, last, _ := dissect.FragmentV1Header(body)
	v := st.v1()
	if v.frags == nil {
		v.more().frags = &v1Frags{}
	}
	var data []byte // the fragment's data, when it can be used
	if !cut && plen >= 8 {
		data = body[4:]
	}
	set, first := a.v1FragSetOf(st, side, id, num, data, p.Time)
	n := &a.v1f.note
	*n = v1FragNote{set: set, num: num, last: last, first: first}
	if set.done {
		return n // a copy of a fragment of a message already reassembled
	}
	var whole []byte
	var err error
	var added dissect.FragmentAdded
	nBefore := 0 // fragments held before this one
	if cut || plen < 8 {
		err = dissect.ErrTruncated
		set.cut = set.cut || cut
	} else {
		var before int
		nBefore, before = set.parts.Held()
		whole, added, err = set.parts.Add(num, last, body[4:])
		_, after := set.parts.Held()
		a.v1f.octets += after - before
		switch {
		case after > 0 && !set.held:
			set.held = true
			a.v1f.held++
		case after == 0:
			a.v1FragRelease(set)
		}
	}
	if err != nil {
		if set.refused == 0 {
			set.refusedAt = p.Frame
		}
		set.refused++
		return n
	}
	if added == dissect.FragmentDuplicate {
		return n
	}
	if len(set.frames) < dissect.MaxFragments {
		set.frames = append(set.frames, p.Frame)
	}
	if added != dissect.FragmentComplete {
		a.v1FragBound()
		return n
	}
	set.done, set.size = true, len(whole)
	set.count = uint8(min(nBefore+1, 255)) // the fragments of the message
	// Completed after the Decryptor's IV chain went past it (skipped):
	// the messages after it were decrypted already; this one is not fed
	// (it would put the chain back), so it is analysed unread, as without
	// keys.
	n.unread = set.skipped
	a.v1f.buf = append(a.v1f.buf[:0], whole...)
	w := &a.v1f.whole
	n.wholeErr = w.DecodeFromBytes(a.v1f.buf)
	wh := &w.Header
	if len(w.Raw) < dissect.HeaderLen || wh.MajorVersion != 1 || wh.SPIi != h.SPIi || wh.SPIr != h.SPIr ||
		wh.Exchange != h.Exchange || wh.MessageID != h.MessageID {
		set.bad = true
		return n
	}
	n.whole = w
	return n
}

// v1FragRelease stops counting set's fragments as held by the Analyzer.
func (a *Analyzer) v1FragRelease(set *v1FragSet) {
	if set.held {
		set.held = false
		a.v1f.held--
	}
}

// v1FragSetOf returns the message of st's side with fragment ID id,
// starting one (first true) when there is none, or when the one there is
// was started (renewed) more than v1FragTimeout before t and is still incomplete
// (then given up), unless fragment num with data (nil: unusable) is a
// copy of one it holds: that is the same message retransmitted (a sender
// retransmits a fragmented message whole, with its fragment ID; charon's
// fifth transmission comes 47 s after the first), which the copies
// complete. An SA keeps maxV1FragSets messages: the oldest one makes
// room, given up if incomplete.
func (a *Analyzer) v1FragSetOf(st *saState, side saSide, id uint16, num uint8, data []byte, t time.Time) (*v1FragSet, bool) {
	fr := st.v1().frags
	for i := len(fr.sets) - 1; i >= 0; i-- {
		s := fr.sets[i]
		if s.side != side || s.id != id || s.closed {
			continue
		}
		if s.done || tsub(t, s.renewed) <= v1FragTimeout {
			return s, false
		}
		if held := s.parts.Part(num); held != nil && data != nil && bytes.Equal(held, data) {
			s.renewed = t // the fragments of this transmission follow
			return s, false
		}
		a.v1FragGiveUp(st, s)
		break
	}
	if len(fr.sets) >= maxV1FragSets {
		a.v1FragGiveUp(st, fr.sets[0])
		fr.sets = append(fr.sets[:0], fr.sets[1:]...)
	}
	s := &v1FragSet{side: side, id: id, start: t, renewed: t}
	fr.sets = append(fr.sets, s)
	return s, true
}

// v1FragBound keeps the Analyzer's held fragments within maxV1FragHeld
// messages and maxV1FragOctets octets: past either, the message being
// added to (a.v1f.note.set) is given up, its fragments dropped.
func (a *Analyzer) v1FragBound() {
	if a.v1f.held <= maxV1FragHeld && a.v1f.octets <= maxV1FragOctets {
		return
	}
	s := a.v1f.note.set
	_, oct := s.parts.Held()
	a.v1f.octets -= oct
	a.v1FragRelease(s)
	s.parts.Reset()
	s.refused++
	if s.refusedAt == 0 && len(s.frames) > 0 {
		s.refusedAt = s.frames[len(s.frames)-1]
	}
}

// v1FragGiveUp closes an incomplete message: its fragments are dropped
// and a finding says which came and which did not.
func (a *Analyzer) v1FragGiveUp(st *saState, s *v1FragSet) {
	if s.closed {
		return
	}
	s.closed = true
	if s.done && !s.bad {
		return
	}
	_, oct := s.parts.Held()
	a.v1f.octets -= oct
	a.v1FragRelease(s)
	a.v1FragFinding(st, s)
	s.parts.Reset()
}

// v1FragFinding reports a fragmented message that was never reassembled.
func (a *Analyzer) v1FragFinding(st *saState, s *v1FragSet) {
	fr := st.v1().frags
	if fr.reported >= maxNoted {
		fr.unreported++
		return
	}
	fr.reported++
	what := "The " + s.side.String() + "'s "
	if s.ex != nil && s.step > 0 {
		if l := v1Label(s.ex.Type, s.step); l != "" {
			what += l + " "
		} else {
			what += s.ex.Type.String() + " message "
		}
		what += "(message ID " + u32(s.ex.MID) + ") "
	} else {
		what += "message "
	}
	frames := append([]int(nil), s.frames...)
	if s.refusedAt != 0 {
		frames = append(frames, s.refusedAt)
	}
	if s.bad {
		st.addFinding(KindFragmentsMissing, SeverityWarning, s.start,
			what+"was sent in IKEv1 fragments (fragment ID "+strconv.Itoa(int(s.id))+") whose data put together is not"+
				" an IKEv1 message of this SA (another header, cookies, exchange or message ID): a damaged or"+
				" forged fragment. The peer cannot use it either.", frames...)
		return
	}
	var b []byte
	b = append(b, what...)
	b = append(b, "was sent in IKEv1 fragments (fragment ID "...)
	b = strconv.AppendInt(b, int64(s.id), 10)
	b = append(b, ") and never reassembled in this capture: "...)
	held, _ := s.parts.Held()
	b = append(b, words.Count(held, "fragment", "fragments")...)
	b = append(b, " seen"...)
	if held > 0 {
		b = append(b, " (frame"...)
		if len(s.frames) > 1 {
			b = append(b, 's')
		}
		b = append(b, ' ')
		b = a.frames.appendJoin(b, s.frames)
		b = append(b, ')')
	}
	missing := s.parts.Missing(nil)
	last := s.parts.Last()
	if len(missing) > 0 {
		b = append(b, ", fragment"...)
		if len(missing) > 1 {
			b = append(b, 's')
		}
		b = appendInts(append(b, ' '), missing)
	}
	switch {
	case len(missing) > 0 && last != 0:
		b = strconv.AppendInt(append(b, " of "...), int64(last), 10)
		b = append(b, " missing"...)
	case len(missing) > 0:
		b = append(b, " and the last one (flagged last) missing"...)
	case last == 0:
		b = append(b, ", the last one (flagged last) missing"...)
	}
	if s.refused > 0 {
		b = append(b, "; "...)
		b = append(b, words.Count(s.refused, "fragment", "fragments")...)
		if s.cut {
			b = append(b, " could not be used (first: frame "...)
			b = a.frames.appendOne(b, s.refusedAt)
			b = append(b, ": cut short by the capture's snap length, or damaged)"...)
		} else {
			b = append(b, " refused (first: frame "...)
			b = a.frames.appendOne(b, s.refusedAt)
			b = append(b, ": a number beyond the last fragment, last flags that disagree, or more than the reassembly limits)"...)
		}
	}
	// early: the capture lacks only the first fragments, and began just
	// before the first it holds, the SA's first message in it: they may
	// have been sent before it started.
	early := len(missing) > 0 && held > 0 && !s.cut && !st.start().Before(s.start) && s.start.Sub(a.began) < fragmentSpread
	for i, m := range missing {
		early = early && int(m) == i+1
	}
	if frame, label := v1FragAnswer(st, s); frame != 0 {
		b = append(b, ". The "...)
		b = append(b, (1 - s.side).String()...)
		b = append(b, " sent the next message ("...)
		b = append(b, label...)
		b = append(b, ", frame "...)
		b = a.frames.appendOne(b, frame)
		switch {
		case s.cut:
			// The fragment the capture lacks may be the one it cut short:
			// nothing says the capture point missed a packet.
			b = append(b, "), so it did put this one together: the capture cut a fragment short (snap length) or missed"+
				" fragments, and this message's content cannot be read from this capture."...)
		case early:
			b = append(b, "), so it did put this one together: the capture began "...)
			b = append(b, secs(s.start.Sub(a.began))...)
			b = append(b, " before the first fragment it holds, after the ones it lacks, and this message's content cannot"+
				" be read from this capture."...)
		default:
			b = append(b, "), so it did put this one together: the capture missed the fragments (taken on another path,"+
				" or packets dropped at the capture point), and this message's content cannot be read from this capture."...)
		}
		if s.skipped {
			b = append(b, " The messages after it were decrypted all the same: its last fragment holds the end of its"+
				" ciphertext, from which the next IV follows."...)
		}
		// The receiver had them all: what the capture lacks is the
		// capture's problem, not the path's.
		st.addFinding(KindFragmentsMissing, SeverityInfo, s.start, string(b), frames...)
		return
	} else if early {
		b = append(b, ". "+captureBegins(s.start.Sub(a.began))+": the missing fragments, which come before it, may have been"+
			" sent before the capture started."...)
		st.addFinding(KindFragmentsMissing, SeverityInfo, s.start, string(b), frames...)
		return
	} else if end := a.now.Sub(s.start); end < fragmentSpread {
		// The capture stopped right after: the rest may simply have come
		// after it.
		b = append(b, ". The capture ends "...)
		b = append(b, secs(end)...)
		b = append(b, " after the first of them: the missing fragments may have come after it stopped."...)
		st.addFinding(KindFragmentsMissing, SeverityInfo, s.start, string(b), frames...)
		return
	} else {
		b = append(b, ". If the fragment was lost on the path (loss, a firewall or rate limit dropping UDP, a fragment"+
			" still larger than the path MTU), the receiver cannot put the message together either, and it is re-sent"+
			" only when the sender retransmits the whole message; a fragment missed by the capture point (another path,"+
			" drops in the capture) looks the same here."...)
	}
	st.addFinding(KindFragmentsMissing, SeverityWarning, s.start, string(b), frames...)
}

// fragmentSpread bounds how long after the first fragment of a message
// the capture must go on for a missing fragment to count as lost: a
// sender writes a message's fragments back to back, so a capture that
// stopped sooner may simply have stopped before the rest.
const fragmentSpread = time.Second

// v1FragConclude runs first in concludeV1: the messages never
// reassembled are reported.
func (a *Analyzer) v1FragConclude(st *saState) {
	fr := st.v1().frags
	if fr == nil {
		return
	}
	for _, s := range fr.sets {
		a.v1FragGiveUp(st, s)
	}
	if fr.unreported > 0 {
		st.addFinding(KindFragmentsMissing, SeverityWarning, st.model().Start,
			words.Count(fr.unreported, "more IKEv1 message", "more IKEv1 messages")+" sent in fragments "+
				words.Pick(fr.unreported, "was", "were")+" never reassembled in this capture (not listed one by one).")
		fr.unreported = 0
	}
}

// v1FragIncomplete reports whether the last message of ex (label step) is
// a fragmented message never reassembled: it was sent, so "no reply" is
// not what the capture shows; v1FragFinding says what it shows.
func v1FragIncomplete(st *saState, ex *exRec, step uint8) bool {
	return v1FragUnread(st, ex, step, func(saSide) bool { return true })
}

// v1FragLastUnread reports whether the last message of st's phase 1 was
// sent in fragments, not reassembled here, to side.
func v1FragLastUnread(st *saState, side saSide) bool {
	ph := st.v1().phase1
	return ph != nil && v1FragUnread(st, ph, v1Steps(ph.Type), func(from saSide) bool { return from != side })
}

// v1FragUnread reports whether message step of ex went in fragments never
// reassembled, from a side sender accepts.
func v1FragUnread(st *saState, ex *exRec, step uint8, sender func(saSide) bool) bool {
	fr := st.v1().frags
	if fr == nil {
		return false
	}
	for _, s := range fr.sets {
		if s.ex == ex && s.step == step && !s.done && sender(s.side) {
			return true
		}
	}
	return false
}

// v1Transmissions counts the transmissions of the messages of ex labelled
// lbl: a fragmented message counts once per copy of its most-copied
// fragment, not once per fragment.
func v1Transmissions(ex *exRec, lbl string) int {
	var per [dissect.MaxFragments + 1]int
	best := 0
	for j := range ex.nmsgs() {
		if ex.label(j) != lbl {
			continue
		}
		k := int(ex.msg(j).fragNum)
		if k >= len(per) {
			k = 0
		}
		per[k]++
		best = max(best, per[k])
	}
	return best
}

// v1FragLabel is Message.Fragment of an IKEv1 fragment other than the
// last ("2"): the wire gives its number, not the total.
func v1FragLabel(num, _ uint16) string { return strconv.Itoa(int(num)) }

// v1FragAnswer returns the frame and label of the first message of s's
// exchange that the other side sent after s's message (a later step), or
// else, for a message of phase 1, of the first quick mode or transaction
// (mode config) message the other side sent (a peer starts or answers
// those only once phase 1 is complete: MM6's receiver sends QM1), or 0:
// the receiver went on, so it had the whole message.
func v1FragAnswer(st *saState, s *v1FragSet) (int, string) {
	ex := s.ex
	if ex == nil {
		return 0, ""
	}
	for i := range ex.nmsgs() {
		if c := ex.msg(i); c.side() != s.side && c.label > s.step && c.flags&cmsgLabeled != 0 {
			return ex.frame(i), ex.label(i)
		}
	}
	if ex != st.v1().phase1 {
		return 0, ""
	}
	for k := range st.nexs() {
		x := st.exAt(k)
		if x.Type != dissect.ExchangeQuickMode && x.Type != dissect.ExchangeTransaction {
			continue
		}
		for i := range x.nmsgs() {
			if x.msg(i).side() != s.side {
				return x.frame(i), x.label(i)
			}
		}
	}
	return 0, ""
}

// v1SizeText gives the size of the i-th message of ex for a finding:
// "180 octets", or for a fragment of a message reassembled here the whole
// message's size and its fragments ("1276 octets in 3 IKEv1 fragments").
func v1SizeText(st *saState, ex *exRec, i int) string {
	c := ex.msg(i)
	if fr := st.v1().frags; fr != nil && c.fragNum != 0 {
		for _, s := range fr.sets {
			if s.ex == ex && s.step == c.label && s.side == c.side() && s.done && !s.bad {
				return strconv.Itoa(s.size) + " octets in " + words.Count(int(s.count), "IKEv1 fragment", "IKEv1 fragments")
			}
		}
	}
	return strconv.Itoa(ex.msgSize(i)) + " octets"
}

// v1Skipper is the optional [Decryptor] method (decrypt.Tracker has it)
// that continues an IKEv1 IV chain past a message the capture lacks whole,
// given the message's last octets.
type v1Skipper interface {
	SkipV1(h *dissect.Header, tail []byte) error
}

// v1FragSkip runs before encrypted IKEv1 message m of st is decrypted: a
// message of st sent in fragments, not reassembled, whose last fragment
// came, is one the capture lacks whole, and the CBC chain of its exchange
// (phase 1, whose last block also gives the quick modes' IVs, or m's
// exchange) goes on from its last ciphertext block, the end of that
// fragment: the Decryptor is told so, once, and m and the messages after
// it decrypt.
func (a *Analyzer) v1FragSkip(st *saState, m *dissect.Message) {
	fr := st.v1().frags
	if fr == nil || !m.Header.IsEncrypted() {
		return
	}
	sk, ok := a.opt.Decryptor.(v1Skipper)
	if !ok {
		return
	}
	for _, s := range fr.sets {
		if s.done || s.skipped || s.closed || s.ex == nil || s.parts.Last() == 0 {
			continue
		}
		if s.ex.MID != 0 && s.ex.MID != m.Header.MessageID {
			continue // another exchange's chain
		}
		h := m.Header
		h.MessageID = s.ex.MID
		if sk.SkipV1(&h, s.parts.Part(s.parts.Last())) == nil {
			s.skipped = true
		}
	}
}
