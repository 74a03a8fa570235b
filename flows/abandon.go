package flows

import (
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Finding kinds for IKE SAs given up without a word.
const (
	// KindAbandoned: IKE SAs left right after IKE_AUTH, no Delete, each
	// replaced by a fresh IKE_SA_INIT.
	KindAbandoned = "sa_abandoned"
	// KindIgnoredRekey: CREATE_CHILD_SA requests ignored, then a new IKE SA
	// instead of a rekey.
	KindIgnoredRekey = "create_child_sa_ignored"
)

// replaceWithin is how soon a fresh IKE_SA_INIT must follow an IKE SA's
// last packet to count as its replacement.
const replaceWithin = 2 * time.Minute

// replacement returns the first IKE_SA_INIT between the pair that started
// after c ended and within replaceWithin (ok false when none).
func (h *pairHist) replacement(c *cycle) (initStart, bool) {
	for _, s := range h.inits {
		if s.frame != c.frame && !s.t.Before(c.end) && s.t.Sub(c.end) <= replaceWithin {
			return s, true
		}
	}
	return initStart{}, false
}

// abandonFindings names two ways IKE SAs are given up without a Delete
// and replaced by new ones, per pair of peers: SAs abandoned right after
// IKE_AUTH (several), and CREATE_CHILD_SA requests ignored by the peer
// followed by a brand-new IKE SA (the FortiGate HA pattern).
func (a *Analyzer) abandonFindings() {
	keys := make([]pairKey, 0, len(a.pairs))
	for k, ps := range a.pairs {
		if ps.hist != nil && len(ps.hist.cycles) > 0 && len(ps.hist.inits) > 0 {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(x, y pairKey) int { return a.pairs[x].hist.cycles[0].frame - a.pairs[y].hist.cycles[0].frame })
	for _, k := range keys {
		h := a.pairs[k].hist
		slices.SortFunc(h.inits, func(x, y initStart) int { return x.frame - y.frame })
		var frames []int
		var gaps []time.Duration
		var first *cycle
		for i := range h.cycles {
			c := &h.cycles[i]
			if !c.abandoned {
				continue
			}
			r, ok := h.replacement(c)
			if !ok || r.from != c.initiator {
				continue
			}
			if first == nil {
				first = c
			}
			frames = append(frames, c.frame, r.frame)
			gaps = append(gaps, r.t.Sub(c.end))
		}
		if len(gaps) >= 2 {
			span := "within " + secs(slices.Max(gaps))
			a.global = append(a.global, Finding{Kind: KindAbandoned, Severity: SeverityWarning, Time: first.start,
				Frames: sortedFrames(frames),
				Message: first.initiator.String() + " abandoned " + strconv.Itoa(len(gaps)) + " IKE SAs with " +
					otherAddr(h, first.initiator) + " right after IKE_AUTH: no Delete, no further exchange, each followed by a" +
					" fresh IKE_SA_INIT from it " + span + ". The initiator gives up its SAs locally without telling" +
					" the peer: typically it could not install the child SA in its kernel (its log shows the install or" +
					" route error), an HA fail-over, or a configuration reload. The peer keeps the abandoned SAs until they" +
					" time out."})
		}
		for i := range h.cycles {
			c := &h.cycles[i]
			if c.ignored == 0 {
				continue
			}
			r, ok := h.replacement(c)
			if !ok {
				continue
			}
			a.global = append(a.global, Finding{Kind: KindIgnoredRekey, Severity: SeverityWarning, Time: c.start,
				Frames: []int{c.ignored, r.frame},
				Message: c.ignoredBy.String() + " never answered a CREATE_CHILD_SA request (frame " + strconv.Itoa(c.ignored) +
					", retransmitted) on an IKE SA it had established, and a brand-new IKE SA followed (frame " +
					strconv.Itoa(r.frame) + ") instead of a rekey: " + c.ignoredBy.String() + " no longer treats that IKE SA" +
					" as its own. This is how a FortiGate HA cluster with virtual clustering (VDOM partitioning) behaves" +
					" when the VDOM is active on the other member (its debug log says \"ignoring message on HA synced" +
					" IKE_SA\"); also seen after an HA fail-over without IKE SA sync. Check the cluster's HA and IKE SA" +
					" sync state on " + c.ignoredBy.String() + "."})
		}
	}
}

// otherAddr returns the address of the pair that is not x.
func otherAddr(h *pairHist, x netip.Addr) string {
	if h.a == x {
		return h.b.String()
	}
	return h.a.String()
}
