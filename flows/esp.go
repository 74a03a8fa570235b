package flows

import (
	"net/netip"
	"slices"
	"time"
)

// maxOrphans bounds the ESP SPIs remembered without an IKE SA.
const maxOrphans = 4096

// orphanESP counts ESP packets of an SPI that no IKE SA explains.
type orphanESP struct {
	src, dst netip.Addr
	first    int
	last     int
	n        int
	t        time.Time
}

// addESP counts an ESP packet on its child SA.
func (a *Analyzer) addESP(p *Packet) {
	a.sawESP = true
	if p.Src.Port() == 0 {
		a.sawPlainESP = true
	} else {
		a.sawOff500 = true
	}
	a.report.Stats.ESPPackets++
	c := a.esp.get(p.ESPSPI, p.Dst.Addr())
	var r *infChild
	if c == nil {
		r = a.inferredAt(p.ESPSPI, p.Dst.Addr())
	}
	if c == nil && r == nil && a.halfChildren > 0 {
		c = a.halfChild(p) // (only while some SA has a child SA missing an SPI)
	}
	if c == nil && r == nil {
		if r = a.inferChild(p); r == nil {
			if c = a.offeredChild(p); c == nil {
				a.orphan(p)
				return
			}
		}
	}
	if c == nil {
		if c = r.built(); c == nil {
			if r.count(p) {
				a.ambiguousESP(r.owner, int(r.firstESP), p)
				a.activity(r.owner, p)
				return
			}
			r.owner.materialise(&a.infs) // a count would pass 32 bits, or the frame does not fit: the ChildSA's have 64
			c = r.built()
		}
	}
	countESP(p, c.owner, c.SPIi, c.SPIr, &c.ESPPackets, &c.firstESP, &c.lastESP)
	created := -1 // a negotiated child SA has no ambiguous record
	if c.Inferred {
		created = c.CreatedFrame
	}
	a.ambiguousESP(c.owner, created, p)
	a.activity(c.owner, p)
}

// countESP counts p on the child SA of st whose SPIs, counts and first and
// last frames are given (a ChildSA's or an inferred record's).
func countESP(p *Packet, st *saState, spiI, spiR ESPSPI, n *ESPCount, first, last *int) {
	// Unequal SPIs tell the direction; only a child SA whose two SPIs are
	// equal needs the addresses compared (per packet: not done otherwise).
	var toResponder bool
	if spiI != spiR {
		toResponder = ESPSPI(p.ESPSPI) == spiR
	} else {
		toResponder = sentToResponder(p, st)
	}
	if toResponder {
		n.IToR++
	} else {
		n.RToI++
	}
	if *first == 0 {
		*first = p.Frame
	}
	*last = p.Frame
}

// inferChild attributes an unknown ESP SPI to the established IKE SA
// between the same peers whose child SAs were negotiated out of sight
// (encrypted without keys), recording an inferred child SA (inferred.go).
func (a *Analyzer) inferChild(p *Packet) *infChild {
	pk := makePairKey(p.Src.Addr(), p.Dst.Addr())
	st := a.ownerByPorts(a.latest.get(pk), pk, p)
	if st != nil && !st.out.has(outAuthOK) && st.out.has(outAuthFailed) {
		return nil // (an SA that failed authentication has no child SA)
	}
	if st == nil || st.done {
		return nil
	}
	if !st.Encrypted && st.Version == 2 && !(a.authWait.get(pk) == st && !st.out.has(outAuthOK)) {
		// Child SAs were visible: this SPI is not one of them. Unless
		// the SA's IKE_AUTH answer, which would have shown its child SA,
		// is missing from the capture and the ESP runs on the SA's own
		// NAT-T ports (ownerByPorts): ikev2-two-clients-behind-one-nat
		// with its keys, without mars's IKE_AUTH answer.
		return nil
	}
	toResponder := sentToResponder(p, st)
	i := pairInferred(&a.infs, st, toResponder, p.Time)
	var r *infChild
	if i != 0 {
		r = a.infs.at(i)
	} else {
		ns, exact := unixNano(p.Time)
		// firstESP is set here, before countESP would, as CreatedFrame.
		i, r = a.infs.alloc(st, st.lastInf)
		r.created = ns
		st.lastInf = i
		a.noteAmbiguous(st, pk, p)
		if fits(p.Frame) {
			r.firstESP = uint32(p.Frame)
		}
		if !exact || !fits(p.Frame) {
			st.materialise(&a.infs) // the ChildSA holds the time and the frame as they are
			c := r.built()
			c.Created, c.CreatedFrame, c.firstESP = p.Time, p.Frame, p.Frame
		}
	}
	r.setSPI(toResponder, ESPSPI(p.ESPSPI))
	a.inferred.set(&a.infs, p.ESPSPI, p.Dst.Addr(), i)
	return r
}

// inferredAt returns the inferred child SA of inbound SPI spi at dst, nil
// when none. Every entry of a record is dropped before the record is freed
// (unindexInferred); a free record found all the same (owner nil) is
// taken for none, here for the entries keyed by SPI and address and in
// infIndex.at for those keyed by SPI alone.
func (a *Analyzer) inferredAt(spi uint32, dst netip.Addr) *infChild {
	i := a.inferred.get(&a.infs, spi, dst)
	if i == 0 {
		return nil
	}
	if r := a.infs.at(i); r.owner != nil {
		return r
	}
	return nil
}

// sentToResponder reports whether ESP packet p goes to st's responder.
// The addresses are compared as the ESP index and the pair index key
// them, an IPv4 address and its IPv4-mapped IPv6 form being one: the IKE
// SA was found by the pair of p's addresses in that form, so p's
// destination is the responder's address or the initiator's, or a new
// address of one of them (MOBIKE, mobike.go).
func sentToResponder(p *Packet, st *saState) bool {
	dst := p.Dst.Addr().Unmap()
	if dst == st.responder().Addr().Unmap() {
		return true
	}
	if dst == st.initiator().Addr().Unmap() {
		return false
	}
	side, ok := st.movedSide(dst)
	return ok && side == sideR
}

// pairWindow is how soon after an inferred child SA's first packet the
// first packet of its other direction must appear to be paired with it.
const pairWindow = 10 * time.Second

// pairInferred returns the inferred child SA of st that a new SPI seen in
// the given direction completes: the oldest one still missing that
// direction whose first packet is recent. Several child SAs between the
// same peers (IKEv1 quick modes, or rekeys, negotiated out of sight) start
// their directions in the same order, so first-come pairing matches SPI
// pairs even when their packets interleave. It returns the record's index
// in s, 0 for a new child SA.
func pairInferred(s *infSlab, st *saState, toResponder bool, at time.Time) uint32 {
	var best uint32
	seen := 0
	for i := st.lastInf; i != 0 && seen < 8; i = s.prevOf(i) {
		seen++
		x := s.at(i)
		spiI, spiR := x.spis()
		if (toResponder && spiR != 0) || (!toResponder && spiI != 0) || at.Sub(x.createdAt()) > pairWindow {
			continue
		}
		best = i // walking back: the last one kept is the oldest
	}
	return best
}

// orphanDir is the bit of Analyzer.orphanPairs for ESP from src within
// the pair k (makePairKey of its two addresses): 1 when src is the pair's
// first address, 2 when it is the second.
func orphanDir(k pairKey, src netip.Addr) uint8 {
	if k.lo == src.As16() {
		return 1
	}
	return 2
}

// orphan counts ESP without an IKE SA.
func (a *Analyzer) orphan(p *Packet) {
	a.report.Stats.UnmatchedESP++
	if k := makePairKey(p.Src.Addr(), p.Dst.Addr()); len(a.orphanPairs) < maxOrphans || a.orphanPairs[k] != 0 {
		if a.orphanPairs == nil {
			a.orphanPairs = make(map[pairKey]uint8)
		}
		a.orphanPairs[k] |= orphanDir(k, p.Src.Addr())
	}
	o := a.orphans[p.ESPSPI]
	if o == nil {
		if len(a.orphans) >= maxOrphans {
			return
		}
		o = &orphanESP{src: p.Src.Addr(), dst: p.Dst.Addr(), first: p.Frame, t: p.Time}
		a.orphans[p.ESPSPI] = o
	}
	o.n++
	o.last = p.Frame
}

// maxSharers bounds the open established IKE SAs kept per pair of peers
// besides the latest (sharers): a crafted capture could set up many.
const maxSharers = 8

// notePorts records the UDP ports of p, an IKE message of st off port 500
// (natPorts), by side.
func (st *saState) notePorts(p *Packet) {
	if p.Src.Addr() == st.initiator().Addr() && (p.Src.Addr() != p.Dst.Addr() || p.Src.Port() == st.initiator().Port()) {
		st.natPorts = [2]uint16{p.Src.Port(), p.Dst.Port()}
	} else {
		st.natPorts = [2]uint16{p.Dst.Port(), p.Src.Port()}
	}
}

// portsOf reports whether ESP packet p, UDP-encapsulated, uses st's NAT-T
// ports (either direction).
func portsOf(st *saState, p *Packet) bool {
	np, s, d := st.natPorts, p.Src.Port(), p.Dst.Port()
	return np != [2]uint16{} && (np == [2]uint16{s, d} || np == [2]uint16{d, s})
}

// ownerByPorts returns the IKE SA between p's peers that UDP-encapsulated
// ESP packet p belongs to by its ports: latest when its NAT-T ports are
// p's (or not known, or p is plain ESP), else the open SA among the
// pair's sharers whose ports are p's, else the SA whose IKE_AUTH request
// waits for an answer when p is on its NAT-T ports (the capture missed
// the answer: a dropped or damaged packet), also when no SA between the
// peers is established (latest nil), else latest as before. Without it,
// the ESP of two clients behind one NAT address went to whichever set up
// its IKE SA last (ikev2-two-clients-behind-one-nat: moon's child SA under
// mars's IKE SA). Two SAs on the same ports (two identities between two
// hosts) stay ambiguous: latest.
func (a *Analyzer) ownerByPorts(latest *saState, pk pairKey, p *Packet) *saState {
	if p.Src.Port() == 0 || latest != nil && (portsOf(latest, p) || latest.natPorts == [2]uint16{}) {
		return latest
	}
	if latest != nil {
		for _, o := range a.sharers[pk] {
			if !o.done && portsOf(o, p) {
				return o
			}
		}
	}
	if w := a.authWait.get(pk); w != nil && w != latest && !w.done && portsOf(w, p) {
		// Its IKE_AUTH request has no answer in the capture, and ESP
		// runs on its own NAT-T ports: the answer came (unansweredV2,
		// espAfterAuth).
		return w
	}
	return latest
}

// addSharer keeps the pair's latest established SA, still open and neither
// deleted nor rekeyed nor replaced by st's rekey, among the pair's sharers
// as st becomes latest.
func (a *Analyzer) addSharer(st *saState) {
	pk := st.pairKey()
	old := a.latest.get(pk)
	if old == nil || old == st || old.done || old.out.has(outDeleted) || old.out.has(outRekeyed) || st.rareOrEmpty().hasFrom {
		return
	}
	list := a.sharers[pk]
	if len(list) >= maxSharers || slices.Contains(list, old) {
		return
	}
	if a.sharers == nil {
		a.sharers = make(map[pairKey][]*saState)
	}
	a.sharers[pk] = append(list, old)
}

// dropSharer removes st, finalised, from its pair's sharers.
func (a *Analyzer) dropSharer(st *saState) {
	pk := st.pairKey()
	list := a.sharers[pk]
	if i := slices.Index(list, st); i >= 0 {
		list = slices.Delete(list, i, i+1)
		if len(list) == 0 {
			delete(a.sharers, pk)
		} else {
			a.sharers[pk] = list
		}
	}
}
