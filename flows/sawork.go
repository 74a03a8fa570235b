package flows

import (
	"math"
	"net/netip"
	"time"
)

// The working form of an open SA's exported fields (see saState): the
// accessors below read and write them, and snapshot copies them into the
// exported SA.

// peerAddr is an SA's address and port in 20 octets, where a
// netip.AddrPort takes 32. An address with a zone (none comes from a
// capture) is kept whole in saWide.zoned.
type peerAddr struct {
	ip   [16]byte
	port uint16
	kind uint8
}

// peerAddr kinds.
const (
	peerNone  = iota // the invalid (zero) address
	peer4            // an IPv4 address, ip[:4]
	peer6            // an IPv6 address without zone
	peerZoned        // kept in saWide.zoned
)

// makePeer returns the compact form of ap, and false when ap has a zone
// (then only the kind is set).
func makePeer(ap netip.AddrPort) (peerAddr, bool) {
	a := ap.Addr()
	p := peerAddr{port: ap.Port()}
	switch {
	case !a.IsValid():
	case a.Is4():
		p.kind = peer4
		b := a.As4()
		copy(p.ip[:], b[:])
	case a.Zone() == "":
		p.kind = peer6
		p.ip = a.As16()
	default:
		return peerAddr{kind: peerZoned}, false
	}
	return p, true
}

// addrPort returns p as a netip.AddrPort (zoned: the one in zoned).
func (p *peerAddr) addrPort(zoned netip.AddrPort) netip.AddrPort {
	switch p.kind {
	case peer4:
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(p.ip[:4])), p.port)
	case peer6:
		return netip.AddrPortFrom(netip.AddrFrom16(p.ip), p.port)
	case peerZoned:
		return zoned
	}
	return netip.AddrPortFrom(netip.Addr{}, p.port)
}

// setPeers sets the SA's initiator and responder.
func (st *saState) setPeers(ini, rsp netip.AddrPort) {
	var ok bool
	if st.ini, ok = makePeer(ini); !ok {
		st.wideState().zoned[sideI] = ini
	}
	if st.rsp, ok = makePeer(rsp); !ok {
		st.wideState().zoned[sideR] = rsp
	}
}

// initiator returns SA.Initiator.
func (st *saState) initiator() netip.AddrPort {
	return st.ini.addrPort(st.wideOrEmpty().zoned[sideI])
}

// responder returns SA.Responder.
func (st *saState) responder() netip.AddrPort {
	return st.rsp.addrPort(st.wideOrEmpty().zoned[sideR])
}

// v1Mode is SA.Mode as a number.
type v1Mode uint8

// IKEv1 phase-1 modes.
const (
	modeNone       v1Mode = iota // "" (IKEv2, or not known yet)
	modeMain                     // "main"
	modeAggressive               // "aggressive"
)

// String returns the mode as SA.Mode gives it.
func (m v1Mode) String() string {
	switch m {
	case modeMain:
		return "main"
	case modeAggressive:
		return "aggressive"
	}
	return ""
}

// initTimes sets SA.Start and End to t, the time of the SA's first packet.
func (st *saState) initTimes(t time.Time) {
	if ns, ok := unixNano(t); ok {
		st.startNs, st.endNs = ns, ns
		return
	}
	st.wideTimes = true
	w := st.wideState()
	w.start, w.end = t, t
}

// widen moves the SA's times from the Unix nanoseconds fields to saWide,
// for a time they cannot hold exactly (see unixNano).
func (st *saState) widen() {
	w := st.wideState()
	w.start, w.end, w.established = st.start(), st.end(), st.established()
	st.wideTimes = true
}

// start returns SA.Start.
func (st *saState) start() time.Time {
	if st.wideTimes {
		return st.saRare.wide.start
	}
	return time.Unix(0, st.startNs).UTC()
}

// end returns SA.End, the SA's last activity.
func (st *saState) end() time.Time {
	if st.wideTimes {
		return st.saRare.wide.end
	}
	return time.Unix(0, st.endNs).UTC()
}

// established returns SA.Established (zero: not established).
func (st *saState) established() time.Time {
	switch {
	case st.wideTimes:
		return st.saRare.wide.established
	case st.hasEst:
		return time.Unix(0, st.estNs).UTC()
	}
	return time.Time{}
}

// setEstablished sets SA.Established.
func (st *saState) setEstablished(t time.Time) {
	if !st.wideTimes {
		if ns, ok := unixNano(t); ok {
			st.estNs, st.hasEst = ns, true
			return
		}
		st.widen()
	}
	st.saRare.wide.established = t
}

// frameWide in saState.firstF says that the SA's frames are in saWide.
const frameWide = math.MaxUint32

// setFrames sets SA.FirstFrame and LastFrame: in 4 octets each, 8 fewer
// in saState (with the fields around them, part of the difference between
// the 512 and the 576 size class of saAlloc), unless either is negative or
// from frameWide on (a library caller's frame numbers; a capture of 4
// billion frames), for which both go to saWide, and stay there.
func (st *saState) setFrames(first, last int) {
	if st.firstF != frameWide && first >= 0 && first < frameWide && last >= 0 && last < frameWide {
		st.firstF, st.lastF = uint32(first), uint32(last)
		return
	}
	w := st.wideState()
	w.first, w.last = first, last
	st.firstF, st.lastF = frameWide, 0
}

// firstFrame returns SA.FirstFrame.
func (st *saState) firstFrame() int {
	if st.firstF == frameWide {
		return st.saRare.wide.first
	}
	return int(st.firstF)
}

// lastFrame returns SA.LastFrame.
func (st *saState) lastFrame() int {
	if st.firstF == frameWide {
		return st.saRare.wide.last
	}
	return int(st.lastF)
}

// findings returns SA.Findings while the SA is open (see saState.fnd).
func (st *saState) findings() []Finding {
	if st.fnd == nil {
		return nil
	}
	return *st.fnd
}

// offeredList returns the initiator's IKE proposals (saState.offered).
func (st *saState) offeredList() []string {
	if st.offered == nil {
		return nil
	}
	return *st.offered
}

// exchangesOmitted returns SA.ExchangesOmitted.
func (st *saState) exchangesOmitted() int { return st.moreOrEmpty().omitted }

// name returns SA.Name.
func (st *saState) name() string { return st.SPIi.String() + "/" + st.SPIr.String() }

// snapshot brings st.sa, allocating it, up to date with the working
// fields and returns it. It leaves what conclude sets (State, Offered,
// Keys, NAT, Peers) and Exchanges (view) alone.
func (st *saState) snapshot() *SA {
	sa := st.sa
	if sa == nil {
		sa = new(SA)
		st.sa = sa
	}
	r := st.rareOrEmpty()
	sa.Version = int(st.Version)
	sa.Initiator, sa.Responder = st.initiator(), st.responder()
	sa.SPIi, sa.SPIr = st.SPIi, st.SPIr
	sa.Mode = st.mode.String()
	sa.Proposal = st.Proposal
	sa.Start, sa.End, sa.Established = st.start(), st.end(), st.established()
	sa.FirstFrame, sa.LastFrame = st.firstFrame(), st.lastFrame()
	sa.Encrypted = st.Encrypted
	sa.RekeyedFrom, sa.RekeyedTo = r.rekeyNames()
	sa.ExchangesOmitted = st.exchangesOmitted()
	sa.ChildSAs = st.ChildSAs
	if sa.ChildSAs == nil {
		sa.ChildSAs = []*ChildSA{}
	}
	sa.Findings = st.findings()
	if sa.Findings == nil {
		sa.Findings = []Finding{}
	}
	return sa
}
