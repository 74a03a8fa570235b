package flows

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// v1State is the IKEv1-specific part of an SA's state.
//
// Why it is split: every IKEv1 SA holds one while open (big100k: 20,456),
// and few need the error findings, encrypted informationals or DPD
// probes of v1Odd: 24 octets instead of 88 (the 96 class); 32 with an
// int for doneFrame.
type v1State struct {
	phase1 *exRec
	// doneFrame is the frame that completed phase 1 (phase1Done; see
	// done), or 0 with doneWide when it needs more than 32 bits: then it
	// is v1Odd.wideDone.
	doneFrame  uint32
	phase1Done bool
	gaveUp     bool
	doneWide   bool
	// late: the SA began before the capture, and its first message here
	// does not say which peer initiated it (lookupV1): the sender was
	// taken for the initiator, and phase 1's messages, if any, are
	// numbered from a guess (v1LateStep).
	late bool
	// *v1Odd is never nil: &noV1Odd until more() allocates one, so that
	// its fields read as those of v1State; write them only through
	// more().
	*v1Odd
}

// v1Odd is the part of an IKEv1 SA's state that only SAs with errors,
// encrypted informationals in phase 1, DPD or fragmented messages need.
type v1Odd struct {
	errIdx []int // indexes of error findings (adjusted if the SA came up later)
	// refusedPick is the responder's phase-1 choice that a NO-PROPOSAL-
	// CHOSEN refused (v1ErrorFinding), "" when none.
	refusedPick string
	encInfo     []int             // encrypted informationals during phase 1 (after MM5)
	dpd         map[uint32]*exRec // unacknowledged R-U-THEREs by sequence number, the latest of each (noteDPDv1)
	dpdLost     []lostProbe       // earlier unacknowledged R-U-THEREs of a number sent again (at most maxDPDLost)
	dpdAckFirst []uint32          // sequence numbers of R-U-THERE-ACKs read before their R-U-THERE (at most maxDPDLost)
	xa          *xauthV1          // what decrypted Transaction exchanges told of XAUTH (xauth.go)
	wideDone    int               // v1State.doneFrame when it needs more than 32 bits
	frags       *v1Frags          // fragmented messages (v1frag.go)
	// skew is the most a main-mode message came after its own answer
	// (mmStep): the capture's times are off by about that much between
	// the peers (merged captures whose clocks differ), and an answer may
	// be timestamped up to skew before what it answers (timesOff,
	// quickModeRefused). A resend cannot give it: a copy matches its
	// original's bytes, and a message is behind only when its answer,
	// the next step, is already in the exchange.
	skew time.Duration
}

// noV1Odd is the shared, never modified, empty v1Odd of the v1States
// that needed none.
var noV1Odd v1Odd

// newV1State returns an IKEv1 SA's new v1State.
func newV1State() *v1State { return &v1State{v1Odd: &noV1Odd} }

// setDone records that frame completed phase 1.
func (v *v1State) setDone(frame int) {
	v.phase1Done = true
	if frame >= 0 && frame <= math.MaxUint32 {
		v.doneFrame, v.doneWide = uint32(frame), false
		return
	}
	v.doneFrame, v.doneWide = 0, true
	v.more().wideDone = frame
}

// done returns the frame that completed phase 1 (0 before).
func (v *v1State) done() int {
	if v.doneWide {
		return v.wideDone
	}
	return int(v.doneFrame)
}

// more returns v's v1Odd, allocating it, for writing.
func (v *v1State) more() *v1Odd {
	if v.v1Odd == &noV1Odd {
		v.v1Odd = new(v1Odd)
	}
	return v.v1Odd
}

// joinInts formats frame numbers as "5, 7, 9".
func joinInts(v []int) string {
	// Appended into one buffer: concluding SAs joins the frames of a
	// finding for many SAs, and += built two strings per number.
	var small [64]byte
	return string(appendInts(small[:0], v))
}

// appendInts appends v to b as joinInts writes it ("3, 5, 9"): frames,
// or fragment numbers (uint8).
func appendInts[T int | uint8](b []byte, v []T) []byte {
	for i, x := range v {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = strconv.AppendInt(b, int64(x), 10)
	}
	return b
}

// v1Steps is the number of messages of a complete IKEv1 exchange.
func v1Steps(t dissect.ExchangeType) uint8 {
	switch t {
	case dissect.ExchangeIdentityProtect:
		return 6
	case dissect.ExchangeAggressive, dissect.ExchangeQuickMode:
		return 3
	case dissect.ExchangeTransaction:
		return 2
	}
	return 1
}

// v1LastMissed reports whether the last message of st's phase 1 (MM6,
// AM3), sent to side, and at most the one before it (MM5, after both key
// exchanges) are the only ones of its messages the capture lacks: every
// earlier one was seen, those not at all (packets the capture point
// dropped). (libreswan-ikev1-quick-refused without MM5 and MM6: "The
// responder's MM4 got no reply", an error, beside the initiator's QM1.)
func v1LastMissed(st *saState, side saSide) bool {
	ph := st.v1().phase1 // main or aggressive mode (v1, where it is set)
	if ph == nil {
		return false
	}
	n := v1Steps(ph.Type)
	sender := ph.side // of the odd-numbered messages
	if n%2 == 0 {
		sender = sender.other()
	}
	return side != sender && ph.v1step >= v1KeyedStep(ph.Type) && ph.v1step < n
}

// v1KeyedStep is the last message of a phase-1 exchange of type t before
// its encrypted ones: MM4 (both key exchanges done), AM2.
func v1KeyedStep(t dissect.ExchangeType) uint8 {
	if t == dissect.ExchangeIdentityProtect {
		return 4
	}
	return v1Steps(t) - 1
}

// v1UpBefore takes st, an IKEv1 SA whose phase 1 the capture does not
// hold, or holds from its middle only (it began before the capture:
// started_before_capture), as established from its first message in the
// capture once both peers took part in an exchange that needs phase 1
// complete (p: the message that shows it): a quick mode (RFC 2409 §5.5:
// protected by SKEYID_e and SKEYID_a), or, read with the keys, a DPD
// R-U-THERE and its ACK (RFC 3706). (ikev1-main-quick from its QM1 on
// read "incomplete".)
func (a *Analyzer) v1UpBefore(st *saState, v *v1State, p *Packet) {
	if v.phase1 != nil && !v.late || v.phase1Done || st.SPIr.IsZero() {
		return // (phase 1 seen from its start: phase1MissedLast judges it)
	}
	a.phase1Done(st, v, p)
	st.setEstablished(st.start())
}

// phase1Done marks st's phase 1 complete at packet p: the SA is
// established from here.
func (a *Analyzer) phase1Done(st *saState, v *v1State, p *Packet) {
	v.setDone(p.Frame)
	st.out.set(outInitOK)
	if old := a.latest.get(st.pairKey()); old != nil && old != st && !old.done && old.Version == 1 && old.rareOrEmpty().replacedBy == 0 {
		// A newer ISAKMP SA between the same peers (a re-authentication,
		// a restart): the old one may be deleted while its IPsec SAs go
		// on (endUnknown).
		r := old.links()
		r.replacedBy, r.replacedAt = p.Frame, p.Time
		if k := old.kidsRef(); old.out.has(outAuthOK) && (k != nil && len(*k) > 0 || old.lastInf != 0 || old.out.has(outChildPending)) {
			// The older SA was up with IPsec SAs (read, inferred from
			// ESP, or a quick mode completed without keys): this is a
			// reauthentication, which may keep them.
			st.out.set(outReauth)
		}
	}
	a.established(st, p)
}

// phase1MissedLast marks phase 1 complete at p, a quick-mode or
// Transaction (XAUTH, Mode Config) message from side, when phase 1's
// last message went in fragments the capture lacks whole, or the capture
// missed it altogether, and its receiver is side: a peer starts or
// answers these exchanges only with phase 1 complete (its sender
// completed it by sending it), so the capture shows phase 1 done from
// here. (ikev1-xauth-reauth without its second MM6: the responder's
// XAUTH request came next, and MM5 was "not answered", an error.)
func (a *Analyzer) phase1MissedLast(st *saState, v *v1State, p *Packet, side saSide) {
	if !v.phase1Done && (v1FragLastUnread(st, side) || v1LastMissed(st, side)) {
		a.phase1Done(st, v, p)
	}
}

// v1LastMissedFinding says (capture_gap) that the capture lacks the last
// message of ph, st's phase 1 exchange (MM6, AM3), which completed all the
// same: the message that marked it complete (phase1MissedLast) is one a
// peer sends only with phase 1 complete. Phase 1's last message sent in
// fragments has its own finding (fragments_missing), and is left out here.
func (a *Analyzer) v1LastMissedFinding(st *saState, v *v1State, ph *exRec) {
	steps := v1Steps(ph.Type)
	if ph.v1step >= steps || v.done() == 0 || v1FragIncomplete(st, ph, uint8(steps)) {
		return
	}
	next := exOfFrame(st, v.done(), ph) // the exchange that showed phase 1 complete
	if next == nil {
		return
	}
	mode := exchangeName(ph.Type)
	if ph.v1step < v1KeyedStep(ph.Type) {
		// Phase 1 seen up to its key exchange at most, both peers then
		// in a quick mode (the QuickMode case of v1).
		st.addFinding(KindCaptureGap, SeverityInfo, ph.start(),
			"The capture holds "+mode+" only up to its "+v1Label(ph.Type, ph.v1step)+", but both peers then took part in "+
				words.Article(next.Type.String())+" "+next.Type.String()+" exchange (frame "+a.frames.one(v.done())+"), which"+
				" needs phase 1 complete: the capture missed the rest of "+mode+" (taken on another path, or packets"+
				" dropped at the capture point).", ph.frame(ph.nmsgs()-1), v.done())
		return
	}
	sender := v1Sender(ph, steps)
	lbl := v1Label(ph.Type, uint8(steps))
	what, missed, lost := "The "+sender.String()+"'s "+lbl+", the last message of "+mode+", is not in this capture", lbl, "a packet"
	if ph.v1step < steps-1 {
		// MM5 too: its sender is the other peer.
		prev := v1Label(ph.Type, uint8(steps-1))
		what = "The " + sender.other().String() + "'s " + prev + " and the " + sender.String() + "'s " + lbl + ", the last messages of " + mode +
			", are not in this capture"
		missed, lost = prev+" and "+lbl, "packets"
	}
	st.addFinding(KindCaptureGap, SeverityInfo, ph.start(),
		what+", but the "+sender.other().String()+" then sent "+words.Article(next.Type.String())+" "+next.Type.String()+
			" message (frame "+a.frames.one(v.done())+"), which a peer sends only once phase 1 is complete: the capture missed "+
			missed+" (taken on another path, or "+lost+" dropped at the capture point).", ph.frame(ph.nmsgs()-1), v.done())
}

// v1Label names the n-th (1-based) message of an IKEv1 exchange.
func v1Label(t dissect.ExchangeType, n uint8) string {
	prefix := ""
	switch t {
	case dissect.ExchangeIdentityProtect:
		prefix = "MM"
	case dissect.ExchangeAggressive:
		prefix = "AM"
	case dissect.ExchangeQuickMode:
		prefix = "QM"
	case dissect.ExchangeTransaction:
		prefix = "CFG"
	default:
		return ""
	}
	return prefix + strconv.Itoa(int(n))
}

// labelIndex returns n of a label such as "MM3" or "MM12" (v1Label; 0
// when none).
func labelIndex(l string) uint8 {
	d := strings.TrimLeft(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	n, err := strconv.Atoi(d)
	if err != nil || n < 0 || n > 255 || len(d) == len(l) {
		return 0
	}
	return uint8(n)
}

// v1 handles one IKEv1 message held in a.msg, whose decoding failed with
// decodeErr (nil: it decoded cleanly).
func (a *Analyzer) v1(p *Packet, decodeErr error) {
	h := &a.msg.Header
	st := a.lookupV1(p, h)
	defer a.shareFindings(st, len(st.findings()))
	a.activity(st, p)
	initAddr := st.initiator().Addr() // IKEv1 SAs start from the sender of their first message
	fromI := p.Src.Addr() == initAddr
	if initAddr == p.Dst.Addr() && fromI {
		fromI = p.Src == st.initiator() // both peers on one host: use ports
	}
	side := sideR
	if fromI {
		side = sideI
	}
	if a.flipLateMM4(st, h, side) {
		side, fromI = sideI, true
	}
	st.noteTTL(side, p.TTL)
	st.notePort(side, p)
	f := &a.f
	f.reset()
	// A fragment (v1frag.go) is analysed as the message it completes, or
	// only placed in its exchange while fragments are missing.
	fr := a.v1Fragment(st, p, side)
	msg, hash := &a.msg, a.msgHash()
	if fr != nil {
		f.summary = append(f.summary, "FRAG"...)
		if fr.whole == nil {
			msg = nil
		} else {
			msg, decodeErr = fr.whole, fr.wholeErr
			f.summary = append(f.summary, '{')
		}
	}
	var plain []byte
	var derr error
	unread := fr != nil && fr.unread
	if a.opt.Decryptor != nil && msg != nil && !unread {
		a.v1FragSkip(st, msg)
		a.opt.Decryptor.Observe(msg, msg.Raw, fromI)
		plain, derr = a.opt.Decryptor.DecryptV1(msg, msg.Raw, fromI)
	}
	if msg == nil {
		// a fragment: its message is analysed when complete
	} else if msg.Header.IsEncrypted() {
		f.sk = true
		switch {
		case a.opt.Decryptor != nil && unread:
			a.report.Stats.DecryptFailed++ // not tried: no verdict on the key (noteKey)
		case a.opt.Decryptor != nil:
			st.noteKey(side, derr, p.Frame)
			if derr == nil && plain != nil {
				a.report.Stats.Decrypted++
				a.inner = a.inner[:0]
				_, _ = dissect.WalkPayloads(plain, 0, msg.Header.NextPayload, 1, &a.inner)
				f.collect(1, a.inner)
				f.decrypted = true
			} else {
				a.report.Stats.DecryptFailed++
			}
		}
		if !f.decrypted {
			f.summary = append(f.summary, "encrypted"...)
			st.Encrypted = true
		}
	} else {
		f.collect(1, msg.Payloads)
		if decodeErr != nil {
			cutFacts(f, 1, msg.Raw)
		}
	}
	if fr != nil && fr.whole != nil {
		f.summary = append(f.summary, '}')
	}
	// cut: the capture holds fewer octets than the header gives (its snap
	// length, IP fragments missing). An encrypted body is not decoded, so
	// only then does its decoding error say so.
	cut := fr == nil && int(h.Length) > len(p.Data)
	if decodeErr != nil && (msg == nil || !msg.Header.IsEncrypted() || cut) {
		st.noteMalformed(p.Frame, decodeErr, false, p.Cut)
	}
	mv := cmsg{}
	if fr != nil {
		a.msgFrag = [2]uint16{uint16(fr.num), 0}
		if fr.last {
			a.msgFrag[1] = uint16(fr.num) // as on the wire: only the last fragment tells the total
		}
		mv.fragNum, mv.fragTotal = narrowFrag(a.msgFrag[0]), narrowFrag(a.msgFrag[1])
	}
	if side == sideR {
		mv.flags |= cmsgResponder
	}
	m := &mv

	ex := a.findExV1(st, h)
	if fr != nil && !fr.first && fr.set.ex != nil {
		ex = fr.set.ex // a fragment joins the exchange of its message
	}
	if ex == nil {
		exSide, step := side, uint8(0)
		if isPhase1V1(h) && st.v1().phase1 == nil {
			switch {
			case side == sideR:
				// the SA began with the responder's MM2 or AM2
				// (lookupV1): the initiator's first message was missed
				exSide, step = sideI, 1
			case st.v1().late:
				step = v1LateStep(h)
			}
		}
		ex = st.newExchange(h.Exchange, h.MessageID, exSide, p.Time)
		ex.v1step = step
		a.addExchange(st, ex)
		if isPhase1V1(h) {
			st.v1().phase1 = ex
			if h.Exchange == dissect.ExchangeAggressive {
				st.mode = modeAggressive
			} else {
				st.mode = modeMain
			}
		}
	}
	m.hash = hash
	for i := range ex.nmsgs() {
		prev := ex.msg(i)
		// A copy of a message one of them cut short: the octets cannot
		// be compared, the sender and the length can (else the copies
		// after a cut one read as a retransmit series of their own).
		cutCopy := fr == nil && prev.fragNum == 0 && prev.side() == side && int(h.Length) == ex.msgSize(i) &&
			(cut || st.wasMalformed(ex.frame(i)))
		if !prev.retransmit() && (prev.hash == hash || cutCopy) {
			m.flags |= cmsgRetransmit | prev.flags&(cmsgResponse|cmsgLabeled)
			m.label = prev.label
			if fr != nil && fr.first && fr.set.ex == nil {
				// A copy that starts a new reassembly (its earlier one
				// was given up or evicted): the message's later
				// fragments take its exchange and label.
				fr.set.ex, fr.set.step = ex, prev.label
			}
			m.payloads = a.copyText(ex, i)
			if fr == nil || fr.num == 1 { // a fragmented message's copy counts once
				ex.addRetransmit()
			}
			a.appendMsg(ex, m, p)
			return
		}
	}
	// behind: a main-mode message whose content names a step the exchange
	// has passed comes after its answer in this capture (files from
	// capture points whose clocks differ, merged): it keeps its number,
	// and the exchange's progress stands.
	behind := uint8(0)
	if n := mmStep(st, ex, h, side, fr); n != 0 && n <= ex.v1step {
		behind = n
		for j := range ex.nmsgs() {
			if ex.label(j) == v1Label(ex.Type, n+1) {
				if d := p.Time.Sub(ex.msgTime(j)); d > st.v1().skew {
					st.v1().more().skew = d
				}
				break
			}
		}
	}
	if behind == 0 && fr == nil {
		behind = v1GapBefore(ex, side, p.Time)
	}
	if behind == 0 && (fr == nil || fr.first) {
		if ex.v1step == 0 || !sameSideAgain(ex, side, h) && (fr == nil || !fragAgain(ex, side)) {
			ex.v1step++
			// The sides take turns: odd-numbered messages come from the
			// exchange's initiator, even-numbered ones from the other
			// side. A new message from the side that spoke last means the
			// capture missed the other side's message in between (one
			// direction captured, a packet dropped at the capture point):
			// it is the next one of its sender's parity.
			if v1Steps(ex.Type) > 1 && ex.v1step < 250 && (ex.v1step%2 == 1) != (side == ex.side) {
				ex.v1step++
			}
		}
		if fr != nil {
			fr.set.ex, fr.set.step = ex, ex.v1step
		}
	}
	m.label = ex.v1step
	if fr != nil {
		m.label = fr.set.step
	}
	if behind != 0 {
		m.label = behind
	}
	if v := st.v1(); v.late && ex == v.phase1 && ex.Type == dissect.ExchangeIdentityProtect && ex.v1step == 4 &&
		phase1Content(h) == 3 {
		// A key exchange in the clear answered by one in the clear: MM3
		// and MM4 (after MM4 comes MM5, encrypted), so the first sender
		// is the initiator, and the numbering and roles are certain.
		v.late = false
	}
	m.flags |= cmsgLabeled
	if side != ex.side {
		m.flags |= cmsgResponse
	}
	m.payloads = a.texts.id(f.summary)
	if n := ex.nmsgs(); n > 0 {
		prev := ex.msg(n - 1)
		if prev.side() != side {
			prevT := ex.msgTime(n - 1)
			if ex.Type == dissect.ExchangeTransaction {
				ex.noteWait(tsub(p.Time, prevT), ex.frame(n-1), p.Frame) // XAUTH may wait for a person
			} else {
				a.waited(ex, tsub(p.Time, prevT), ex.frame(n-1), p)
			}
			if ex.v1step == 2 {
				ex.setRTT(tsub(p.Time, prevT))
			}
		}
	}
	if ex.v1step >= v1Steps(ex.Type) && (fr == nil || fr.whole != nil) {
		ex.Answered = true
	}
	a.appendMsg(ex, m, p)
	if fr != nil && fr.whole == nil {
		return
	}
	a.certSee(st, p, side, f)
	step := ex.v1step
	if behind != 0 {
		step = behind // read as the message it is (MM1's offer is no accepted proposal)
	}
	a.onV1(st, p, side, ex, f, step)
}

// lookupV1 finds or creates the ISAKMP SA of an IKEv1 message.
func (a *Analyzer) lookupV1(p *Packet, h *dissect.Header) *saState {
	// One index lookup finds both the SA of the full key and the
	// half-open SA of the initiator SPI (saindex.go).
	st, hs := a.ix.find(1, h.SPIi, h.SPIr)
	if h.SPIr.IsZero() {
		if hs != nil {
			return hs
		}
		st := a.newSA(1, p, true, h.SPIi, h.SPIr)
		st.auxState().v1 = newV1State()
		st.flags.put(flFromStart, h.Exchange == dissect.ExchangeIdentityProtect || h.Exchange == dissect.ExchangeAggressive)
		a.addHalf(st)
		return st
	}
	key := saKey{h.SPIi, h.SPIr, 1}
	if st != nil {
		return st
	}
	if hs != nil && !hs.done && hs.SPIr.IsZero() {
		hs.setSPIr(h.SPIr)
		a.addKey(hs, key)
		return hs
	}
	// First seen mid-conversation. Phase 1's second message (MID 0, in
	// the clear, opening with the SA payload the responder chose, the
	// responder's cookie set) comes from the responder; any later message
	// does not say who initiated: its sender is taken for the initiator,
	// a guess the SA's started_before_capture finding owns up to.
	mm2 := isPhase1V1(h) && phase1Content(h) == 1
	st = a.newSA(1, p, !mm2, h.SPIi, h.SPIr)
	st.auxState().v1 = newV1State()
	st.v1().late = !mm2
	a.addKey(st, key)
	if mm2 && hs == nil {
		// As if its MM1 had been seen: a later message of the initiator
		// with the responder cookie still zero (its MM1 resent, or an
		// error notify such as NO-PROPOSAL-CHOSEN refusing the choice)
		// joins this SA instead of opening one of its own.
		a.addHalf(st)
	}
	return st
}

// lateFirst reports whether ex is an exchange of an IKEv1 SA that began
// before the capture (v1State.late) that may have begun before it too: its
// phase 1, or the first exchange the capture holds. Its messages are
// numbered from a guess (the first one seen is not known to be its
// first), so no text may say which one it is or that it went unanswered.
func lateFirst(st *saState, ex *exRec) bool {
	v := st.v1()
	return v != nil && v.late && (ex == v.phase1 || st.nexs() > 0 && st.exAt(0) == ex)
}

// isPhase1V1 reports whether h is a phase-1 message: main or aggressive
// mode, message ID 0.
func isPhase1V1(h *dissect.Header) bool {
	return h.MessageID == 0 && (h.Exchange == dissect.ExchangeIdentityProtect || h.Exchange == dissect.ExchangeAggressive)
}

// v1LateStep is the number, less one, given to the first phase-1 message
// of an SA that began before the capture (v1State.late), which the header
// does not tell: in main mode a key exchange in the clear is taken for
// MM3 (it may be MM4), an encrypted message for MM5 (or MM6); in
// aggressive mode the message after AM2 is AM3.
func v1LateStep(h *dissect.Header) uint8 {
	switch {
	case h.Exchange == dissect.ExchangeAggressive:
		return 2
	case phase1Content(h) == 3:
		return 2
	}
	return 4
}

// findExV1 returns the exchange an IKEv1 message belongs to.
func (a *Analyzer) findExV1(st *saState, h *dissect.Header) *exRec {
	if isPhase1V1(h) && st.v1().phase1 != nil {
		return st.v1().phase1
	}
	if h.Exchange == dissect.ExchangeInformationalV1 {
		return nil // every informational message is its own exchange
	}
	return st.findRecent(func(ex *exRec) bool { return ex.MID == h.MessageID && ex.Type == h.Exchange })
}

// onV1 analyses the content of a new IKEv1 message, the step-th of its
// exchange (its number: ex.v1step, or less for a message that came after
// its answer, mmStep).
func (a *Analyzer) onV1(st *saState, p *Packet, side saSide, ex *exRec, f *facts, step uint8) {
	v := st.v1()
	switch ex.Type {
	case dissect.ExchangeIdentityProtect, dissect.ExchangeAggressive:
		if ex != v.phase1 {
			break
		}
		switch step {
		case 1:
			if len(f.sas) > 0 {
				st.setOffer(a.ikeOffer(1, f.sas[0]))
				a.rememberOffer(p.Src.Addr(), true, a.offeredOf(st), p.Frame)
			}
			if ex.Type == dissect.ExchangeAggressive {
				st.out.set(outAuthTried)
			}
		case 2:
			if len(f.sas) > 0 {
				if props, _ := a.ikeProposals(1, f.sas[0]); len(props) > 0 {
					st.setProposal(props[0].summary, &a.texts)
					st.noteWeak(props[0].weak, p.Frame, "IKE SA")
					a.rememberAccept(st.responder().Addr(), st.initiator().Addr(), true, props[0].summary, p.Frame)
				}
			}
			st.out.set(outInitOK)
		case 3, 4:
			a.natCheckV1(st, p, f, side == sideI)
		case 5:
			st.out.set(outAuthTried)
		}
		if ex.Type == dissect.ExchangeAggressive && step == 2 {
			a.natCheckV1(st, p, f, side == sideI)
		}
		if ex.v1step == v1Steps(ex.Type) && bothSpoke(ex, side) && !st.SPIr.IsZero() {
			a.phase1Done(st, v, p)
		}
	case dissect.ExchangeQuickMode:
		a.phase1MissedLast(st, v, p, side)
		if bothSpoke(ex, side) {
			a.v1UpBefore(st, v, p)
			if !v.phase1Done && v.phase1 != nil && !st.SPIr.IsZero() {
				// Both peers in one quick mode, which needs phase 1
				// complete, whatever the capture missed of it
				// (libreswan-ikev1-aggressive without AM2 and AM3: "The
				// responder never answered the first message", failed,
				// beside a completed quick mode). v1LastMissedFinding
				// says what is missing.
				a.phase1Done(st, v, p)
			}
		}
		if ex.v1step == 2 && !f.decrypted {
			st.out.set(outChildPending)
		}
		if f.decrypted {
			a.quickMode(st, p, side, ex, f)
		}
	case dissect.ExchangeTransaction:
		a.phase1MissedLast(st, v, p, side)
		if f.decrypted && len(f.attrs) > 0 {
			a.transactionV1(st, p, side, ex, f)
		}
	case dissect.ExchangeInformationalV1:
		ex.Answered = true
		// Only the responder's: what the findings read from encInfo is
		// the responder's answer to MM5 (its refusal of a key it could
		// not use); the initiator's (a Delete after an MM6 the capture
		// missed) says nothing of the kind.
		if f.sk && !f.decrypted && !v.phase1Done && side == sideR && st.out.has(outAuthTried) && len(v.encInfo) < maxNoted {
			v.more().encInfo = append(v.encInfo, p.Frame)
		}
		a.informationalV1(st, p, side, ex, f)
	}
}

// quickMode builds child SAs from decrypted quick-mode messages.
func (a *Analyzer) quickMode(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	switch ex.v1step {
	case 1:
		pd := &pending{}
		if len(f.sas) > 0 {
			props := decodeProposals(1, f.sas[0])
			for i := range props {
				props[i].spi = append([]byte(nil), props[i].spi...)
			}
			pd.offered = props
			if len(props) > 0 {
				pd.spi, pd.proto = spi4(props[0].spi), props[0].proto
			}
			a.rememberOffer(p.Src.Addr(), false, summaries(1, props), p.Frame)
		}
		// Quick mode client IDs: IDci then IDcr (RFC 2409 §5.5).
		for i, id := range f.ids {
			if s, ok := idV1String(id); ok {
				if i == 0 {
					pd.tsi = append(pd.tsi, s)
				} else {
					pd.tsr = append(pd.tsr, s)
				}
			}
		}
		ex.extra().pend = pd
	case 2:
		if len(f.sas) == 0 || ex.childOf() != nil {
			return
		}
		props := decodeProposals(1, f.sas[0])
		if len(props) == 0 {
			return
		}
		pd := ex.pendOf()
		if pd == nil {
			pd = &pending{}
		}
		chosen := props[0]
		c := &ChildSA{Protocol: protoName(1, chosen.proto), Proposal: chosen.summary, State: ChildEstablished,
			Created: p.Time, CreatedFrame: ex.frame(0), owner: st, initSide: ex.side,
			TSi: []string{}, TSr: []string{}}
		if ex.side == sideI {
			c.SPIi, c.SPIr = pd.spi, spi4(chosen.spi)
		} else {
			c.SPIi, c.SPIr = spi4(chosen.spi), pd.spi
		}
		if pd.tsi != nil {
			c.TSi = pd.tsi
		}
		if pd.tsr != nil {
			c.TSr = pd.tsr
		}
		st.noteWeak(chosen.weak, p.Frame, "IPsec SA")
		a.rememberAccept(p.Src.Addr(), p.Dst.Addr(), false, chosen.summary, p.Frame)
		st.addChild(c, &a.infs)
		a.indexChild(st, c)
		ex.extra().child = c
	}
}

// informationalV1 handles notifies and deletes of an IKEv1 informational.
func (a *Analyzer) informationalV1(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	if len(f.deletes) > 0 {
		ex.kind = exDelete
		a.applyDeletes(st, p, side, f, 0)
	}
	for _, n := range f.notifies {
		t := dissect.NotifyTypeV1(n.typ)
		switch t {
		case dissect.NotifyV1RUThere, dissect.NotifyV1RUThereAck:
			ex.kind = exLiveness
			if len(n.data) < 4 {
				continue
			}
			seq := uint32(n.data[0])<<24 | uint32(n.data[1])<<16 | uint32(n.data[2])<<8 | uint32(n.data[3])
			a.noteDPDv1(st, p, ex, t == dissect.NotifyV1RUThereAck, seq)
			continue
		}
		if !t.IsError() {
			continue
		}
		ex.setError(t.String())
		a.v1ErrorFinding(st, p, side, t)
	}
}

// v1ErrorFinding explains an IKEv1 error notify.
func (a *Analyzer) v1ErrorFinding(st *saState, p *Packet, side saSide, t dissect.NotifyTypeV1) {
	v := st.v1()
	who := side.String()
	phase := v1ErrorPhase(st, v)
	name := t.String()
	var kind FindingKind
	var msg string
	switch t {
	case dissect.NotifyV1NoProposalChosen:
		kind = KindNoProposalChosen
		if v.phase1Done {
			msg = "The " + who + " sent NO-PROPOSAL-CHOSEN during " + phase + ": the IPsec transform sets do not match" +
				" (encryption, integrity, PFS group, lifetime or encapsulation mode). " +
				a.policyHint(p.Src.Addr(), p.Dst.Addr(), false, nil)
			msg = strings.TrimSuffix(msg, " ") // policyHint's last sentence, or none, ends with a space
		} else {
			offered := listOr(a.offeredOf(st), "(not seen)")
			msg = "The " + who + " sent NO-PROPOSAL-CHOSEN during " + phase + ": "
			if p := st.proposal(&a.texts); p != "" {
				// The responder had chosen from the offer: what was
				// refused is that choice, which a policy mismatch alone
				// does not explain (concludeV1 says so when the same
				// choice is accepted later).
				v.more().refusedPick = p
				msg += "it refused the responder's choice from the offer, " + p + " (offered: " + offered + ")." +
					" A peer refuses such a choice when an attribute differs from what was offered (such as the" +
					" lifetime or key length), or for a reason only its log gives. "
			} else {
				msg += "the ISAKMP policies do not match. Offered: " + offered + ". "
			}
			msg += "Compare encryption, hash, authentication method, DH group and lifetime with the peer's ISAKMP policy."
		}
	case dissect.NotifyV1InvalidIDInformation:
		kind = KindInvalidIDInfo
		msg = "The " + who + " sent INVALID-ID-INFORMATION during " + phase + ": "
		if v.phase1Done {
			msg += "the proxy IDs (encryption domains / crypto ACLs) do not match what the responder accepts. Many peers" +
				" want each side's local networks to equal the other's remote networks exactly (some accept a subset):" +
				" look for a /24 against a /29, hosts against a subnet, or an address typo."
		} else {
			msg += "the peer's phase-1 identity is not the one expected (IP address vs FQDN, or a NATed address)."
		}
	case dissect.NotifyV1PayloadMalformed, dissect.NotifyV1InvalidPayloadType:
		kind = kindOfNotify(name)
		msg = "The " + who + " sent " + name + " during " + phase + ". "
		if st.out.has(outAuthTried) && !v.phase1Done && st.mode == modeMain {
			msg += "After main-mode message 5 this is most often a pre-shared key mismatch: the peer decrypted MM5 with a" +
				" different key and found garbage (strongSwan, for one, answers so). Some peers send it for an identity they" +
				" refuse. Re-enter the PSK on both sides, then compare the identities."
		} else {
			msg += "The peer could not parse a message: a PSK mismatch (garbage after decryption), an implementation bug" +
				" or a corrupted/fragmented packet."
		}
	case dissect.NotifyV1AuthenticationFailed, dissect.NotifyV1InvalidHashInformation, dissect.NotifyV1InvalidSignature:
		kind = KindAuthFailed
		st.out.put(outAuthFailed, !v.phase1Done || st.out.has(outAuthFailed))
		msg = "The " + who + " sent " + name + " during " + phase + ": authentication failed. "
		if v.phase1Done {
			// Phase 1 authenticated the peers; in quick mode the HASH
			// payloads, keyed by phase 1, did not verify.
			msg += "Phase 1 had authenticated the peers, so the quick mode's HASH did not verify: the peers hold" +
				" different phase-1 keys (a stale or replaced ISAKMP SA, an HA failover) or one of them is at fault." +
				" Clear the ISAKMP SA on both sides so that phase 1 is negotiated again."
		} else {
			msg += "Check the pre-shared key, the certificates and the identities on both sides."
		}
	default:
		kind = kindOfNotify(name)
		msg = "The " + who + " sent the error notify " + name + " during " + phase + ". Check the peer's logs for the reason."
	}
	if !v.phase1Done && kind == KindNoProposalChosen {
		st.out.set(outInitFailed)
	}
	// errIdx is kept ascending, so that finding a repeat merged into an
	// earlier finding (adjusted once) is a binary search, not a scan of
	// every error finding so far.
	i := st.addFinding(kind, SeverityError, p.Time, msg, p.Frame)
	if j, found := slices.BinarySearch(v.errIdx, i); !found {
		v.more().errIdx = slices.Insert(v.errIdx, j, i)
	}
}

// v1ErrorPhase names the phase an IKEv1 error notify of st came in:
// "phase 2 (quick mode)" once phase 1 is complete, else phase 1 with its
// mode when the capture holds the SA from its start. An SA that began
// before the capture (v1State.late) gets "phase 1" alone, also once its
// mode shows: a notify may come before any message of the mode (a capture
// that starts within a retransmission storm of AM2 and its error answers
// named it "main mode"), and one text for all of them merges their
// repeats into one finding.
func v1ErrorPhase(st *saState, v *v1State) string {
	switch {
	case v.phase1Done:
		return "phase 2 (quick mode)"
	case v.late || st.mode == modeNone:
		return "phase 1"
	case st.mode == modeAggressive:
		return "phase 1 (aggressive mode)"
	}
	return "phase 1 (main mode)"
}

// beforeV1Done reports whether the error f came before the message that
// completed st's phase 1, by time: frame numbers do not say, the frames of
// a capture may be out of time order. Without the time of that message,
// by frame number.
func beforeV1Done(st *saState, f *Finding) bool {
	done := st.v1().done()
	if t, ok := st.msgTimeAt(done); ok && !f.Time.IsZero() {
		return t.After(f.Time)
	}
	return f.Frames[0] < done
}

// concludeV1 adds IKEv1 findings that need the whole SA.
func (a *Analyzer) concludeV1(st *saState) {
	v := st.v1()
	a.v1FragConclude(st)
	if v.late {
		a.lateFinding(st)
	}
	a.v1MissedMiddleFinding(st)
	for _, i := range v.errIdx {
		f := &st.findings()[i]
		if v.phase1Done && len(f.Frames) > 0 && beforeV1Done(st, f) && f.Kind != KindInvalidIDInfo {
			f.Severity = SeverityWarning
			f.Message += " The SA was established afterwards (frame " + a.frames.one(v.done()) + ")"
			if f.Kind == KindNoProposalChosen && v.refusedPick != "" && v.refusedPick == st.proposal(&a.texts) {
				// The choice refused was accepted after all: the policies
				// match, and the refusal had another cause.
				f.Message += " with that same choice, so the policies match: the refusal had another cause, which the" +
					" refusing peer's log should give."
			} else {
				f.Message += ", so this was recovered."
			}
			st.findingsChanged()
			st.out.clear(outInitFailed)
			st.out.clear(outAuthFailed)
		}
	}
	if v.xa != nil && v.xa.status == -1 {
		st.out.set(outAuthFailed) // an XAUTH FAIL after it is not recovered (xauth.go)
	}
	var eb exBuf
	for i, ex := range st.exSlice(&eb) { // the compact records: SA.Exchanges is built after conclude
		n := ex.nmsgs()
		if ex.Answered || n == 0 || ex.Type == dissect.ExchangeInformationalV1 {
			continue
		}
		if ex.Type == dissect.ExchangeQuickMode && ex.v1step == 1 && a.quickModeRefused(st, i) {
			continue
		}
		if ex == v.phase1 && v.phase1Done {
			a.v1LastMissedFinding(st, v, ex)
		}
		if ex == v.phase1 && v.phase1Done || lateFirst(st, ex) {
			// Phase 1 completed (the SA came up), whatever the capture
			// missed of it; or the exchange may have begun before the
			// capture, and which of its messages waits for which is not
			// known.
			continue
		}
		// Transmissions, not messages: a fragmented message sent once is
		// several messages (v1Transmissions).
		if last := ex.label(n - 1); last != "" && v1Transmissions(ex, last) <= 1 && a.now.Sub(ex.msgTime(n-1)) < a.opt.Grace {
			continue // sent once, just before the capture ended
		}
		if ex.Type == dissect.ExchangeQuickMode && ex.v1step == 2 {
			continue // QM3 is often not captured as an answer; QM2 completed the negotiation
		}
		if v1FragIncomplete(st, ex, ex.v1step) {
			continue // sent, not reassembled: v1FragFinding says what is missing
		}
		// The message that went unanswered is the last distinct one.
		lbl := v1Label(ex.Type, ex.v1step)
		if v1AnsweredByNotify(st, ex, lbl) >= 0 {
			// It was answered, with a readable error notify, which has
			// its own finding (v1ErrorFinding): "got no reply" would be
			// false. A responder refusing MM1 with NO-PROPOSAL-CHOSEN
			// did answer it.
			if ex == v.phase1 {
				v.gaveUp = true
			}
			continue
		}
		var frames []int
		first := -1
		for j := range n {
			if ex.label(j) == lbl {
				frames = append(frames, ex.frame(j))
				if first < 0 {
					first = j
				}
			}
		}
		if first < 0 {
			continue
		}
		firstT, firstFrom, firstSize := ex.msgTime(first), ex.msg(first).side().String(), v1SizeText(st, ex, first)
		if (lbl == "MM1" || lbl == "AM1") && !st.SPIr.IsZero() && !heardFrom(st, sideR) {
			// The initiator's later messages carry the responder's
			// cookie, which only the responder's answer gives it.
			st.addFinding(KindCaptureGap, SeverityInfo, firstT,
				"The initiator's "+lbl+" (message ID "+u32(ex.MID)+", "+firstSize+") has no answer in this capture, but the"+
					" initiator's later messages carry the responder's cookie ("+st.SPIr.String()+"), which only the"+
					" responder's answer gives: the responder answered, and the capture, which holds nothing of this SA"+
					" from the responder, missed it (it sees one direction only: asymmetric routing, a capture filter on"+
					" one address)."+a.gapNote(st, firstT, time.Time{}), frames...)
			continue
		}
		if c := espAfterQuick(st, ex, firstT); c != nil {
			// ESP both ways on a child SA that began after it: the quick
			// mode completed (ikev1-dpd-dead-peer without QM1 and QM2:
			// its QM3, taken for a QM1, "got no reply ... a phase-2
			// proposal, PFS or proxy-ID mismatch").
			st.addFinding(KindCaptureGap, SeverityInfo, firstT,
				"The "+firstFrom+"'s "+lbl+" (message ID "+u32(ex.MID)+", "+firstSize+") has no answer in this capture, but"+
					" ESP then ran both ways between the peers on a child SA that began after it (SPIs "+c.SPIi.String()+"/"+
					c.SPIr.String()+", from frame "+a.frames.one(c.CreatedFrame)+"), which needs the quick mode complete: the"+
					" capture missed the rest of it, and what it holds of it may be a later message than "+lbl+"."+
					a.gapNote(st, firstT, time.Time{}), frames...)
			continue
		}
		if ex.Type == dissect.ExchangeQuickMode && lbl == "QM1" && onlyHashSized(ex) {
			// Too small to be a QM1 or a QM2: a QM3, which gets no answer
			// (the Wireshark wiki's ikev1_main_mode without QM1 and QM2:
			// "got no reply ... a phase-2 proposal, PFS or proxy-ID
			// mismatch").
			st.addFinding(KindCaptureGap, SeverityInfo, firstT,
				"This capture holds of the quick mode with message ID "+u32(ex.MID)+" only the "+firstFrom+"'s message of "+
					firstSize+", too small for a QM1 or a QM2, which carry an SA payload and a nonce ("+
					strconv.Itoa(minQuickSA)+" octets at the least): it is the QM3 that ends a quick mode, which gets no answer."+
					" The capture missed QM1 and QM2 (taken on another path, or packets dropped at the capture point)."+
					a.gapNote(st, firstT, time.Time{}), frames...)
			continue
		}
		hint := "Check that UDP 500/4500 reaches the peer and what the peer logs."
		oneWay := !heardFrom(st, ex.msg(first).side().other())
		switch {
		case lbl == "MM1" || lbl == "AM1":
			hint = "The responder never answered the first message: UDP 500 blocked, no IKE service at that address, or a" +
				" responder that silently drops an unacceptable proposal (some do instead of NO-PROPOSAL-CHOSEN). Offered: " +
				listOr(a.offeredOf(st), "(not seen)") + "."
		case lbl == "MM5" && len(v.encInfo) > 0:
			hint = "The responder answered with " + words.Pick(len(v.encInfo), "an encrypted informational message (frame ", "encrypted informational messages (frames ") + a.frames.join(v.encInfo) + ")" +
				" instead of MM6. Without the responder's key their content is hidden. After MM5 it is most likely" +
				" PAYLOAD-MALFORMED or INVALID-HASH-INFORMATION, the responder having decrypted MM5 with a different key" +
				" (strongSwan, for one, sends PAYLOAD-MALFORMED when a pre-shared key differs), or with signatures an" +
				" identity or certificate the responder refused. With pre-shared keys, check the key on both sides."
			st.addFinding(KindAuthFailed, SeverityError, firstT,
				"Phase 1 authentication failed (inferred): the initiator's MM5 was answered by an encrypted"+
					" informational instead of MM6. With pre-shared keys this is the classic PSK mismatch: the responder"+
					" cannot decrypt MM5 and reports it (strongSwan sends PAYLOAD-MALFORMED); re-enter the PSK on both"+
					" peers. With signatures, compare the identities and certificates with the responder's configuration.",
				append(append([]int{}, frames...), v.encInfo...)...)
			st.out.set(outAuthFailed)
		case lbl == "MM5" && ex.msg(first).fragNum != 0:
			hint = "The responder did not answer MM5, the first encrypted message, which went in IKEv1 fragments:" +
				" fragments lost on the path after this capture point (a firewall or rate limit dropping UDP, UDP 4500" +
				" blocked after NAT detection moved the exchange there, or fragments still larger than the path MTU: lower" +
				" the fragment size), or, with pre-shared keys, possibly a PSK mismatch (a responder that cannot decrypt" +
				" MM5 and stays silent; strongSwan answers PAYLOAD-MALFORMED instead)."
		case lbl == "MM5" && port4500Silence(st, ex.msg(first).side(), len(frames)):
			hint = "The responder did not answer MM5, the first encrypted message. " + port4500Text(ex.msg(first).side()) +
				" The other causes: a certificate too large for the path (IP fragments dropped), or, with pre-shared keys," +
				" possibly a PSK mismatch (a responder that cannot decrypt MM5 and stays silent; strongSwan answers" +
				" PAYLOAD-MALFORMED instead)."
		case lbl == "MM5" && !st.out.has(offPort500(ex.msg(first).side())) && !st.flags.has(flTCP):
			// Still on UDP 500 (no NAT detected): UDP 4500 is not used.
			hint = "The responder did not answer MM5, the first encrypted message: a certificate too large for the path" +
				" (IP fragments dropped), or, with pre-shared keys, possibly a PSK mismatch (a responder that cannot decrypt" +
				" MM5 and stays silent; strongSwan answers PAYLOAD-MALFORMED instead)."
		case lbl == "MM5":
			hint = "The responder did not answer MM5, the first encrypted message: UDP 4500 blocked (after NAT detection" +
				" MM5 is the first message on that port), a certificate too large for the path (IP fragments dropped), or," +
				" with pre-shared keys, possibly a PSK mismatch (a responder that cannot decrypt MM5 and stays silent;" +
				" strongSwan answers PAYLOAD-MALFORMED instead)."
		case ex.Type == dissect.ExchangeQuickMode:
			hint = "Phase 1 is up but the quick mode was not answered: a phase-2 proposal, PFS or proxy-ID mismatch that the" +
				" peer rejects silently, or an informational the capture does not show. Compare the transform sets and crypto ACLs."
		}
		if (lbl == "MM4" || lbl == "AM2") && a.movedOutOfSight(st) {
			// Its answer goes to UDP 4500 after NAT-T found a NAT, which
			// this capture holds nothing of (portfilter.go).
			st.addFinding(KindEndUnknown, SeverityInfo, firstT, hiddenByPortText(st, lbl+" ("+firstFrom+"'s, message ID "+
				u32(ex.MID)+")"), frames...)
			continue
		}
		if why := unseenPeer(st, ex.msg(first).side().other()); why != "" && ex.v1step <= 1 {
			// Nothing of the other peer in the capture, which took part:
			// one direction only (oneway.go).
			st.addFinding(KindUnanswered, SeverityInfo, firstT, oneWayV1Text(ex.msg(first).side().other(), why,
				lbl+" (message ID "+u32(ex.MID)+", "+firstSize+")", v1Transmissions(ex, lbl)), frames...)
			continue
		}
		if ex == v.phase1 {
			v.gaveUp = true
		}
		sev := SeverityWarning
		if ex == v.phase1 {
			sev = SeverityError
		}
		if oneWay && ex.v1step > 1 {
			// The capture holds nothing of this SA from the other peer,
			// though the message answers one of that peer's: it sees one
			// direction only, and cannot show what the other peer sent.
			other := ex.msg(first).side().other().String()
			hint = "The capture holds no message of this SA from the " + other + " at all, though " + lbl + " answers the " +
				other + "'s " + v1Label(ex.Type, ex.v1step-1) + ": it sees one direction only (asymmetric routing, a capture" +
				" filter on one address). The resends show the " + firstFrom + " got no next message it accepted; what the " +
				other + " sent instead (an error notify, or nothing) is in the other direction: capture both to know."
			sev = SeverityWarning
		}
		if qf := quickModeDoneAfter(st, ex); ex.Type == dissect.ExchangeTransaction && qf != 0 {
			// A Transaction exchange (XAUTH, Mode Config) belongs between
			// phase 1 and phase 2: a quick mode answered after it shows it
			// was done. (ikev1-xauth-reauth, libreswan-ikev1-xauth
			// without one CFG message: "got no reply … check that UDP
			// 500/4500 reaches the peer", a warning, while ESP flowed.)
			st.addFinding(KindCaptureGap, SeverityInfo, firstT,
				"The "+firstFrom+"'s "+lbl+" (message ID "+u32(ex.MID)+", "+firstSize+") has no reply in this capture, but a"+
					" quick mode was answered after it (frame "+a.frames.one(qf)+"): peers go on to phase 2 only once the"+
					" Transaction exchanges of XAUTH and Mode Config are done (draft-beaulieu-ike-xauth-02), so the reply was"+
					" sent and the capture missed it (a packet dropped at the capture point, or taken on another path).", frames...)
			continue
		}
		if !(oneWay && ex.v1step > 1) && len(v.encInfo) == 0 && ex.msg(first).fragNum == 0 {
			// Where the capture was taken, unless the peer answered
			// otherwise (an encrypted informational), the capture sees
			// one direction only, or the hint places the loss already
			// (fragments lost after this capture point).
			hint += unansweredWhere(st, ex.msg(first).side(), "")
		}
		st.addFinding(KindUnanswered, sev, firstT,
			"The "+firstFrom+"'s "+lbl+" (message ID "+u32(ex.MID)+", "+firstSize+") got no reply"+
				" in this capture ("+words.Count(v1Transmissions(ex, lbl), "transmission", "transmissions")+"). "+hint, frames...)
	}
	if len(st.model().ChildSAs) == 0 && st.out.has(outChildPending) {
		st.model().UnreadQuickModes = a.unreadQuickModes(st, &eb)
	}
	// Unacknowledged probes (dpd_v1.go): with keys, R-U-THEREs without
	// their ACK; without keys, a run of unanswered informationals.
	a.dpdFindingsV1(st)
	a.keylessDPDv1(st)
	a.xauthUnreadV1(st)
}

// quickModeDoneAfter returns the frame of the first QM2 of st sent after
// ex's last message (a quick mode answered), 0 when there is none.
func quickModeDoneAfter(st *saState, ex *exRec) int {
	last := ex.msgTime(ex.nmsgs() - 1)
	first, firstT := 0, time.Time{}
	for i := range st.nexs() {
		x := st.exAt(i)
		if x.Type != dissect.ExchangeQuickMode || x.v1step < 2 {
			continue
		}
		for j := range x.nmsgs() {
			if c := x.msg(j); c.flags&cmsgLabeled != 0 && c.label == 2 && x.msgTime(j).After(last) && (first == 0 || x.msgTime(j).Before(firstT)) {
				first, firstT = x.frame(j), x.msgTime(j)
			}
		}
	}
	return first
}

// unreadQuickModes counts st's quick modes that completed without keys:
// QM2 seen, no message read, no refusal found for them
// (quickModeRefused, lateRefusal).
func (a *Analyzer) unreadQuickModes(st *saState, eb *exBuf) int {
	n := 0
	for _, ex := range st.exSlice(eb) {
		if ex.Type != dissect.ExchangeQuickMode || ex.v1step < 2 || ex.extraOrEmpty().refusal != 0 {
			continue
		}
		read := false
		for i := range ex.nmsgs() {
			if ex.text(i, &a.texts) != "encrypted" {
				read = true
			}
		}
		if !read {
			n++
		}
	}
	return n
}

// v1AnsweredByNotify reports whether the message lbl of ex was answered
// by an error notify that was read: an error finding (v.errIdx) whose
// first frame is an INFORMATIONAL message from the other side, sent
// within promptAnswer after a transmission of the message (an
// informational is a request of its own: its side is its sender). It
// returns the finding's index, or -1.
func v1AnsweredByNotify(st *saState, ex *exRec, lbl string) int {
	v := st.v1()
	if v == nil || len(v.errIdx) == 0 {
		return -1
	}
	first := -1
	for j := range ex.nmsgs() {
		if ex.label(j) == lbl {
			first = j
			break
		}
	}
	if first < 0 {
		return -1
	}
	sent, from := ex.msgTime(first), ex.msg(first).side()
	// prompt: the notify came within promptAnswer of a transmission of
	// the message before it (as quickModeRefused asks of a refusal): an
	// error notify minutes later answers something else.
	prompt := func(t time.Time) bool {
		for j := first; j < ex.nmsgs(); j++ {
			if ex.label(j) != lbl {
				continue
			}
			if d := t.Sub(ex.msgTime(j)); d >= 0 && d <= promptAnswer {
				return true
			}
		}
		return false
	}
	// Any of the notify's transmissions counts: with the message's first
	// copy lost to the capture, the first notify answers that copy, the
	// later ones the copies seen (libreswan-ikev1-aggressive-wrong-psk
	// without its first AM2).
	for _, i := range v.errIdx {
		f := &st.findings()[i]
		if len(f.Frames) == 0 {
			continue
		}
		for k := range st.nexs() {
			info := st.exAt(k)
			if info.Type != dissect.ExchangeInformationalV1 || info.side == from {
				continue
			}
			for j := range info.nmsgs() {
				// The times first: a merged finding's frames are many.
				if t := info.msgTime(j); !t.Before(sent) && prompt(t) && slices.Contains(f.Frames, info.frame(j)) {
					return i
				}
			}
		}
	}
	return -1
}

// lateFinding says that st, an IKEv1 SA, began before the capture, and
// that the initiator shown is the sender of its first message here.
func (a *Analyzer) lateFinding(st *saState) {
	if st.nexs() == 0 || st.exAt(0).nmsgs() == 0 {
		return
	}
	ex := st.exAt(0)
	what := "an " + ex.Type.String() + " message"
	switch {
	case ex == st.v1().phase1 && ex.Type == dissect.ExchangeAggressive:
		what = "an aggressive-mode message after AM2"
	case ex == st.v1().phase1:
		what = "a main-mode message after MM2"
	case ex.Type == dissect.ExchangeQuickMode:
		what = "a quick mode (phase 2)"
	case ex.Type == dissect.ExchangeInformationalV1:
		what = "an informational message"
	}
	msg := "This IKEv1 SA began before the capture started: the first message the capture holds of it (frame " +
		a.frames.one(ex.frame(0)) + ") is " + what + ", not MM1, AM1 or their answers. IKEv1 headers do not say which" +
		" peer initiated an SA, so the initiator shown is the sender of that message, a guess that may be the wrong way round."
	if ex == st.v1().phase1 {
		msg += " Phase 1's messages are numbered from a guess too (frame " + a.frames.one(ex.frame(0)) + " taken for " + ex.label(0) +
			"), so none of them is judged unanswered."
	}
	st.addFinding(KindLateStart, SeverityInfo, ex.start(), msg, ex.frame(0))
}

// quickModeRefused handles a quick mode whose QM1 was answered by an
// INFORMATIONAL from the peer instead of QM2 (the i-th exchange of st): an
// error notify, reported as such when decrypted (v1ErrorFinding), inferred
// when encrypted. It reports whether such an answer was found: then the
// quick mode is not an unanswered request.
func (a *Analyzer) quickModeRefused(st *saState, i int) bool {
	qm := st.exAt(i)
	skew := st.v1().skew
	if skew > 0 {
		skew += skewSlack
	}
	for j := range st.nexs() {
		info := st.exAt(j)
		if j == i || info.Type != dissect.ExchangeInformationalV1 || info.side == qm.side || info.nmsgs() == 0 {
			continue
		}
		// The answer comes within promptAnswer of a copy of QM1; with the
		// peers' times off by skew (v1Odd.skew), up to skew before it.
		if qm.start().Sub(info.start()) > skew || info.start().Sub(qm.lastReqTime()) > promptAnswer {
			continue
		}
		if info.kind == exLiveness {
			continue
		}
		if info.errorOf() != "" {
			x := qm.extra()
			x.refusal, x.refusalWhat = info.frame(0), info.errorOf()
			return true // the error notify is reported where it was decrypted
		}
		if !strings.Contains(info.text(0, &a.texts), "encrypted") {
			continue
		}
		qm.extra().refusal = info.frame(0)
		st.out.clear(outChildPending)
		st.addFinding(KindChildRefused, SeverityError, qm.start(),
			"Phase 1 is up, but the "+info.side.String()+" answered QM1 (frame "+a.frames.one(qm.frame(0))+
				") with an encrypted informational message (frame "+a.frames.one(info.frame(0))+") instead of QM2:"+
				" the quick mode was refused, most likely with NO-PROPOSAL-CHOSEN (the phase-2 transform sets: encryption,"+
				" integrity, PFS group, lifetime, mode) or INVALID-ID-INFORMATION (the proxy IDs / crypto ACLs do not"+
				" match)."+a.keysOr(st, " Give the keys (or read the "+info.side.String()+"'s log) to see which.", " ",
				"see which (or read the "+info.side.String()+"'s log)"),
			qm.frame(0), info.frame(0))
		return true
	}
	j := a.lateRefusal(st, i)
	if j < 0 {
		return false
	}
	info := st.exAt(j)
	x := qm.extra()
	x.refusal, x.refusalWhat = info.frame(0), info.errorOf()
	qm.bits |= exRefusalEarly
	if x.refusalWhat != "" {
		return true // reported where it was decrypted
	}
	st.out.clear(outChildPending)
	sender, refuser := "peer at "+st.peer(qm.side).String(), "peer at "+st.peer(info.side).String()
	st.addFinding(KindChildRefused, SeverityError, info.start(),
		"Phase 1 is up, and the quick mode with message ID "+u32(qm.MID)+" was most likely refused: this SA began before the"+
			" capture started (started_before_capture), and the "+refuser+" sent an encrypted informational message (frame "+
			a.frames.one(info.frame(0))+") "+secs(qm.start().Sub(info.start()))+" before the first copy of QM1 in the capture"+
			" (frame "+a.frames.one(qm.frame(0))+"), which the "+sender+" then resent without an answer. An IKEv1 peer resends its"+
			" last message until the next one arrives, so that informational most likely answered an earlier copy of QM1 that"+
			" the capture does not hold, with NO-PROPOSAL-CHOSEN (the phase-2 transform sets: encryption, integrity, PFS"+
			" group, lifetime, mode) or INVALID-ID-INFORMATION (the proxy IDs / crypto ACLs do not match)."+
			a.keysOr(st, " Give the keys (or read the log of the "+refuser+") to see which.", " ", "see which (or read the log of the "+refuser+")"),
		info.frame(0), qm.frame(0))
	return true
}

// lateRefusal returns the index in st of the INFORMATIONAL that most
// likely refused the quick mode at index i before the capture began, or
// -1. The capture holds no answer to that quick mode's QM1, sent more than
// once, but st began before the capture (v1State.late), only
// informationals come before the quick mode here, and one of them, from
// the other peer and not a liveness check, came within promptAnswer before
// the first copy of QM1 here: the capture began between a QM1 and its
// refusal, and holds only the resent copies (libreswan's pluto resends QM1
// after a refusal, every copy byte for byte the first).
func (a *Analyzer) lateRefusal(st *saState, i int) int {
	v, qm := st.v1(), st.exAt(i)
	if v == nil || !v.late || v1Transmissions(qm, "QM1") < 2 {
		return -1
	}
	for j := range i {
		if st.exAt(j).Type != dissect.ExchangeInformationalV1 {
			return -1
		}
	}
	for j := i - 1; j >= 0; j-- {
		info := st.exAt(j)
		if info.side == qm.side || info.nmsgs() == 0 || info.kind == exLiveness {
			continue
		}
		if d := qm.start().Sub(info.start()); d < 0 || d > promptAnswer {
			continue
		}
		if info.errorOf() == "" && !strings.Contains(info.text(0, &a.texts), "encrypted") {
			continue
		}
		if answeredBefore(st, j, i, qm.side) {
			continue // a request and its answer (a DPD R-U-THERE and its ACK look alike encrypted)
		}
		return j
	}
	return -1
}

// answeredBefore reports whether side sent an INFORMATIONAL exchange of
// st between the exchanges at index from and to (exclusive): an answer to
// the informational at from, which then was a request of its own, not an
// answer to side.
func answeredBefore(st *saState, from, to int, side saSide) bool {
	for k := from + 1; k < to; k++ {
		if x := st.exAt(k); x.Type == dissect.ExchangeInformationalV1 && x.side == side {
			return true
		}
	}
	return false
}

// skewSlack is what quickModeRefused adds to the skew measured in phase 1
// (v1Odd.skew): that measure is the offset between the peers' times less
// one main-mode round trip, and a quick mode's round trip differs from it
// by a few milliseconds on a LAN, tens across the Internet.
const skewSlack = 100 * time.Millisecond

// mmStep returns the main-mode message number that the content of h, a
// whole message (not a fragment) of st's phase-1 main-mode exchange ex
// sent by side, shows: an SA payload in the clear is MM1 or MM2, a key
// exchange in the clear MM3 or MM4, an encrypted message MM5 or MM6, the
// odd ones from the exchange's initiator; 0 for any other message, or
// while the roles are a guess (v1State.late).
func mmStep(st *saState, ex *exRec, h *dissect.Header, side saSide, fr *v1FragNote) uint8 {
	v := st.v1()
	if fr != nil || ex.Type != dissect.ExchangeIdentityProtect || v == nil || ex != v.phase1 || v.late {
		return 0
	}
	n := phase1Content(h)
	if n != 0 && side != ex.side {
		n++
	}
	return n
}

// phase1Content tells which pair of phase-1 messages h is by what it
// opens with: 1 an SA payload in the clear (MM1 and MM2, AM1 and AM2), 3 a
// key exchange in the clear (MM3 and MM4), 5 an encrypted message (MM5 and
// MM6); 0 anything else. The initiator's message of a pair has that
// number, the responder's the next.
func phase1Content(h *dissect.Header) uint8 {
	switch {
	case h.IsEncrypted():
		return 5
	case h.NextPayload == dissect.PayloadSAV1:
		return 1
	case h.NextPayload == dissect.PayloadKEV1:
		return 3
	}
	return 0
}

// sameSideAgain reports a new phase-1 message from the side that sent the
// previous one while the responder cookie is still zero: the responder has
// not spoken, so this is the initiator's first message again (a changed
// offer), not the next step of the exchange.
func sameSideAgain(ex *exRec, side saSide, h *dissect.Header) bool {
	if !h.SPIr.IsZero() || (ex.Type != dissect.ExchangeIdentityProtect && ex.Type != dissect.ExchangeAggressive) {
		return false
	}
	n := ex.nmsgs()
	return n > 0 && ex.msg(n-1).side() == side
}

// fragAgain reports whether a new fragmented message from side (another
// fragment ID) is its sender's same step again: the exchange's last
// message came from side as well, and was a fragment. The sides take turns
// in every IKEv1 exchange, so a sender that speaks again before the other
// answered sends the same message (retransmitted under another fragment
// ID, or forged); a new step would shift every later label (MM6 read as
// MM7) and the SA's state.
func fragAgain(ex *exRec, side saSide) bool {
	n := ex.nmsgs()
	return n > 0 && ex.msg(n-1).side() == side && ex.msg(n-1).fragNum != 0
}

// bothSpoke reports whether the exchange holds messages from both sides
// (the message being added comes from side): an IKEv1 SA is only
// established when both peers took part.
func bothSpoke(ex *exRec, side saSide) bool {
	for i := range ex.nmsgs() {
		if ex.msg(i).side() != side {
			return true
		}
	}
	return false
}

// v1GapBefore returns the number of the message of ex that a message of
// side timestamped at t fills when it comes after later messages of ex in
// the capture: the first message number the exchange has passed without
// holding it (the capture had numbered its answer past the gap), sent by
// side, with every message held before it timestamped no later than t
// and one after it later than t. 0 when t is not before ex's last message
// or no such gap is open. Frames out of time order beyond the reorder
// window (files concatenated, capture points whose clocks differ) put a
// message after its answer: libreswan-ikev1-main-quick with its QM2 moved
// after QM3 read "QM1, QM3, QM4" and a capture_gap saying the capture
// lacked the QM2 it holds.
func v1GapBefore(ex *exRec, side saSide, t time.Time) uint8 {
	n := ex.nmsgs()
	if n == 0 || !t.Before(ex.msgTime(n-1)) || v1Steps(ex.Type) <= 1 {
		return 0
	}
	var seen [8]bool
	for j := range n {
		if c := ex.msg(j); c.flags&cmsgLabeled != 0 && int(c.label) < len(seen) {
			seen[c.label] = true
		}
	}
	for g := uint8(1); g < ex.v1step && int(g) < len(seen); g++ {
		if seen[g] || v1Sender(ex, g) != side {
			continue
		}
		before, after := true, false
		for j := range n {
			c := ex.msg(j)
			if c.flags&cmsgLabeled == 0 {
				continue
			}
			switch {
			case c.label < g && ex.msgTime(j).After(t):
				before = false
			case c.label > g && ex.msgTime(j).After(t):
				after = true
			}
		}
		if before && after {
			return g
		}
	}
	return 0
}

// flipLateMM4 corrects the roles of an IKEv1 SA first seen with a main-mode
// key exchange in the clear (MM3 or MM4, alike in content: v1LateStep
// takes it for MM3, its sender for the initiator) when the next message,
// from the other peer, is encrypted: after MM3 the other peer sends MM4,
// in the clear; an encrypted message from it is MM5, so the first was MM4
// and its sender the responder. The roles and the numbering are then
// certain (the first message becomes MM4, the SA's peers and what was
// noted by side are swapped), as when MM3 and MM4 are both seen. It
// reports whether it swapped them: the message being read (h, from side)
// is then the initiator's. (libreswan-ikev1-main-quick from its MM4 on:
// the initiator shown was the responder, and every later message was
// numbered one too low and said to come from the other peer.)
func (a *Analyzer) flipLateMM4(st *saState, h *dissect.Header, side saSide) bool {
	v := st.v1()
	ph := v.phase1
	if !v.late || ph == nil || ph.Type != dissect.ExchangeIdentityProtect || h.Exchange != dissect.ExchangeIdentityProtect ||
		h.MessageID != 0 || !h.IsEncrypted() || side != sideR || ph.nmsgs() != 1 || ph.v1step != 3 {
		return false
	}
	c := ph.msg(0)
	if c.side() != sideI || c.flags&cmsgLabeled == 0 || c.label != 3 || c.retransmit() || c.fragment() {
		return false
	}
	st.setPeers(st.responder(), st.initiator())
	st.natPorts[0], st.natPorts[1] = st.natPorts[1], st.natPorts[0]
	st.swapTTL()
	ni, nr := st.out.has(outNATSeenI), st.out.has(outNATSeenR)
	st.out.put(outNATSeenI, nr)
	st.out.put(outNATSeenR, ni)
	c.flags |= cmsgResponder | cmsgResponse
	c.label = 4
	ph.v1step = 4
	v.late = false
	return true
}

// espAfterQuick returns a child SA of st that carried ESP both ways and
// began after t, the first message of ex, a quick mode the capture holds
// no answer of: ESP needs the quick mode complete. nil when none, or when
// ex is not a quick mode.
func espAfterQuick(st *saState, ex *exRec, t time.Time) *ChildSA {
	if ex.Type != dissect.ExchangeQuickMode {
		return nil
	}
	return espBothWaysAfter(st, t)
}

// exOfFrame returns the exchange of st other than not that holds a message
// of frame f (nil when none; one frame may hold two messages, RFC 8229).
func exOfFrame(st *saState, f int, not *exRec) *exRec {
	var eb exBuf
	for _, x := range st.exSlice(&eb) {
		for j := range x.nmsgs() {
			if x != not && x.frame(j) == f {
				return x
			}
		}
	}
	return nil
}

// minQuickSA is the smallest IKEv1 quick-mode message that carries an SA
// payload and a nonce, as QM1 and QM2 do (RFC 2409 §5.5): the 28-octet
// header, HASH (4 + 16 octets with MD5), SA (12, a proposal of 8 with a
// 4-octet SPI, a transform of 8 without attributes) and Nonce (4 + 8 at
// the least): 92 octets. A QM3 is the header and HASH alone.
const minQuickSA = 92

// onlyHashSized reports whether every message of ex, a quick mode, is
// smaller than minQuickSA (none in fragments): a QM3, not a QM1 or QM2.
func onlyHashSized(ex *exRec) bool {
	for i := range ex.nmsgs() {
		if ex.msg(i).fragNum != 0 || ex.msgSize(i) >= minQuickSA {
			return false
		}
	}
	return ex.nmsgs() > 0
}
