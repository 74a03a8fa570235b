package flows

// Where the capture was taken, from the IP TTLs.
//
// A host sends its packets with a fixed time to live (IPv6: hop limit):
// 64 (Linux, BSD, macOS, most firewalls), 128 (Windows) or 255 (Cisco IOS,
// Solaris, many appliances), and every router on the way takes one off. A
// capture taken on a peer's host, or on its network segment with no
// router between, holds that peer's packets with the TTL it started with,
// and the other peer's lowered by the routers between them. So when one
// peer's IKE messages all come with a starting value and the other's all
// with a lowered one, the capture was taken on the first peer's side: a
// request of that peer left it even if no answer came, and the other
// peer's packets that are missing did not arrive there. When both come
// lowered, the capture was taken between them. When both come with
// starting values (the peers on one segment, as in a lab) or a peer's
// TTLs differ (a NAT proxy that sends packets afresh, a load balancer,
// another path), nothing is concluded.
//
// A message's TTL is noted with its side in two bits of the SA's outcome
// per side (noteTTL): one for a starting value, one for a lowered one. IKE over
// TCP gives none (Packet.TTL 0).

// startingTTL reports whether ttl is a value hosts start their packets
// with.
func startingTTL(ttl uint8) bool { return ttl == 64 || ttl == 128 || ttl == 255 }

// noteTTL notes the TTL of an IKE message the peer side of st sent
// (0: unknown, nothing noted).
func (st *saState) noteTTL(side saSide, ttl uint8) {
	if ttl == 0 {
		return
	}
	b := outTTLLowI
	if startingTTL(ttl) {
		b = outTTLStartI
	}
	st.out |= b << (2 * outcome(side))
}

// swapTTL swaps the TTLs noted for the two sides (the SA's roles turned
// out the other way round).
func (st *saState) swapTTL() {
	const i, r = outTTLStartI | outTTLLowI, outTTLStartR | outTTLLowR
	f := st.out
	st.out = f&^(i|r) | (f&i)<<2 | (f&r)>>2
	st.swapPorts()
}

// capturePoint is where the capture was taken, relative to an SA's peers.
type capturePoint uint8

// Capture points (see the top of ttl.go).
const (
	pointUnknown capturePoint = iota
	pointAtI                  // on the initiator's host or its network segment
	pointAtR                  // on the responder's host or its network segment
	pointBetween              // between the peers, routers on both sides
)

// capturePoint returns where the capture was taken relative to st's
// peers, as their IKE messages' TTLs tell.
func (st *saState) capturePoint() capturePoint {
	// Each side's TTLs all of one kind, and not both starting ones.
	switch st.out & (outTTLStartI | outTTLLowI | outTTLStartR | outTTLLowR) {
	case outTTLStartI | outTTLLowR:
		return pointAtI
	case outTTLLowI | outTTLStartR:
		return pointAtR
	case outTTLLowI | outTTLLowR:
		return pointBetween
	}
	return pointUnknown
}

// takenAt is the sentence that says where the capture was taken (p not
// pointUnknown), and why (the TTLs), up to the colon that its
// consequence follows.
func takenAt(p capturePoint) string {
	switch p {
	case pointAtI, pointAtR:
		at := sideI
		if p == pointAtR {
			at = sideR
		}
		return " The capture was taken on the " + at.String() + "'s side (the " + at.String() + "'s IKE messages carry the" +
			" TTL hosts start with, 64, 128 or 255; the " + at.other().String() + "'s come lower, counted down by the routers" +
			" between): "
	}
	return " The capture was taken between the peers (both peers' IKE messages come with TTLs lower than hosts start with:" +
		" routers on both sides): "
}

// sentFrom is where the capture was taken relative to a sender.
type sentFrom uint8

// Places relative to a sender.
const (
	fromUnknown  sentFrom = iota
	fromBetween           // between the peers
	fromSender            // on the sender's side
	fromReceiver          // on the other peer's side
)

// pointFor returns where st's capture was taken, absolutely and relative
// to side from.
func (st *saState) pointFor(from saSide) (capturePoint, sentFrom) {
	switch p := st.capturePoint(); {
	case p == pointUnknown:
		return p, fromUnknown
	case p == pointBetween:
		return p, fromBetween
	case (p == pointAtI) == (from == sideI):
		return p, fromSender
	default:
		return p, fromReceiver
	}
}

// sideNamed returns the side called name ("initiator" or "responder").
func sideNamed(name string) saSide {
	if name == sideI.String() {
		return sideI
	}
	return sideR
}

// unansweredWhere says what the capture point tells of a request of side
// from that got no answer; "" when it is unknown. causes, in parentheses,
// are what makes a peer that got the request drop it ("": the usual ones
// for a new request).
func unansweredWhere(st *saState, from saSide, causes string) string {
	p, rel := st.pointFor(from)
	to := from.other().String()
	switch rel {
	case fromBetween:
		return takenAt(p) + "the request passed this point, and no answer came back through it in this capture."
	case fromSender:
		return takenAt(p) + "the request left it and no answer came back to it in this capture: the request or its answer" +
			" was lost on the way, or the " + to + " did not answer."
	case fromReceiver:
		if causes == "" {
			causes = "a firewall on its host, no matching configuration, a rate limit"
		}
		return takenAt(p) + "the request got there, and no answer left it in this capture: the " + to + " dropped or" +
			" ignored the request (" + causes + ": its log says which)."
	}
	return ""
}

// deadCauses are why a peer that got a request on an established IKE SA
// does not answer it (unansweredWhere).
const deadCauses = "its IKE daemon not running, or without this IKE SA after a restart or an HA failover; a firewall on its host"

// halfOpenText is the half_open finding of st: its first exchange done,
// and no authentication in the capture. Whether the initiator never sent
// it or it was lost on the way depends on where the capture was taken.
func halfOpenText(st *saState) string {
	what, next := "IKE_SA_INIT completed", "IKE_AUTH request"
	if st.Version == 1 {
		what, next = "The first four main-mode messages completed", "MM5"
	}
	msg := what + " but no " + next + " follows in this capture: the IKE SA stayed half-open."
	const didNot = " The initiator may have failed to compute keys or find credentials (check its logs), or it was a scan or a" +
		" DoS probe."
	lost := "lost on the way (a firewall or NAT that drops IP fragments loses a large " + next + ", as certificates make it;" +
		" IKE fragmentation, RFC 7383, avoids that)"
	switch p, rel := st.pointFor(sideI); rel {
	case fromSender:
		msg += takenAt(p) + "the initiator did not send one." + didNot
	case fromReceiver:
		msg += takenAt(p) + "the initiator did not send one, or it was " + lost + "." + didNot
	case fromBetween:
		msg += takenAt(p) + "the initiator did not send one, or it was " + lost + " before this point." + didNot
	default:
		msg += " Either the initiator did not send one: it may have failed to compute keys or find credentials (check its" +
			" logs), or it was a scan or a DoS probe; or it was " + lost + " before the capture point."
	}
	return msg + " Many half-open SAs from one address trigger cookies or rate limits on the responder."
}

// ignoredCauses are why a peer that got a CREATE_CHILD_SA request on an
// IKE SA answers it not but starts a new IKE SA (unansweredWhere).
const ignoredCauses = "an HA member without this IKE SA's state, or a restart"

// oneWayWhere says what the capture point tells of ESP that side from
// sent and the other side did not answer; "" when it is unknown.
func oneWayWhere(st *saState, from saSide) string {
	p, rel := st.pointFor(from)
	f, to := from.String(), from.other().String()
	switch rel {
	case fromBetween:
		return takenAt(p) + "no ESP from the " + to + " passed this point."
	case fromSender:
		return takenAt(p) + "the " + to + "'s ESP, if it sent any, did not arrive here."
	case fromReceiver:
		return takenAt(p) + "the " + f + "'s ESP got there, and no ESP from the " + to + " passed here: it drops what" +
			" arrives, sends nothing into the tunnel, or sends it by another path."
	}
	return ""
}
