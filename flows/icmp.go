package flows

import (
	"net/netip"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// ICMP errors about IKE datagrams: a host whose IKE daemon is down answers
// each IKE datagram with ICMP port unreachable, a firewall that rejects
// (rather than drops) with "administratively prohibited", a router without
// a route with host or net unreachable. A capture holding them tells why
// requests go unanswered, which the requests alone cannot: without them an
// unanswered request lists packet loss, a firewall and a silent peer as
// equally likely. The error quotes the datagram from its IP header on, and
// most stacks quote enough of it for the IKE header (both SPIs), which
// names the IKE SA.

// icmpSeen is what an SA's ICMP errors showed (in saOdd: few SAs have one).
type icmpSeen struct {
	n      int        // how many
	frames []int      // the first maxICMPFrames of them
	first  time.Time  // the first one's time
	from   netip.Addr // the sender of the first one
	to     netip.Addr // the quoted datagram's destination
	port   uint16     // and its port
	code   uint8      // the first one's code
	v6     bool
	others int // with another code or sender than the first
}

// maxICMPFrames bounds the frames an SA keeps of its ICMP errors.
const maxICMPFrames = 16

// maxICMPLookups bounds the ICMP errors looked up by their quoted IKE
// header in one capture: a crafted capture could hold millions.
const maxICMPLookups = 1 << 16

// addICMP attributes p, an ICMP destination unreachable (KindICMP),
// to the IKE SA whose header the quoted datagram carries.
func (a *Analyzer) addICMP(p *Packet) {
	if p.ICMP == nil || a.icmpLookups >= maxICMPLookups {
		return
	}
	a.icmpLookups++
	b := p.Data // the quoted IKE header (the caller removed a non-ESP marker)
	if len(b) < 18 {
		return // not quoted as far as the IKE header's version: no SA to name
	}
	// The header's SPIs and major version (RFC 7296 §3.1, RFC 2408 §3.1).
	spiI, spiR, v := dissect.SPI(b[0:8]), dissect.SPI(b[8:16]), b[17]>>4
	if v != 1 && v != 2 {
		return
	}
	st, half := a.ix.find(v, spiI, spiR)
	if st == nil {
		st = half
	}
	if st == nil || st.done {
		return
	}
	// The quoted datagram went between the SA's peers (either way): SPIs
	// alone could name an SA of other hosts.
	ini, resp, qs, qd := st.initiator().Addr().Unmap(), st.responder().Addr().Unmap(), p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	if !(qs == ini && qd == resp || qs == resp && qd == ini) {
		return
	}
	r := st.odd()
	if r.icmp == nil {
		r.icmp = &icmpSeen{first: p.Time, from: p.ICMP.From, to: p.Dst.Addr(), port: p.Dst.Port(), code: p.ICMP.Code, v6: p.ICMP.V6}
	}
	c := r.icmp
	c.n++
	if len(c.frames) < maxICMPFrames {
		c.frames = append(c.frames, p.Frame)
	}
	if p.ICMP.Code != c.code || p.ICMP.From != c.from {
		c.others++
	}
}

// icmpFinding reports the ICMP errors an SA's datagrams drew.
func (a *Analyzer) icmpFinding(st *saState) {
	c := st.rareOrEmpty().icmp
	if c == nil {
		return
	}
	peer := "responder"
	if c.to == st.initiator().Addr() {
		peer = "initiator"
	}
	fromPeer := c.from == c.to
	who := "The " + peer + "'s host (" + c.to.String() + ")"
	if !fromPeer {
		who = c.from.String() + ", on the path to the " + peer + " (" + c.to.String() + "),"
	}
	port := "UDP " + strconv.Itoa(int(c.port))
	what := "destination unreachable (code " + strconv.Itoa(int(c.code)) + ")"
	why := "the datagram could not be delivered to the " + peer + "."
	switch kind := icmpKind(c.code, c.v6); kind {
	case icmpPort:
		what = "port unreachable"
		if fromPeer {
			why = "the host is up, but nothing listens on " + port + ": its IKE daemon is not running (stopped, crashed, restarting)" +
				" or listens on another address or port. While it is down, requests go unanswered and liveness checks declare the peer dead."
		} else {
			why = "a NAT or gateway in front of the " + peer + " has nothing to forward " + port + " to: a missing port" +
				" forward, or a NAT mapping that expired (NAT-T keepalives keep it)."
		}
	case icmpProhibited:
		what = "communication administratively prohibited"
		why = "a firewall rejects " + port + " to the " + peer + ": allow UDP 500 and 4500 (and ESP) between the peers."
	case icmpHost, icmpNet:
		what = map[int]string{icmpHost: "host unreachable", icmpNet: "network unreachable"}[kind]
		why = "there is no route to the " + peer + ", or its host does not answer on its network (down, or a wrong address)."
	case icmpTooBig:
		what = "fragmentation needed"
		why = "the datagram is larger than the path's MTU and may not be fragmented: enable IKE fragmentation (RFC 7383) or lower the MTU."
	}
	more := ""
	if c.others > 0 {
		more = " (and " + strconv.Itoa(c.others) + " more with another code or from another address)"
	}
	st.addFinding(KindICMPUnreachable, SeverityWarning, c.first,
		who+" answered "+words.Count(c.n-c.others, "IKE datagram", "IKE datagrams")+" of this SA with ICMP "+what+more+": "+why,
		c.frames...)
}

// icmpCause returns a sentence for an unanswered request to the peer of
// side to, sent from first to last, when ICMP errors tell why it went
// unanswered: the SA's first ICMP error came during the transmissions (or
// within icmpAfter of the last), from that peer's host about a datagram
// to it, port unreachable (the request got there, and no IKE daemon
// listened), or from anyone with "administratively prohibited" (a
// firewall rejects it). "" otherwise: the generic causes stand. fn names
// the frame of the first error.
func icmpCause(st *saState, to saSide, first, last time.Time, fn frameNamer) string {
	c := st.rareOrEmpty().icmp
	if c == nil || c.to != st.peer(to).Addr() || c.first.Before(first) || c.first.After(last.Add(icmpAfter)) {
		return ""
	}
	when := "frame " + fn.one(c.frames[0])
	switch icmpKind(c.code, c.v6) {
	case icmpPort:
		if c.from != c.to {
			return ""
		}
		return "The " + to.String() + "'s host answered with ICMP port unreachable (icmp_unreachable, from " + when + "): the" +
			" request got to the host and found nothing listening on UDP " + strconv.Itoa(int(c.port)) + ", its IKE daemon not" +
			" running (stopped, crashed, restarting) or listening on another address or port."
	case icmpProhibited:
		return c.from.String() + " answered with ICMP communication administratively prohibited (icmp_unreachable, from " + when +
			"): a firewall rejects UDP " + strconv.Itoa(int(c.port)) + " to the " + to.String() + "."
	}
	return ""
}

// icmpAfter is how long after a request's last transmission an ICMP error
// still counts as its answer (icmpCause): the error comes within a round
// trip.
const icmpAfter = 2 * time.Second

// ICMP destination unreachable causes (icmpKind).
const (
	icmpOther = iota
	icmpPort
	icmpProhibited
	icmpHost
	icmpNet
	icmpTooBig
)

// icmpKind classifies an ICMP (RFC 792, RFC 1812) or ICMPv6 (RFC 4443)
// destination unreachable code.
func icmpKind(code uint8, v6 bool) int {
	if v6 {
		switch code {
		case 4:
			return icmpPort
		case 1, 5, 6:
			return icmpProhibited
		case 3:
			return icmpHost
		case 0:
			return icmpNet
		}
		return icmpOther
	}
	switch code {
	case 3:
		return icmpPort
	case 9, 10, 13:
		return icmpProhibited
	case 1, 5, 7:
		return icmpHost
	case 0, 6:
		return icmpNet
	case 4:
		return icmpTooBig
	}
	return icmpOther
}
