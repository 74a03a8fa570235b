package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// noteReplacement records, on the established IKEv2 SA between the same
// peers that is still open, that st (a fresh IKE_SA_INIT) started while it
// was up. Whether that SA was abandoned is decided when it is concluded.
func (a *Analyzer) noteReplacement(st *saState, p *Packet) {
	if w, ex := a.pendingAuth(st); ex != nil && ex.oddOrEmpty().restartBy == 0 && p.Src.Addr() == w.initiator().Addr() {
		// An SA whose IKE_AUTH has no answer yet, and its initiator
		// starts over: unansweredV2 asks whether it did so at once.
		x := ex.oddState()
		x.restartBy, x.restartAt = p.Frame, p.Time
	}
	old := a.latest.get(st.pairKey())
	if old == nil || old == st || old.done || old.Version != 2 {
		return
	}
	if old.rareOrEmpty().replacedBy == 0 {
		r := old.links()
		r.replacedBy, r.replacedAt = p.Frame, p.Time
		r.replacedFrom = p.Src.Addr() == old.initiator().Addr()
	}
}

// clearedBy is what ended an IKE SA whose initiator set up a new one with
// the same peer with INITIAL_CONTACT (initialContact): the frame of the
// new SA's IKE_AUTH request (req) and of its answer (ans), at.
type clearedBy struct {
	req, ans int
	at       time.Time
}

// initialContact notes, on the established IKEv2 SA between st's peers
// that st is about to replace as their latest, that st's initiator (the
// same as that SA's, with the same identity) set st up with INITIAL_CONTACT
// in an IKE_AUTH request (the first, with EAP), st now established by p:
// it asserts that st is the only IKE SA between them (RFC 7296 §2.4), and
// the responder deletes the other (strongSwan: "destroying duplicate
// IKE_SA ..., received INITIAL_CONTACT"), without a Delete
// (clearedFinding). Only when both SAs' IDi were read and are the same:
// RFC 7296 clears the SAs of that identity, and several clients behind
// one NAT address, or several identities between two gateways, are not
// one identity.
func (a *Analyzer) initialContact(st *saState, p *Packet) {
	req, idi := authContact(st)
	if req == 0 || idi == 0 {
		return
	}
	old := a.latest.get(st.pairKey())
	if old == nil || old == st || old.done || old.Version != 2 || !old.out.has(outAuthOK) || old.out.has(outDeleted) ||
		old.out.has(outRekeyed) || old.initiator().Addr() != st.initiator().Addr() || old.rareOrEmpty().cleared != nil {
		return
	}
	if _, oldIDi := authContact(old); oldIDi != idi {
		return
	}
	old.odd().cleared = &clearedBy{req: req, ans: p.Frame, at: p.Time}
}

// authContact returns the frame of st's IKE_AUTH request that carried
// INITIAL_CONTACT (0 when none) and the hash of the IDi its IKE_AUTH
// requests gave (0 when none was read).
func authContact(st *saState) (req int, idi uint64) {
	for i := range st.nexs() {
		ex := st.exAt(i)
		if ex.Type != dissect.ExchangeIKEAuth || ex.side != sideI {
			continue
		}
		if pd := ex.pendOf(); pd != nil {
			if req == 0 {
				req = pd.initialContact
			}
			if idi == 0 {
				idi = pd.idi
			}
		}
	}
	return req, idi
}

// clearedFinding ends st, an IKE SA that a new IKE SA of its initiator
// with INITIAL_CONTACT replaced (initialContact), and says why: the
// initiator had lost it. (ikev2-initial-contact: the initiator's charon
// killed and started again; with the keys the old SA was "established",
// and sa_abandoned named a child SA install failure as a likely cause.)
func (a *Analyzer) clearedFinding(st *saState) {
	c := st.rareOrEmpty().cleared
	if c == nil {
		return
	}
	if st.out.has(outDeleted) || st.out.has(outRekeyed) || st.out.has(outDead) || st.end().After(c.at) {
		// Ended otherwise, or something of this SA came after that
		// answer, IKE or ESP: it lives on. Not cleared: the rest of
		// conclude reads cleared as "cleared".
		st.odd().cleared = nil
		return
	}
	var last *exRec
	if n := st.nexs(); n > 0 {
		last = st.exAt(n - 1)
	}
	newSA := " a new IKE SA with this peer whose IKE_AUTH request carried INITIAL_CONTACT (frame " + a.frames.one(c.req) +
		", answered in frame " + a.frames.one(c.ans) + ")"
	const only = ", which tells the responder that the new SA is the only one between them (RFC 7296 §2.4)."
	sev, text := SeverityWarning, ""
	switch {
	case last != nil && last.Type == dissect.ExchangeInformational && last.side == sideI && requestMissed(last):
		// Its last exchange is an INFORMATIONAL of the initiator that
		// the capture holds only the answer of: the request may have
		// been the initiator's Delete of this SA, and the new SA an
		// ordinary new connection (the Wireshark wiki's
		// ikev2-esp-gcm-ctr-cbc without frame 17, the initiator's
		// Delete: "it no longer had this SA ... find out why the
		// initiator lost its state").
		sev = SeverityInfo
		text = "The initiator set up" + newSA + only + " This SA's last exchange is an INFORMATIONAL of the initiator" +
			" whose request the capture lacks (the responder's answer is frame " + a.frames.one(last.frame(0)) + "). If that" +
			" request was the initiator's Delete of this SA, the SA ended there and the new one is an ordinary new" +
			" connection; if not, the initiator had lost this SA (a restart or a crash) and the responder deletes it" +
			" now, without a Delete. The capture does not show which: this SA is shown deleted either way."
	case last != nil && last.side == sideI && !last.Answered && last.nmsgs() > 0 && !last.msg(0).response() && last.Type != dissect.ExchangeIKEAuth:
		// Its last request on this SA went unanswered: the initiator
		// may have given the SA up after liveness checks, not lost it
		// (ikev2-dpd-restart without two of its three DPD copies: "it
		// no longer had this SA ... find out why the initiator lost its
		// state", where the responder had restarted).
		text = "The initiator's last request on this SA (" + last.Type.String() + ", message ID " + u32(last.MID) + ", frame " +
			a.frames.one(last.frame(0)) + ") has no answer in this capture, and the initiator then set up" + newSA + only +
			" Most likely the initiator gave this SA up when its requests went unanswered (dead peer detection: the" +
			" responder restarted or was unreachable) and started over; or the initiator itself restarted. The responder" +
			" deletes this SA and its child SAs, without a Delete: from there they are shown deleted. The responder's log" +
			" and uptime tell which."
	default:
		text = "The initiator set up" + newSA + ": it no longer had this SA" +
			" (its IKE daemon or host restarted, it crashed, or an HA fail-over without state) and told the responder that" +
			" the new SA is the only one between them (RFC 7296 §2.4). The responder then deletes this SA and its child" +
			" SAs, without a Delete (strongSwan logs \"destroying duplicate IKE_SA\"): from there they are shown deleted." +
			" Find out why the initiator lost its state."
	}
	st.addFinding(KindAbandoned, sev, c.at, text, c.req, c.ans)
	st.out.set(outDeleted)
}

// pendingAuth returns the IKEv2 SA between st's peers whose initiator's
// IKE_AUTH waits for an answer (authWait), other than st, and that
// exchange; nil when there is none.
func (a *Analyzer) pendingAuth(st *saState) (*saState, *exRec) {
	w := a.authWait.get(st.pairKey())
	if w == nil || w == st || w.done {
		return nil, nil
	}
	for i := w.nexs() - 1; i >= 0; i-- {
		if ex := w.exAt(i); ex.Type == dissect.ExchangeIKEAuth && ex.side == sideI && !ex.Answered {
			return w, ex
		}
	}
	return nil, nil
}

// abandonFindings names IKE SAs that a fresh IKE SA replaced without a
// Delete: left right after IKE_AUTH by their initiator (kernel install
// failure, fail-over, reload), or left after the peer ignored a
// CREATE_CHILD_SA request (the FortiGate HA pattern of seed 003).
func (a *Analyzer) abandonFindings(st *saState) {
	sa := st.model()
	if st.replacedBy == 0 || !st.out.has(outAuthOK) || st.out.has(outDeleted) || st.out.has(outRekeyed) || st.out.has(outDead) || st.nexs() == 0 ||
		sa.ExchangesOmitted > 0 {
		return
	}
	last := st.exAt(st.nexs() - 1)
	after := secs(st.replacedAt.Sub(last.msgTime(last.nmsgs() - 1)))
	if last.Type == dissect.ExchangeIKEAuth && last.Answered && st.replacedFrom && !st.end().After(st.replacedAt) {
		// (Not when its ESP went on after the fresh SA began: it was not
		// abandoned.)
		ends, went, tells := "the capture ends", "the capture went on", "A longer capture, or the initiator's log, tells which."
		if !a.finishing {
			idle := "(" + a.opt.IdleTimeout.String() + ")"
			ends = "this analysis finalised it, idle for the idle timeout " + idle + ","
			went = "before this analysis finalised it as idle " + idle
			tells = "A longer idle timeout, or the initiator's log, tells which."
		}
		if !a.sawThrough(st) {
			// The capture ends before it could show the Delete that
			// follows the fresh SA: either may be true.
			st.addFinding(KindAbandoned, SeverityInfo, st.replacedAt,
				"The initiator started a fresh IKE SA with the same peer (frame "+a.frames.one(st.replacedBy)+") "+after+
					" after this SA's IKE_AUTH, and "+ends+" "+secs(a.now.Sub(st.replacedAt))+" after that, with no Delete"+
					" of this SA and no further exchange on it. Either the initiator abandoned this SA (its IKE daemon or host"+
					" restarted, it could not install the child SA in its kernel, an HA fail-over or configuration reload), or it"+
					" replaces it make-before-break (a reauthentication, RFC 7296 §2.8.3) and deletes it once the new SA is up,"+
					" later. "+tells,
				last.frame(0), st.replacedBy)
			return
		}
		st.addFinding(KindAbandoned, SeverityWarning, st.replacedAt,
			"The initiator most likely abandoned this IKE SA after IKE_AUTH: "+after+" after IKE_AUTH it started a fresh IKE"+
				" SA with the same peer (frame "+a.frames.one(st.replacedBy)+"), and this one had no Delete and no further"+
				" exchange or ESP in the "+secs(a.now.Sub(st.replacedAt))+" "+went+" after that. It gave the SA up locally"+
				" without telling the peer: for example its IKE daemon or host restarted, it could not install the child SA"+
				" in its kernel (its log shows the install error), or an HA fail-over or configuration reload. The responder"+
				" holds this SA until dead peer detection, a timeout or an INITIAL_CONTACT in the new SA's IKE_AUTH clears"+
				" it, so the state shown is the last the capture shows. Less likely, the initiator runs both IKE SAs side"+
				" by side (two connections between the same hosts) and this one was idle all that time.",
			last.frame(0), st.replacedBy)
		return
	}
	for i := st.nexs() - 1; i >= 0; i-- {
		ex := st.exAt(i)
		if ex.Type != dissect.ExchangeCreateChildSA || ex.Answered || ex.retransmits() == 0 {
			continue
		}
		ignoredBy := sa.Responder.Addr()
		if ex.side == sideR {
			ignoredBy = sa.Initiator.Addr()
		}
		st.addFinding(KindIgnoredRekey, SeverityWarning, ex.start(),
			ignoredBy.String()+" never answered the CREATE_CHILD_SA request in this capture (frame "+a.frames.one(ex.frame(0))+
				", retransmitted) on this IKE SA, and a brand-new IKE SA between the same peers followed (frame "+
				a.frames.one(st.replacedBy)+") instead of a rekey: "+ignoredBy.String()+" did not receive the request or no longer"+
				" treats this IKE SA as its own. One documented cause is a FortiGate HA cluster with virtual clustering"+
				" (VDOM partitioning) whose VDOM is active on the other member (its debug log says \"ignoring message on HA"+
				" synced IKE_SA\"); others are an HA fail-over without IKE SA sync or a restarted peer. Check the HA and"+
				" IKE SA sync state on "+ignoredBy.String()+"."+unansweredWhere(st, ex.side, ignoredCauses), ex.frame(0), st.replacedBy)
		return
	}
}

// quickDelete is how soon after the IKE_AUTH answer an initiator's
// INFORMATIONAL that ends the SA counts as its refusal of the SA just set
// up: daemons refuse within milliseconds (libreswan 2.4 ms, OpenIKED 5 ms,
// strongSwan 28 ms in the corpus); a script that pings once and tears the
// tunnel down took 93 ms (ikev2-cert-weak, with ESP between).
const quickDelete = 50 * time.Millisecond

// deletedAfterAuth reports an IKEv2 SA whose initiator sent an
// INFORMATIONAL (with the keys: its Delete) within quickDelete of the
// IKE_AUTH answer, after which nothing of the SA came (no exchange, no
// ESP): it refused the SA it had just set up. libreswan does so when it
// cannot verify the responder (libreswan-ikev2-cert-no-certreq: "no
// certificate matched", a Delete 2.4 ms after IKE_AUTH, where other stacks
// send AUTHENTICATION_FAILED), or when it cannot install the child SA.
func (a *Analyzer) deletedAfterAuth(st *saState) {
	if st.rareOrEmpty().cleared != nil {
		return // ended by INITIAL_CONTACT, not by a Delete of its own (outDeleted tells nothing here)
	}
	sa := st.model()
	n := st.nexs()
	if sa.Version != 2 || n < 2 || sa.ExchangesOmitted > 0 || st.out.has(outAuthFailed) || st.out.has(outRekeyed) ||
		st.out.has(outChildFailed) {
		return // (a child SA refused: the SA's Delete follows from that)
	}
	auth, last := st.exAt(n-2), st.exAt(n-1)
	if auth.Type != dissect.ExchangeIKEAuth || !auth.Answered || auth.errorOf() != "" || last.Type != dissect.ExchangeInformational ||
		last.side != sideI || last.nmsgs() == 0 || last.kind != exDelete && last.kind != exUnknown ||
		last.kind == exDelete && !st.out.has(outDeleted) { // with the keys: the IKE SA's Delete, not a child SA's
		return
	}
	ans := auth.respFrame()
	var ansT time.Time
	for i := range auth.nmsgs() {
		if auth.msg(i).response() {
			ansT = auth.msgTime(i)
			break
		}
	}
	gap := last.start().Sub(ansT)
	if ans == 0 || gap < 0 || gap > quickDelete {
		return
	}
	for _, c := range sa.ChildSAs {
		if c.ESPPackets != (ESPCount{}) {
			return // used
		}
	}
	if _, esp := a.orphanPairs[st.pairKey()]; esp {
		return // ESP between the peers that no SA claimed: perhaps this one's
	}
	unread := "encrypted"
	switch {
	case a.opt.Decryptor != nil && st.wasMalformed(last.frame(0)):
		unread = "malformed, so the keys given could not read it"
	case a.opt.Decryptor != nil:
		unread = "not read with the keys given"
	}
	what, did := "an INFORMATIONAL ("+unread+"; this soon, most likely its Delete or an AUTHENTICATION_FAILED notify) (frame "+
		a.frames.one(last.frame(0))+")", "most likely refused"
	switch {
	case requestMissed(last):
		// The capture holds the responder's answer only: the request
		// was sent (capture_gap), and what it said is not known.
		what = "an INFORMATIONAL request that the capture lacks (the responder's answer is frame " + a.frames.one(last.frame(0)) +
			"; this soon, most likely its Delete or an AUTHENTICATION_FAILED notify), answered"
	case last.kind == exDelete:
		what, did = "the Delete of the IKE SA (frame "+a.frames.one(last.frame(0))+")", "refused"
	}
	st.addFinding(KindDeletedAfterAuth, SeverityError, last.start(),
		"The initiator sent "+what+" "+shortDur(gap)+" after the IKE_AUTH answer (frame "+
			a.frames.one(ans)+"), and nothing of this SA followed (no ESP): it "+did+" the SA it had just set up. An initiator"+
			" does so when it cannot verify the responder's authentication (libreswan answers a failed check with a Delete,"+
			" not AUTHENTICATION_FAILED: the responder's certificate missing or untrusted, its identity not the one"+
			" configured) or cannot install the child SA; its log says which.", auth.frame(0), ans, last.frame(0))
}

// sawThrough reports whether the capture went on long enough after st's
// replacement began (replacedBy) to show that st was left without a
// Delete: the grace period after the fresh IKE SA's first message, or
// quickDelete after it was established (noteReplacerUp). A
// make-before-break reauthentication (RFC 7296 §2.8.3) deletes the old SA
// once the new one is up: a capture that ends between the two shows an
// old SA "abandoned" that was not (ikev2-reauth-make-before-break cut
// after frame 21).
func (a *Analyzer) sawThrough(st *saState) bool {
	l := st.rareOrEmpty().saLinks
	if a.now.Sub(l.replacedAt) >= a.opt.Grace {
		return true
	}
	return l.replacerUp != 0 && a.now.Sub(time.Unix(0, l.replacerUp)) >= quickDelete
}

// noteReplacerUp records, on the IKE SA that st replaces (noteReplacement,
// still the latest between the peers), that st was established at t.
func (a *Analyzer) noteReplacerUp(st *saState, t time.Time) {
	old := a.latest.get(st.pairKey())
	if old == nil || old == st || old.done {
		return
	}
	// st is the replacer when its first message is the one noteReplacement
	// saw (by time: frame numbers of messages out of time order in the
	// file are not in time order).
	if l := old.rareOrEmpty().saLinks; l.replacedBy != 0 && l.replacedAt.Equal(st.start()) && l.replacerUp == 0 {
		if ns, ok := unixNano(t); ok && ns != 0 {
			old.links().replacerUp = ns
		}
	}
}

// requestMissed reports whether the capture holds only answers of ex (its
// request missed: a capture gap).
func requestMissed(ex *exRec) bool {
	for i := range ex.nmsgs() {
		if !ex.msg(i).response() {
			return false
		}
	}
	return ex.nmsgs() > 0
}
