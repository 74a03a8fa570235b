package flows

import (
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// pending is the negotiation content of a request kept until its response.
type pending struct {
	offered  []proposalView // copies without aliasing (spi cloned)
	spi      ESPSPI         // requester's inbound child SPI (first proposal)
	tsi, tsr []string
	rekeyOf  ESPSPI
	ikeRekey bool
	newSPI   dissect.SPI // IKE rekey: requester's new IKE SPI
	proto    uint8
	// answered: the answer was analysed before the request, which the
	// capture has timestamped after it (two capture points' clocks):
	// childAnswer made this record, and childOffer completes from the
	// request what the answer alone could not say (completeChild). An
	// IKE SA rekey's answer leaves its chosen SPI and time here.
	answered bool
	// anotherAuth: the IKE_AUTH request said ANOTHER_AUTH_FOLLOWS (RFC
	// 4739): its answer does not complete authentication.
	anotherAuth bool
	// initialContact: the frame of the initiator's IKE_AUTH request that
	// carried INITIAL_CONTACT (RFC 7296 §2.4), 0 when none.
	initialContact int
	// idi is a hash of the initiator's IDi payload in an IKE_AUTH request
	// (Analyzer.hash), 0 when none was read: INITIAL_CONTACT clears the SAs of
	// the same identity only (initialContact).
	idi     uint64
	ansIKE  bool
	ansSPI  dissect.SPI
	ansTime time.Time
	// newSAFrame: an IKE SA rekey whose answer was not read, the first
	// frame of the new IKE SA it asked for (initiator SPI newSPI, with a
	// responder SPI, which only the answer gives: inferRekey); 0 when
	// none was seen.
	newSAFrame int
}

// describe decrypts the message when possible and sets its payload summary.
func (a *Analyzer) describe(st *saState, p *Packet, side saSide, m *cmsg, f *facts, ex *exRec) {
	if f.sk {
		if a.opt.Decryptor != nil {
			a.decryptV2(st, p, side, f, ex)
		}
		if !f.decrypted {
			st.Encrypted = true
		}
	}
	m.payloads = a.texts.id(f.summary)
}

// decryptV2 asks the Decryptor for the SK/SKF contents and adds the inner
// payloads to f.
func (a *Analyzer) decryptV2(st *saState, p *Packet, side saSide, f *facts, ex *exRec) {
	n := len(a.msg.Payloads)
	if n == 0 || a.msg.Payloads[n-1].Type != dissect.PayloadSK && a.msg.Payloads[n-1].Type != dissect.PayloadSKF {
		// Its SK payload did not decode (cut short by the capture, or
		// damaged: cutFacts): not decrypted, and no verdict on the key.
		// (Not counted, the capture line read "0 could not be decrypted"
		// with the cut IKE_AUTH messages neither decrypted nor counted.)
		a.report.Stats.DecryptFailed++
		return
	}
	sk := a.msg.Payloads[n-1]
	plain, err := a.opt.Decryptor.DecryptV2(&a.msg, a.msg.Raw, sk, side == sideI)
	st.noteKey(side, err, p.Frame)
	if err != nil {
		a.report.Stats.DecryptFailed++
		return
	}
	a.report.Stats.Decrypted++
	next := sk.Next
	if sk.Type == dissect.PayloadSKF {
		var done bool
		plain, next, done = ex.addFragment(a.msg.Header.IsResponse(), f.fragNum, f.fragTotal, sk.Next, plain)
		if !done {
			f.decrypted = true
			f.summary = append(f.summary, "{…}"...)
			return
		}
		f.fragDone = true
	}
	a.inner = a.inner[:0]
	_, werr := dissect.WalkPayloads(plain, 0, next, 2, &a.inner)
	f.summary = append(f.summary, '{')
	f.collect(2, a.inner)
	f.summary = append(f.summary, '}')
	f.decrypted = true
	if werr != nil {
		st.noteMalformed(p.Frame, werr, true, false)
	}
}

// fragState collects decrypted IKEv2 fragments of one message (RFC 7383)
// with the limits the decrypt package applies too.
type fragState = dissect.Fragments

// addFragment stores a decrypted fragment and returns the reassembled
// plaintext once all fragments are present. A fragment beyond the
// reassembly limits ([dissect.MaxFragments], [dissect.MaxFragmentBytes])
// is not stored.
func (ex *exRec) addFragment(resp bool, num, total uint16, next dissect.PayloadType, plain []byte) ([]byte, dissect.PayloadType, bool) {
	if dissect.CheckFragment(num, total) != nil {
		return nil, 0, false
	}
	i := 0
	if resp {
		i = 1
	}
	frags := &ex.extra().frags
	if frags[i] == nil {
		frags[i] = &fragState{}
	}
	all, first, added, err := frags[i].Add(num, total, next, plain)
	if err != nil || added != dissect.FragmentComplete {
		return nil, 0, false
	}
	frags[i] = nil
	return all, first, true
}

// onV2Request analyses the content of a first-seen IKEv2 request.
func (a *Analyzer) onV2Request(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	a.certSee(st, p, side, f)
	h := &a.msg.Header
	switch h.Exchange {
	case dissect.ExchangeIKESAInit:
		if len(f.sas) > 0 {
			st.setOffer(a.ikeOffer(2, f.sas[0]))
			a.rememberOffer(p.Src.Addr(), true, a.offeredOf(st), p.Frame)
		}
		if len(f.ke) > 0 {
			st.addKEGroup(keGroup(f.ke[0]))
		}
		a.natCheck(st, p, f, false)
		a.redirectedFrom(st, p, f)
	case dissect.ExchangeIKEAuth:
		if side == sideI && st.out.has(outAuthTried) {
			// Not the first IKE_AUTH exchange: EAP or another
			// authentication goes on (eap.go). A request timestamped
			// after its own answer (the peers' clocks differ) undoes
			// nothing: what was seen after it stands.
			if ex.Answered {
				st.eapState().rounds++
			} else {
				a.authRound(st)
			}
		}
		st.out.set(outAuthTried)
		if side == sideI && !ex.Answered {
			// (A request in IKEv2 fragments is read at its last
			// fragment, with the exchange holding them all.)
			a.authWait.set(st.pairKey(), st)
		}
		if f.decrypted {
			a.childOffer(st, p, side, ex, f)
		}
	case dissect.ExchangeCreateChildSA:
		if f.decrypted {
			a.childOffer(st, p, side, ex, f)
		}
	case dissect.ExchangeInformational:
		if f.decrypted && a.redirect(st, p, side, ex, f) {
			break
		}
		if f.decrypted {
			if len(f.deletes) > 0 {
				ex.kind = exDelete
				a.applyDeletes(st, p, side, f, ex.respFrame())
			} else if f.others-1 == 0 && len(f.notifies) == 0 {
				// Nothing inside SK (which others counts): an empty
				// INFORMATIONAL, a liveness check (RFC 7296 §1.4).
				ex.kind = exLiveness
			}
		}
	}
	if n, ok := f.notify(uint16(dissect.NotifyIKEv2MessageIDSync)); ok {
		_ = n
		st.addFinding(KindMIDSync, SeverityInfo, p.Time,
			"The "+side.String()+" resynchronised message IDs with an IKEV2_MESSAGE_ID_SYNC notify (RFC 6311), as an HA cluster does"+
				" when another member takes the IKE SA over (a failover): it tells the peer which message IDs it expects."+
				" Once per failover is expected; repeated syncs mean the cluster's members disagree about which of them"+
				" holds the SA.", p.Frame)
	}
	if t, ok := f.firstError(2); ok {
		a.errorNotify(st, p, side, ex, f, t, false)
	}
}

// onV2Response analyses the content of a first-seen IKEv2 response (or a
// new fragment of it).
func (a *Analyzer) onV2Response(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	a.certSee(st, p, side, f)
	h := &a.msg.Header
	errT, hasErr := f.firstError(2)
	if hasErr && ex.errorOf() == "" {
		ex.setError(dissect.NotifyType(errT).String())
	}
	switch h.Exchange {
	case dissect.ExchangeIKESAInit:
		st.out.clear(outInitRetry)
		switch {
		case f.hasNotify(uint16(dissect.NotifyInvalidKEPayload)):
			n, _ := f.notify(uint16(dissect.NotifyInvalidKEPayload))
			st.out.set(outInitRetry)
			g := dissect.DHGroup(0)
			if len(n.data) >= 2 {
				g = dissect.DHGroup(uint16(n.data[0])<<8 | uint16(n.data[1]))
			}
			r := st.lists()
			r.invalidKE = append(r.invalidKE, p.Frame)
			r.invalidKEGroup = append(r.invalidKEGroup, g)
			return
		case f.hasNotify(uint16(dissect.NotifyCookie)):
			st.out.set(outInitRetry)
			if !st.out.has(outCookie) {
				st.out.set(outCookie)
				st.addFinding(KindCookie, SeverityInfo, p.Time,
					"The responder answered IKE_SA_INIT with a COOKIE challenge (RFC 7296 §2.6): it considers itself under load"+
						" (half-open SAs above its threshold) and makes initiators prove their address. Harmless once; if it persists, look for"+
						" an IKE_SA_INIT flood or a too-low half-open threshold on the responder.", p.Frame)
			}
			return
		case a.redirect(st, p, side, ex, f):
		case hasErr:
			st.out.set(outInitFailed)
		case len(f.sas) > 0:
			props, _ := a.ikeProposals(2, f.sas[0])
			if len(props) > 0 {
				st.setProposal(props[0].summary, &a.texts)
				st.noteWeak(props[0].weak, p.Frame, "IKE SA")
				a.rememberAccept(st.responder().Addr(), st.initiator().Addr(), true, props[0].summary, p.Frame)
			}
			st.out.set(outInitOK)
			st.out.clear(outInitFailed)
			if _, ex := a.pendingAuth(st); ex != nil && ex.oddOrEmpty().restartBy == st.firstFrame() {
				ex.oddState().restartOK = true // the peer answered the fresh SA
			}
		default:
			st.out.set(outInitOK)
		}
		a.natCheck(st, p, f, true)
	case dissect.ExchangeIKEAuth:
		if f.decrypted || !f.malformed {
			// An answer that did not decode (a fragment cut short by the
			// capture) leaves the SA waiting: ESP on its ports then
			// shows the answer (ownerByPorts).
			a.authWait.drop(st.pairKey(), st)
		}
		if f.decrypted && a.redirect(st, p, side, ex, f) {
			break
		}
		if f.decrypted {
			if f.eap != 0 {
				a.eapAnswer(st, f, p.Frame, p.Time)
			}
			switch {
			case f.hasNotify(uint16(dissect.NotifyAuthenticationFailed)), f.eap == eapFailure:
				st.out.set(outAuthFailed)
			case f.eap != 0:
				// EAP goes on (or ends with Success, and the initiator's
				// AUTH exchange follows): not up yet (eap.go).
			case ex.pendOf() != nil && ex.pendOf().anotherAuth:
				// Another authentication follows (RFC 4739).
			case f.auth || (!hasErr && f.others > 0):
				a.initialContact(st, p) // before st becomes the pair's latest SA
				a.established(st, p)
			}
			a.childAnswer(st, p, side, ex, f)
		} else if h.Length <= maxErrorOnlyAuth {
			// Too small to hold IDr and AUTH: an error-only response.
			st.setAuthTiny(p.Frame)
		} else if !f.malformed || int(h.Length) > len(p.Data) {
			// Large enough for IDr and AUTH: up, unverified. So too when
			// the capture cut it short (snap length, IP fragments
			// missing): its header, which gives that size, was read.
			st.out.set(outAuthUnverified)
			a.established(st, p)
		}
	case dissect.ExchangeCreateChildSA:
		if f.decrypted {
			a.childAnswer(st, p, side, ex, f)
		}
	case dissect.ExchangeInformational:
		if f.decrypted && len(f.deletes) > 0 {
			a.applyDeletes(st, p, side, f, 0)
		}
	}
	if hasErr {
		a.errorNotify(st, p, side, ex, f, errT, true)
	}
}

// authUnansweredBefore returns the last IKE_AUTH exchange of st begun
// before ex (every one when ex is nil) when the capture lacks its answer;
// nil when that exchange was answered or there is none.
func authUnansweredBefore(st *saState, ex *exRec) *exRec {
	var last *exRec
	for i := range st.nexs() {
		x := st.exAt(i)
		if x == ex || x.Type != dissect.ExchangeIKEAuth || x.nmsgs() == 0 || ex != nil && !x.start().Before(ex.start()) {
			continue
		}
		if last == nil || x.start().After(last.start()) {
			last = x
		}
	}
	if last == nil || last.Answered {
		return nil
	}
	return last
}

// maxErrorOnlyAuth is the largest encrypted IKE_AUTH response that cannot
// carry IDr and AUTH (header 28 + SK header 4 + IV + a Notify + padding +
// ICV): a response this small is an error notify alone.
const maxErrorOnlyAuth = 96

// established marks st as up (IKE_AUTH answered).
func (a *Analyzer) established(st *saState, p *Packet) {
	if !st.out.has(outAuthOK) {
		st.out.set(outAuthOK)
		st.setEstablished(p.Time)
		a.noteReplacerUp(st, p.Time)
	}
	a.addSharer(st)
	a.latest.set(st.pairKey(), st)
}

// errorNotify turns an error notify into a finding.
func (a *Analyzer) errorNotify(st *saState, p *Packet, side saSide, ex *exRec, f *facts, t uint16, resp bool) {
	nt := dissect.NotifyType(t)
	who := side.String()
	where := ex.Type.String()
	frames := []int{p.Frame}
	if ex.nmsgs() > 0 {
		frames = append(frames, ex.frame(0))
	}
	if pd := ex.pendOf(); resp && pd != nil && pd.rekeyOf != 0 && ex.Type == dissect.ExchangeCreateChildSA &&
		nt != dissect.NotifyTemporaryFailure && nt != dissect.NotifyChildSANotFound && nt != dissect.NotifyInvalidKEPayload {
		a.rekeyRefused(st, p, side, ex, nt, frames)
		return
	}
	switch nt {
	case dissect.NotifyNoProposalChosen:
		if ex.Type == dissect.ExchangeIKESAInit {
			st.addFinding(KindNoProposalChosen, SeverityError, p.Time,
				"The responder rejected every IKE SA proposal of the initiator (NO_PROPOSAL_CHOSEN in IKE_SA_INIT): phase 1 "+
					"cannot start. Offered: "+listOr(a.offeredOf(st), "(not visible)")+". "+
					a.policyHint(st.responder().Addr(), st.initiator().Addr(), true, a.offeredOf(st))+
					"Compare encryption (with key length), integrity, PRF and DH group with the responder's IKE policy.", frames...)
			return
		}
		var offered []string
		if ex.pendOf() != nil {
			offered = summaries(2, ex.pendOf().offered)
		}
		initAddr, respAddr := st.initiator().Addr(), st.responder().Addr()
		if ex.side == sideR {
			initAddr, respAddr = respAddr, initAddr
		}
		vis := listOr(offered, "(encrypted; give keys to see them)")
		if pd := ex.pendOf(); pd != nil && pd.ikeRekey && ex.Type == dissect.ExchangeCreateChildSA {
			// The rekey of the IKE SA itself (SA with IKE proposals, KE,
			// no TS: RFC 7296 §1.3.2), not a child SA: nothing is torn
			// down yet (a rekey of ikev2-rekey answered NO_PROPOSAL_CHOSEN
			// read "The child SA was refused ... no traffic flows").
			st.addFinding(KindNoProposalChosen, SeverityError, p.Time,
				"The "+who+" refused the rekey of this IKE SA: it answered CREATE_CHILD_SA (new IKE SA proposals, RFC 7296"+
					" §1.3.2) with NO_PROPOSAL_CHOSEN. The IKE SA and its child SAs stay up until the IKE SA's lifetime ends;"+
					" unless a later rekey or a new IKE SA succeeds, the tunnel goes down then. Offered: "+vis+". "+
					a.policyHint(respAddr, initAddr, true, offered)+
					"Compare the IKE proposals (encryption, integrity, PRF, DH group) the requester offers for the rekey with"+
					" what the peer accepts: a daemon may offer other proposals for a rekey than at setup.", frames...)
			return
		}
		st.addFinding(KindNoProposalChosen, SeverityError, p.Time,
			"The child SA was refused: the "+who+" answered "+where+" with NO_PROPOSAL_CHOSEN, so no ESP/AH SA exists"+
				" and no traffic flows."+keptIKESA(ex)+" Offered: "+vis+". "+a.policyHint(respAddr, initAddr, false, offered)+
				"Compare the phase-2 (IPsec) proposals: encryption, integrity, PFS group and ESN. Look-alike names are a classic"+
				" trap: ENCR_AES_GCM_16 (20) and ENCR_NULL_AUTH_AES_GMAC (21) are different algorithms.", frames...)
		st.out.set(outChildFailed)
	case dissect.NotifyTSUnacceptable:
		tsi, tsr := "(encrypted)", "(encrypted)"
		if ex.pendOf() != nil {
			tsi, tsr = listOr(ex.pendOf().tsi, "(none)"), listOr(ex.pendOf().tsr, "(none)")
		}
		st.addFinding(KindTSUnacceptable, SeverityError, p.Time,
			"The "+who+" refused the traffic selectors (TS_UNACCEPTABLE in "+where+"): the encryption domains (proxy IDs)"+
				" do not match. Offered TSi "+tsi+", TSr "+tsr+". The pair matches no policy of the "+who+"'s, not even narrowed"+
				" to what it allows (RFC 7296 §2.9): one selector or both lie outside what it is configured for, or each is"+
				" allowed but not with the other (the notify does not say which). Look for networks that do not overlap at all, local and remote swapped, a"+
				" typo in an address, or a /24 against a /29 on a peer that does not narrow.", frames...)
		st.out.set(outChildFailed)
	case dissect.NotifyAuthenticationFailed:
		st.out.set(outAuthFailed)
		if e := st.eapOrEmpty(); !resp && e.fail != 0 && !e.reported {
			// After an EAP Failure the initiator says so (strongSwan);
			// it is not about the responder's AUTH.
			st.eapState().reported = true
			st.addFinding(KindAuthFailed, SeverityError, p.Time, eapFailureText(e, a.frames.one(e.fail))+
				" The "+who+" then reported AUTHENTICATION_FAILED in "+where+" (frame "+a.frames.one(p.Frame)+").",
				e.fail, p.Frame)
			break
		}
		msg := "The " + who + " reported AUTHENTICATION_FAILED in " + where + ": "
		em := eapRoundMissed(st)
		switch au := authUnansweredBefore(st, ex); {
		case resp:
			msg += "the responder could not verify the initiator's AUTH payload."
		case au != nil && ex.Type == dissect.ExchangeInformational:
			// The answer it judged is not in the capture: what failed
			// is not the responder's AUTH of an answer seen (ikev2-eap-
			// wrong-password without its EAP Failure, frame 8).
			msg += "its IKE_AUTH request (message ID " + u32(au.MID) + ", frame " + a.frames.one(au.frame(0)) + ") has no answer" +
				" in this capture, and the authentication failed on what that answer held (RFC 7296 §2.21.2)."
			if e := st.eapOrEmpty(); e.rounds > 0 {
				msg += " IKE_AUTH took " + strconv.Itoa(e.rounds+1) + " exchanges (EAP, RFC 7296 §2.16): most likely that" +
					" answer was an EAP Failure, the initiator's EAP credentials refused by the responder or the AAA" +
					" (RADIUS) server behind it, or it held an AUTH payload the initiator could not verify."
			} else {
				msg += " Most likely the initiator could not verify the responder's AUTH payload in it."
			}
		case em != nil && ex.Type == dissect.ExchangeInformational:
			// EAP went on in IKE_AUTH exchanges the capture lacks
			// (ikev2-eap-wrong-password without frames 7 and 8, the EAP
			// round that ended with the EAP Failure): what failed is not
			// known, and not the responder's AUTH of an answer seen.
			msg += "its last IKE_AUTH exchange in this capture (message ID " + u32(em.MID) + ", frame " + a.frames.one(em.frame(0)) +
				") was an EAP round (RFC 7296 §2.16) that EAP Success or Failure had not ended, and this request's message ID (" +
				u32(ex.MID) + ") shows the capture lacks the initiator's exchanges between. The authentication failed on what" +
				" they held: most likely an EAP Failure, the initiator's EAP credentials refused by the responder or the AAA" +
				" (RADIUS) server behind it, or an AUTH payload the initiator could not verify."
		default:
			msg += "the initiator could not verify the responder's AUTH payload and gave up."
		}
		st.addFinding(KindAuthFailed, SeverityError, p.Time, msg+
			" Likely causes: pre-shared key mismatch, an identity (IDi/IDr) that does not match the peer's configuration,"+
			" an untrusted or expired certificate, or a signature hash algorithm the peer does not accept. Check the"+
			" identities shown in the IKE_AUTH exchange against both configurations.", frames...)
	case dissect.NotifyInvalidKEPayload:
		if ex.Type != dissect.ExchangeIKESAInit {
			st.addFinding(KindInvalidKE, SeverityWarning, p.Time,
				"The "+who+" answered "+where+" with INVALID_KE_PAYLOAD: the peer wants another Diffie-Hellman group than"+
					" the KE payload's (the PFS group of a child SA, the IKE group when the IKE SA is rekeyed). One retry with"+
					" the group it names is normal; repeated refusals mean the groups configured on the two sides differ.", frames...)
		}
	case dissect.NotifyTemporaryFailure:
		st.addFinding(KindTemporaryFailure, SeverityWarning, p.Time,
			"The "+who+" answered "+where+" with TEMPORARY_FAILURE: it is busy with a conflicting exchange, typically a"+
				" simultaneous rekey (RFC 7296 §2.25). The requester should retry after a random delay; repeated failures mean"+
				" both peers keep rekeying at the same moment (identical lifetimes without jitter).", frames...)
		st.out.set(outCollision)
	case dissect.NotifyChildSANotFound:
		st.addFinding(KindChildSANotFound, SeverityWarning, p.Time,
			"The "+who+" answered "+where+" with CHILD_SA_NOT_FOUND: it does not know the child SA being rekeyed:"+
				" it deleted it (a Delete crossing the rekey, as in a rekey collision), never received it, or restarted."+
				" Check the rekey timers on both sides and for Delete exchanges just before.", frames...)
		st.out.set(outCollision)
	default:
		name := nt.String()
		st.addFinding(kindOfNotify(name), SeverityError, p.Time,
			"The "+who+" sent the error notify "+name+" in "+where+". "+notifyAdvice(nt), frames...)
	}
}

// keptIKESA adds, for a child SA refused in IKE_AUTH, what becomes of the
// IKE SA: the responder keeps it (RFC 7296 §1.2), initiators differ.
func keptIKESA(ex *exRec) string {
	if ex.Type != dissect.ExchangeIKEAuth {
		return ""
	}
	return " Authentication succeeded and the responder keeps the IKE SA (RFC 7296 §1.2); some initiators keep it too" +
		" (strongSwan, libreswan), others drop it without a Delete (OpenIKED)."
}

// rekeyRefused reports a CREATE_CHILD_SA with REKEY_SA answered with an
// error: the child SA being rekeyed is not replaced, so it stays in use
// until its lifetime ends (RFC 7296 §2.8). Nothing is torn down yet.
func (a *Analyzer) rekeyRefused(st *saState, p *Packet, side saSide, ex *exRec, nt dissect.NotifyType, frames []int) {
	pd := ex.pendOf()
	name := nt.String()
	msg := "The " + side.String() + " refused the rekey of child SA " + pd.rekeyOf.String() + " (" + name +
		" in CREATE_CHILD_SA with REKEY_SA). The old child SA stays up and keeps carrying traffic until its lifetime" +
		" ends; unless a later rekey succeeds, traffic stops then. "
	switch nt {
	case dissect.NotifyNoProposalChosen:
		msg += "Offered: " + listOr(summaries(2, pd.offered), "(not visible)") + ". Compare the phase-2 proposals," +
			" above all the PFS (DH) group: a rekey carries a KE payload when PFS is on, the first child SA (in" +
			" IKE_AUTH) never does, so a PFS mismatch first shows at the rekey."
	case dissect.NotifyTSUnacceptable:
		msg += "Offered TSi " + listOr(pd.tsi, "(none)") + ", TSr " + listOr(pd.tsr, "(none)") + ": the traffic" +
			" selectors of the rekey no longer match the peer's configuration (changed on one side since the SA was" +
			" created?)."
	default:
		msg += notifyAdvice(nt)
	}
	st.addFinding(kindOfNotify(name), SeverityError, p.Time, msg, frames...)
}

// notifyAdvice returns what to check for less common error notifies.
func notifyAdvice(t dissect.NotifyType) string {
	switch t {
	case dissect.NotifyInternalAddressFailure:
		return "The responder could not assign a virtual IP (CP): the address pool is exhausted or not configured for this peer."
	case dissect.NotifyFailedCPRequired:
		return "The responder requires a configuration payload (virtual IP request) that the initiator did not send."
	case dissect.NotifySinglePairRequired:
		return "The responder accepts only a single pair of addresses as traffic selectors; narrow the initiator's selectors."
	case dissect.NotifyNoAdditionalSAs:
		return "The responder refuses more child SAs on this IKE SA (a per-IKE-SA limit); check for duplicate child SAs."
	case dissect.NotifyInvalidSyntax:
		return "A message was malformed from the receiver's point of view: an interoperability bug or a corrupted packet."
	case dissect.NotifyInvalidMessageID:
		return "The receiver saw a message ID outside its window: message IDs are out of sync between the peers."
	case dissect.NotifyInvalidSPI:
		return "ESP or IKE traffic arrived for an SPI the receiver does not know: one side deleted or lost the SA (reboot, HA) and the other still uses it."
	case dissect.NotifyInvalidIKESPI:
		return "A message arrived for an IKE SA the receiver does not know: one side restarted or deleted the SA."
	case dissect.NotifyUnsupportedCriticalPayload:
		return "The receiver does not support a payload marked critical: a feature one side uses is unknown to the other."
	case dissect.NotifyAuthorizationFailed:
		return "The peer authenticated but the receiver's policy does not authorise it (AUTHORIZATION_FAILED)."
	}
	return "Check the peer's logs for the reason."
}

// listOr joins items with "; " or returns alt when empty.
func listOr(items []string, alt string) string {
	if len(items) == 0 {
		return alt
	}
	return strings.Join(items, "; ")
}

// eapRoundMissed returns the initiator's last IKE_AUTH exchange of st in
// the capture when it was an answered EAP round that no EAP Success or
// Failure ended, and the capture holds a later INFORMATIONAL request of
// the initiator whose message ID is past the next: the EAP rounds between
// are missing from the capture. nil otherwise.
func eapRoundMissed(st *saState) *exRec {
	e := st.eapOrEmpty()
	if e.rounds == 0 || e.fail != 0 || st.out.has(outAuthOK) {
		return nil
	}
	var last *exRec
	for i := range st.nexs() {
		x := st.exAt(i)
		switch {
		case x.Type == dissect.ExchangeIKEAuth && x.side == sideI:
			last = x
		case last != nil && x.Type == dissect.ExchangeInformational && x.side == sideI && last.Answered && x.MID > last.MID+1:
			return last
		}
	}
	return nil
}
