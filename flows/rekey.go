package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// pendingRekey is an IKE SA rekey negotiated but whose new IKE SA is not
// seen yet: the SA it replaces and when the rekey's answer came (the new
// SA is established from then, RFC 7296 §2.18).
type pendingRekey struct {
	old  *saState
	at   time.Time
	flip bool // the rekey's requester is old's responder
}

// expectRekey notes that an IKE SA rekey of old, requested by old's side
// requester, negotiated the SPIs k, answered at t.
func (a *Analyzer) expectRekey(k saKey, old *saState, t time.Time, requester saSide) {
	r := old.links()
	r.rekeyKeys = append(r.rekeyKeys, k)
	if nw, _ := a.ix.find(2, k.i, k.r); nw != nil && nw != old && !nw.done && !nw.rareOrEmpty().hasFrom &&
		!nw.flags.has(flFromStart) {
		// The new IKE SA's first message came before the rekey's answer
		// (the peers send on the new SA at once; the capture point saw
		// them in that order, or merged captures' clocks differ): that SA
		// is open already, begun mid-conversation, and is this rekey's.
		// (ikev2-child-temporary-failure: the initiator's CREATE_CHILD_SA
		// on the new SA, frame 13, before the answer to the responder's
		// IKE rekey, frame 14; with the keys the new SA was "failed", the
		// old one "deleted", not "rekeyed".)
		a.linkRekey(old, nw, false, t, flipCode(requester == sideR))
		return
	}
	if a.rekeys == nil {
		a.rekeys = make(map[saKey]pendingRekey)
	}
	a.rekeys[k] = pendingRekey{old, t, requester == sideR}
}

// rekeyFrom returns the IKE SA rekey that negotiated k (old nil: none).
func (a *Analyzer) rekeyFrom(k saKey) pendingRekey {
	r := a.rekeys[k]
	if r.old != nil {
		delete(a.rekeys, k)
	}
	return r
}

// inferRekey finds the IKE SA that st (a new IKE SA first seen in
// mid-conversation, not with IKE_SA_INIT) replaces when no answer read
// said so (rekeyFrom): with the keys, the established SA between the same
// peers with an IKE SA rekey request whose answer was not read and whose
// new SPI is st's initiator SPI; else, a guess, the one whose last
// exchange was a CREATE_CHILD_SA just before (or its last but an
// INFORMATIONAL, the old SA's Delete).
func (a *Analyzer) inferRekey(st *saState, p *Packet) *saState {
	h := &a.msg.Header
	if h.Exchange == dissect.ExchangeIKESAInit || h.MessageID > 1 {
		return nil
	}
	old := a.latest.get(st.pairKey())
	if old == nil || old == st || old.done || old.nrecent() == 0 {
		return nil
	}
	// With the keys, a request read as an IKE SA rekey whose answer was
	// not read (missing, or cut short by the capture) names the new SA by
	// its requester's new SPI, whatever came after it.
	for k := 1; k <= min(old.nrecent(), recentLen); k++ {
		ex := old.recentEx(k)
		if pd := ex.pendOf(); ex.kind == exIKERekey && pd != nil && pd.ikeRekey && !pd.answered && pd.newSPI == h.SPIi &&
			p.Time.Sub(ex.start()) <= 30*time.Second {
			pd.newSAFrame = p.Frame
			return old
		}
	}
	last := old.recentEx(1)
	deleted := false // the Delete read with the keys that ends the old SA
	if last.Type == dissect.ExchangeInformational && last.Answered && old.nrecent() >= 2 {
		// Most likely the old SA's Delete, which the peer that rekeyed
		// may send before the new SA's first message (a responder that
		// rekeys: strongSwan, libreswan).
		deleted = last.kind == exDelete
		last = old.recentEx(2)
	}
	if old.out.has(outDeleted) && !deleted {
		return nil
	}
	// Answered, or its answer missed by the capture: its sender went on
	// to a later request (laterRequest), as with the old SA's Delete.
	if last.Type != dissect.ExchangeCreateChildSA || !(last.Answered || laterRequest(old, last) != nil) || last.kind != exUnknown ||
		p.Time.Sub(last.start()) > 30*time.Second {
		return nil
	}
	return old
}

// linkRekey records that nw replaced old, in a rekey answered at at (the
// zero time: not known, as for an inferred rekey; nw is then taken as
// established at its first message); flip is saLinks.fromFlip.
func (a *Analyzer) linkRekey(old, nw *saState, inferred bool, at time.Time, flip uint8) {
	old.setRekeyedTo(nw)
	nw.setRekeyedFrom(old)
	nw.links().fromFlip = flip
	old.out.set(outRekeyed)
	nw.flags.set(flFromStart)
	nw.out.put(outRekeyInferred, inferred)
	nw.out.set(outAuthOK)
	if at.IsZero() || at.After(nw.start()) {
		at = nw.start()
	}
	nw.setEstablished(at)
	nw.copyProposal(old)
	a.latest.set(nw.pairKey(), nw)
}
