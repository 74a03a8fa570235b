package flows

import (
	"math"
	"net/netip"
	"time"
)

// The working form of an open SA's exported fields (see saState): the
// accessors below read and write them, and snapshot copies them into the
// exported SA.

// peerPair is an SA's initiator and responder (address and port) in 14
// octets, where two netip.AddrPort take 64 and two 20-octet forms (a
// 16-octet address each) took 40: IPv4 addresses inline, IPv6 ones in
// auxExt.peer6 (a 32-octet allocation, for the SAs that have one), an
// address with a zone (none comes from a capture) whole in saWide.zoned.
// Without a pointer of its own its alignment is 2, so that it packs with
// saState's narrow fields.
type peerPair struct {
	v4   [2][4]byte // IPv4 addresses (peer4), by side
	port [2]uint16
	kind [2]uint8
}

// peerPair kinds.
const (
	peerNone  = iota // the invalid (zero) address
	peer4            // an IPv4 address, in v4
	peer6            // an IPv6 address without zone, in auxExt.peer6
	peerZoned        // kept in saWide.zoned
)

// setPeer sets side s of the SA's peers to ap.
func (st *saState) setPeer(s saSide, ap netip.AddrPort) {
	pp := &st.peers
	a := ap.Addr()
	pp.port[s] = ap.Port()
	switch {
	case !a.IsValid():
		pp.kind[s] = peerNone
	case a.Is4():
		pp.kind[s] = peer4
		pp.v4[s] = a.As4()
	case a.Zone() == "":
		pp.kind[s] = peer6
		x := st.extAux()
		if x.peer6 == nil {
			x.peer6 = new([2][16]byte)
		}
		x.peer6[s] = a.As16()
	default:
		pp.kind[s] = peerZoned
		st.wideState().zoned[s] = ap
	}
}

// peer returns side s of the SA's peers as a netip.AddrPort.
func (st *saState) peer(s saSide) netip.AddrPort {
	pp := &st.peers
	switch pp.kind[s] {
	case peer4:
		return netip.AddrPortFrom(netip.AddrFrom4(pp.v4[s]), pp.port[s])
	case peer6:
		return netip.AddrPortFrom(netip.AddrFrom16(st.aux.ext.peer6[s]), pp.port[s])
	case peerZoned:
		return st.wideOrEmpty().zoned[s]
	}
	return netip.AddrPortFrom(netip.Addr{}, pp.port[s])
}

// setPeers sets the SA's initiator and responder.
func (st *saState) setPeers(ini, rsp netip.AddrPort) {
	st.setPeer(sideI, ini)
	st.setPeer(sideR, rsp)
}

// initiator returns SA.Initiator.
func (st *saState) initiator() netip.AddrPort { return st.peer(sideI) }

// responder returns SA.Responder.
func (st *saState) responder() netip.AddrPort { return st.peer(sideR) }

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
	st.flags.set(flWideTimes)
	w := st.wideState()
	w.start, w.end = t, t
}

// widen moves the SA's times from the Unix nanoseconds fields to saWide,
// for a time they cannot hold exactly (see unixNano).
func (st *saState) widen() {
	w := st.wideState()
	w.start, w.end, w.established = st.start(), st.end(), st.established()
	st.flags.set(flWideTimes)
}

// start returns SA.Start.
func (st *saState) start() time.Time {
	if st.flags.has(flWideTimes) {
		return st.saRare.more.wide.start
	}
	return time.Unix(0, st.startNs).UTC()
}

// end returns SA.End, the SA's last activity.
func (st *saState) end() time.Time {
	if st.flags.has(flWideTimes) {
		return st.saRare.more.wide.end
	}
	return time.Unix(0, st.endNs).UTC()
}

// established returns SA.Established (zero: not established).
func (st *saState) established() time.Time {
	switch {
	case st.flags.has(flWideTimes):
		return st.saRare.more.wide.established
	case st.flags.has(flHasEst):
		return time.Unix(0, st.estNs).UTC()
	}
	return time.Time{}
}

// clearEstablished makes SA.Established the zero time again.
func (st *saState) clearEstablished() {
	st.flags.clear(flHasEst)
	if st.flags.has(flWideTimes) {
		st.saRare.more.wide.established = time.Time{}
	}
}

// setEstablished sets SA.Established.
func (st *saState) setEstablished(t time.Time) {
	if !st.flags.has(flWideTimes) {
		if ns, ok := unixNano(t); ok {
			st.estNs = ns
			st.flags.set(flHasEst)
			return
		}
		st.widen()
	}
	st.saRare.more.wide.established = t
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
		return st.saRare.more.wide.first
	}
	return int(st.firstF)
}

// lastFrame returns SA.LastFrame.
func (st *saState) lastFrame() int {
	if st.firstF == frameWide {
		return st.saRare.more.wide.last
	}
	return int(st.lastF)
}

// findings returns SA.Findings while the SA is open (see saFin.fnd).
func (st *saState) findings() []Finding {
	if st.fin == nil || st.fin.fnd == nil {
		return nil
	}
	return *st.fin.fnd
}

// childSAs returns SA.ChildSAs: those of saAux while the SA is open, and
// SA.ChildSAs itself once it is being finalised without any (kidsRef).
func (st *saState) childSAs() []*ChildSA {
	if p := st.kidsRef(); p != nil {
		return *p
	}
	return nil
}

// kidsState returns the list of the SA's child SAs, for appending. Once
// the SA is being finalised (settle gives it its exported SA first) a list
// not yet started is SA.ChildSAs itself: the usual first append to an SA
// without keys is materialise's at finalisation, and saAux would be an
// allocation per SA for the snapshot to copy at once.
func (st *saState) kidsState() *[]*ChildSA {
	if p := st.kidsRef(); p != nil {
		return p
	}
	return &st.auxState().kids
}

// kidsRef returns where the SA's child SAs are listed, nil when no list
// is started and the SA is not being finalised: saAux's list once it has
// one, else, during finalisation, SA.ChildSAs.
func (st *saState) kidsRef() *[]*ChildSA {
	if x := st.aux; x != nil && x.kids != nil {
		return &x.kids
	}
	if sa := st.model(); st.done && sa != nil {
		return &sa.ChildSAs
	}
	return nil
}

// proposal returns SA.Proposal (saState.prop); tab is the analyzer's table
// of texts.
func (st *saState) proposal(tab *textTab) string {
	if st.prop == textSpilled {
		return st.moreOrEmpty().proposal
	}
	return tab.texts[st.prop]
}

// setProposal sets SA.Proposal to s, interned in tab (kept in saMore when
// tab has no room).
func (st *saState) setProposal(s string, tab *textTab) {
	st.prop = tab.idString(s)
	if st.prop == textSpilled {
		st.moreState().proposal = s
	} else if st.saRare != nil && st.saRare.more != nil {
		st.saRare.more.proposal = "" // no longer needed
	}
}

// copyProposal gives st the SA.Proposal of old (a rekey).
func (st *saState) copyProposal(old *saState) {
	st.prop = old.prop
	if st.prop == textSpilled {
		st.moreState().proposal = old.moreOrEmpty().proposal
	}
}

// setOffer sets the initiator's IKE proposals: entry id of the proposal
// cache, or sums when the cache had no room (id 0; Analyzer.ikeOffer).
func (st *saState) setOffer(id uint16, sums []string) {
	st.offer = id
	switch {
	case id == 0:
		st.moreState().offered = sums
	case st.saRare != nil && st.saRare.more != nil:
		st.saRare.more.offered = nil // no longer needed
	}
}

// offeredOf returns the initiator's IKE proposals of st (saState.offer).
func (a *Analyzer) offeredOf(st *saState) []string {
	if st.offer == 0 {
		return st.moreOrEmpty().offered
	}
	return a.propList[st.offer-1].sums
}

// exchangesOmitted returns SA.ExchangesOmitted.
func (st *saState) exchangesOmitted() int { return st.moreOrEmpty().omitted }

// name returns SA.Name.
func (st *saState) name() string { return spiName(st.SPIi, st.SPIr) }

// snapshot brings the exported model (saFin.sa), allocating it, up to date with the working
// fields (tab is the analyzer's table of texts: saState.prop) and returns
// it. It leaves what conclude sets (State, Offered,
// Keys, NAT, Peers) and Exchanges (view) alone.
func (st *saState) snapshot(tab *textTab) *SA {
	f := st.finState()
	sa := f.sa
	if sa == nil {
		sa = new(SA)
		f.sa = sa
	}
	r := st.rareOrEmpty()
	sa.Version = int(st.Version)
	sa.Initiator, sa.Responder = st.initiator(), st.responder()
	sa.SPIi, sa.SPIr = st.SPIi, st.SPIr
	sa.Mode = st.mode.String()
	sa.Proposal = st.proposal(tab)
	sa.Start, sa.End, sa.Established = st.start(), st.end(), st.established()
	sa.FirstFrame, sa.LastFrame = st.firstFrame(), st.lastFrame()
	sa.Encrypted = st.Encrypted
	sa.RekeyedFrom, sa.RekeyedTo = r.rekeyNames()
	sa.ExchangesOmitted = st.exchangesOmitted()
	sa.ChildSAs = st.childSAs()
	if sa.ChildSAs == nil {
		sa.ChildSAs = []*ChildSA{}
	}
	sa.Findings = st.findings()
	if sa.Findings == nil {
		sa.Findings = []Finding{}
	}
	return sa
}
