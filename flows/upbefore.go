package flows

import (
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// A capture taken while a tunnel is up holds none of its IKE SA's
// IKE_SA_INIT and IKE_AUTH: the SA's first message in it is a later
// request (a child SA rekey, a liveness check, a Delete). The IKEv2 header
// still names the original initiator (the I flag), and what the peers go
// on to do shows whether the SA was up.

// upBeforeCapture takes st, an IKEv2 SA whose setup the capture does not
// hold, as established once ex, an exchange just answered, shows that both
// peers held it: a CREATE_CHILD_SA (RFC 7296 §1.3: only after the initial
// exchanges), an INFORMATIONAL request of the original responder (which
// sends no request before IKE_AUTH has completed), or a second answered
// INFORMATIONAL (one alone may be the initiator's AUTHENTICATION_FAILED
// after an IKE_AUTH answer it did not accept, §2.21.2, which the
// responder answers), or one with ESP both ways between the peers that no
// IKE SA claims (orphanPairs). The SA is taken as established from its first
// message in the capture. (ikev2-rekey from frame 9 on: "2 IKE SAs (2
// incomplete)", its ESP "belongs to no IKE SA in this capture".)
func (a *Analyzer) upBeforeCapture(st *saState, ex *exRec) {
	if st.Version != 2 || st.out.has(outAuthOK) || st.out.has(outAuthFailed) || st.flags.has(flFromStart) {
		return
	}
	switch {
	case ex.Type == dissect.ExchangeCreateChildSA:
	case ex.Type == dissect.ExchangeInformational && ex.side == sideR:
	case ex.Type == dissect.ExchangeInformational && answeredInformationals(st) >= 2:
	case ex.Type == dissect.ExchangeInformational && ex.side == sideI && ex.MID >= 2 && a.orphanPairs[st.pairKey()] == 3:
		// ESP both ways between the peers that no IKE SA in the capture
		// claims: a child SA was up between them, set up by an IKE SA
		// that was, and the initiator's message IDs are past its
		// IKE_AUTH (an IKE SA made by a rekey starts again from 0, and
		// one new in the capture, the redundant SA of a rekey collision,
		// would take ESP that is its predecessor's).
	default:
		return
	}
	if hasSetup(st) {
		return
	}
	st.out.set(outAuthOK | outUpBefore)
	st.setEstablished(st.start())
	a.addSharer(st)
	a.latest.set(st.pairKey(), st) // its ESP from now on (inferChild), a rekey that follows (inferRekey)
}

// answeredInformationals counts st's answered INFORMATIONAL exchanges, up
// to 2.
func answeredInformationals(st *saState) int {
	n := 0
	for i := range st.nexs() {
		if ex := st.exAt(i); ex.Type == dissect.ExchangeInformational && ex.Answered {
			if n++; n == 2 {
				break
			}
		}
	}
	return n
}

// upBeforeFinding says (started_before_capture) that st was set up before
// the capture began (upBeforeCapture), what shows it was up, and what the
// capture therefore cannot tell.
func (a *Analyzer) upBeforeFinding(st *saState) {
	if !st.out.has(outUpBefore) {
		return
	}
	var first, proof *exRec
	for i := range st.nexs() {
		ex := st.exAt(i)
		if first == nil || ex.start().Before(first.start()) {
			first = ex
		}
		if proof == nil && ex.Answered && (ex.Type == dissect.ExchangeCreateChildSA || ex.Type == dissect.ExchangeInformational) {
			proof = ex
		}
	}
	if first == nil || proof == nil {
		return
	}
	why := "an answered " + proof.Type.String() + " exchange (message ID " + u32(proof.MID) + ", frame " + a.frames.one(proof.frame(0)) +
		"), which peers run only on an IKE SA that IKE_AUTH has set up"
	if proof.Type == dissect.ExchangeInformational {
		why = "answered INFORMATIONAL exchanges (the first at frame " + a.frames.one(proof.frame(0)) + ")"
		switch {
		case proof.side == sideR:
			why += ", requests of the responder among them, which it sends only once IKE_AUTH has set the SA up"
		case answeredInformationals(st) >= 2:
			why += ", more than the one that reports a failed IKE_AUTH"
		default:
			why = "an answered INFORMATIONAL exchange (frame " + a.frames.one(proof.frame(0)) + "), and ESP ran both ways" +
				" between these peers that no IKE SA in the capture claims (esp_without_ike): a child SA was up between them"
		}
	}
	what := words.Article(first.Type.String()) + " " + first.Type.String() + " request"
	if first.msg(0).response() {
		what = words.Article(first.Type.String()) + " " + first.Type.String() + " response"
	}
	lead := "This IKE SA was set up before the capture began: the capture holds none of its IKE_SA_INIT and IKE_AUTH"
	if first.side == sideR || first.MID < 2 {
		// Message IDs from 0 again: it may be the new IKE SA of a rekey
		// (RFC 7296 §2.18) that the capture holds but this analysis did
		// not link to it (inferRekey).
		lead = "This IKE SA was set up before the capture began, or by an IKE SA rekey on another IKE SA that this analysis" +
			" did not link to it: the capture holds none of its IKE_SA_INIT and IKE_AUTH"
	}
	if a.opt.IdleTimeout > 0 && a.report.Stats.FinalizedEarly > 0 {
		// Its earlier part may be an SA of the same SPIs finalised as
		// idle, whose record this analysis no longer holds.
		lead = "This record of the IKE SA holds none of its IKE_SA_INIT and IKE_AUTH: it was set up before the capture" +
			" began, or its earlier messages are in a record with the same SPIs finalised after " + a.opt.IdleTimeout.String() +
			" without traffic (the idle timeout)"
	}
	st.addFinding(KindLateStart, SeverityInfo, first.start(),
		lead+"; its first message here (frame "+a.frames.one(first.frame(0))+"), "+what+", has message ID "+
			strconv.FormatUint(uint64(first.MID), 10)+". It was up: "+why+". Its proposal, the peers' identities and"+
			" its first child SA are not among its messages here; \"established\" is its first message here.",
		first.frame(0))
}
