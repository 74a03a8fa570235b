package flows

import "net/netip"

// A peer of an established IKEv2 SA may change its address (MOBIKE, RFC
// 4555: INFORMATIONAL with UPDATE_SA_ADDRESSES from the new address; RFC
// 7296 §2.23 allows the same after a NAT rebinding): its IKE messages and
// the ESP to it then use the new address with the same SPIs. The ESP index
// finds a child SA by inbound SPI and receiving address, so the child SAs
// are indexed under the new address too; without it the ESP sent to the
// peer at its new address belonged to no IKE SA (ikev2-mobike: "carries
// ESP one way only", esp_without_ike).

// movedPeer is a new address of one peer of an SA.
type movedPeer struct {
	side saSide
	addr netip.Addr
}

// maxPeerMoves bounds the new addresses followed per SA: each indexes all
// its child SAs again, and a crafted capture could send every message
// from another address.
const maxPeerMoves = 4

// peerMoved notes that side's peer of st, an established SA, sent from
// addr, not its address, and indexes st's child SAs under it.
func (a *Analyzer) peerMoved(st *saState, side saSide, addr netip.Addr) {
	r := st.rareOrEmpty()
	for _, m := range r.moved {
		if m.side == side && m.addr == addr {
			return
		}
	}
	if len(r.moved) >= maxPeerMoves {
		return
	}
	o := st.lists()
	o.moved = append(o.moved, movedPeer{side, addr})
	if st.Encrypted {
		// Without keys its child SAs are inferred from the ESP between
		// its peers (inferChild): between the new address and the other
		// peer too, unless another SA is the latest there.
		k := makePairKey(addr, st.peer(side.other()).Addr())
		if _, ok := a.latest.lookup(k); !ok {
			a.latest.set(k, st)
		}
	}
	st.materialise(&a.infs)
	for _, c := range st.childSAs() {
		if spi := childSPI(c, side); spi != 0 && c.State == ChildEstablished {
			a.setMoved(uint32(spi), addr, c)
		}
	}
}

// setMoved indexes c under spi at addr unless a child SA of another IKE SA
// is there (SPIs are sent in the clear: a crafted message must not take
// another SA's ESP).
func (a *Analyzer) setMoved(spi uint32, addr netip.Addr, c *ChildSA) {
	if x := a.esp.get(spi, addr); x != nil && x != c {
		return
	}
	a.esp.set(spi, addr, c)
}

// indexMoved indexes c, a new child SA of st, under its peers' new
// addresses as well.
func (a *Analyzer) indexMoved(st *saState, c *ChildSA) {
	for _, m := range st.rareOrEmpty().moved {
		if spi := childSPI(c, m.side); spi != 0 {
			a.setMoved(uint32(spi), m.addr, c)
		}
	}
}

// unindexMoved removes c from the ESP index under st's peers' new
// addresses.
func (a *Analyzer) unindexMoved(st *saState, c *ChildSA) {
	for _, m := range st.rareOrEmpty().moved {
		a.esp.drop(uint32(childSPI(c, m.side)), m.addr, c)
	}
}

// movedSide returns the side of st whose peer moved to addr (an unmapped
// address); false when neither did.
func (st *saState) movedSide(addr netip.Addr) (saSide, bool) {
	for _, m := range st.rareOrEmpty().moved {
		if m.addr.Unmap() == addr {
			return m.side, true
		}
	}
	return sideI, false
}

// unindexMovedPairs removes st from the latest SA of the pairs its peers'
// new addresses make with the other peer (peerMoved).
func (a *Analyzer) unindexMovedPairs(st *saState) {
	for _, m := range st.rareOrEmpty().moved {
		a.latest.drop(makePairKey(m.addr, st.peer(m.side.other()).Addr()), st)
	}
}
