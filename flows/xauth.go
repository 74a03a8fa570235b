package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// XAUTH (draft-beaulieu-ike-xauth-02) runs after IKEv1 phase 1 in
// Transaction exchanges (exchange type 6) whose Attributes payloads
// (draft-dukes-ike-mode-cfg-02) the server and client trade: the server
// asks (ISAKMP_CFG_REQUEST: XAUTH-USER-NAME, XAUTH-USER-PASSWORD), the
// client replies with them (ISAKMP_CFG_REPLY), the server gives its
// verdict (ISAKMP_CFG_SET with XAUTH-STATUS: 1 OK, 0 FAIL) and the client
// acknowledges (ISAKMP_CFG_ACK). The verdict decides whether the ISAKMP
// SA is of any use: strongSwan logs the IKE SA established only after an
// OK, and destroys it after a FAIL, without a Delete.

// maxXAUTHUser bounds the user name kept from an XAUTH reply (it is the
// peer's text, shown in a finding).
const maxXAUTHUser = 64

// xauthV1 is what an IKEv1 SA's decrypted Transaction exchanges told of
// XAUTH.
type xauthV1 struct {
	user      string // XAUTH-USER-NAME of the client's reply, escaped (printable), "" if none
	userFrame int
	status    int8 // 0 none seen, 1 OK, -1 FAIL
	statusEx  *exRec
}

// transactionV1 reads the Attributes payloads of a decrypted Transaction
// message: the client's user name, the server's XAUTH-STATUS, and the
// client's acknowledgement of it. An OK makes the SA established at the
// status exchange (its ACK when seen); a FAIL is an authentication
// failure, and the SA never came up.
func (a *Analyzer) transactionV1(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	for _, pl := range f.attrs {
		body, _ := dissect.DecodePayload(1, pl) // a partial decode still gives the attributes before the damage
		m, ok := body.(*dissect.ModeCfgV1)
		if !ok || m == nil {
			continue
		}
		for _, at := range m.Attributes {
			switch dissect.ModeCfgAttrTypeV1(at.Type) {
			case dissect.CfgV1XAUTHUserName:
				if m.Type == dissect.ModeCfgV1Reply && !at.TV && len(at.Data) > 0 {
					x := st.v1().xauth()
					x.user, x.userFrame = printable(clip(at.Data, maxXAUTHUser)), p.Frame
				}
			case dissect.CfgV1XAUTHStatus:
				a.xauthStatus(st, p, side, ex, m.Type, at.Value)
			}
		}
	}
}

// xauthStatus handles an XAUTH-STATUS attribute of value val in a
// message of type typ sent by side.
func (a *Analyzer) xauthStatus(st *saState, p *Packet, side saSide, ex *exRec, typ dissect.ModeCfgTypeV1, val uint32) {
	x := st.v1().xauth()
	switch {
	case typ == dissect.ModeCfgV1Set && val == 1:
		x.status, x.statusEx = 1, ex
		st.setEstablished(p.Time)
	case typ == dissect.ModeCfgV1Set && val == 0:
		x.status, x.statusEx = -1, ex
		st.out.set(outAuthFailed)
		st.clearEstablished()
		user := ""
		if x.user != "" {
			user = " The client's reply (frame " + a.frames.one(x.userFrame) + ") gave the user name \"" + x.user + "\"."
		}
		frames := []int{p.Frame}
		if x.userFrame != 0 {
			frames = append(frames, x.userFrame)
		}
		st.addFinding(KindAuthFailed, SeverityError, p.Time,
			"The XAUTH server (the "+side.String()+") refused the XAUTH credentials: its ISAKMP_CFG_SET (frame "+
				a.frames.one(p.Frame)+") carries XAUTH-STATUS FAIL (draft-beaulieu-ike-xauth-02 §4.1). Phase 1 had"+
				" authenticated the peers; the user name or password was refused by the XAUTH server or the back end"+
				" behind it (RADIUS, LDAP, local accounts), and the server tears the ISAKMP SA down without a quick mode."+
				user+" Check the user's password and account, and the XAUTH server's (or RADIUS server's) log for the reason.",
			frames...)
	case typ == dissect.ModeCfgV1Ack && x.statusEx == ex && x.status == 1 && side != ex.side:
		st.setEstablished(p.Time) // the exchange is complete: both sides hold the SA established
	}
}

// xauth returns the SA's XAUTH record, made on first use.
func (v *v1State) xauth() *xauthV1 {
	o := v.more()
	if o.xa == nil {
		o.xa = new(xauthV1)
	}
	return o.xa
}

// xauthUnreadV1 notes, when the Transaction exchanges could not be read,
// an IKEv1 SA whose phase 1 completed and was followed by Transaction
// exchanges (XAUTH or Mode Config), and then by no quick mode and no ESP
// while the capture went on for Options.Grace or more after the SA's
// last message (less: an end_unknown info says the XAUTH is unknown). A client whose XAUTH succeeded goes on to quick mode;
// after a FAIL the server drops the SA. The SA is not called established
// (incomplete; no established time), and a warning says what was seen.
func (a *Analyzer) xauthUnreadV1(st *saState) {
	v := st.v1()
	sa := st.model()
	if !v.phase1Done || v.xa != nil || len(sa.ChildSAs) > 0 || st.out.has(outDead) || st.out.has(outReauth) {
		// (A reauthentication, phase 1 done while an older ISAKMP SA
		// between the peers was up, keeps the IPsec SAs: no quick mode
		// need follow. ikev1-xauth-reauth cut after frame 34 read
		// "the XAUTH most likely failed".)
		return
	}
	var frames []int
	for i := range st.nexs() {
		ex := st.exAt(i)
		switch ex.Type {
		case dissect.ExchangeQuickMode:
			return
		case dissect.ExchangeTransaction:
			for j := range ex.nmsgs() {
				if ex.text(j, &a.texts) != "encrypted" {
					return // read: transactionV1 knew what it said
				}
				if len(frames) < maxNoted {
					frames = append(frames, ex.frame(j))
				}
			}
		}
	}
	if len(frames) == 0 {
		return
	}
	if after := a.now.Sub(sa.End); after < a.opt.Grace {
		// The capture ends too soon after to show a quick mode, or its
		// absence: "established" is phase 1's, the XAUTH unknown
		// (ikev1-xauth-wrong-password read "established", no finding).
		st.addFinding(KindEndUnknown, SeverityInfo, st.exAt(0).start(),
			"Phase 1 completed (frame "+a.frames.one(v.done())+"), then Transaction exchanges followed (frames "+a.frames.join(frames)+
				": XAUTH or Mode Config, draft-beaulieu-ike-xauth-02), and the capture ends "+secs(after)+" later, too soon to"+
				" show the quick mode a client whose XAUTH succeeded goes on to. \"established\" is phase 1's state; whether"+
				" the XAUTH succeeded is not in the capture."+a.keysOr(st, " The exchanges are encrypted: give the keys to read"+
				" the XAUTH-STATUS.", " The exchanges are encrypted. ", "read the XAUTH-STATUS"), frames...)
		return
	}
	st.out.clear(outAuthOK)
	st.clearEstablished()
	sa.Established = time.Time{}
	st.addFinding(KindAuthFailed, SeverityWarning, st.exAt(0).start(),
		"Phase 1 completed (frame "+a.frames.one(v.done())+"), then Transaction exchanges followed (frames "+a.frames.join(frames)+
			": XAUTH or Mode Config, draft-beaulieu-ike-xauth-02), and then no quick mode and no ESP in the "+
			secs(a.now.Sub(sa.End))+" the capture went on. A client whose XAUTH succeeded goes on to quick mode, so the XAUTH"+
			" most likely failed (a wrong user name or password, or a reject from the RADIUS/LDAP server behind the XAUTH"+
			" server), or the client did not start phase 2."+a.keysOr(st, " The exchanges are encrypted: give the keys to read the"+
			" XAUTH-STATUS.", " The exchanges are encrypted. ", "read the XAUTH-STATUS"), frames...)
}
