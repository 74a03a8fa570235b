package flows

import (
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// expectRekey notes that an IKE SA rekey of old negotiated the SPIs k.
func (a *Analyzer) expectRekey(k saKey, old *saState) {
	if a.rekeys == nil {
		a.rekeys = make(map[saKey]*saState)
	}
	a.rekeys[k] = old
	r := old.links()
	r.rekeyKeys = append(r.rekeyKeys, k)
}

// rekeyFrom returns the IKE SA whose rekey negotiated k.
func (a *Analyzer) rekeyFrom(k saKey) *saState {
	old := a.rekeys[k]
	if old != nil {
		delete(a.rekeys, k)
	}
	return old
}

// inferRekey guesses, without keys, that st (a new IKE SA first seen in
// mid-conversation, not with IKE_SA_INIT) replaces the established SA between
// the same peers whose last exchange was a CREATE_CHILD_SA just before.
func (a *Analyzer) inferRekey(st *saState, p *Packet) *saState {
	h := &a.msg.Header
	if h.Exchange == dissect.ExchangeIKESAInit || h.MessageID > 1 {
		return nil
	}
	old := a.latest.get(st.pairKey())
	if old == nil || old == st || old.done || old.out.has(outDeleted) {
		return nil
	}
	if old.nrecent() == 0 {
		return nil
	}
	last := old.recentEx(1)
	if last.Type != dissect.ExchangeCreateChildSA || !last.Answered || last.kind != exUnknown ||
		p.Time.Sub(last.start()) > 30*time.Second {
		return nil
	}
	return old
}

// linkRekey records that nw replaced old.
func (a *Analyzer) linkRekey(old, nw *saState, inferred bool) {
	old.setRekeyedTo(nw)
	nw.setRekeyedFrom(old)
	old.out.set(outRekeyed)
	nw.flags.set(flFromStart)
	nw.out.put(outRekeyInferred, inferred)
	nw.out.set(outAuthOK)
	nw.setEstablished(nw.start())
	nw.copyProposal(old)
	a.latest.set(nw.pairKey(), nw)
}
