package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// EAP in IKEv2 (RFC 7296 §2.16): an initiator that leaves AUTH out of its
// first IKE_AUTH request asks for EAP. The responder answers with its own
// AUTH and the first EAP Request, the EAP method runs over further
// IKE_AUTH exchanges (message IDs 2, 3, ...), the responder ends it with
// EAP Success or Failure, and after a Success the initiator sends one
// more IKE_AUTH with its AUTH, whose answer carries the responder's AUTH
// again and the child SA. The IKE SA is up only then. Several
// authentications (RFC 4739) also take more than one IKE_AUTH exchange.
//
// So an IKE_AUTH response does not establish the SA while EAP runs (with
// the keys: it carries an EAP payload), and without the keys an IKE_AUTH
// response establishes it only until the initiator sends another IKE_AUTH
// request (authRound): what holds at the end is what the last IKE_AUTH
// response showed.

// EAP codes (RFC 3748 §4).
const (
	eapRequest  = 1
	eapResponse = 2
	eapSuccess  = 3
	eapFailure  = 4
)

// eapState is what an SA's IKE_AUTH exchanges showed of EAP or of several
// authentications (in saOdd: only such SAs have one).
type eapState struct {
	rounds   int             // IKE_AUTH requests after the first exchange's
	method   dissect.EAPType // the last EAP method the responder requested (not Identity), 0: none seen
	fail     int             // frame of the EAP Failure, 0: none
	failTime time.Time
	reported bool // the failure's finding is made (errorNotify)
}

// noEAP is the shared, never modified, empty eapState of the SAs without
// one.
var noEAP eapState

// eapOrEmpty returns st's eapState for reading (noEAP when it has none).
func (st *saState) eapOrEmpty() *eapState {
	if e := st.rareOrEmpty().eap; e != nil {
		return e
	}
	return &noEAP
}

// eapState returns st's eapState for writing, allocating it (and its
// saOdd): a pointer, as few SAs with an saOdd have EAP.
func (st *saState) eapState() *eapState {
	r := st.odd()
	if r.eap == nil {
		r.eap = new(eapState)
	}
	return r.eap
}

// authRound notes an IKE_AUTH request from the initiator after the SA's
// first IKE_AUTH exchange: EAP or another authentication goes on, so what
// an earlier response showed without the keys (up, or too small for an
// AUTH payload) was not the end of it.
func (a *Analyzer) authRound(st *saState) {
	st.eapState().rounds++
	if st.out.has(outAuthOK) && st.out.has(outAuthUnverified) {
		st.out.clear(outAuthOK)
		st.out.clear(outAuthUnverified)
		st.clearEstablished()
	}
	st.setAuthTiny(0)
}

// eapAnswer notes the EAP payload of a decrypted IKE_AUTH response sent at
// t in frame.
func (a *Analyzer) eapAnswer(st *saState, f *facts, frame int, t time.Time) {
	e := st.eapState()
	switch f.eap {
	case eapRequest:
		if f.eapType > 1 { // not Identity
			e.method = dissect.EAPType(f.eapType)
		}
	case eapFailure:
		if e.fail == 0 {
			e.fail, e.failTime = frame, t
		}
	}
}

// eapFailureText explains the EAP Failure of e (frame names it).
func eapFailureText(e *eapState, frame string) string {
	how := "EAP"
	if e.method != 0 {
		how = "EAP (" + e.method.String() + ")"
	}
	return "The responder ended the " + how + " authentication of the initiator with EAP Failure (frame " + frame +
		", RFC 7296 §2.16): the initiator's EAP credentials were refused, by the responder or the AAA (RADIUS) server" +
		" behind it. Check the user name and password (or the client certificate of EAP-TLS), the account on the" +
		" AAA server and its log, and that both sides use the same EAP method."
}
