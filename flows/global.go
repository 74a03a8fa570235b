package flows

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Flapping thresholds: at least flapMin established SAs between the same
// peers, each living less than flapLife.
const (
	flapMin  = 4
	flapLife = 5 * time.Minute
)

// globalFindings adds the capture-wide findings: flapping SAs and ESP that
// no IKE SA explains.
func (a *Analyzer) globalFindings() {
	h := &a.hist
	for _, i := range h.flapping() {
		rec, m := &h.recs[i], h.rest(i)
		start := h.start(i)
		short := 0
		deleted := 0
		frames := make([]int, 0, h.n(i))
		if rec.flags&histShort != 0 {
			short++
			frames = append(frames, h.firstFrame(i))
		}
		if rec.flags&histDeleted != 0 {
			deleted++
		}
		for _, c := range m.cycles {
			if c.short {
				short++
				frames = append(frames, c.frame)
			}
			if c.deleted {
				deleted++
			}
		}
		if short < flapMin {
			continue
		}
		a.global = append(a.global, Finding{Kind: KindFlapping, Severity: SeverityWarning, Time: start,
			Frames: frames,
			Message: m.a.String() + " and " + m.b.String() + " established " + strconv.Itoa(short) +
				" short-lived IKE SAs in " + secs(m.lastEnd.Sub(start)) + " (" + strconv.Itoa(deleted) +
				" ended with a Delete): the tunnel is flapping. Usual causes: stale SAs or overlapping encryption domains on" +
				" one peer, mismatched lifetimes, DPD declaring the peer dead, or two gateways fighting over the same" +
				" tunnel. If these were deliberate reconnects (a VPN client), ignore this."})
	}
	a.pairsDroppedFinding()
	if len(a.orphans) > 0 {
		spis := make([]uint32, 0, len(a.orphans))
		for s := range a.orphans {
			spis = append(spis, s)
		}
		// SPIs first seen in one frame (ESP in one TCP segment, RFC 8229)
		// are listed in ascending order, not in the map's, which differs
		// from run to run.
		slices.SortFunc(spis, func(x, y uint32) int {
			return cmp.Or(cmp.Compare(a.orphans[x].first, a.orphans[y].first), cmp.Compare(x, y))
		})
		n := 0
		frames := []int{}
		list := ""
		for i, s := range spis {
			o := a.orphans[s]
			n += o.n
			if i < 8 {
				frames = append(frames, o.first)
				if list != "" {
					list += ", "
				}
				list += ESPSPI(s).String() + " (" + o.src.String() + " → " + o.dst.String() + ", " + words.Count(o.n, "packet", "packets") + ")"
			}
		}
		if len(spis) > 8 {
			list += ", …"
		}
		a.global = append(a.global, Finding{Kind: KindUnmatchedESP, Severity: SeverityInfo, Time: a.orphans[spis[0]].t,
			Frames: slices.Compact(frames), // SPIs first seen in one frame name it once
			Message: words.Count(n, "ESP packet", "ESP packets") + " on " + words.Count(len(spis), "SPI", "SPIs") + " " + words.Pick(n, "belongs", "belong") + " to no IKE SA in this" +
				" capture: " + list + ". " + words.Pick(len(spis), "Its SA was", "Their SAs were") + " negotiated before the capture started, manually keyed, or negotiated" +
				" between other addresses" + a.snap.orCut() + "."})
	}
}
