package flows

import (
	"net/netip"
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
	a.report.Stats.ESPPackets++
	c := a.esp.get(p.ESPSPI, p.Dst.Addr())
	if c == nil {
		c = a.inferChild(p)
		if c == nil {
			a.orphan(p)
			return
		}
	}
	st := c.owner
	toResponder := p.Dst.Addr() == st.sa.Responder.Addr()
	if c.SPIi != c.SPIr {
		toResponder = ESPSPI(p.ESPSPI) == c.SPIr
	}
	if toResponder {
		c.ESPPackets.IToR++
	} else {
		c.ESPPackets.RToI++
	}
	if c.firstESP == 0 {
		c.firstESP = p.Frame
	}
	c.lastESP = p.Frame
	a.activity(st, p)
}

// inferChild attributes an unknown ESP SPI to the established IKE SA
// between the same peers whose child SAs were negotiated out of sight
// (encrypted without keys), building an inferred child SA.
func (a *Analyzer) inferChild(p *Packet) *ChildSA {
	st := a.latest[makePairKey(p.Src.Addr(), p.Dst.Addr())]
	if st == nil || st.done {
		return nil
	}
	if !st.sa.Encrypted && st.sa.Version == 2 {
		return nil // child SAs were visible: this SPI is not one of them
	}
	toResponder := p.Dst.Addr() == st.sa.Responder.Addr()
	c := pairInferred(st, toResponder, p.Time)
	if c == nil {
		c = &ChildSA{Protocol: "ESP", State: ChildEstablished, Created: p.Time, CreatedFrame: p.Frame,
			owner: st, Inferred: true, TSi: []string{}, TSr: []string{}}
		st.sa.ChildSAs = append(st.sa.ChildSAs, c)
		st.inferChild = c
	}
	if toResponder {
		c.SPIr = ESPSPI(p.ESPSPI)
	} else {
		c.SPIi = ESPSPI(p.ESPSPI)
	}
	a.esp.set(p.ESPSPI, p.Dst.Addr(), c)
	return c
}

// pairWindow is how soon after an inferred child SA's first packet the
// first packet of its other direction must appear to be paired with it.
const pairWindow = 10 * time.Second

// pairInferred returns the inferred child SA of st that a new SPI seen in
// the given direction completes: the oldest one still missing that
// direction whose first packet is recent. Several child SAs between the
// same peers (IKEv1 quick modes, or rekeys, negotiated out of sight) start
// their directions in the same order, so first-come pairing matches SPI
// pairs even when their packets interleave. Nil: a new child SA.
func pairInferred(st *saState, toResponder bool, at time.Time) *ChildSA {
	cs := st.sa.ChildSAs
	var best *ChildSA
	for k, seen := len(cs)-1, 0; k >= 0 && seen < 8; k-- {
		x := cs[k]
		if !x.Inferred {
			continue
		}
		seen++
		if (toResponder && x.SPIr != 0) || (!toResponder && x.SPIi != 0) || at.Sub(x.Created) > pairWindow {
			continue
		}
		best = x // walking back: the last one kept is the oldest
	}
	return best
}

// orphan counts ESP without an IKE SA.
func (a *Analyzer) orphan(p *Packet) {
	a.report.Stats.UnmatchedESP++
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
