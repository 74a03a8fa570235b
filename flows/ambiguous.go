package flows

import (
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Child SAs whose IKE SA cannot be told without keys.
//
// Without keys a child SA is inferred from its ESP and put under an IKE SA
// between the same peers (inferChild): the one on the ESP's NAT-T ports
// (ownerByPorts), else the newest. Two IKE SAs between the same addresses
// and ports (two identities or connections between two hosts,
// ikev2-two-ike-sas-same-hosts) cannot be told apart that way: nothing in
// an ESP packet names the IKE SA that negotiated it. The child SA goes to
// the newest, which may be wrong, and the newest then looks alive through
// ESP that may not be its own (there moon2's IKE SA, deleted at frames
// 17/18, stayed "established" with moon's child SA under it).
//
// When the child SA is inferred, the other IKE SAs that could own it are
// noted (noteAmbiguous); when its SA concludes, those that were still
// active after the child SA's last ESP packet make it ambiguous
// (ambiguousChildren): an IKE SA up before the child SA's first ESP and
// active after its last could have negotiated it. One whose last message
// came before (the old SA of a re-authentication, deleted once the new one
// was up) is not counted: otherwise every pair of successive SAs would be.
// The owner gets an esp_ambiguous finding, and its end_unknown does not
// take that ESP for a sign of life (endUnknown).

// ambiguousChild is an inferred child SA of an IKE SA (by its created
// frame) and another IKE SA that could have negotiated it.
type ambiguousChild struct {
	created int
	espNs   int64 // the time of its latest ESP packet, in Unix nanoseconds
	alt     *saState
	// altEndNs is alt's last activity, in Unix nanoseconds, taken by
	// Finish before it finalises SAs on two goroutines (settleAmbiguous):
	// alt may be settling on the other one. 0: read alt.
	altEndNs int64
}

// settleAmbiguous takes, for Finish, the last activity of the IKE SAs
// that st's ambiguous records name: no packet comes after, and while st
// is concluded they may be settling on another goroutine.
func (st *saState) settleAmbiguous() {
	if st.saRare == nil {
		return
	}
	for i := range st.saRare.ambiguous {
		r := &st.saRare.ambiguous[i]
		r.altEndNs = r.alt.end().UnixNano()
	}
}

// altEnd returns the last activity of r's other IKE SA.
func (r *ambiguousChild) altEnd() int64 {
	if r.altEndNs != 0 {
		return r.altEndNs
	}
	return r.alt.end().UnixNano()
}

// maxAmbiguous bounds the ambiguousChild records per IKE SA (a crafted
// capture could infer many child SAs between peers with several IKE SAs).
const maxAmbiguous = 16

// noteAmbiguous records, for the child SA just inferred under owner from
// ESP packet p between the peers of pk, the other IKE SAs between them
// that ESP could belong to as well: established, open, not seen deleted
// or rekeyed, their child SAs out of sight, and on p's ports (or ports not
// known, or plain ESP).
func (a *Analyzer) noteAmbiguous(owner *saState, pk pairKey, p *Packet) {
	list := a.sharers[pk]
	latest := a.latest.get(pk)
	if len(list) == 0 && (latest == nil || latest == owner) {
		return
	}
	note := func(o *saState) {
		if o == nil || o == owner || o.done || !couldOwnESP(o, p) {
			return
		}
		odd := owner.odd()
		if len(odd.ambiguous) == 0 {
			// What owner showed before: onlyAmbiguousESPAfter counts it
			// as its own life.
			odd.ownESPNs = owner.end().UnixNano()
		}
		if len(odd.ambiguous) < maxAmbiguous {
			odd.ambiguous = append(odd.ambiguous, ambiguousChild{created: p.Frame, espNs: p.Time.UnixNano(), alt: o})
		}
	}
	note(latest)
	for _, o := range list {
		note(o)
	}
}

// ambiguousESP notes the time of ESP packet p of st's child SA first seen
// in frame created (-1: a negotiated one), once st has ambiguous records:
// in the child SA's records, or as st's own life (ownESPNs) when it has
// none.
func (a *Analyzer) ambiguousESP(st *saState, created int, p *Packet) {
	if st.saRare == nil || len(st.saRare.ambiguous) == 0 {
		return
	}
	ns := p.Time.UnixNano()
	x, found := st.saRare.ambiguous, false
	for i := range x {
		if x[i].created == created {
			x[i].espNs = max(x[i].espNs, ns)
			found = true
		}
	}
	if !found {
		st.saRare.ownESPNs = max(st.saRare.ownESPNs, ns)
	}
}

// couldOwnESP reports whether st, an IKE SA between ESP packet p's peers,
// could have negotiated p's child SA out of sight.
func couldOwnESP(st *saState, p *Packet) bool {
	established := st.out.has(outAuthOK) || st.Version == 1 && st.v1() != nil && st.v1().phase1Done
	if !established || st.out.has(outDeleted) || st.out.has(outRekeyed) || st.out.has(outDead) {
		return false
	}
	if !st.Encrypted && st.Version == 2 {
		return false // its child SAs were visible: p's SPI is not one of them
	}
	return p.Src.Port() == 0 || st.natPorts == [2]uint16{} || portsOf(st, p)
}

// altsOf returns the other IKE SAs that could own st's inferred child SA
// first seen in frame created (see the top of this file): those of its
// records that were active after its last ESP packet.
func altsOf(st *saState, created int) []*saState {
	var alts []*saState
	for _, r := range st.rareOrEmpty().ambiguous {
		if r.created == created && r.altEnd() > r.espNs {
			alts = append(alts, r.alt)
		}
	}
	return alts
}

// ambiguousFindings reports st's child SAs that another IKE SA could own
// (esp_ambiguous).
func (a *Analyzer) ambiguousFindings(st *saState) {
	if len(st.rareOrEmpty().ambiguous) == 0 {
		return
	}
	for _, c := range st.model().ChildSAs {
		if !c.Inferred {
			continue
		}
		alts := altsOf(st, c.CreatedFrame)
		if len(alts) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString("Child SA " + c.SPIi.String() + "/" + c.SPIr.String() + " (ESP in frames " + a.frames.one(c.CreatedFrame) + " to " + a.frames.one(c.lastESP) +
			") is listed under this IKE SA, but ")
		frames := []int{c.CreatedFrame, c.lastESP}
		for i, o := range alts {
			if i > 0 {
				b.WriteString(words.Pick(len(alts)-i, " and ", ", "))
			}
			b.WriteString("IKE SA " + o.SPIi.String() + "/" + o.SPIr.String() + " (from frame " + a.frames.one(o.firstFrame()) +
				", last frame " + a.frames.one(o.lastFrame()) + ")")
			frames = append(frames, o.lastFrame())
		}
		b.WriteString(words.Pick(len(alts), " was", " were") + " up between the same addresses and ports when its ESP began, and" +
			" still active after its last ESP packet. Without keys nothing in an ESP packet tells which IKE SA negotiated" +
			" its child SA: it may be " + words.Pick(len(alts), "the other's", "another's") + ", and then the child SAs listed" +
			" under each, and the life this SA's ESP seems to show, are not as shown." + a.keysOr(st, " Give the keys to know.", " ", "know"))
		st.addFinding(KindESPAmbiguous, SeverityInfo, c.Created, b.String(), frames...)
	}
}

// onlyAmbiguousESPAfter reports whether st's ESP after t is all of child
// SAs that another IKE SA could own (altsOf), and there is some: it then
// shows nothing of st's own life. Times, not frames: the frames of
// packets put back in time order (reorder.go) keep their numbers.
func (a *Analyzer) onlyAmbiguousESPAfter(st *saState, t time.Time) bool {
	odd := st.rareOrEmpty().saOdd
	after := t.UnixNano()
	if len(odd.ambiguous) == 0 || odd.ownESPNs > after {
		return false
	}
	some := false
	for _, r := range odd.ambiguous {
		switch {
		case r.espNs <= after:
		case altsOf(st, r.created) == nil:
			return false // ESP after t of a child SA no other IKE SA could own
		default:
			some = true
		}
	}
	return some
}
