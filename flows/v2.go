package flows

import (
	"encoding/binary"
	"slices"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// maxNoted bounds per-SA frame lists kept for findings.
const maxNoted = 32

// v2 handles one IKEv2 message held in a.msg, whose decoding failed with
// decodeErr (nil: it decoded cleanly); ahead, when not nil, holds its
// facts, collected ahead (predecode.go).
func (a *Analyzer) v2(p *Packet, decodeErr error, ahead *facts) {
	h := &a.msg.Header
	fromI := h.IsInitiator()
	isResp := h.IsResponse()
	st := a.lookupV2(p, h, fromI, isResp)
	if st == nil {
		return
	}
	defer a.shareFindings(st, len(st.findings()))
	a.activity(st, p)
	side := sideR
	if fromI {
		side = sideI
	}
	st.noteTTL(side, p.TTL)
	st.notePort(side, p)
	if q := p.Src.Addr(); decodeErr == nil && (st.out.has(outAuthOK) || afterAuth(h)) && q.IsValid() && q.Unmap() != st.peer(side).Addr().Unmap() &&
		p.Dst.Addr().Unmap() == st.peer(side.other()).Addr().Unmap() {
		a.peerMoved(st, side, q) // MOBIKE (mobike.go): one peer moved, to the other one
	}
	if a.opt.Decryptor != nil {
		a.opt.Decryptor.Observe(&a.msg, a.msg.Raw, fromI)
	}
	f := ahead
	if f == nil {
		f = &a.f
		f.reset()
		f.collect(2, a.msg.Payloads)
	}
	if decodeErr != nil {
		f.malformed = true
		st.noteMalformed(p.Frame, decodeErr, false, p.Cut)
		cutFacts(f, 2, a.msg.Raw)
	}
	hash := a.msgHash()
	mv := cmsg{hash: hash, fragNum: narrowFrag(f.fragNum), fragTotal: narrowFrag(f.fragTotal)}
	a.msgFrag = [2]uint16{f.fragNum, f.fragTotal}
	if side == sideR {
		mv.flags |= cmsgResponder
	}
	if isResp {
		mv.flags |= cmsgResponse
	}
	m := &mv
	if isResp {
		a.v2Response(st, p, side, m, hash, f)
	} else {
		a.v2Request(st, p, side, m, hash, f)
	}
	if n, ok := f.notify(uint16(dissect.NotifySetWindowSize)); ok && len(n.data) >= 4 && binary.BigEndian.Uint32(n.data) > 1 {
		st.flags.set(flWindow)
	}
}

// cutCopy reports whether the request being read (f) or the first of ex
// did not decode (cut by the capture's snap length, IP fragments
// missing), so that the two cannot be compared octet for octet.
func cutCopy(st *saState, ex *exRec, f *facts) bool {
	return f.malformed || st.wasMalformed(ex.frame(0))
}

// lookupV2 finds or creates the IKE SA of an IKEv2 message.
func (a *Analyzer) lookupV2(p *Packet, h *dissect.Header, fromI, isResp bool) *saState {
	// One index lookup finds both the SA of the full key and the
	// half-open SA of the initiator SPI (saindex.go).
	st, hs := a.ix.find(2, h.SPIi, h.SPIr)
	if h.SPIr.IsZero() {
		if hs != nil {
			return hs
		}
		st := a.newSA(2, p, fromI, h.SPIi, h.SPIr)
		st.flags.put(flFromStart, !isResp && h.Exchange == dissect.ExchangeIKESAInit && h.MessageID == 0)
		a.addHalf(st)
		if st.flags.has(flFromStart) {
			a.noteReplacement(st, p)
		}
		return st
	}
	key := saKey{h.SPIi, h.SPIr, 2}
	if st != nil {
		return st
	}
	if hs != nil && !hs.done && h.Exchange == dissect.ExchangeIKESAInit &&
		(hs.SPIr.IsZero() || hs.out.has(outInitRetry)) {
		hs.setSPIr(h.SPIr)
		a.addKey(hs, key)
		return hs
	}
	if hs != nil && !hs.done && hs.SPIr.IsZero() && hs.flags.has(flFromStart) && (fromI && !isResp ||
		!fromI && h.Exchange != dissect.ExchangeIKESAInit && p.Src.Addr() == hs.responder().Addr() && p.Dst.Addr() == hs.initiator().Addr()) {
		// The initiator's next request names the responder's SPI: it
		// got the IKE_SA_INIT response, which this capture lacks (one
		// direction captured, or the packet dropped at the capture
		// point). So does a later message of the responder, sent to the
		// initiator, which it sends only after that response (the
		// Wireshark wiki's ikev2-esp-gcm-ctr-cbc without frames 2 and 3:
		// its IKE_AUTH answer opened an SA of its own, and the
		// IKE_SA_INIT "got no answer", an error). It is the same IKE SA.
		hs.setSPIr(h.SPIr)
		a.addKey(hs, key)
		return hs
	}
	st = a.newSA(2, p, fromI, h.SPIi, h.SPIr)
	a.addKey(st, key)
	if hs == nil && isResp && h.Exchange == dissect.ExchangeIKESAInit && h.MessageID == 0 {
		// As if its request had been seen: the request, timestamped
		// after its answer (merged captures whose clocks differ), joins
		// this SA by the initiator's SPI instead of opening one of its own.
		a.addHalf(st)
	}
	if r := a.rekeyFrom(key); r.old != nil {
		a.linkRekey(r.old, st, false, r.at, flipCode(r.flip))
	} else if old := a.inferRekey(st, p); old != nil {
		a.linkRekey(old, st, true, time.Time{}, 0)
	}
	return st
}

// v2Request pairs an IKEv2 request with its exchange.
func (a *Analyzer) v2Request(st *saState, p *Packet, side saSide, m *cmsg, hash uint64, f *facts) {
	h := &a.msg.Header
	mid := h.MessageID
	// RFC 6311: the IKEV2_MESSAGE_ID_SYNC exchange uses message ID 0 whatever
	// IDs its sender used before (the original initiator: that of its
	// IKE_SA_INIT). Its notify is inside SK, decrypted only in newRequest,
	// so recognise it here by its shape and settle it after decryption.
	syncShape := mid == 0 && h.Exchange == dissect.ExchangeInformational && f.sk && f.fragTotal == 0 && st.seen(side)
	if ex := st.findEx(side, mid, 0); ex != nil && (!syncShape || hash == ex.reqHash() || cutCopy(st, ex, f) && int(h.Length) == ex.msgSize(0)) {
		bit := fragBit(f)
		switch {
		case ex.bits&exAlone != 0 && ex.bits&exReqLate == 0 && ex.Type == h.Exchange && !syncShape &&
			!(h.Exchange == dissect.ExchangeIKESAInit && st.out.has(outInitRetry)):
			// The request of an answer seen before it (aloneFinding); not
			// an IKE_SA_INIT after an answer asking for a new one (COOKIE,
			// INVALID_KE_PAYLOAD): that is the retry, whose first request
			// the capture lacks.
			ex.bits |= exReqLate
			if mid == 0 && h.Exchange == dissect.ExchangeIKESAInit {
				st.flags.set(flFromStart) // message IDs known from zero after all
			}
			ex.setFragBits(false, bit)
			a.describe(st, p, side, m, f, ex)
			a.appendMsg(ex, m, p)
			st.expectMID(side, mid+1) // the case excludes syncShape
			if f.content() {
				a.onV2Request(st, p, side, ex, f)
			}
			return
		case f.fragTotal > 0 && ex.fragBits(false)&bit == 0 && (!ex.hasResp || ex.bits&exReqLate != 0):
			ex.setFragBits(false, ex.fragBits(false)|bit)
			a.describe(st, p, side, m, f, ex)
			a.appendMsg(ex, m, p)
			if f.fragDone {
				a.onV2Request(st, p, side, ex, f)
			}
			return
		case hash == ex.reqHash() || (f.fragTotal > 0 && ex.fragBits(false)&bit != 0):
			m.flags |= cmsgRetransmit
			m.payloads = a.lastPayloads(ex, side, f)
			if f.fragTotal <= 1 || f.fragNum == 1 {
				ex.addRetransmit()
			}
			a.appendMsg(ex, m, p)
			return
		case h.Exchange == dissect.ExchangeIKESAInit && ex.Type == dissect.ExchangeIKESAInit &&
			!(cutCopy(st, ex, f) && int(h.Length) == ex.msgSize(0) && !st.out.has(outInitRetry)):
			// A new IKE_SA_INIT with the same SPIi: retry after COOKIE or
			// INVALID_KE_PAYLOAD, or a changed offer. Not a desync. (One
			// of the two cut short, of the same length and with no answer
			// asking for a retry, is a copy: below.)
		case cutCopy(st, ex, f):
			// One of the two did not decode (cut by the capture's snap
			// length, IP fragments missing): what it holds cannot be
			// compared, so it is taken for a copy of the request its
			// message ID names, not for a different request: a
			// retransmit, counted with the others (else the copies after
			// a cut one made a retransmit series of their own, and one
			// request read as two sent fewer times each).
			a.describe(st, p, side, m, f, ex)
			if h.Exchange == ex.Type {
				m.flags |= cmsgRetransmit
				if f.fragTotal <= 1 || f.fragNum == 1 {
					ex.addRetransmit()
				}
			}
			a.appendMsg(ex, m, p)
			return
		default:
			st.addFinding(KindMIDDesync, SeverityError, p.Time,
				"The "+side.String()+" sent "+words.Article(h.Exchange.String())+" "+h.Exchange.String()+" request with message ID "+u32(mid)+
					", already used by a different "+ex.Type.String()+" request (frame "+a.frames.one(ex.frame(0))+
					"). A retransmission must be byte-identical, so one side has lost track of its message IDs: typical after an HA failover"+
					" without RFC 6311 sync, or a peer restart that kept the IKE SA. Check the cluster sync state and the peers' logs for"+
					" message ID complaints (strongSwan: 'received message ID N, expected M, ignored'); clearing the IKE SA"+
					" on both sides recovers.",
				ex.frame(0), p.Frame)
		}
		a.newRequest(st, p, side, m, f)
		return
	}
	next := st.mids[side]
	var skipFrom uint32
	skipped := false
	switch {
	case syncShape || f.hasNotify(uint16(dissect.NotifyIKEv2MessageIDSync)):
		// RFC 6311 sync: settled below.
	case !st.seen(side):
		// An answer to an earlier request of side's, alone in the capture
		// (capture_gap), shows that request was sent: no desync.
		answeredBefore := st.findRecent(func(ex *exRec) bool {
			return ex.side == side && ex.MID < mid && ex.bits&exAlone != 0
		}) != nil
		if st.flags.has(flFromStart) && mid != 0 && !answeredBefore && !(side == sideI && mid == 1 && h.Exchange != dissect.ExchangeIKESAInit) {
			skipFrom, skipped = 0, true // settled when the SA ends (midSkipFinding): answered, the IDs are in step
		}
	case mid == next:
	case mid > next:
		skipFrom, skipped = next, true // settled when the SA ends (midSkipFinding)
	default:
		st.addFinding(KindMIDDesync, SeverityError, p.Time,
			"The "+side.String()+" sent a new "+h.Exchange.String()+" request with message ID "+u32(mid)+
				", lower than its previous request ("+u32(next-1)+"): message IDs went backwards. The receiver treats it as an old"+
				" retransmit and ignores it. Typical after a failover to an HA member with stale state or a peer restart that kept the SA;"+
				" check cluster sync (RFC 6311) and clear the SA on both sides.", p.Frame)
	}
	if !syncShape && !f.hasNotify(uint16(dissect.NotifyIKEv2MessageIDSync)) {
		st.expectMID(side, mid+1)
	}
	a.newRequest(st, p, side, m, f)
	if skipped {
		if ex := st.findEx(side, mid, 0); ex != nil {
			ex.oddState().skipFrom, ex.oddState().skipped = skipFrom, true
		}
	}
	switch {
	case f.hasNotify(uint16(dissect.NotifyIKEv2MessageIDSync)) || syncShape && !f.decrypted:
		// Both sides go on from the IDs the sync agreed (in its notifies):
		// baselines restart and IDs are no longer known from zero.
		st.resetMIDs()
		st.flags.clear(flFromStart)
	case syncShape:
		st.addFinding(KindMIDDesync, SeverityError, p.Time,
			"The "+side.String()+" sent a new INFORMATIONAL request with message ID 0 again, without the IKEV2_MESSAGE_ID_SYNC"+
				" notify (RFC 6311) that alone may reuse it: message IDs went back to 0. The receiver treats it as an old"+
				" retransmit and ignores it. Typical after a failover to an HA member without state sync or a peer restart"+
				" that kept the SA; check cluster sync and clear the SA on both sides.", p.Frame)
		st.expectMID(side, 1)
	}
}

// newRequest opens a new exchange for a first-seen request.
func (a *Analyzer) newRequest(st *saState, p *Packet, side saSide, m *cmsg, f *facts) {
	ex := a.openExchange(st, p, side, m, f, false)
	if f.content() {
		a.onV2Request(st, p, side, ex, f)
	}
}

// v2Response pairs an IKEv2 response with its request.
func (a *Analyzer) v2Response(st *saState, p *Packet, side saSide, m *cmsg, hash uint64, f *facts) {
	h := &a.msg.Header
	mid := h.MessageID
	reqSide := side.other()
	ex := st.findEx(reqSide, mid, 0)
	if ex == nil {
		if seen := st.seen(reqSide); (seen && mid >= st.mids[reqSide]) || (!seen && st.flags.has(flFromStart)) {
			// A response echoes the message ID of a request its sender
			// received, so the request was sent: the capture lacks it,
			// or has it later (aloneFinding). (Before, this was a
			// warning that the peers' message IDs differ, and that the
			// requester would drop the response: false on every capture
			// that merely missed a request, the requester going on with
			// the next message ID.)
			a.responseAlone(st, p, side, m, f).oddState().gap = true
			return
		}
		a.responseAlone(st, p, side, m, f)
		return
	}
	bit := fragBit(f)
	if ex.hasResp {
		switch {
		case f.fragTotal > 0 && ex.fragBits(true)&bit == 0:
			ex.setFragBits(true, ex.fragBits(true)|bit)
			a.describe(st, p, side, m, f, ex)
			a.appendMsg(ex, m, p)
			if f.fragDone {
				a.onV2Response(st, p, side, ex, f)
			}
		case hash == ex.respHash() || (f.fragTotal > 0 && ex.fragBits(true)&bit != 0):
			m.flags |= cmsgRetransmit
			m.payloads = a.lastPayloads(ex, side, f)
			a.appendMsg(ex, m, p)
		case h.Exchange == dissect.ExchangeIKESAInit && st.out.has(outInitRetry):
			// The last answer asked for a new IKE_SA_INIT (COOKIE,
			// INVALID_KE_PAYLOAD), which the capture lacks: this answers
			// it (the initiator retries with message ID 0 again).
			a.responseAlone(st, p, side, m, f)
		case f.malformed || st.wasMalformed(firstResp(ex)):
			// not comparable (see v2Request): a copy, not another answer
			a.describe(st, p, side, m, f, ex)
			a.appendMsg(ex, m, p)
		default:
			st.addFinding(KindMIDDesync, SeverityWarning, p.Time,
				"The "+side.String()+" sent two different "+h.Exchange.String()+" responses for message ID "+u32(mid)+
					" (frames "+a.frames.and(firstResp(ex), p.Frame)+"). A responder must resend the same"+
					" response to a retransmitted request; two different answers point to two devices answering for the same SA"+
					" (HA split-brain, anycast) or a responder that lost its state.", firstResp(ex), p.Frame)
			a.describe(st, p, side, m, f, ex)
			a.appendMsg(ex, m, p)
		}
		return
	}
	ex.hasResp, ex.Answered = true, true
	ex.setFragBits(true, bit)
	lastReq := ex.lastReqTime()
	ex.setRTT(tsub(p.Time, lastReq))
	if n := ex.nmsgs(); n > 0 {
		a.waited(ex, tsub(p.Time, lastReq), ex.frame(n-1), p)
	}
	a.describe(st, p, side, m, f, ex)
	a.appendMsg(ex, m, p)
	if f.content() {
		a.onV2Response(st, p, side, ex, f)
	}
	a.upBeforeCapture(st, ex)
}

// wasMalformed reports whether frame is one of st's messages that did not
// decode cleanly (as far as they are noted: maxNoted).
func (st *saState) wasMalformed(frame int) bool {
	return slices.Contains(st.rareOrEmpty().malformed, frame)
}

// midSkipFinding reports the request ex, whose message ID is past skipFrom,
// the next one its sender should have used. Answered, it shows that the
// receiver had seen the IDs between (it answers only the ID it expects):
// they are only missing from the capture. Unanswered, they may have been
// skipped.
func (a *Analyzer) midSkipFinding(st *saState, ex *exRec, skipFrom uint32) {
	side, mid := ex.side, ex.MID
	if answeredAlone(st, side, skipFrom, mid-1) {
		// Every message ID skipped has its answer in the capture (each
		// with its capture_gap finding): the IDs are in step.
		return
	}
	follows := "follows its request " + u32(skipFrom-1) + " in this capture"
	if skipFrom == 0 {
		follows = "is its first request in this capture"
	}
	if ex.Answered {
		st.addFinding(KindCaptureGap, SeverityInfo, ex.start(),
			"The "+side.String()+"'s "+ex.Type.String()+" request with message ID "+u32(mid)+" "+follows+
				", and the "+side.other().String()+" answered it (frame "+a.frames.one(firstResp(ex))+"), which it"+
				" does only for the message ID it expects: "+usedIDs(skipFrom, mid-1)+". The capture"+
				" missed "+words.Pick(int(mid-skipFrom), "that exchange", "those exchanges")+": sent on a path it does not see, or lost to"+
				" it (IP fragments cut short by its snap length, packets dropped at the capture point)."+
				a.gapNote(st, time.Time{}, ex.start()), ex.frame(0))
		return
	}
	if prev := st.findEx(side, skipFrom-1, 0); side == sideI && skipFrom > 0 && prev != nil && prev.Type == dissect.ExchangeIKEAuth &&
		st.eapOrEmpty().rounds > 0 && st.eapOrEmpty().fail == 0 && !st.out.has(outAuthOK) {
		// The request before the gap was an EAP round that nothing in
		// the capture ended: EAP goes on in IKE_AUTH exchanges (RFC 7296
		// §2.16), which take the IDs between (ikev2-eap-wrong-password
		// without its last EAP round, frames 7 and 8).
		st.addFinding(KindCaptureGap, SeverityInfo, ex.start(),
			"The initiator's "+ex.Type.String()+" request with message ID "+u32(mid)+" follows its IKE_AUTH request "+u32(skipFrom-1)+
				" (frame "+a.frames.one(prev.frame(0))+"), an EAP round, in this capture. EAP goes on in IKE_AUTH exchanges until"+
				" the responder's EAP Success or Failure (RFC 7296 §2.16), which the capture does not hold: "+
				words.Pick(int(mid-skipFrom), "message ID "+u32(skipFrom)+" was most likely a further EAP round",
					"message IDs "+rangeStr(skipFrom, mid-1)+" were most likely further EAP rounds")+
				" that the capture missed, not IDs skipped.", ex.frame(0))
		return
	}
	if skipFrom == 0 {
		// Its first request, unanswered: the IDs before it skipped, or
		// their exchanges missed by the capture.
		st.addFinding(KindMIDDesync, SeverityWarning, ex.start(),
			"The first request from the "+side.String()+" of this IKE SA in this capture uses message ID "+u32(mid)+
				" where 0 was expected (each side numbers its own requests from 0, RFC 7296 §2.2), and no answer to it is in"+
				" the capture. Either the capture lacks the "+side.String()+"'s earlier requests (sent on a path it does not"+
				" see, or lost to it), or the peer reuses state from an older IKE SA with the same SPIs (a restarted peer,"+
				" duplicate SPIs): the other peer then drops the request.", ex.frame(0))
		return
	}
	if side == sideI && skipFrom == 1 && postAuth(ex.Type) && !hasExchange(st, dissect.ExchangeIKEAuth) {
		// The initiator's first request after IKE_SA_INIT is one sent
		// only on an IKE SA that IKE_AUTH has set up, and IKE_AUTH takes
		// message ID 1 (and the next with EAP): the capture lacks it, no
		// ID was skipped (ikev2-dpd-dead-peer without IKE_AUTH, frames 3
		// and 4: a desync warning beside the dead peer).
		st.addFinding(KindCaptureGap, SeverityInfo, ex.start(),
			"The initiator's "+ex.Type.String()+" request with message ID "+u32(mid)+" follows its IKE_SA_INIT (message ID 0) in"+
				" this capture, which holds no IKE_AUTH of this SA. A peer sends "+words.Article(ex.Type.String())+" "+ex.Type.String()+
				" only on an IKE SA that IKE_AUTH has set up, and IKE_AUTH takes message ID 1 (and the next ones with EAP):"+
				" the capture missed the IKE_AUTH exchange (sent on a path it does not see, or lost to it, e.g. IP"+
				" fragments of a large IKE_AUTH cut short by its snap length or dropped at the capture point).", ex.frame(0))
		return
	}
	st.addFinding(KindMIDDesync, SeverityWarning, ex.start(),
		"The "+side.String()+" sent "+words.Article(ex.Type.String())+" "+ex.Type.String()+" request with message ID "+u32(mid)+
			" but its previous request was "+u32(skipFrom-1)+": "+skippedIDs(skipFrom, mid-1)+
			" (or not in this capture: sent on a path it does not see, or lost to it, e.g. IP fragments cut short by its snap"+
			" length), and no answer to it is in the capture. A receiver that expects "+u32(skipFrom)+" drops the request, and"+
			" retransmits and a teardown follow. Typical after an HA failover without RFC 6311 sync (strongSwan logs 'received"+
			" message ID N, expected M, ignored', FortiGate 'request msgid = N, expected M').", ex.frame(0))
}

// openExchange opens the exchange of the message being analysed (a.msg),
// sent by side: a request, or (resp) a response whose request the capture
// lacks; the message is its first.
func (a *Analyzer) openExchange(st *saState, p *Packet, side saSide, m *cmsg, f *facts, resp bool) *exRec {
	h := &a.msg.Header
	reqSide := side
	if resp {
		reqSide = side.other()
	}
	ex := st.newExchange(h.Exchange, h.MessageID, reqSide, p.Time)
	if resp {
		ex.hasResp, ex.Answered = true, true
	}
	ex.setFragBits(resp, fragBit(f))
	a.addExchange(st, ex)
	a.describe(st, p, side, m, f, ex)
	a.appendMsg(ex, m, p)
	return ex
}

// fragBit returns the bit of an IKEv2 fragment number (0 when not
// fragmented or out of range).
func fragBit(f *facts) uint64 {
	if f.fragTotal == 0 || f.fragNum == 0 || f.fragNum > 64 {
		return 0
	}
	return 1 << (f.fragNum - 1)
}

// firstResp returns the frame of the first response of ex.
func firstResp(ex *exRec) int {
	for i := range ex.nmsgs() {
		if m := ex.msg(i); m.response() {
			return ex.frame(i)
		}
	}
	return 0
}

// lastPayloads returns the payload summary of the first message of ex sent
// by side with the fragment number and total of the message being
// analysed (a.msgFrag), so retransmits show what they carried without
// decrypting them again; else the summary of that message (f).
func (a *Analyzer) lastPayloads(ex *exRec, side saSide, f *facts) textID {
	num, total := a.msgFrag[0], a.msgFrag[1]
	for i := range ex.nmsgs() {
		if ex.msg(i).side() != side {
			continue
		}
		if n, t := ex.frag(i); t == total && (total == 0 || n == num) {
			return a.copyText(ex, i)
		}
	}
	return a.texts.id(f.summary)
}

// copyText returns the textID of the payload summary of the i-th message
// of ex, for a message that repeats it: when the summary is spilled (in
// ex's exOdd), it is handed to appendMsg again through texts.spill.
func (a *Analyzer) copyText(ex *exRec, i int) textID {
	id := ex.msg(i).payloads
	if id == textSpilled {
		a.texts.spill = ex.text(i, &a.texts)
	}
	return id
}

// addExchange records a new exchange on st.
func (a *Analyzer) addExchange(st *saState, ex *exRec) {
	if st.nexs() < a.opt.MaxExchanges {
		st.keepEx(ex)
	} else {
		st.startRing()
		st.moreState().omitted++
	}
	st.addRecent(ex)
}

// appendMsg copies m, the message of p being analysed (a.msg), into ex's
// message list (exRec.add) with p's frame and time and a.msg's size.
func (a *Analyzer) appendMsg(ex *exRec, m *cmsg, p *Packet) {
	if i := ex.nmsgs(); i < MaxExchangeMessages { // add keeps it
		// What m's narrow fields cannot hold: its summary when the table
		// had no room (texts.spill, set by the textSpilled just taken),
		// its fragment number or total from fragWide on (a.msgFrag, set
		// with m: only IKEv2 messages are fragments).
		if m.payloads == textSpilled {
			ex.keepExact(i, exactText, 0, a.texts.spill)
		}
		if m.fragNum == fragWide {
			ex.keepExact(i, exactFragNum, int(a.msgFrag[0]), "")
		}
		if m.fragTotal == fragWide {
			ex.keepExact(i, exactFragTotal, int(a.msgFrag[1]), "")
		}
	}
	ex.add(m, p.Frame, p.Time, a.msg.Header.Length)
}

// fragLabel formats a fragment number as Message.Fragment does: "n/total".
func fragLabel(num, total uint16) string {
	return strconv.Itoa(int(num)) + "/" + strconv.Itoa(int(total))
}

// skippedIDs says that message IDs lo to hi (lo ≤ hi) were skipped.
func skippedIDs(lo, hi uint32) string {
	if lo == hi {
		return "message ID " + u32(lo) + " was skipped"
	}
	return "message IDs " + rangeStr(lo, hi) + " were skipped"
}

// usedIDs says that the message IDs lo to hi were used though the
// capture lacks them.
func usedIDs(lo, hi uint32) string {
	if lo == hi {
		return "message ID " + u32(lo) + " was used, and is missing from this capture only"
	}
	return "message IDs " + rangeStr(lo, hi) + " were used, and are missing from this capture only"
}

// u32 formats a message ID.
func u32(v uint32) string { return strconv.FormatUint(uint64(v), 10) }

// rangeStr formats "a" or "a–b".
func rangeStr(a, b uint32) string {
	if a >= b {
		return u32(a)
	}
	return u32(a) + "–" + u32(b)
}

// cutFragmentNumbers reads the Fragment Number and Total Fragments of an
// IKEv2 message that did not decode (cut short by the capture, damaged)
// and whose first payload is an SKF (RFC 7383 §2.5: its fields follow the
// IKE header and the payload's generic header, octets 32 to 35), so that
// a fragment the capture holds cut is counted as held, not as missing.
// 0, 0 when raw does not hold them or they are out of range.
func cutFragmentNumbers(raw []byte) (num, total uint16) {
	const at = dissect.HeaderLen + 4
	if len(raw) < at+4 || dissect.PayloadType(raw[16]) != dissect.PayloadSKF {
		return 0, 0
	}
	num, total = binary.BigEndian.Uint16(raw[at:]), binary.BigEndian.Uint16(raw[at+2:])
	if dissect.CheckFragment(num, total) != nil {
		return 0, 0
	}
	return num, total
}

// afterAuth reports whether h heads a message that peers send only on an
// IKE SA that IKE_AUTH has set up: an encrypted INFORMATIONAL or
// CREATE_CHILD_SA (RFC 7296 §1.4, §1.3). A MOBIKE move is followed from
// such a message even when the capture lacks the IKE_AUTH answer (the SA
// is taken as established only at its conclusion, capture_gap): without
// it, the ESP to the peer's new address belonged to no IKE SA, and its
// child SA read as one-way (ikev2-mobike without frame 4).
func afterAuth(h *dissect.Header) bool {
	return postAuth(h.Exchange) && (h.NextPayload == dissect.PayloadSK || h.NextPayload == dissect.PayloadSKF)
}

// postAuth reports whether t is an IKEv2 exchange that peers run only on an
// IKE SA that IKE_AUTH has set up: INFORMATIONAL or CREATE_CHILD_SA.
func postAuth(t dissect.ExchangeType) bool {
	return t == dissect.ExchangeInformational || t == dissect.ExchangeCreateChildSA
}

// hasExchange reports whether the capture holds an exchange of type t of
// st.
func hasExchange(st *saState, t dissect.ExchangeType) bool {
	for i := range st.nexs() {
		if st.exAt(i).Type == t {
			return true
		}
	}
	return false
}
