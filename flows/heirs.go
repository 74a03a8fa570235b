package flows

import "slices"

// Child SAs moved by an IKE rekey end with the IKE SA that holds them.
//
// After an IKE rekey the child SAs belong to the new IKE SA (RFC 7296
// §2.18), but they stay listed under the IKE SA that negotiated them
// (movedChildren). When the new IKE SA is torn down because its liveness
// checks went unanswered (dead_peer), they go with it, like its own
// (conclude): the SA that lists them must not be concluded, and handed on,
// before the SA that holds them (its heir). Otherwise a tunnel that dies
// after its first IKE rekey showed its child SA "established" under the
// old IKE SA.
//
// Two orders make sure of it:
//   - Finish settles the open heirs first, newest first, before the
//     indexes that movedChildren follows are dropped (settleHeirs);
//   - with an idle timeout, an SA whose successor is open and waits for
//     the answer to a request (a liveness check that may go unanswered),
//     and which holds established child SAs (its own, or moved from its
//     predecessors), is parked when it goes idle: out of the idle list,
//     finalised right after its heir (finalize, parkedBefore), or at
//     Finish.
//
// Parking is bounded: an SA is parked only when its direct successor has
// a request without answer at that moment, and that successor is
// finalised at most an idle timeout after its last message (a peer
// retransmits a request for minutes, not longer: RFC 7296 §2.4); a
// successor that goes on exchanging messages does not end as a dead
// peer there, and an SA that goes idle while its successor is fine is not
// parked. movedChildren reaches back maxRekeyChain SAs at most. (Parking
// whenever the successor was open kept every replaced IKE SA of a
// long-lived tunnel until it ended.)

// moveHolder reports whether st, an IKEv2 SA, lists an established child
// SA or reaches one of a predecessor's (movedChildren).
func (a *Analyzer) moveHolder(st *saState) bool {
	if st.Version != 2 {
		return false
	}
	if slices.ContainsFunc(st.childSAs(), func(c *ChildSA) bool { return c.State == ChildEstablished }) {
		return true
	}
	held := false
	a.movedChildren(st, func(c *ChildSA, _ bool) {
		if c.State == ChildEstablished {
			held = true
		}
	})
	return held
}

// openSuccessor returns the open IKE SA that st was rekeyed to, nil when
// none.
func (a *Analyzer) openSuccessor(st *saState) *saState {
	l := st.rareOrEmpty()
	if st.Version != 2 || !l.hasTo {
		return nil
	}
	nw, _ := a.ix.find(2, l.rekeyedTo[0], l.rekeyedTo[1])
	if nw == nil || nw == st || nw.done {
		return nil
	}
	return nw
}

// park takes st, idle, out of the idle list when its successor is open
// and it holds established child SAs that the successor may yet end; it
// reports whether it did.
func (a *Analyzer) park(st *saState) bool {
	if a.unindexed {
		return false
	}
	nw := a.openSuccessor(st)
	if nw == nil || nw.nrecent() == 0 || nw.recentEx(1).Answered {
		return false
	}
	st.materialise(&a.infs) // its inferred child SAs count too
	if !a.moveHolder(st) {
		return false
	}
	a.lruRemove(st)
	st.flags.set(flParked)
	return true
}

// parkedBefore returns the parked SAs of st's rekey chain (the walk back
// of predecessors, the SAs whose child SAs st holds), newest first, to be
// finalised after st is concluded; nil when none.
//
// The walk follows rekeyedFrom alone, not predecessors' checks: a parked
// SA must always be found (after a simultaneous rekey, the loser deleted
// and finalised first, predecessors stops at the old SA until
// wonCollision can tell, and the parked old SA would wait for Finish).
func (a *Analyzer) parkedBefore(st *saState) []*saState {
	if st.Version != 2 || a.unindexed {
		return nil
	}
	var parked []*saState
	cur := st
	for range maxRekeyChain {
		l := cur.rareOrEmpty()
		if !l.hasFrom {
			break
		}
		old, _ := a.ix.find(2, l.rekeyedFrom[0], l.rekeyedFrom[1])
		if old == nil || old == cur || old.done {
			break
		}
		if old.flags.has(flParked) {
			parked = append(parked, old)
		}
		cur = old
	}
	return parked
}

// settleHeirs settles, newest first, the open SAs of open that hold child
// SAs listed under an open predecessor (Finish, with the indexes still
// in place); Finish hands them on in their order with the others, which
// it settles after (settled reports which were).
func (a *Analyzer) settleHeirs(open []openSA) {
	var heirs []*saState
	for _, o := range open {
		st := o.st
		if st.Version != 2 || !st.rareOrEmpty().hasFrom || !mayEndChildren(st) {
			continue
		}
		held := false
		a.movedChildren(st, func(c *ChildSA, _ bool) {
			if c.State == ChildEstablished {
				held = true
			}
		})
		if held {
			heirs = append(heirs, st)
		}
	}
	// open is in finalisation order (first frames); an heir comes after
	// its predecessors, so the newest is last.
	// Only concluded here: their exported exchanges are built in their
	// turn (finishConcluded), so that what waits for it is small.
	for i := len(heirs) - 1; i >= 0; i-- {
		a.concludeOnly(heirs[i], &a.cc) // done from here: settled
	}
}

// finishConcluded ends the settling of st, concluded ahead by settleHeirs:
// its exchanges viewed and its working state released. It reads and
// writes st only (settleBlock may run it on Finish's second goroutine).
func (a *Analyzer) finishConcluded(st *saState) {
	a.viewExchanges(st)
	st.release(&a.infs)
}

// mayEndChildren reports whether concluding st may end the child SAs it
// holds without a Delete (conclude, endChildSAs): INITIAL_CONTACT cleared
// it, or a request of it was resent and has no answer (a dead peer: its
// sender resends before it gives up, unansweredV2). Only such heirs are
// settled ahead: a settled SA's exported SA waits for its turn to be
// handed on, and settling every heir first held those of a 100k-SA
// capture's rekeyed copies at once (JSON max RSS 126-129 -> 143-149 MB).
func mayEndChildren(st *saState) bool {
	if st.rareOrEmpty().cleared != nil {
		return true
	}
	for i := range st.nexs() {
		if ex := st.exAt(i); !ex.Answered && ex.retransmits() > 0 {
			return true
		}
	}
	return false
}

// settled reports whether st was concluded ahead (settleHeirs): Finish
// lists only SAs not finalised (not done), so at Finish done means that.
func settled(st *saState) bool { return st.done }
