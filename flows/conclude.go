package flows

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// largeMessage is the IKE message size above which loss is likely due to IP
// fragmentation (an IPv4 packet of more than ~1500 octets is fragmented).
const largeMessage = 1200

// slowAnswer is the wait above which an answer is reported as slow.
const slowAnswer = 2 * time.Second

// concluder is the scratch space of a goroutine that concludes SAs: the
// Analyzer's own (Analyzer.cc), and one per worker of Finish
// (finish_par.go), so that two SAs can be concluded at once.
type concluder struct {
	// findBuf collects the findings of the SA being concluded (conclude).
	findBuf []Finding
	// memo holds certificate request texts shared by SAs (certFindings).
	// Its texts are those the decoders give, whichever memo holds them.
	memo *textMemo
}

// conclude sets the SA's final state and adds the findings that need the
// whole SA (retransmits, unanswered requests, half-open, weak crypto, NAT,
// ESP), with cc's scratch space. It reads and writes st and its exported
// SA and child SAs only, and reads of the Analyzer only what no longer
// changes once the packets are in (now, opt, sawESP, texts): Finish runs it for
// two SAs at once (finish_par.go).
//
// The findings are appended one at a time (saState.addFinding). They are
// collected in a buffer the concluder reuses and copied out once, so the
// SA gets one slice of the exact size instead of a slice grown by
// appends: a Finding is 128 octets, and growing 0, 1, 2, 4 costs an
// allocation and a copy per step for the two or three findings most SAs
// end with.
func (a *Analyzer) conclude(st *saState, cc *concluder) {
	sa := st.model()
	had := st.findings()
	cc.findBuf = append(cc.findBuf[:0], had...)
	st.finState().fnd = &cc.findBuf // addFinding appends to the buffer
	a.concludeSA(st, cc)
	if len(a.ro.lateSet) > 0 {
		hedgeLate(st, cc.findBuf, a.ro.lateSet, a.ro.latePairs, a.frames)
	}
	if a.clock.coarse() {
		hedgeCoarse(cc.findBuf)
	}
	a.loss.noteLoss(cc.findBuf)
	switch n := len(cc.findBuf); {
	case n == len(had):
		copy(had, cc.findBuf) // merges may have changed existing findings
		sa.Findings = had
	default:
		sa.Findings = make([]Finding, n)
		copy(sa.Findings, cc.findBuf)
	}
	if sa.Findings == nil {
		sa.Findings = []Finding{}
	}
	st.fin.fnd = &sa.Findings
	clear(cc.findBuf) // keep no finding's frames or text alive
}

// concludeSA is conclude's work, with the findings gathered in
// cc.findBuf.
func (a *Analyzer) concludeSA(st *saState, cc *concluder) {
	sa := st.model()
	if st.saRare == nil {
		st.saRare = &noRare
	}
	if st.v1() != nil {
		a.concludeV1(st)
	}
	authMissedWhole(st)
	if e := st.eapOrEmpty(); e.fail != 0 && !e.reported {
		st.addFinding(KindAuthFailed, SeverityError, e.failTime, eapFailureText(e, a.frames.one(e.fail)), e.fail)
	}
	if tiny := st.authTinyFrame(); tiny != 0 && !st.out.has(outAuthOK) && !st.out.has(outAuthFailed) && st.eapOrEmpty().rounds > 0 {
		// IKE_AUTH over several exchanges (EAP, RFC 4739; eap.go) whose
		// last response is tiny, no IKE_AUTH request after it.
		if t, ok := upAfter(st, tiny); ok {
			// An EAP Success, the last IKE_AUTH exchange missed by the
			// capture: the SA is up (ikev2-eap-md5 without frames 9 and
			// 10, its ESP both ways and an answered INFORMATIONAL after:
			// "authentication did not complete", failed). The message
			// IDs say what the capture lacks (midSkipFinding).
			st.authAnswerMissed(t)
		} else if !(st.lastInTime(tiny) && a.now.Sub(sa.End) < a.opt.Grace) {
			st.out.set(outAuthFailed)
			st.addFinding(KindAuthFailed, SeverityError, sa.Start,
				"IKE_AUTH took "+strconv.Itoa(st.eapOrEmpty().rounds+1)+" exchanges (EAP, RFC 7296 §2.16, or several"+
					" authentications, RFC 4739), and the last response (frame "+a.frames.one(tiny)+") is too small for more"+
					" than an EAP Success or Failure or an error notify, with no IKE_AUTH request after it. After an EAP"+
					" Success the initiator sends its AUTH in one more IKE_AUTH exchange, so authentication did not complete:"+
					" most likely the EAP authentication failed (a wrong user name or password, a reject from the AAA/RADIUS"+
					" server), or the responder refused with an error notify."+a.keysOr(st, " It is encrypted; give the keys to see which.",
					" It is encrypted. ", "see which"), tiny)
		}
	} else if tiny != 0 && !st.out.has(outAuthOK) && !st.out.has(outAuthFailed) {
		st.out.set(outAuthFailed)
		st.addFinding(KindAuthFailed, SeverityError, sa.Start,
			"The IKE_AUTH response (frame "+a.frames.one(tiny)+") is too small to carry the responder's identity"+
				" and AUTH payload, and nothing followed: the responder refused authentication with an error notify,"+
				" almost always AUTHENTICATION_FAILED (wrong pre-shared key, unexpected identity, untrusted"+
				" certificate)."+a.keysOr(st, " It is encrypted; give the keys to see the notify.", " It is encrypted. ", "see the notify"), tiny)
	}
	gaveUp := a.retransmitFindings(st)
	a.authUnreadESP(st)
	if sa.Version == 2 {
		a.invalidKEFinding(st)
	}
	a.natFinding(st)
	a.icmpFinding(st)
	if st.flags.has(flTCP) {
		sa.Transport = "tcp"
	}
	a.weakFinding(st)
	a.collisionFinding(st)
	defer a.certFindings(st, cc) // after the state is known
	if len(st.malformed) > 0 {
		sev := SeverityWarning
		if st.malformedCut >= len(st.malformed) {
			sev = SeverityInfo // the capture's fault, told once for the capture (snap_length)
		}
		st.addFinding(KindMalformed, sev, sa.Start, malformedText(st.malformed, st.malformedWhy, st.malformedCut, a.frames), st.malformed...)
	}
	if len(st.badFlags) > 0 {
		st.addFinding(KindMalformed, SeverityWarning, sa.Start, badFlagsText(st.badFlags, st.badFlagVals, true, a.frames), st.badFlags...)
	}
	a.upBeforeFinding(st)
	a.clearedFinding(st) // before the state: INITIAL_CONTACT ended it
	switch {
	case st.out.has(outRekeyed):
		sa.State = StateRekeyed
	case (st.out.has(outDeleted) || st.out.has(outDead)) && (st.out.has(outAuthOK) || sa.Version == 1 && st.v1() != nil && st.v1().phase1Done):
		sa.State = StateDeleted
	case st.out.has(outAuthOK) && !st.out.has(outAuthFailed):
		sa.State = StateEstablished
	case st.out.has(outAuthFailed) || st.out.has(outInitFailed):
		sa.State = StateFailed
	case (st.out.has(outDeleted) || st.out.has(outDead)) && sa.Version == 2 && !hasSetup(st):
		// The capture holds neither its IKE_SA_INIT nor its IKE_AUTH: it
		// was set up before the capture began, or by a rekey whose
		// messages were not read; its Delete, or its sender giving up on
		// liveness checks (dead_peer), ends an SA that was up.
		sa.State = StateDeleted
	case st.out.has(outDeleted) && sa.Version == 2 && authAnswerUnread(st):
		// Deleted after an IKE_AUTH answer the analysis could not read:
		// whether authentication succeeded is not known.
		sa.State = StateIncomplete
	case st.out.has(outDeleted):
		sa.State = StateFailed
	case gaveUp:
		sa.State = StateFailed
	case st.out.has(outInitOK) && !st.out.has(outAuthTried) && a.now.Sub(sa.End) >= a.opt.Grace && a.movedOutOfSight(st):
		// Maybe authenticated on UDP 4500, out of a filtered capture's
		// sight (portfilter.go).
		sa.State = StateIncomplete
		last := "IKE_SA_INIT"
		if sa.Version == 1 {
			last = "fourth main-mode message"
		}
		st.addFinding(KindEndUnknown, SeverityInfo, sa.End, hiddenByPortText(st, last), sa.FirstFrame, sa.LastFrame)
	case st.out.has(outInitOK) && !st.out.has(outAuthTried) && a.now.Sub(sa.End) >= a.opt.Grace && unseenPeer(st, sideI) != "":
		// Nothing of the initiator in the capture: one direction only
		// (oneway.go), no verdict on what the initiator did next.
		sa.State = StateIncomplete
		st.addFinding(KindEndUnknown, SeverityInfo, sa.End, "The capture holds no message of this SA from the initiator at"+
			" all, though the initiator began it: it sees one direction only (a capture filter on one address, asymmetric"+
			" routing), so whether the initiator went on to authenticate is not in this capture: capture both directions"+
			" to know.", sa.FirstFrame, sa.LastFrame)
	case st.out.has(outInitOK) && !st.out.has(outAuthTried) && a.now.Sub(sa.End) >= a.opt.Grace:
		sa.State = StateHalfOpen
		st.addFinding(KindHalfOpen, SeverityWarning, sa.End, halfOpenText(st), sa.FirstFrame, sa.LastFrame)
	default:
		sa.State = StateIncomplete
	}
	if sa.State == StateDeleted && (st.out.has(outDead) || st.rareOrEmpty().cleared != nil) {
		// Torn down by the peer whose liveness checks (or other
		// requests) went unanswered (RFC 7296 §2.4; DPD, RFC 3706), or
		// cleared by the initiator's INITIAL_CONTACT (clearedFinding):
		// its child SAs go with it, without a Delete.
		a.endChildSAs(st)
	}
	if offered := a.offeredOf(st); (sa.State == StateFailed || sa.Proposal == "") && len(offered) > 0 {
		sa.Offered = offered
	}
	a.keyFindings(st)
	a.abandonFindings(st)
	a.espFindings(st)
	a.ambiguousFindings(st)
	a.hiddenCCSARefusals(st)
	a.settledInvalidKE(st)
	if !a.hiddenChildRefusal(st) {
		a.deletedAfterAuth(st)
		a.endUnknown(st)
	}
}

// endChildSAs ends st's established child SAs without a Delete (no
// deleted frame): those it lists and those an IKE rekey moved to it,
// listed under the IKE SA that negotiated them (heirs.go: that SA is
// concluded after st, which Finish settles ahead).
func (a *Analyzer) endChildSAs(st *saState) {
	end := func(c *ChildSA, _ bool) {
		if c.State == ChildEstablished {
			c.State = ChildDeleted
		}
	}
	for _, c := range st.model().ChildSAs {
		end(c, false)
	}
	if !a.unindexed {
		a.movedChildren(st, end)
	}
}

// retransmitFindings reports retransmitted and unanswered requests. It
// returns true when a request needed for establishment was retransmitted
// and never answered (the sender gave up or the capture ended).
//
// It reads the compact records (st.exAt), not SA.Exchanges: the exported
// exchanges are built after conclude, and only when the report shows them
// (Options.NoExchanges).
func (a *Analyzer) retransmitFindings(st *saState) (gaveUp bool) {
	sa := st.model()
	answeredSmall := [2]int{} // largest answered request per side
	var eb exBuf
	exs := st.exSlice(&eb)
	for _, ex := range exs {
		if ex.Answered && ex.nmsgs() > 0 && !ex.msg(0).response() {
			answeredSmall[ex.side] = max(answeredSmall[ex.side], ex.msgSize(0))
		}
	}
	var rs []groupedCopy // retransmitGroups' scratch, reused
	var late []*exRec    // requests after their own responses (aloneFinding)
	defer func() { lateRequestsFinding(st, late, a.frames) }()
	for _, ex := range exs {
		if slow, slowFrom, slowTo := ex.slowWait(); slow >= slowAnswer {
			st.addFinding(KindSlowResponse, SeverityInfo, ex.start(),
				"The peer took "+secs(slow)+" to answer in the "+ex.Type.String()+" exchange (message ID "+u32(ex.MID)+
					"). Typical causes: certificate validation with CRL/OCSP fetches, RADIUS/LDAP/EAP back ends, DNS"+
					" lookups, or an overloaded peer. Delays this long invite retransmits and, past the peer's timeout,"+
					" failed negotiations.", slowFrom, slowTo)
		}
		// Every message marked as a retransmit counts in ex.retransmits(),
		// except an IKEv2 response's copy and a copy of an IKEv2 fragment
		// other than the first (v2.go), neither of which reaches
		// retransmitFinding: a response's group is skipped below, and a
		// later fragment joins only the group of a first fragment, whose
		// copies count. So an exchange without retransmits (nearly all
		// of them) has no group, and its messages need no scan.
		if ex.retransmits() > 0 { // else no group (see above)
			rs = retransmitGroups(ex, rs, func(g []int) {
				if ex.msg(g[0]).response() && sa.Version == 2 {
					return // a responder resends its answer to a retransmitted request: expected
				}
				a.retransmitFinding(st, ex, g)
			})
		}
		if x := ex.oddOrEmpty(); x.skipped {
			a.midSkipFinding(st, ex, x.skipFrom)
		}
		if sa.Version == 2 {
			a.v2FragMissing(st, ex)
		}
		if ex.bits&exAlone != 0 && a.aloneFinding(st, ex) {
			late = append(late, ex)
		}
		if sa.Version == 2 && !ex.Answered && ex.nmsgs() > 0 && !ex.msg(0).response() {
			if a.unansweredV2(st, ex, answeredSmall[ex.side]) && ex.retransmits() > 0 &&
				(ex.Type == dissect.ExchangeIKESAInit || ex.Type == dissect.ExchangeIKEAuth) {
				gaveUp = true
			}
		}
	}
	if st.v1() != nil && st.v1().gaveUp {
		gaveUp = true
	}
	return gaveUp
}

// groupedCopy is a retransmitted copy that can join a retransmit group:
// its message's index in the exchange and the key of what the group's
// first transmission must match (copyKey).
type groupedCopy struct {
	key uint32
	i   int32
}

// copyKey returns the key on which a retransmit group's first
// transmission and its copies must agree, and whether c can be in a group
// at all: sent by the same side, both requests or both responses, the
// same IKEv1 label (labelKey), and both unfragmented or both first
// fragments, whatever their totals (a copy "1/n" joins a first fragment
// "1/m"). A later fragment never starts a group, and its copies join none
// (an IKEv1 fragment has a number, and a total only when it is the last).
// asCopy tells which role c is asked about: a first transmission is not a
// retransmit, a copy is one.
func copyKey(ex *exRec, c *cmsg, asCopy bool) (uint32, bool) {
	if c.retransmit() != asCopy || c.fragment() && c.fragNum != 1 {
		return 0, false
	}
	k := uint32(ex.labelKey(c))<<3 | uint32(c.side())<<2
	if c.response() {
		k |= 2
	}
	if c.fragment() {
		k |= 1
	}
	return k, true
}

// retransmitGroups calls fn with each message of ex that was sent more
// than once, in the order of the messages: the indexes of its
// transmissions, its first transmission (and, fragmented, the first
// fragment) then its retransmits in order. A copy joins the group of every
// earlier first transmission it matches (copyKey). rs is scratch space,
// returned for reuse; g is only valid during the call.
//
// The copies are sorted by key once, and each first transmission takes
// the run of its key after its own index: O(n log n) plus the groups'
// sizes, where comparing every message with every later one was
// quadratic (10^6 steps for an exchange of MaxExchangeMessages).
func retransmitGroups(ex *exRec, rs []groupedCopy, fn func(g []int)) []groupedCopy {
	rs = rs[:0]
	n := ex.nmsgs()
	for j := range n {
		if k, ok := copyKey(ex, ex.msg(j), true); ok {
			rs = append(rs, groupedCopy{k, int32(j)})
		}
	}
	if len(rs) == 0 {
		return rs
	}
	cmpCopy := func(x, y groupedCopy) int {
		if x.key != y.key {
			return cmp.Compare(x.key, y.key)
		}
		return cmp.Compare(x.i, y.i)
	}
	slices.SortFunc(rs, cmpCopy)
	var g []int
	for i := range n {
		k, ok := copyKey(ex, ex.msg(i), false)
		if !ok {
			continue
		}
		// The first copy of key k after message i (i itself is no copy).
		p, _ := slices.BinarySearchFunc(rs, groupedCopy{k, int32(i)}, cmpCopy)
		if p == len(rs) || rs[p].key != k {
			continue
		}
		g = append(g[:0], i)
		for ; p < len(rs) && rs[p].key == k; p++ {
			g = append(g, int(rs[p].i))
		}
		fn(g)
	}
	return rs
}

// answerOf finds the answer to the transmissions g of a request (the
// first message from the other side after the first transmission that
// answers it: a response, or in IKEv1 a message of a later step than
// step, the request's label index, when it has one). It returns its index
// in ex (-1: none, or g are responses) and how many transmissions came
// after it.
func answerOf(ex *exRec, g []int, step uint8) (ans int, late int) {
	first := ex.msg(g[0])
	if first.response() {
		return -1, 0
	}
	t0 := ex.msgTime(g[0])
	ans = -1
	for i := range ex.nmsgs() {
		m := ex.msg(i)
		if m.side() == first.side() || ex.msgTime(i).Before(t0) {
			continue
		}
		if step > 0 {
			if ex.labelKey(m)-1 <= int(step) { // labelKey is 1 + the label's number
				continue
			}
		} else if !m.response() {
			continue
		}
		if ans < 0 || ex.msgTime(i).Before(ex.msgTime(ans)) {
			ans = i
		}
	}
	if ans < 0 {
		return -1, 0
	}
	at := ex.msgTime(ans)
	for _, i := range g {
		if ex.msgTime(i).After(at) {
			late++
		}
	}
	return ans, late
}

// Long retransmit lists: a message sent more than retxListed times is
// shown by its first retxHead and last retxTail times, and the intervals
// by the first retxHead-1 of them and their range.
const (
	retxListed = 10
	retxHead   = 6
	retxTail   = 2
)

// writeBackoff describes the intervals between the transmissions g of ex,
// into b: "back-off: 1.0 s, 1.4 s" lists them all up to retxListed
// transmissions; past that, the first ones, then the shortest and the
// longest, or the one interval when they all read the same. num is
// scratch for formatting.
func writeBackoff(b *strings.Builder, ex *exRec, g []int, num []byte) {
	gap := func(k int) time.Duration { return ex.msgTime(g[k]).Sub(ex.msgTime(g[k-1])) }
	list := func(n int) {
		b.WriteString("back-off:")
		for k := 1; k < n; k++ {
			if k > 1 {
				b.WriteByte(',')
			}
			b.WriteByte(' ')
			b.Write(appendSecs(num[:0], gap(k)))
		}
	}
	if len(g) <= retxListed {
		list(len(g))
		return
	}
	lo, hi := gap(1), gap(1)
	for k := 2; k < len(g); k++ {
		lo, hi = min(lo, gap(k)), max(hi, gap(k))
	}
	if loText := appendSecs(num[:0], lo); string(loText) == string(appendSecs(make([]byte, 0, 16), hi)) {
		// every interval reads the same: not a back-off at all
		b.WriteString("every ")
		b.Write(loText)
		b.WriteString(", no back-off")
		return
	}
	list(retxHead)
	b.WriteString(", …; intervals from ")
	b.Write(appendSecs(num[:0], lo))
	b.WriteString(" to ")
	b.Write(appendSecs(num[:0], hi))
}

// retransmitFinding describes one retransmitted message, whose
// transmissions are the messages g (indexes in ex) of ex.
func (a *Analyzer) retransmitFinding(st *saState, ex *exRec, g []int) {
	first := ex.msg(g[0])
	from, label := first.side().String(), ex.label(g[0])
	t0 := ex.msgTime(g[0])
	what := "its " + ex.Type.String() + " request"
	if first.response() {
		what = "its " + ex.Type.String() + " response"
	}
	if label != "" {
		what = label + " (" + ex.Type.String() + ")"
	}
	// late: phase 1 of an SA that began before the capture, its roles and
	// message numbers a guess (v1State.late): the text names the sender by
	// its address and says nothing of the answer.
	late := false
	if lateFirst(st, ex) {
		late = true
		from = "peer at " + st.peer(first.side()).String()
		what = "the same " + ex.Type.String() + " message"
	}
	// early: a quick mode most likely refused before the capture began
	// (lateRefusal): the roles are a guess too, the peers named by address.
	early := ex.bits&exRefusalEarly != 0
	if early {
		from = "peer at " + st.peer(first.side()).String()
	}
	// The text lists the transmissions' times, all of them up to
	// retxListed; past that, the first and the last few (a peer that
	// retries for minutes sends hundreds, which nobody reads in a list:
	// the frames carry them all).
	var b strings.Builder
	b.Grow(600)
	var num [32]byte
	// cut: the exchange holds more messages than are kept
	// (MaxExchangeMessages), so the transmissions listed are the first
	// ones only, and counts and delays are lower bounds.
	cut := ex.omittedMsgs()
	atLeast := ""
	if cut > 0 {
		atLeast = "at least "
	}
	b.WriteString("The " + from + " sent " + what + " (message ID " + u32(ex.MID) + ") " + atLeast + strconv.Itoa(len(g)) + " times")
	frames := make([]int, 0, len(g))
	for _, i := range g {
		frames = append(frames, ex.frame(i))
	}
	long := len(g) > retxListed
	if long {
		b.WriteString(" over " + secs(ex.msgTime(g[len(g)-1]).Sub(t0)) + ":")
	}
	b.WriteString(" at +0 s")
	for k := 1; k < len(g); k++ {
		if long && k == retxHead {
			b.WriteString(", … (" + strconv.Itoa(len(g)-retxHead-retxTail) + " more) …")
			k = len(g) - retxTail
		}
		b.WriteString(", +")
		b.Write(appendSecs(num[:0], ex.msgTime(g[k]).Sub(t0)))
	}
	b.WriteString(" (")
	writeBackoff(&b, ex, g, num[:0])
	b.WriteString("). ")
	if cut > 0 {
		b.WriteString("This exchange has " + words.Count(cut, "more message", "more messages") + " than the " + strconv.Itoa(MaxExchangeMessages) +
			" that ikeflow keeps per exchange: they are counted (" + strconv.Itoa(ex.retransmits()) +
			retransmitsWhat(st.model().Version) + " in all) but not listed here. ")
	}
	sev := SeverityWarning
	answered := ex.Answered
	if st.v1() != nil {
		answered = ex.v1step > labelIndex(label) || (ex.Type == dissect.ExchangeInformationalV1 && ex.Answered)
	}
	delay := ex.msgTime(g[len(g)-1]).Sub(t0)
	notified := -1
	if st.v1() != nil && label != "" {
		notified = v1AnsweredByNotify(st, ex, label)
	}
	var next *exRec // the request the sender went on to (IKEv2), which shows ex was answered
	if st.model().Version == 2 && !answered && !first.response() {
		next = laterRequest(st, ex)
	}
	switch {
	case late:
		b.WriteString("This SA began before the capture started (started_before_capture), and this exchange perhaps did too:" +
			" which of its messages this is, and whether it was answered, the capture does not show.")
	case first.response() && st.model().Version == 1 && notified >= 0:
		f := &st.findings()[notified]
		b.WriteString("The " + otherSide(from) + " answered it with " + notifyRef(f, a.frames) + " instead of its next message")
		if ex.msgTime(g[len(g)-1]).After(f.Time) {
			b.WriteString(", and an IKEv1 peer resends its last message until the next one arrives.")
		} else {
			b.WriteString(".")
		}
		if answered {
			b.WriteString(" The exchange then continued.")
		}
	case first.response() && st.model().Version == 1:
		b.WriteString("An IKEv1 peer resends its last message when the next one does not arrive: the " + otherSide(from) +
			"'s next message was lost or ignored.")
		if answered {
			b.WriteString(" The exchange then continued.")
		}
	case answered && st.model().Version == 2 && everyCopyAnswered(ex, g):
		if cut > 0 {
			b.WriteString("Among the messages kept: ")
		}
		b.WriteString(ignoredAnswers(ex, g, a.frames))
		sev = SeverityError
		if ex.errorOf() == "" {
			sev = SeverityWarning
		}
	case answered:
		ans, late := -1, 0
		if cut == 0 {
			ans, late = answerOf(ex, g, labelIndex(label))
		}
		delayedBy, upTo, busy := "setup was delayed by", "with setup delayed by up to", "a peer too busy to answer the first copy."
		if ex.Type == dissect.ExchangeInformational || ex.Type == dissect.ExchangeInformationalV1 {
			// A Delete or a liveness check: nothing is being set up, and
			// a peer busy with the SA drops such a request (strongSwan:
			// "IKE_SA checkout not successful").
			delayedBy, upTo, busy = "it completed late, by", "completing late, by up to",
				"a peer that dropped the first copy (busy, or the SA in use by another exchange)."
		}
		if late == 0 {
			b.WriteString("It was eventually answered, so the exchange survived, but " + delayedBy + " " + atLeast + secs(delay) +
				": look for packet loss on the path or " + busy)
		} else {
			// An answer passed here before some copies: the capture
			// cannot tell whether it was lost beyond this point (setup
			// waited for a later answer) or the copies crossed it (it
			// did not), so the delay is an upper bound.
			b.WriteString("It was answered at +" + secs(ex.msgTime(ans).Sub(t0)) + " (frame " + a.frames.one(ex.frame(ans)) + "), before the last " +
				words.Count(late, "copy", "copies") + " passed here: that answer was lost beyond this capture point, or " +
				words.Pick(late, "the copy", "the copies") + " crossed it. The exchange survived, " + upTo + " " + secs(delay) +
				": look for packet loss on the path or " + busy)
		}
		if len(g) <= 2 && delay < 5*time.Second {
			sev = SeverityInfo
		}
	case early:
		what := refusalRef(ex.extraOrEmpty(), a.frames)
		b.WriteString("The peer at " + st.peer(first.side().other()).String() + " had sent " + what + " shortly before the first" +
			" copy in this capture, on an SA begun before it (started_before_capture): most likely the refusal of an earlier" +
			" copy, which the " + from + " ignored, retransmitting. If so, this is not packet loss: act on the refusal.")
	case ex.extraOrEmpty().refusal != 0:
		what := refusalRef(ex.extraOrEmpty(), a.frames)
		b.WriteString("The " + otherSide(from) + " had answered with " + what + " instead of the next" +
			" quick-mode message; the " + from + " ignored that answer and kept retransmitting. This is not" +
			" packet loss: act on the refusal.")
	case next != nil:
		b.WriteString("No answer is in this capture, but the " + from + " then went on to " + next.Type.String() + " (message ID " +
			u32(next.MID) + ", " + requestRef(next, a.frames) + "), which it sends once it has the answer: the capture missed it.")
	case notified >= 0 && !answered:
		f := &st.findings()[notified]
		b.WriteString("The " + otherSide(from) + " answered it with " + notifyRef(f, a.frames))
		if ex.msgTime(g[len(g)-1]).After(f.Time) {
			b.WriteString("; the " + from + " sent it again anyway")
		}
		b.WriteString(". This is not packet loss: act on the error.")
	default:
		b.WriteString("It was never answered in this capture.")
	}
	if q, all, ok := quickCopies(ex, g); ok {
		// Same bytes, same addresses, a few ms apart, and the duplicate
		// filter did not take them (laterCopy: more packets between them
		// than its ring holds, or the other peer sent in between): they
		// read "2 times at +0 s, +0.0 s (back-off: 0.0 s)".
		switch {
		case st.model().Version == 2 && !first.response():
			b.WriteString(" The copies came as little as " + gapText(q) + " apart, quicker than the retransmission timer of any IKE" +
				" stack (libreswan's 500 ms is the shortest default): the capture may hold one packet twice (taken at two points, or" +
				" on two interfaces), which looks the same here.")
			if all {
				sev = SeverityInfo
			}
		case st.model().Version == 1:
			// A responder's answers come as its peer's copies reach it;
			// an IKEv1 peer resends its last message when the other's
			// previous one comes again.
			b.WriteString(" The copies came as little as " + gapText(q) + " apart: an IKEv1 peer resends that fast only when the" +
				" other peer's previous message comes again; otherwise the capture holds one packet twice (taken at two points," +
				" or on two interfaces).")
		}
	}
	st.addFinding(KindRetransmit, sev, t0, b.String(), frames...)
}

// quickResend is the gap under which two copies of a message are not
// taken for the sender's retransmission without saying so (quickCopies).
const quickResend = 100 * time.Millisecond

// quickCopies returns the smallest gap between consecutive copies g of a
// message of ex and whether every gap is under quickResend; ok tells that
// the smallest is, and is not negative (copies out of time order, a late
// frame, say nothing of how fast they were sent).
func quickCopies(ex *exRec, g []int) (least time.Duration, all, ok bool) {
	all = true
	for k := 1; k < len(g); k++ {
		d := ex.msgTime(g[k]).Sub(ex.msgTime(g[k-1]))
		if k == 1 || d < least {
			least = d
		}
		all = all && d < quickResend
	}
	return least, all, len(g) > 1 && least >= 0 && least < quickResend
}

// unansweredV2 reports an IKEv2 request without response (ex, first seen
// by its request); it returns false when the capture simply ended too soon
// to judge.
func (a *Analyzer) unansweredV2(st *saState, ex *exRec, answeredSize int) bool {
	if ex.childOf() != nil {
		return false // ESP showed the answer came (offeredChild), which says so
	}
	n := ex.nmsgs()
	from, size := ex.msg(0).side().String(), ex.msgSize(0)
	firstT, lastT := ex.msgTime(0), ex.msgTime(n-1)
	frames := make([]int, 0, n+1)
	for i := range n {
		frames = append(frames, ex.frame(i))
	}
	if pd := ex.pendOf(); pd != nil && pd.ikeRekey && pd.newSAFrame != 0 {
		// The new IKE SA this rekey asked for appears, with the
		// responder's SPI, which only the answer gives (inferRekey).
		// (ikev2-rekey-collision with its keys, the answer to the
		// initiator's rekey left out: an unanswered_request warning for a
		// rekey whose new SA then deleted itself as the redundant one.)
		st.addFinding(KindCaptureGap, SeverityInfo, firstT,
			"The "+from+"'s CREATE_CHILD_SA request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+" octets), a rekey of"+
				" this IKE SA to the new initiator SPI "+pd.newSPI.String()+", has no answer in this capture, but that new IKE SA"+
				" appears from frame "+a.frames.one(pd.newSAFrame)+" with a responder SPI, which only the answer gives: the answer"+
				" came, and the capture missed it."+a.gapNote(st, firstT, time.Time{}), append(frames, pd.newSAFrame)...)
		return false
	}
	if ex.retransmits() == 0 && a.now.Sub(lastT) < a.opt.Grace && !authAnswerShown(st, ex) {
		return false
	}
	if ex.Type == dissect.ExchangeInformational && ex.retransmits() == 0 {
		// One transmission without an answer is not enough to call the peer
		// dead: senders retransmit before they give up.
		st.addFinding(KindUnanswered, SeverityInfo, firstT,
			"The "+from+"'s INFORMATIONAL request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+
				" octets) got no answer in the "+secs(a.now.Sub(firstT))+" the capture went on after it, and was not"+
				" retransmitted in that time. That alone does not show a dead peer: the answer may have come after the"+
				" capture stopped or taken a path it does not see. A peer is dead when the sender retransmits and"+
				" finally gives up.", frames...)
		return true
	}
	if ex.Type == dissect.ExchangeInformational && (ex.kind == exLiveness || ex.kind == exUnknown && size <= 96) {
		what := " octets: a liveness check/DPD or a Delete) "
		if ex.kind == exLiveness {
			what = " octets, empty: a liveness check/DPD) "
		}
		why := " is unreachable or has lost this IKE SA (reboot, HA failover, NAT mapping expired). The sender will declare" +
			" the peer dead and tear down the SA. Check reachability on UDP 500/4500 and the peer's uptime." +
			unansweredWhere(st, ex.side, deadCauses)
		if l := st.rareOrEmpty(); l.replacedBy != 0 && !l.replacedAt.After(lastT) && l.replacedFrom == (ex.side == sideR) {
			// The other peer started a fresh IKE SA with the sender
			// before the last of these checks (noteReplacement): it is
			// reachable, and it lost this one (openiked-ikev2-initial-contact:
			// iked killed and started again, a new SA without
			// INITIAL_CONTACT, the checks on the old one dropped:
			// "unknown SA").
			why = "'s address started a fresh IKE SA with the " + from + " (frame " + a.frames.one(l.replacedBy) + ") before the" +
				" last of these checks: most likely the same peer, reachable, which has lost this IKE SA (a restart, an HA failover" +
				" without state; another host behind the same NAT address would look alike). The sender" +
				" will declare the peer dead and tear this SA down. A peer that restarts can say so with INITIAL_CONTACT in" +
				" its new IKE_AUTH (RFC 7296 §2.4), which clears the old SA at once."
		}
		st.addFinding(KindDeadPeer, SeverityError, firstT,
			"The "+from+" sent an INFORMATIONAL request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+
				what+words.Count(n, "time", "times")+" over "+
				secs(lastT.Sub(firstT))+" and got no answer: the "+otherSide(from)+why, frames...)
		st.out.put(outDead, ex.retransmits() > 0)
		return true
	}
	if c := espAfterAuth(st, ex); c != nil && !st.out.has(outAuthFailed) {
		// ESP both ways on the SA's own NAT-T ports after its IKE_AUTH
		// request (ownerByPorts): the child SA IKE_AUTH sets up exists.
		// (ikev2-two-clients-behind-one-nat without mars's answer: an
		// unanswered_request error, the SA "incomplete".)
		st.addFinding(KindCaptureGap, SeverityInfo, firstT,
			"The "+from+"'s IKE_AUTH request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+" octets) has no answer in"+
				" this capture, but ESP then ran both ways on this IKE SA's own UDP ports (from frame "+a.frames.one(c.CreatedFrame)+
				"), which needs the child SA that IKE_AUTH sets up: the answer came, and the capture missed it. The SA is"+
				" taken as established from the request's time."+a.gapNote(st, firstT, time.Time{}), frames...)
		st.authAnswerMissed(lastT)
		return false
	}
	if next := peerRequestAfterAuth(st, ex); next != nil {
		// The other peer went on with requests of its own on this SA,
		// which it sends only once IKE_AUTH has set it up.
		st.addFinding(KindCaptureGap, SeverityInfo, firstT,
			"The "+from+"'s IKE_AUTH request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+" octets) has no answer in"+
				" this capture, but the "+otherSide(from)+" then sent a "+next.Type.String()+" request of its own on this IKE SA"+
				" (message ID "+u32(next.MID)+", frame "+a.frames.one(next.frame(0))+"), which a peer sends only on an IKE SA"+
				" that IKE_AUTH has set up: the answer came, and the capture missed it. The SA is taken as established from"+
				" the request's time."+a.gapNote(st, firstT, time.Time{}), frames...)
		if !st.out.has(outAuthOK) && !st.out.has(outAuthFailed) {
			st.authAnswerMissed(lastT)
		}
		return false
	}
	if next := laterRequest(st, ex); next != nil {
		// The sender went on: the answer came, and the capture lacks it.
		why := "whose header carries the responder's SPI, which only the answer gives"
		switch ex.Type {
		case dissect.ExchangeIKESAInit:
		case dissect.ExchangeIKEAuth:
			why = "which a peer sends only on an IKE SA that IKE_AUTH has set up"
		default:
			why = "which, with the default window of one request (RFC 7296 §2.3), it sends only once it has the answer"
		}
		// After IKE_AUTH a later exchange other than IKE_AUTH (EAP rounds)
		// needs the SA set up, as ESP or a request of the other peer does
		// (above).
		setUp := ex.Type == dissect.ExchangeIKEAuth && next.Type != dissect.ExchangeIKEAuth &&
			!st.out.has(outAuthFailed) && !st.out.has(outAuthOK)
		established := ""
		if setUp && lastWordAfterAuth(st, ex, next, &a.texts) {
			// An unread INFORMATIONAL and nothing after it: the Delete
			// of an SA set up, or the AUTHENTICATION_FAILED an initiator
			// sends when its IKE_AUTH failed (RFC 7296 §2.21.2). Not
			// taken as established (ikev2-eap-wrong-password without the
			// EAP Failure: "established, no errors or warnings").
			setUp = false
			why = "which a peer sends on an IKE SA that IKE_AUTH has set up (its Delete), but also to report that IKE_AUTH" +
				" failed (AUTHENTICATION_FAILED, RFC 7296 §2.21.2)"
			established = " Nothing of this SA follows it (no other exchange, no ESP), and its content is encrypted: whether" +
				" IKE_AUTH succeeded is not known, and the SA is not taken as established."
		}
		if setUp {
			established = " The SA is taken as established from the request's time."
		}
		missed := ": it sees one direction only (asymmetric routing, a capture filter on one address), or dropped the packet."
		if heardFrom(st, ex.msg(0).side().other()) {
			// It holds other messages of that peer: not one direction only.
			missed = " (a packet dropped at the capture point, or taken on another path)."
		}
		st.addFinding(KindUnanswered, SeverityInfo, firstT,
			"The "+from+"'s "+ex.Type.String()+" request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+
				" octets) has no answer in this capture, but the "+from+" then went on to "+next.Type.String()+" (message ID "+
				u32(next.MID)+", "+requestRef(next, a.frames)+"), "+why+". The capture missed the "+otherSide(from)+
				"'s message"+missed+established+a.gapNote(st, firstT, time.Time{}), frames...)
		if setUp {
			st.authAnswerMissed(lastT)
		}
		return false // answered: the sender did not give up
	}
	if other := ex.msg(0).side().other(); (ex.Type == dissect.ExchangeCreateChildSA || ex.Type == dissect.ExchangeInformational && ex.kind == exDelete) &&
		(st.out.has(outAuthOK) || !hasSetup(st)) && !st.out.has(outRekeyed) && !st.out.has(outDeleted) && ex.retransmits() >= 2 &&
		st.rareOrEmpty().replacedBy == 0 && (a.now.Sub(lastT) >= a.opt.Grace || st.rareOrEmpty().icmp != nil) &&
		a.silentAfter(st, other, ex.frame(0), firstT) {
		// A request on an established SA resent and never answered, and
		// nothing at all from the other peer after its first copy: the
		// sender gives up and deletes the IKE SA (RFC 7296 §2.4), as after
		// unanswered liveness checks. (openiked-ikev2-rekey-ike-then-dead-peer:
		// iked's IKE rekey sent 6 times, each drawing ICMP port
		// unreachable, then "rekey timeout: closing SA", no Delete; it
		// was "established" with a generic unanswered_request.) Not when
		// a fresh IKE SA between the peers followed (abandonFindings: the
		// peer may be alive and ignore this SA), nor on an SA rekeyed or
		// deleted already (its peer answers on the new one, or a Delete
		// crossed), nor when the capture ends right after the last copy
		// without ICMP errors for them (the sender may resend for minutes:
		// iked 62 s, strongSwan 165 s). A keyless INFORMATIONAL of
		// another size (a MOBIKE address update, say) is left to the
		// generic finding.
		st.addFinding(KindDeadPeer, SeverityError, firstT,
			"The "+from+" sent "+words.Article(ex.Type.String())+" "+ex.Type.String()+
				" request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+" octets) "+
				words.Count(n, "time", "times")+" over "+secs(lastT.Sub(firstT))+" and got no answer, and nothing came from the "+
				otherSide(from)+" after the first (no IKE message of this SA, no ESP) in the "+secs(a.now.Sub(firstT))+
				" the capture went on: the "+otherSide(from)+" is unreachable or has lost this IKE SA (reboot, HA failover, NAT"+
				" mapping expired). The "+from+" gives up after its last retransmission and deletes the IKE SA and its child"+
				" SAs without a Delete (RFC 7296 §2.4). Check reachability on UDP 500/4500 and the peer's uptime."+
				unansweredWhere(st, ex.side, deadCauses), frames...)
		st.out.set(outDead)
		return true
	}
	if other := ex.msg(0).side().other(); ex.retransmits() == 0 && !heardFrom(st, other) && (!st.SPIr.IsZero() || other == sideI) {
		// Sent once, and not one message of this SA from the other side
		// in the capture, though the SA shows it took part (the
		// responder's SPI is known; or the requester is the responder):
		// the capture most likely sees one direction only. A sender
		// that got no answer resends; this one did not.
		st.addFinding(KindUnanswered, SeverityInfo, firstT,
			"The "+from+"'s "+ex.Type.String()+" request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+
				" octets) has no answer in this capture, which holds no message of this SA from the "+otherSide(from)+
				" at all, though the "+otherSide(from)+" took part in it (its SPI is known). The capture most likely sees one"+
				" direction only (asymmetric routing, a capture filter on one address), and the "+from+" did not resend the"+
				" request, as it does when no answer comes.", frames...)
		return true
	}
	if r := ex.oddOrEmpty(); ex.Type == dissect.ExchangeIKEAuth && ex.retransmits() == 0 && ex.side == sideI && r.restartBy != 0 &&
		r.restartOK && r.restartAt.Sub(lastT) >= 0 && r.restartAt.Sub(lastT) <= promptAnswer && a.now.Sub(lastT) >= resendWait {
		// Sent once and not resent for longer than daemons wait before a
		// resend, the initiator having started over at once with a peer
		// that answered it: not what a sender waiting for an answer does
		// (libreswan-ikev2-xfrm-fail with the answer lost to the capture:
		// before, an error blaming packet loss or a firewall).
		st.addFinding(KindUnanswered, SeverityWarning, firstT,
			"The initiator's IKE_AUTH request (message ID "+u32(ex.MID)+", "+strconv.Itoa(size)+" octets) has no answer in this"+
				" capture and was not resent in the "+secs(a.now.Sub(lastT))+" the capture went on, and "+shortDur(r.restartAt.Sub(lastT))+
				" after it the initiator started a fresh IKE SA with the same peer (frame "+a.frames.one(r.restartBy)+"), which the peer"+
				" answered. An initiator still waiting for an answer resends its request (strongSwan after 4 s, libreswan after 0.5 s)"+
				" and seldom starts over before it has: most likely the answer came and the capture missed it, and the initiator"+
				" then gave this SA up locally (for example it could not install the child SA in its kernel: its log shows why).", frames...)
		return true
	}
	var b strings.Builder
	b.WriteString("The " + from + "'s " + ex.Type.String() + " request (message ID " + u32(ex.MID) + ", " +
		strconv.Itoa(size) + " octets) got no answer in this capture")
	if n > 1 {
		b.WriteString(" (" + strconv.Itoa(n) + " transmissions over " + secs(lastT.Sub(firstT)) + ")")
	}
	b.WriteString(". ")
	if size > largeMessage && answeredSize > 0 && answeredSize <= largeMessage {
		b.WriteString("Only large messages go unanswered: this one (" + strconv.Itoa(size) + " octets) needs IP" +
			" fragmentation while the smaller ones (" + strconv.Itoa(answeredSize) + " octets) got through. A firewall or" +
			" NAT on the path is dropping IP fragments, or the path MTU is lower than expected. Enable IKEv2" +
			" fragmentation (RFC 7383) on both peers, lower the MTU, or allow fragments through.")
		if port4500Silence(st, ex.side, n) {
			b.WriteString(" Its port changed as well, though: it is the first message off UDP 500 (UDP 4500 after NAT detection," +
				" RFC 7296 §2.23), and nothing came back on that port, so a path that passes UDP 500 but drops UDP 4500 looks" +
				" the same. If fragments are not the cause, allow UDP 4500 both ways, and ESP-in-UDP with it.")
		}
	} else if size > largeMessage && ex.Type == dissect.ExchangeIKEAuth {
		b.WriteString("At " + strconv.Itoa(size) + " octets it needs IP fragmentation: fragments dropped on the path" +
			" are a common cause (enable IKEv2 fragmentation, RFC 7383). Otherwise check that UDP 500/4500 reaches the peer" +
			" and that the peer's logs show the request.")
	} else if why := icmpCause(st, ex.side.other(), firstT, lastT, a.frames); why != "" {
		b.WriteString(why)
	} else if port4500Silence(st, ex.side, n) {
		b.WriteString(port4500Text(ex.side))
	} else {
		b.WriteString("Causes: packet loss or a firewall on the path (UDP 500/4500), a NAT that changed its mapping, or" +
			" a peer that silently drops the request (no matching configuration, rate limit). Check whether the request" +
			" reaches the peer and what its logs say.")
	}
	b.WriteString(unansweredWhere(st, ex.side, ""))
	sev := SeverityWarning
	if ex.Type == dissect.ExchangeIKESAInit || ex.Type == dissect.ExchangeIKEAuth {
		sev = SeverityError
	}
	if end := a.now.Sub(lastT); end < a.opt.Grace {
		// Retransmitted, so the first copies went unanswered, but an
		// answer to the last one may have come after the capture
		// stopped: not an error while the copies span less than the
		// grace period (ikev2-retransmit cut after its second
		// IKE_SA_INIT, answered after the fourth on the whole capture,
		// read an error).
		b.WriteString(" The capture ends " + secs(end) + " after the last transmission: an answer to it may have come after.")
		if lastT.Sub(firstT) < a.opt.Grace {
			sev = SeverityWarning // (copies over the grace period and more, all unanswered, stay an error)
		}
	}
	st.addFinding(KindUnanswered, sev, firstT, b.String(), frames...)
	return true
}

// refusalRef names the refusal x holds of an IKEv1 quick mode (the
// informational a peer sent instead of its next message), its frame named
// by fn.
func refusalRef(x *exExtra, fn frameNamer) string {
	if x.refusalWhat == "" {
		return "an encrypted informational (frame " + fn.one(x.refusal) + ", most likely an error notify)"
	}
	return x.refusalWhat + " (frame " + fn.one(x.refusal) + ")"
}

// resendWait is how long a request must go without a resend before the
// sender counts as no longer waiting for its answer: longer than the
// first resend of the daemons in the corpus (strongSwan 4 s, OpenIKED 2 s,
// libreswan 0.5 s).
const resendWait = 4500 * time.Millisecond

// notifyRef names the error notify finding f reports: "an error notify
// (frames 6, 8, reported as payload_malformed)", its frames named by fn.
func notifyRef(f *Finding, fn frameNamer) string {
	return "an error notify (" + words.Pick(len(f.Frames), "frame ", "frames ") + fn.join(f.Frames) + ", reported as " + f.Kind.String() + ")"
}

// laterRequest returns the first request of st from ex's sender, sent
// after ex's last transmission, that shows ex was answered: after an
// IKE_SA_INIT, any request naming the responder's SPI; after another
// request, one with a higher message ID. Nil when there is none.
func laterRequest(st *saState, ex *exRec) *exRec {
	if ex.nmsgs() == 0 {
		return nil
	}
	side := ex.msg(0).side()
	last := ex.msgTime(ex.nmsgs() - 1) // a sender still resending ex had no answer yet
	for i := range st.nexs() {
		x := st.exAt(i)
		if x == ex || x.nmsgs() == 0 || !x.start().After(last) {
			continue
		}
		if x.msg(0).response() {
			// An answer whose request the capture lacks (capture_gap)
			// shows that request was sent (ikev2-mobike without the
			// initiator's answer to the responder's CREATE_CHILD_SA and
			// the responder's next request: "got no answer").
			if x.side != side || x.Type == dissect.ExchangeIKESAInit {
				continue
			}
		} else if x.msg(0).side() != side {
			continue
		}
		if ex.Type == dissect.ExchangeIKESAInit {
			if x.Type != dissect.ExchangeIKESAInit && !st.SPIr.IsZero() {
				return x
			}
			continue
		}
		// After IKE_AUTH any later request shows the SA was set up; after
		// another request, only with a window of one (no SET_WINDOW_SIZE
		// above 1 seen).
		if x.MID > ex.MID && (ex.Type == dissect.ExchangeIKEAuth || !st.flags.has(flWindow)) {
			return x
		}
	}
	return nil
}

// lastWordAfterAuth reports whether next, the request of ex's sender
// that followed ex (an IKE_AUTH request without answer), is an
// INFORMATIONAL whose content is not known (encrypted, not decrypted)
// after which the capture shows nothing more of st: no other exchange, no
// ESP of a child SA begun after ex. Such an INFORMATIONAL is the Delete of
// an SA set up, or the AUTHENTICATION_FAILED an initiator sends when the
// IKE_AUTH answer failed its checks (RFC 7296 §2.21.2); the capture does
// not tell which. (With keys that read it, its notify or Delete says.)
func lastWordAfterAuth(st *saState, ex, next *exRec, tab *textTab) bool {
	if next.Type != dissect.ExchangeInformational || next.kind != exUnknown || next.nmsgs() == 0 || next.text(0, tab) != "SK" {
		return false
	}
	t := next.start()
	for i := range st.nexs() {
		if x := st.exAt(i); x != next && x.nmsgs() > 0 && x.start().After(t) {
			return false
		}
	}
	last := ex.msgTime(ex.nmsgs() - 1)
	for _, c := range st.model().ChildSAs {
		if c.ESPPackets.IToR+c.ESPPackets.RToI > 0 && c.Created.After(last) {
			return false
		}
	}
	return true
}

// authAnswerShown reports whether ex, an IKEv2 IKE_AUTH request without
// answer, was answered all the same by what followed it in the capture
// (ESP on the SA's own ports, a request of the other peer, or a later
// request of its sender: unansweredV2), which needs no time after it for
// the capture to show: a capture that ends soon after it (within the
// grace time) is judged on that too.
func authAnswerShown(st *saState, ex *exRec) bool {
	if ex.Type != dissect.ExchangeIKEAuth || st.out.has(outAuthOK) || st.out.has(outAuthFailed) {
		return false // (an IKE_AUTH answered in the capture: this request is another matter)
	}
	return espAfterAuth(st, ex) != nil || peerRequestAfterAuth(st, ex) != nil || laterRequest(st, ex) != nil
}

// authUnreadESP takes an IKEv2 SA as established when its IKE_AUTH answer
// is in the capture but could not be read (answerUnread: it did not decode,
// or fragments of it are missing) and ESP then ran both ways on the SA's
// own UDP ports (espAfterAuth), which needs the child SA IKE_AUTH sets up.
// (ikev2-cert-fragmentation with its keys and a response fragment cut
// short: "failed", the SA's own Delete read as the end of an SA that never
// came up.)
func (a *Analyzer) authUnreadESP(st *saState) {
	if st.Version != 2 || st.out.has(outAuthOK) || st.out.has(outAuthFailed) {
		return
	}
	for i := range st.nexs() {
		ex := st.exAt(i)
		if ex.Type != dissect.ExchangeIKEAuth || !answerUnread(st, ex) {
			continue
		}
		c := espAfterAuth(st, ex)
		if c == nil {
			continue
		}
		st.addFinding(KindCaptureGap, SeverityInfo, ex.start(),
			"The answer to the initiator's IKE_AUTH request (message ID "+u32(ex.MID)+") is in this capture from frame "+
				a.frames.one(ex.respFrame())+" and could not be read (malformed, or fragments of it missing), but ESP then ran"+
				" both ways on this IKE SA's own UDP ports (from frame "+a.frames.one(c.CreatedFrame)+"), which needs the child"+
				" SA that IKE_AUTH sets up: the responder accepted. The SA is taken as established from its answer.",
			ex.respFrame(), c.CreatedFrame)
		st.authAnswerMissed(ex.respTime())
		return
	}
}

// hasSetup reports whether the capture holds an IKE_SA_INIT or IKE_AUTH
// exchange of the IKEv2 SA st.
func hasSetup(st *saState) bool {
	return hasExchange(st, dissect.ExchangeIKESAInit) || hasExchange(st, dissect.ExchangeIKEAuth)
}

// authAnswerUnread reports whether an IKE_AUTH answer of st is in the
// capture and could not be read (answerUnread).
func authAnswerUnread(st *saState) bool {
	for i := range st.nexs() {
		if ex := st.exAt(i); ex.Type == dissect.ExchangeIKEAuth && answerUnread(st, ex) {
			return true
		}
	}
	return false
}

// authAnswerMissed takes st as established at the time of its IKE_AUTH
// request (last: its last transmission), whose answer the capture lacks
// but what followed shows (unansweredV2).
func (st *saState) authAnswerMissed(last time.Time) {
	st.out.set(outAuthOK)
	st.out.set(outAuthUnverified)
	st.setEstablished(last)
	st.model().Established = last // the exported SA is built already (settle)
}

// espAfterAuth returns a child SA of st, inferred from ESP on its own
// NAT-T ports (ownerByPorts), that carried ESP both ways and began after
// ex, the initiator's IKE_AUTH request without answer; nil when none.
func espAfterAuth(st *saState, ex *exRec) *ChildSA {
	if ex.Type != dissect.ExchangeIKEAuth || ex.nmsgs() == 0 || ex.msg(0).side() != sideI || st.natPorts == [2]uint16{} {
		return nil
	}
	last := ex.msgTime(ex.nmsgs() - 1)
	for _, c := range st.model().ChildSAs {
		if c.Inferred && c.ESPPackets.IToR > 0 && c.ESPPackets.RToI > 0 && c.Created.After(last) {
			return c
		}
	}
	return nil
}

// peerRequestAfterAuth returns the first request of st's other peer, sent
// after the last transmission of ex, an unanswered IKEv2 IKE_AUTH request
// of the initiator: a responder sends requests (CREATE_CHILD_SA,
// INFORMATIONAL) only on an IKE SA that IKE_AUTH has set up. Nil when ex is
// not such a request or there is none.
func peerRequestAfterAuth(st *saState, ex *exRec) *exRec {
	if ex.Type != dissect.ExchangeIKEAuth || ex.nmsgs() == 0 || ex.msg(0).side() != sideI {
		return nil
	}
	last := ex.msgTime(ex.nmsgs() - 1)
	for i := range st.nexs() {
		x := st.exAt(i)
		if x.nmsgs() == 0 || x.side != sideR || x.Type == dissect.ExchangeIKESAInit || x.Type == dissect.ExchangeIKEAuth ||
			!x.start().After(last) {
			continue
		}
		return x
	}
	return nil
}

// invalidKEFinding summarises INVALID_KE_PAYLOAD rounds of IKE_SA_INIT.
func (a *Analyzer) invalidKEFinding(st *saState) {
	if len(st.invalidKE) == 0 {
		return
	}
	asked := dhGroupText(st.invalidKEGroup[len(st.invalidKEGroup)-1])
	groups := st.keGroupList()
	used := make([]string, 0, len(groups))
	for _, g := range groups {
		used = append(used, g.String())
	}
	// sent lists the initiator's KE groups; without its requests in the
	// capture (one direction captured) there are none to list.
	sent := ""
	if len(used) > 0 {
		sent = "KE groups sent: " + strings.Join(used, ", ")
	}
	// after: the first exchange past IKE_SA_INIT, which shows that a retry
	// was accepted even when the capture lacks the answer to it.
	var after *exRec
	for i := range st.nexs() {
		if x := st.exAt(i); x.Type != dissect.ExchangeIKESAInit {
			after = x
			break
		}
	}
	switch {
	case len(st.invalidKE) == 1 && (st.out.has(outInitOK) || after != nil):
		retried := "; the initiator retried with it (" + sent + ")"
		switch {
		case sent == "" && heardFrom(st, sideI):
			retried = "; the initiator retried (the KE groups of its requests are past what the capture kept of them) and the" +
				" responder accepted the retry"
		case sent == "":
			retried = "; the initiator retried (its requests are not in this capture) and the responder accepted the retry"
		}
		if !st.out.has(outInitOK) {
			// (Before, this said that no IKE SA came up after the refusal,
			// on an SA that went on to IKE_AUTH.)
			retried += ", and the IKE SA went on to " + after.Type.String() + " (frame " + a.frames.one(after.frame(0)) +
				"), which needs the responder's acceptance of the retry: its answer is missing from this capture only"
		}
		st.addFinding(KindInvalidKE, SeverityInfo, st.model().Start,
			"The responder answered the first IKE_SA_INIT with INVALID_KE_PAYLOAD asking for "+asked+
				retried+". One extra round trip is normal, but proposing "+asked+" first (or as the initiator's"+
				" first DH group) saves it.",
			st.invalidKE...)
	case len(st.invalidKE) == 1:
		// One refusal, and no IKE SA after it: no loop, but no retry
		// that came up either.
		sev := SeverityError
		if !heardFrom(st, sideI) {
			sev = SeverityWarning // the initiator's side is not in the capture
		}
		if sent != "" {
			sent = " (" + sent + ")"
		}
		if end := a.now.Sub(st.end()); end < a.opt.Grace {
			// The capture stops right after the refusal: the retry,
			// which initiators send at once, may be after it.
			st.addFinding(KindInvalidKE, SeverityInfo, st.model().Start,
				"The responder answered IKE_SA_INIT with INVALID_KE_PAYLOAD asking for "+asked+sent+", and the"+
					" capture ends "+secs(end)+" after this SA's last message: whether the initiator retried with "+
					asked+" is not in it. If no IKE SA comes up, add "+asked+" to the initiator's IKE"+
					" proposal or align the DH groups on both sides.", st.invalidKE...)
			return
		}
		st.addFinding(KindInvalidKE, sev, st.model().Start,
			"The responder answered IKE_SA_INIT with INVALID_KE_PAYLOAD asking for "+asked+sent+", and no IKE SA"+
				" came up after it in this capture: the initiator did not retry with "+asked+" (not in its proposal),"+
				" or its retry went unanswered. Add "+asked+" to the initiator's IKE proposal or align the DH groups"+
				" on both sides.", st.invalidKE...)
	default:
		if sent != "" {
			sent = "; " + sent
		}
		st.addFinding(KindInvalidKE, SeverityError, st.model().Start,
			"IKE_SA_INIT was answered "+strconv.Itoa(len(st.invalidKE))+" times with INVALID_KE_PAYLOAD (last asking for "+
				asked+sent+"): the peers loop on the DH group. The group the responder wants is not in the"+
				" initiator's proposal, or the initiator ignores the hint. Add "+asked+" to the initiator's IKE"+
				" proposal or align the DH groups on both sides.", st.invalidKE...)
	}
}

// natFinding reports who is behind a NAT.
func (a *Analyzer) natFinding(st *saState) {
	if !st.out.has(outNATKnown) || (!st.out.has(natSeen(sideI)) && !st.out.has(natSeen(sideR))) {
		return
	}
	sa := st.model()
	switch {
	case st.out.has(natSeen(sideI)) && st.out.has(natSeen(sideR)):
		sa.NAT = "both"
	case st.out.has(natSeen(sideI)):
		sa.NAT = "initiator"
	default:
		sa.NAT = "responder"
	}
	msg := natMessages[sa.NAT]
	if st.Version == 1 {
		msg = natMessagesV1[sa.NAT]
	}
	if st.out.has(outNATByPort) {
		msg = natPortMessage
		if port := st.responder().Port(); port != 500 {
			// The initiator started on the NAT traversal port (RFC 7296
			// §2.23 allows it), where ESP goes inside UDP: NAT traversal
			// without the detection payloads.
			msg = natPortMessageNATT
			if port != 4500 {
				msg = strings.ReplaceAll(msg, "UDP 4500", "UDP "+strconv.Itoa(int(port)))
			}
		}
		if st.out.has(outNATDUnread) {
			msg = natPortUnread
		}
	}
	// The frames pass through an array on the stack (addFinding copies
	// them): list's new slice was an allocation for every SA behind NAT.
	var buf [4]int
	st.addFinding(KindNATDetected, SeverityInfo, sa.Start, msg, st.natFrameList(buf[:0])...)
}

// NAT finding texts (constant, so 100k SAs behind NAT share them).
const natAdvice = " IKE runs on UDP 4500 (RFC 7296 §2.23) and ESP is UDP-encapsulated (RFC 3948); keepalives must hold the NAT mapping" +
	" open, or traffic stops after the NAT's idle timeout."

var natMessages = map[string]string{
	"initiator": "The initiator is behind a NAT, or fakes NAT detection: its NAT detection hash does not match its" +
		" address and port as seen in this capture (strongSwan with kernel-libipsec fakes it on purpose to force UDP" +
		" encapsulation)." + natAdvice,
	"responder": "The responder is behind a NAT, or fakes NAT detection: its NAT detection hash does not match its" +
		" address and port as seen in this capture (strongSwan with kernel-libipsec fakes it on purpose to force UDP" +
		" encapsulation)." + natAdvice,
	"both": "Both peers appear behind NAT: neither side's NAT detection hash matches the addresses seen in this capture" +
		" (some implementations, e.g. strongSwan with kernel-libipsec, fake NAT detection on purpose to force UDP" +
		" encapsulation)." + natAdvice,
}

// natMessagesV1 are natMessages for IKEv1, whose NAT traversal (NAT-D
// payloads, the move to UDP 4500) RFC 3947 defines, not RFC 7296.
var natMessagesV1 = func() map[string]string {
	m := make(map[string]string, len(natMessages))
	for k, v := range natMessages {
		m[k] = strings.Replace(v, "(RFC 7296 §2.23)", "(RFC 3947)", 1)
	}
	return m
}()

const natPortMessage = "The initiator is probably behind a NAPT: it sends IKE from a port other than 500/4500, as it does when" +
	" a NAT rewrote its source port (or when it is configured to use another port). No NAT detection payloads were sent, so" +
	" neither peer moves IKE to UDP 4500 or encapsulates ESP in UDP (RFC 3948), and plain ESP does not cross a NAPT: enable" +
	" NAT traversal on both peers."

// natPortMessageNATT is natPortMessage for an initiator that addressed
// the responder's UDP 4500 from its first message.
const natPortMessageNATT = "The initiator is probably behind a NAPT: it sends IKE from a port other than 500/4500, as it does" +
	" when a NAT rewrote its source port (or when it is configured to use another port). No NAT detection payloads were sent," +
	" but the peers use UDP 4500 from the first message, where ESP travels inside UDP (RFC 3948) and crosses a NAPT;" +
	" keepalives must hold the NAT mapping open, or traffic stops after the NAT's idle timeout."

// natPortUnread is natPortMessage when the initiator's IKE_SA_INIT did not
// decode (cut short by the capture's snap length, or damaged): whether it
// carried NAT detection payloads is not known.
const natPortUnread = "The initiator is probably behind a NAPT: it sends IKE from a port other than 500/4500, as it does when" +
	" a NAT rewrote its source port (or when it is configured to use another port). Its IKE_SA_INIT did not decode to the end" +
	" (cut short by the capture, or damaged), so whether it carried NAT detection payloads, and so whether the peers detect the" +
	" NAT, is not known from it; on UDP 4500 ESP travels inside UDP (RFC 3948) and crosses a NAPT, plain ESP does not."

// dhGroupText names the DH group an INVALID_KE_PAYLOAD asked for; 0 when
// its notify data was not read (cut short by the capture).
func dhGroupText(g dissect.DHGroup) string {
	if g == 0 {
		return "the group it names (past what the capture kept of its notify)"
	}
	return g.String()
}

// weakFinding reports weak negotiated algorithms.
func (a *Analyzer) weakFinding(st *saState) {
	if len(st.weak) == 0 {
		return
	}
	sev := SeverityInfo
	parts := make([]string, 0, len(st.weak))
	for i, w := range st.weak {
		if w.sev > sev {
			sev = w.sev
		}
		parts = append(parts, w.name+" ("+st.weakWhat[i]+": "+w.why+")")
	}
	st.addFinding(KindWeakCrypto, sev, st.model().Start,
		"Negotiated weak or legacy algorithms: "+strings.Join(parts, "; ")+". Move both peers to AES-GCM or"+
			" AES-CBC with SHA-2 and DH group 14 or higher (19/20/31), per RFC 8247 and RFC 8221.", st.weakFrames...)
}

// collisionFinding reports simultaneous CREATE_CHILD_SA requests from both
// sides (RFC 7296 §2.8.1, §2.8.2: with the keys, what each rekeyed).
func (a *Analyzer) collisionFinding(st *saState) {
	var eb exBuf
	exs := st.exSlice(&eb)
	for i, x := range exs {
		if x.Type != dissect.ExchangeCreateChildSA || x.nmsgs() == 0 {
			continue
		}
		end := a.now
		for k := range x.nmsgs() {
			if x.msg(k).response() {
				end = x.msgTime(k)
				break
			}
		}
		for _, y := range exs[i+1:] {
			if y.start().After(end) {
				break
			}
			if y.Type != dissect.ExchangeCreateChildSA || y.side == x.side || y.nmsgs() == 0 {
				continue
			}
			tf := dissect.NotifyTemporaryFailure.String()
			if x.errorOf() == tf || y.errorOf() == tf {
				// One was refused with TEMPORARY_FAILURE: an exchange
				// collision, reported with that finding, whatever the
				// other asked (ikev2-child-temporary-failure without the
				// initiator's request, its answer read with the keys:
				// a rekey_collision warning, "when both rekey the same
				// SA", where the request created a child SA).
				continue
			}
			if x.kind == exChildCreate || y.kind == exChildCreate || x.kind != exUnknown && y.kind != exUnknown && x.kind != y.kind {
				// A new child SA on either side (read with the keys), or
				// two rekeys of different kinds: no rekey collision, but
				// an exchange collision that the peer refuses with
				// TEMPORARY_FAILURE (RFC 7296 §2.25, reported with it):
				// ikev2-child-temporary-failure.
				continue
			}
			sev := SeverityInfo
			if st.out.has(outCollision) {
				sev = SeverityWarning
			}
			both := "Both peers started a CREATE_CHILD_SA at the same time (message ID " + u32(x.MID) + " from the " + x.side.String() +
				", " + u32(y.MID) + " from the " + y.side.String() + ")"
			var text string
			switch {
			case x.kind == exIKERekey && y.kind == exIKERekey:
				text = both + ", each rekeying the IKE SA: a simultaneous IKE SA rekey (RFC 7296 §2.8.2). The new IKE SA" +
					" made by the exchange with the lowest of the four nonces is redundant: the peer that created it SHOULD" +
					" delete it, and the child SAs move to the other. Implementations that get this wrong end up with two" +
					" IKE SAs or none."
			case x.kind == exChildRekey && y.kind == exChildRekey:
				text = both + ", each rekeying a child SA: when it is the same one, a simultaneous child SA rekey (RFC 7296" +
					" §2.8.1). Of the two new child SAs, the one created with the lowest of the four nonces SHOULD be deleted" +
					" by the peer that created it, and the other kept; implementations that get this wrong end up with" +
					" duplicate or missing child SAs."
			default:
				text = both + ": when both rekey the same SA, a rekey collision (RFC 7296 §2.8.1 for a child SA, §2.8.2 for" +
					" the IKE SA). Of the redundant new SAs, the one created with the lowest of the four nonces SHOULD be" +
					" deleted by the peer that created it, and the other kept; implementations that get this wrong end up" +
					" with duplicate or missing SAs."
			}
			st.addFinding(KindRekeyCollision, sev, y.start(),
				text+" Add jitter to rekey timers or make one side the rekey initiator.", x.frame(0), y.frame(0))
			return
		}
	}
}

// espFindings reports child SAs without ESP, or with ESP one way only.
func (a *Analyzer) espFindings(st *saState) {
	sa := st.model()
	if !a.sawESP {
		return
	}
	_, orphansBetween := a.orphanPairs[st.pairKey()] // ESP between these peers that no SA claimed
	hidden := a.espHidden(st)
	if (sa.State == StateEstablished || sa.State == StateDeleted || sa.State == StateRekeyed) && len(sa.ChildSAs) == 0 &&
		!st.out.has(outChildFailed) && !sa.Established.IsZero() && sa.End.Sub(sa.Established) >= 10*time.Second && sa.RekeyedFrom == "" && !orphansBetween {
		if hidden != "" {
			st.addFinding(KindNoESP, SeverityInfo, sa.Established,
				"No ESP packet between these peers was seen in "+secs(sa.End.Sub(sa.Established))+" after the IKE SA was"+
					" established, but "+hidden, sa.FirstFrame)
		} else {
			st.addFinding(KindNoESP, SeverityWarning, sa.Established,
				"The IKE SA was established but no ESP packet between these peers was seen in "+
					secs(sa.End.Sub(sa.Established))+", although the capture contains ESP. Either no traffic matched the"+
					" traffic selectors (check the encryption domains and routing into the tunnel) or the child SA was never"+
					" installed.", sa.FirstFrame)
		}
	}
	for _, c := range sa.ChildSAs {
		end := sa.End
		life := end.Sub(c.Created)
		switch {
		case c.ESPPackets.IToR == 0 && c.ESPPackets.RToI == 0 && c.State != ChildFailed && life >= 10*time.Second && !c.Inferred && hidden != "":
			st.addFinding(KindNoESP, SeverityInfo, c.Created,
				"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carried no ESP in this capture in "+secs(life)+", but "+hidden, c.CreatedFrame)
		case c.ESPPackets.IToR == 0 && c.ESPPackets.RToI == 0 && c.State != ChildFailed && life >= 10*time.Second && !c.Inferred:
			st.addFinding(KindNoESP, SeverityWarning, c.Created,
				"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" was negotiated but carried no ESP in "+secs(life)+". No traffic matched its selectors"+
					" (TSi "+listOr(c.TSi, "-")+", TSr "+listOr(c.TSr, "-")+"), or the SA was not installed in the"+
					" kernel. Check routing into the tunnel and the encryption domains.", c.CreatedFrame)
		case c.ESPPackets.IToR >= 3 && c.ESPPackets.RToI == 0:
			if d := otherHalf(sa.ChildSAs, c, true); d != nil {
				a.halves(st, c, d)
				continue
			}
			a.oneWay(st, c, "initiator", "responder", c.ESPPackets.IToR, c.firstESP, c.lastESP)
		case c.ESPPackets.RToI >= 3 && c.ESPPackets.IToR == 0:
			if h := otherHalf(sa.ChildSAs, c, false); h != nil {
				// The pair is reported once, from its initiator's half
				// when that half's case above reports it.
				if h.ESPPackets.IToR < 3 || otherHalf(sa.ChildSAs, h, true) != c {
					a.halves(st, h, c)
				}
				continue
			}
			a.oneWay(st, c, "responder", "initiator", c.ESPPackets.RToI, c.firstESP, c.lastESP)
		}
	}
}

// espHidden tells, when st's ESP would go directly over IP and the capture
// holds none such at all, why none of it may be in the capture (a sentence
// ending the caller's); "" otherwise. An SA whose IKE stayed on UDP 500
// sends its ESP directly over IP (protocol 50); one on the NAT-T port
// inside UDP (RFC 3948). A capture filter on UDP ports ("udp port 500 or
// udp port 4500", common on gateways) keeps the second and leaves the first
// out: that the capture holds ESP of other SAs then says nothing of this
// one's. (The other way round needs a filter that keeps IKE on UDP 4500 but
// not the ESP beside it, which the usual ones do not.)
func (a *Analyzer) espHidden(st *saState) string {
	if st.natPorts != [2]uint16{} || st.flags.has(flTCP) || a.sawPlainESP {
		return ""
	}
	return "this capture holds no ESP directly over IP (protocol 50) at all, only ESP inside UDP, and this SA's ESP" +
		" would be the former (its IKE stayed on UDP 500, no NAT traversal): a capture filter on UDP ports (such as" +
		" \"udp port 500 or udp port 4500\") leaves it out. Capture with \"esp or udp port 500 or udp port 4500\" to judge" +
		" its ESP."
}

// otherHalf returns the child SA of children that may be the other half
// of c, which carries ESP one way only (from the initiator when fromI) and
// whose SPI for the way back is not known (the message naming it, e.g. a
// quick-mode message the capture lacks or could not decrypt, was not
// read): a child known only by the way back, carrying ESP that way only.
// Then the capture cannot tell one child SA with ESP both ways from two
// child SAs with ESP one way each; nil when there is no such child.
func otherHalf(children []*ChildSA, c *ChildSA, fromI bool) *ChildSA {
	for _, d := range children {
		if d == c {
			continue
		}
		if fromI && c.SPIi == 0 && d.SPIr == 0 && d.SPIi != 0 && d.ESPPackets.IToR == 0 && d.ESPPackets.RToI > 0 {
			return d
		}
		if !fromI && c.SPIr == 0 && d.SPIi == 0 && d.SPIr != 0 && d.ESPPackets.RToI == 0 && d.ESPPackets.IToR > 0 {
			return d
		}
	}
	return nil
}

// halves reports ci, carrying ESP from the initiator only, and cr, known
// only by the responder's ESP (the one otherHalf pairs with ci), as what
// they may be: one child SA whose
// SPIs the capture shows one each. A one_way_esp warning for each would
// state what the capture does not show.
func (a *Analyzer) halves(st *saState, ci, cr *ChildSA) {
	st.addFinding(KindOneWayESP, SeverityInfo, ci.Created,
		"Child SAs "+ci.SPIi.String()+"/"+ci.SPIr.String()+" and "+cr.SPIi.String()+"/"+cr.SPIr.String()+" may be one child SA:"+
			" the first carries "+words.Count(int(ci.ESPPackets.IToR), "ESP packet", "ESP packets")+" from the initiator only, and its SPI"+
			" for the way back is not known (the message that names it was not read); the second is known only from "+
			words.Count(int(cr.ESPPackets.RToI), "ESP packet", "ESP packets")+" the responder sent on SPI "+cr.SPIi.String()+". If they are"+
			" one SA, ESP flows both ways; if not, each carries ESP one way only. The peers' SA lists (or the"+
			" negotiation, decrypted) tell which.",
		ci.firstESP, cr.firstESP)
}

// oneWay reports ESP flowing in one direction only. The capture cannot
// tell what the receiving peer does with the packets, so the text offers
// the possibilities instead of asserting one.
func (a *Analyzer) oneWay(st *saState, c *ChildSA, from, to string, n uint64, first, last int) {
	toSide := sideR
	if to == "initiator" {
		toSide = sideI
	}
	if !heardFrom(st, toSide) && !espFrom(st.model(), toSide) {
		// Not one IKE message from that side either: the capture most
		// likely sees one direction only, and says nothing of the way back.
		st.addFinding(KindOneWayESP, SeverityInfo, c.Created,
			"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carries ESP one way in this capture ("+strconv.FormatUint(n, 10)+
				" packets from the "+from+"), but the capture holds no packet at all from the "+to+" of this SA, no IKE message"+
				" either: it most likely sees one direction only (asymmetric routing, a capture filter on one address, a mirror of"+
				" one direction), and tells nothing of the way back. Capture where both directions pass to judge the ESP.",
			first, last)
		return
	}
	if !c.Inferred && inboundSPI(c, from) == 0 { // the SPI of the way back: the sender's inbound SA
		// The SPI the way back carries was never read (the message that
		// names it is missing, cut short by the capture's snap length, or
		// not decrypted): ESP back cannot be counted for this child SA.
		// (An inferred child SA takes the ESP back between its peers
		// whatever its SPI: none came.)
		st.addFinding(KindOneWayESP, SeverityInfo, c.Created,
			"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carries ESP one way in this capture's counting ("+strconv.FormatUint(n, 10)+
				" packets from the "+from+"), but the SPI its ESP back from the "+to+" would carry is not known: the message"+
				" that names it was not read (missing from the capture, cut short by its snap length, or not decrypted). ESP"+
				" back cannot be counted for this child SA, and may be in the capture all the same (counted without an SA,"+
				" or for another SA between these peers).",
			first, last)
		return
	}
	if timesOff(st) {
		// The capture's times are off between the peers: ESP timestamped
		// before the negotiation that names its SPI was not counted for
		// this child SA, so the way back may be in the capture after all.
		st.addFinding(KindOneWayESP, SeverityInfo, c.Created,
			"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carries ESP one way in this capture's counting ("+strconv.FormatUint(n, 10)+
				" packets from the "+from+"), but this SA's messages show the capture's times are off between the peers (files"+
				" from capture points whose clocks differ, merged): ESP timestamped before the negotiation of its SPIs is not"+
				" counted for it, so the "+to+"'s ESP back may be in the capture all the same (esp_without_ike). Correct the"+
				" clocks, or capture at one point, to judge the ESP.",
			first, last)
		return
	}
	if _, file := lateRequests(st); file {
		// Frames of this SA came out of time order beyond the reorder
		// window: analysed in file order, ESP read before the negotiation
		// of its SPIs was not counted for this child SA.
		st.addFinding(KindOneWayESP, SeverityInfo, c.Created,
			"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carries ESP one way in this capture's counting ("+strconv.FormatUint(n, 10)+
				" packets from the "+from+"), but frames of this SA come out of time order in the file, further than the reorder"+
				" window puts back (out_of_order): ESP read before the negotiation of its SPIs is not counted for it, so the "+to+
				"'s ESP back may be in the capture all the same (esp_without_ike). Merge the captures by time (mergecap without -a)"+
				" to judge the ESP.",
			first, last)
		return
	}
	st.addFinding(KindOneWayESP, SeverityWarning, c.Created,
		"Child SA "+c.SPIi.String()+"/"+c.SPIr.String()+" carries ESP one way only: "+strconv.FormatUint(n, 10)+
			" packets from the "+from+", none back from the "+to+" in this capture. Either the "+to+" receives and"+
			" decrypts them but its replies do not enter the tunnel (routing, NAT exemption, firewall policy behind the "+
			to+", or no host answers), or it drops them before decryption (ESP or UDP 4500 blocked on the way, SA"+
			" not installed, wrong keys), or its ESP back is lost on the path. The "+to+"'s SA counters tell which:"+
			" inbound packets and decryption errors on SPI "+inboundSPI(c, to).String()+"."+oneWayWhere(st, sideNamed(from)),
		first, last)
}

// timesOff reports whether st's messages show the capture's times off
// between the peers: an IKEv1 main mode with answers before their requests
// (v1Odd.skew), an IKEv2 request after its own response (exReqLate).
func timesOff(st *saState) bool {
	if v := st.v1(); v != nil {
		return v.skew > 0
	}
	clock, _ := lateRequests(st)
	return clock
}

// lateRequests reports whether st has an IKEv2 request that came after its
// own response (exReqLate) timestamped after it (clock: the capture's
// times are off), and one timestamped before it (file: the frames are out
// of time order in the file beyond the reorder window).
func lateRequests(st *saState) (clock, file bool) {
	for i := range st.nexs() {
		ex := st.exAt(i)
		if ex.bits&exReqLate == 0 {
			continue
		}
		switch req, _ := lateRequest(ex); {
		case req < 0:
		case ex.msgTime(req).After(ex.msgTime(0)):
			clock = true
		default:
			file = true
		}
	}
	return clock, file
}

// heardFrom reports whether the capture holds an IKE message of st from
// side.
func heardFrom(st *saState, side saSide) bool {
	for i := range st.nexs() {
		ex := st.exAt(i)
		for j := range ex.nmsgs() {
			if ex.msg(j).side() == side {
				return true
			}
		}
	}
	return false
}

// espFrom reports whether any child SA of sa carries ESP from side.
func espFrom(sa *SA, side saSide) bool {
	for _, c := range sa.ChildSAs {
		if side == sideI && c.ESPPackets.IToR > 0 || side == sideR && c.ESPPackets.RToI > 0 {
			return true
		}
	}
	return false
}

// inboundSPI returns the SPI the named side receives on.
func inboundSPI(c *ChildSA, side string) ESPSPI {
	if side == "initiator" {
		return c.SPIi
	}
	return c.SPIr
}

// otherSide returns the other side's name.
func otherSide(s string) string {
	if s == "initiator" {
		return "responder"
	}
	return "initiator"
}

// secs formats a duration in seconds with one decimal ("10.0 s").
func secs(d time.Duration) string {
	var b [32]byte
	return string(appendSecs(b[:0], d))
}

// appendSecs appends secs(d) to b.
func appendSecs(b []byte, d time.Duration) []byte {
	d = max(d, 0)
	return append(strconv.AppendFloat(b, d.Seconds(), 'f', 1, 64), " s"...)
}

// retransmitsWhat names what Exchange.Retransmits counts: in IKEv2 the
// request's copies only (a responder's copies answer them), in IKEv1 every
// message's.
func retransmitsWhat(version int) string {
	if version == 2 {
		return " request retransmissions"
	}
	return " retransmissions"
}

// authMissedWhole settles st, an IKEv2 SA whose IKE_SA_INIT completed and
// of which the capture holds no IKE_AUTH request, when it carries an
// INFORMATIONAL or CREATE_CHILD_SA request, which peers send only after
// IKE_AUTH: the capture missed the whole IKE_AUTH exchange (capture_gap,
// midSkipFinding), so the SA is not half-open. It is taken as established
// from the first sign that it was up (upSince: an answered request, one of
// the responder's, ESP both ways); without one, IKE_AUTH is only known to
// have been tried (an initiator reports a failed IKE_AUTH in an
// INFORMATIONAL too, RFC 7296 §2.21.2), and the SA stays incomplete.
// (ikev2-dpd-restart without frames 3 and 4: "half-open ... the initiator
// did not send" an IKE_AUTH request, beside its DPD on the SA.)
func authMissedWhole(st *saState) {
	if st.Version != 2 || !st.out.has(outInitOK) || st.out.has(outAuthTried) || st.out.has(outAuthOK) || st.out.has(outAuthFailed) {
		return
	}
	tried := false
	for i := range st.nexs() {
		ex := st.exAt(i)
		if postAuth(ex.Type) {
			for j := range ex.nmsgs() {
				tried = tried || !ex.msg(j).response()
			}
		}
	}
	if !tried {
		return
	}
	st.out.set(outAuthTried)
	if t, up := upSince(st, st.start()); up {
		st.authAnswerMissed(t)
	}
}

// upAfter reports whether st shows itself up after its message of frame
// f: an INFORMATIONAL or CREATE_CHILD_SA request after it that the other
// peer answered, or one from the responder, which peers do only on an IKE
// SA that IKE_AUTH has set up (an initiator's unanswered INFORMATIONAL
// may report AUTHENTICATION_FAILED, RFC 7296 §2.21.2), or a child SA that
// began after it and carried ESP both ways; with the time of the first.
func upAfter(st *saState, f int) (time.Time, bool) {
	at, ok := st.msgTimeAt(f)
	if !ok {
		return time.Time{}, false
	}
	return upSince(st, at)
}

// upSince is upAfter from time at on.
func upSince(st *saState, at time.Time) (time.Time, bool) {
	var first time.Time
	for i := range st.nexs() {
		ex := st.exAt(i)
		if !postAuth(ex.Type) || !ex.Answered && ex.side == sideI {
			continue
		}
		for j := range ex.nmsgs() {
			if t := ex.msgTime(j); !ex.msg(j).response() && t.After(at) && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
	}
	if c := espBothWaysAfter(st, at); c != nil && (first.IsZero() || c.Created.Before(first)) {
		first = c.Created
	}
	return first, !first.IsZero()
}

// espBothWaysAfter returns the child SA of st created first after t that
// carried ESP both ways (nil when none): ESP needs the exchange that set it
// up complete.
func espBothWaysAfter(st *saState, t time.Time) *ChildSA {
	var first *ChildSA
	for _, c := range st.model().ChildSAs {
		if c.ESPPackets.IToR > 0 && c.ESPPackets.RToI > 0 && c.Created.After(t) && (first == nil || c.Created.Before(first.Created)) {
			first = c
		}
	}
	return first
}

// requestRef names the request of x by its frame, or, when the capture
// holds only its answer, by the answer's ("whose answer is frame 18").
func requestRef(x *exRec, fn frameNamer) string {
	if x.msg(0).response() {
		return "whose answer is frame " + fn.one(x.frame(0))
	}
	return "frame " + fn.one(x.frame(0))
}
