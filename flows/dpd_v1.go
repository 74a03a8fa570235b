package flows

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// IKEv1 dead peer detection (RFC 3706). An R-U-THERE and its
// R-U-THERE-ACK are informational exchanges of their own, each with its
// own message ID; the ACK names the probe by its sequence number. With
// keys the two are paired by that number; without keys an informational
// is opaque, and only a run of them that nobody answers tells anything.

// maxDPDLost bounds the unacknowledged R-U-THEREs kept besides the latest
// of each sequence number (v1Odd.dpdLost): a hostile peer could send any
// number of probes with one sequence number.
const maxDPDLost = 64

// minDeadRun is how many unanswered probes from one peer, with nothing
// from the other after the first, make a dead peer (both with keys and
// without): one or two may be a slow answer or a lost packet; daemons
// retry a few times before they give up (strongSwan and libreswan retry
// every DPD delay, Cisco 2 s apart).
const minDeadRun = 3

// lostProbe is an R-U-THERE that a later one with the same sequence
// number replaced in v1Odd.dpd before any ACK came.
type lostProbe struct {
	ex  *exRec
	seq uint32
}

// noteDPDv1 pairs a decrypted R-U-THERE (ack false) or R-U-THERE-ACK of
// sequence number seq in exchange ex. An R-U-THERE is not answered until
// the ACK with its number comes; the ACK answers every probe that carried
// the number. strongSwan sends an unacknowledged probe again with the
// same sequence number in a new exchange (ikev1-dpd-dead-peer: eight
// probes, one number), so a probe replaced in v1Odd.dpd by another of its
// number is kept in dpdLost: it too went unacknowledged.
func (a *Analyzer) noteDPDv1(st *saState, p *Packet, ex *exRec, ack bool, seq uint32) {
	v := st.v1().more()
	if v.dpd == nil {
		v.dpd = make(map[uint32]*exRec)
	}
	if !ack {
		if i := slices.Index(v.dpdAckFirst, seq); i >= 0 {
			// Its ACK came first in the capture (frames out of time
			// order beyond the reorder window): acknowledged, no RTT.
			ex.Answered = true
			v.dpdAckFirst = slices.Delete(v.dpdAckFirst, i, i+1)
			return
		}
		ex.Answered = false
		if prev := v.dpd[seq]; prev != nil && prev != ex && len(v.dpdLost) < maxDPDLost {
			v.dpdLost = append(v.dpdLost, lostProbe{prev, seq})
		}
		v.dpd[seq] = ex
		return
	}
	req := v.dpd[seq]
	if req == nil {
		if len(v.dpdAckFirst) < maxDPDLost {
			v.dpdAckFirst = append(v.dpdAckFirst, seq)
		}
		return
	}
	req.Answered = true
	req.setRTT(tsub(p.Time, req.start()))
	if req.side != ex.side {
		a.v1UpBefore(st, st.v1(), p) // the peers' liveness exchange needs phase 1 complete
	}
	delete(v.dpd, seq)
	for i := range v.dpdLost {
		if v.dpdLost[i].seq == seq {
			v.dpdLost[i].ex.Answered = true // acknowledged by number; no RTT: the ACK answers the last copy
		}
	}
	v.dpdLost = slices.DeleteFunc(v.dpdLost, func(l lostProbe) bool { return l.seq == seq })
}

// dpdFindingsV1 reports the R-U-THEREs that got no R-U-THERE-ACK (with
// keys). A probe sent within Options.Grace of the end of the capture is
// not reported alone (its ACK may just not have been captured). When
// minDeadRun or more probes of one peer went unacknowledged and nothing
// came from the other peer after the first of them (silentAfter), the
// peer was dead: one finding names them all and the SA ends there
// (outDead: deleted).
func (a *Analyzer) dpdFindingsV1(st *saState) {
	if st.model().ExchangesOmitted > 0 {
		// The kept records are the SA's first exchanges, not its last:
		// what came after the probes (silentAfter) is not all there.
		return
	}
	v := st.v1()
	all := make([]*exRec, 0, len(v.dpd)+len(v.dpdLost))
	for _, req := range v.dpd {
		all = append(all, req)
	}
	for _, l := range v.dpdLost {
		all = append(all, l.ex)
	}
	// Capture order (map order is random).
	slices.SortFunc(all, func(x, y *exRec) int { return cmp.Or(x.start().Compare(y.start()), cmp.Compare(x.MID, y.MID)) })
	if len(all) >= minDeadRun && a.now.Sub(all[0].start()) >= a.opt.Grace {
		from := all[0].side
		run := all[:0:0]
		for _, req := range all {
			if req.side == from {
				run = append(run, req)
			}
		}
		if why := unseenPeer(st, from.other()); why != "" && len(run) >= minDeadRun {
			// One direction only (oneway.go): no verdict on the peer.
			st.addFinding(KindUnanswered, SeverityInfo, run[0].start(), oneWayV1Text(from.other(), why,
				"DPD R-U-THEREs", len(run)), run[0].frame(0))
			return
		}
		if len(run) >= minDeadRun && a.silentAfter(st, from.other(), run[0].frame(0), run[0].start()) {
			a.deadPeerV1(st, run, true, a.deletesAfter(st, from, run[len(run)-1].start()), time.Time{})
			return
		}
	}
	for _, req := range all {
		if a.now.Sub(req.start()) < a.opt.Grace {
			continue
		}
		if f := heardAfter(st, req.side.other(), req.start()); f != 0 {
			// The other peer sent IKE messages of this SA after it (a
			// later ACK, a request of its own): it was there. (ikev1-dpd
			// without one ACK: "the peer is unreachable", an error.) ESP
			// is not counted: its counts do not say which direction came
			// when (silentAfter).
			st.addFinding(KindUnanswered, SeverityInfo, req.start(),
				"The "+req.side.String()+"'s DPD R-U-THERE (frame "+a.frames.one(req.frame(0))+") has no R-U-THERE-ACK in this"+
					" capture, but the "+req.side.other().String()+" sent IKE messages of this SA after it (from frame "+a.frames.one(f)+
					"): it was reachable and held the SA. The ACK was lost on the path or missed by the capture; one lost"+
					" probe alone does not end the SA (a peer resends R-U-THERE before it declares the other dead, RFC 3706).",
				req.frame(0), f)
			continue
		}
		if why := unseenPeer(st, req.side.other()); why != "" {
			// One direction only (oneway.go): no verdict on the peer.
			st.addFinding(KindUnanswered, SeverityInfo, req.start(), oneWayV1Text(req.side.other(), why,
				"DPD R-U-THERE (frame "+a.frames.one(req.frame(0))+")", 1), req.frame(0))
			continue
		}
		st.addFinding(KindDeadPeer, SeverityError, req.start(),
			"The "+req.side.String()+"'s DPD R-U-THERE got no R-U-THERE-ACK: the peer is unreachable or has lost this SA (reboot,"+
				" HA failover, NAT mapping expired). Check reachability on UDP 500/4500."+unansweredWhere(st, req.side, deadCauses), req.frame(0))
	}
}

// heardAfter returns the frame of the first IKE message of st from side
// sent after t, 0 when there is none.
func heardAfter(st *saState, side saSide, t time.Time) int {
	first, firstT := 0, time.Time{}
	for i := range st.nexs() {
		ex := st.exAt(i)
		for j := range ex.nmsgs() {
			if ex.msg(j).side() == side && ex.msgTime(j).After(t) && (first == 0 || ex.msgTime(j).Before(firstT)) {
				first, firstT = ex.frame(j), ex.msgTime(j)
			}
		}
	}
	return first
}

// silentAfter reports whether the capture holds nothing from side of st
// after the message at frame, sent at t: no IKE message of the SA from it
// after t, and no ESP of its child SAs at all after frame (either
// direction: the counts do not keep the frames of each direction, so a
// sender still pushing ESP into the tunnel of a dead peer makes this
// false, which errs on the side of no finding). ESP is compared by frame
// number, the only place a child SA keeps of its last packet: frames read
// out of time order may put ESP sent just before the message after it.
// The child SAs an IKE rekey moved to st count as its own.
func (a *Analyzer) silentAfter(st *saState, side saSide, frame int, t time.Time) bool {
	espAfter := func(c *ChildSA) bool { return c.ESPPackets != (ESPCount{}) && c.lastESP > frame } // lastESP is 0 for none
	if slices.ContainsFunc(st.model().ChildSAs, espAfter) {
		return false
	}
	// The child SAs an IKE rekey moved to an IKEv2 SA are listed under
	// its predecessor (movedChildren; with the indexes, which Finish
	// keeps for the SAs that may end such child SAs: settleHeirs).
	moved := false
	if !a.unindexed {
		a.movedChildren(st, func(c *ChildSA, _ bool) { moved = moved || espAfter(c) })
	}
	if moved {
		return false
	}
	for i := range st.nexs() {
		ex := st.exAt(i)
		for j := range ex.nmsgs() {
			if ex.msgTime(j).After(t) && ex.msg(j).side() == side {
				return false
			}
		}
	}
	return true
}

// deadPeerV1 reports the informational exchanges run, all from one peer
// and unanswered, as a dead peer, and ends the SA there (outDead). keyed tells that
// they were read as R-U-THEREs; without keys they are opaque, and the
// finding is a warning that says what was seen and what it most likely
// was. dels are the frames of what the same peer sent at the end, after
// the run: its Deletes read with the keys (deletesAfter), or without keys
// the informational messages it sent at once (keylessDPDv1), the first
// sent at delsAt; none when it sent nothing more.
func (a *Analyzer) deadPeerV1(st *saState, run []*exRec, keyed bool, dels []int, delsAt time.Time) {
	from := run[0].side
	first, last := run[0].start(), run[len(run)-1].start()
	frames := make([]int, 0, len(run))
	for _, ex := range run {
		for j := range ex.nmsgs() {
			frames = append(frames, ex.frame(j))
		}
		// Answered is left as it is: false for an R-U-THERE read
		// (noteDPDv1); true for an opaque one-way informational, whose
		// record a report with Options.MaxExchanges may have kept without
		// the run that tells more, and must show as the full report does.
	}
	silence := "nothing came from the " + from.other().String() + " after the first (no IKE message of this SA, no ESP)" +
		" in the " + secs(a.now.Sub(first)) + " the capture went on"
	var msg string
	sev := SeverityError
	if keyed {
		msg = "The " + from.String() + " sent DPD R-U-THERE " + words.Count(len(run), "time", "times") + " over " +
			secs(last.Sub(first)) + " (frames " + a.frames.join(frames) + "), none acknowledged with an R-U-THERE-ACK" +
			" (RFC 3706), and " + silence + ": the " + from.other().String() + " is unreachable or has lost this SA" +
			" (crash or reboot, HA failover, NAT mapping expired). "
		if len(dels) > 0 {
			// libreswan's "DPD action - clearing connection ... and
			// sending notification" (libreswan-ikev1-dpd-dead-peer).
			msg += "The " + from.String() + " then declared the peer dead and took its DPD action: it sent " +
				words.Pick(len(dels), "a Delete (frame ", "Deletes (frames ") + a.frames.join(dels) + ")."
		} else {
			msg += "The " + from.String() + " then declares the peer dead and takes its DPD action (clear, hold or restart)" +
				" on its own, usually without a Delete (strongSwan logs \"DPD check timed out, enforcing DPD action\")."
		}
		msg += " Check the " + from.other().String() + "'s uptime and logs and that UDP 500/4500 reaches it."
	} else {
		sev = SeverityWarning
		hidden := "Without keys their content is hidden" // keys given that did not read them: keysOr says why
		if a.opt.Decryptor != nil {
			hidden = "Their content could not be read"
		}
		msg = "The " + from.String() + " sent " + strconv.Itoa(len(run)) + " encrypted informational messages at regular" +
			" intervals of about " + secs(last.Sub(first)/time.Duration(len(run)-1)) + " (frames " + a.frames.join(frames) +
			"), and " + silence + ". " + hidden + ", but repeated informationals at a steady" +
			" interval that nobody answers are most likely DPD R-U-THERE probes (RFC 3706) going unanswered: the " +
			from.other().String() + " is unreachable or has lost this SA (crash or reboot, HA failover, NAT mapping" +
			" expired), and the " + from.String() + " declares it dead and tears the SA down"
		if len(dels) > 0 {
			msg += ": the " + strconv.Itoa(len(dels)) + " informational messages it sent at once " + secs(delsAt.Sub(last)) +
				" after the last of them (frames " + a.frames.join(dels) + ") are most likely its Deletes (libreswan sends them, strongSwan does not)."
		} else {
			msg += ", usually without a Delete."
		}
		msg += " Check the " + from.other().String() + "'s uptime and logs and that UDP 500/4500 reaches it" +
			a.keysOr(st, "; give the keys to see the R-U-THEREs.", ". ", "see the R-U-THEREs")
	}
	st.addFinding(KindDeadPeer, sev, first, msg+unansweredWhere(st, from, deadCauses), frames...)
	st.out.set(outDead)
}

// deletesAfter returns the frames of the Deletes (informationals read
// with the keys, informationalV1) that side of st sent after t, nil when
// none.
func (a *Analyzer) deletesAfter(st *saState, side saSide, t time.Time) []int {
	var fr []int
	for i := range st.nexs() {
		ex := st.exAt(i)
		if ex.Type != dissect.ExchangeInformationalV1 || ex.kind != exDelete {
			continue
		}
		for j := range ex.nmsgs() {
			if ex.msg(j).side() == side && ex.msgTime(j).After(t) {
				fr = append(fr, ex.frame(j))
			}
		}
	}
	return fr
}

// delBurst is how close together the informational messages that end a
// keyless run of unanswered ones must be to be taken for the Deletes of
// the DPD action (keylessDPDv1): a peer sends those at once (within 0.1
// ms in libreswan-ikev1-dpd-dead-peer), probes go seconds apart.
const delBurst = 100 * time.Millisecond

// keylessDPDv1 looks, without keys, for unanswered DPD in an established
// IKEv1 SA: the messages of the SA that end it are minDeadRun or more
// encrypted informationals from one peer, sent at regular intervals
// (none closer than a second to the one before, the longest gap at most
// twice the shortest: not a burst of Deletes, which go within
// milliseconds), the first at least Options.Grace before the end of the
// capture, with nothing from the other peer after the first of them
// (silentAfter). IKEv1 informationals are one-way, so an answered DPD
// shows as messages from both peers, and Deletes are not resent.
func (a *Analyzer) keylessDPDv1(st *saState) {
	v := st.v1()
	if !v.phase1Done || st.out.has(outDeleted) || st.out.has(outDead) || st.model().ExchangesOmitted > 0 {
		return // (with exchanges omitted, the kept records are not the SA's last ones)
	}
	// The SA's last messages, newest first: a backwards walk over the
	// exchanges (one-way informationals are one exchange each), stopping
	// at the first message that is not an undecrypted informational from
	// the sender of the last one.
	type m struct {
		ex    *exRec
		frame int
		t     time.Time
	}
	var buf [16]m
	run := buf[:0]
	var from saSide
	for i := st.nexs() - 1; i >= 0; i-- {
		ex := st.exAt(i)
		if ex.Type != dissect.ExchangeInformationalV1 || ex.nmsgs() != 1 {
			break
		}
		if p := ex.text(0, &a.texts); p != "encrypted" {
			break
		}
		if len(run) == 0 {
			from = ex.msg(0).side()
		} else if ex.msg(0).side() != from || ex.msgTime(0).After(run[len(run)-1].t) {
			break
		}
		run = append(run, m{ex, ex.frame(0), ex.msgTime(0)})
	}
	// The newest messages, when two or more went at once, are most likely
	// the Deletes of the DPD action (libreswan sends them): the run is
	// the probes before them.
	tail := 0
	for tail < len(run) && run[0].t.Sub(run[tail].t) <= delBurst {
		tail++
	}
	var dels []int
	var delsAt time.Time
	if tail >= 2 && len(run)-tail >= minDeadRun {
		for i := tail - 1; i >= 0; i-- {
			dels = append(dels, run[i].frame)
		}
		delsAt = run[tail-1].t // the first of them (run is newest first)
		run = run[tail:]
	}
	if len(run) < minDeadRun {
		return
	}
	slices.Reverse(run)
	if a.now.Sub(run[0].t) < a.opt.Grace || !a.silentAfter(st, from.other(), run[0].frame, run[0].t) {
		return
	}
	if why := unseenPeer(st, from.other()); why != "" {
		// One direction only (oneway.go): no verdict on the peer.
		st.addFinding(KindUnanswered, SeverityInfo, run[0].t, oneWayV1Text(from.other(), why,
			"encrypted informational messages at regular intervals (most likely DPD R-U-THEREs)", len(run)), run[0].frame)
		return
	}
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for i := 1; i < len(run); i++ {
		d := run[i].t.Sub(run[i-1].t)
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo < time.Second || hi > 2*lo {
		return
	}
	exs := make([]*exRec, len(run))
	for i := range run {
		exs[i] = run[i].ex
	}
	a.deadPeerV1(st, exs, false, dels, delsAt)
}
