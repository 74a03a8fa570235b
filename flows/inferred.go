package flows

import (
	"math"
	"time"
)

// Why a record of its own for a child SA inferred from ESP: without keys,
// every established IKE SA that carries traffic gets one, and while the SA
// is open all it needs is its SPIs, its start and its ESP counts: 64
// octets, where the exported ChildSA takes 256. The ChildSA is built when
// the SA is looked up or finalised (saState.view), or before anything that
// reads or changes SA.ChildSAs while the SA is open (a negotiated child SA
// appended, decrypted Deletes, a child SA rekey): materialise. From then on
// the record forwards to it.

// infChild is the working record of a child SA inferred from ESP
// (Analyzer.inferChild).
type infChild struct {
	owner *saState
	c     *ChildSA  // built by materialise; nil until then
	prev  *infChild // the SA's previous inferred child SA (saState.lastInf)
	// spiI, spiR, firstESP and lastESP are those of ChildSA until it is
	// built; firstESP is also its CreatedFrame (the record is made for its
	// first packet). created is its Created in Unix nanoseconds (8 octets,
	// not a time.Time's 24): a time it cannot hold exactly has the ChildSA
	// built at once (Analyzer.inferChild). iToR and rToI are its
	// ESPPackets while they fit 32 bits (count): 64 octets, not 80.
	spiI, spiR ESPSPI
	created    int64
	iToR, rToI uint32
	firstESP   int
	lastESP    int
}

// count counts p, an ESP packet of the child SA, as countESP does, and
// reports whether it did: not when a count would pass 32 bits, for which
// the caller builds the ChildSA (materialise), whose counts have 64.
func (r *infChild) count(p *Packet) bool {
	if r.iToR == math.MaxUint32 || r.rToI == math.MaxUint32 {
		return false
	}
	n := ESPCount{IToR: uint64(r.iToR), RToI: uint64(r.rToI)}
	countESP(p, r.owner, r.spiI, r.spiR, &n, &r.firstESP, &r.lastESP)
	r.iToR, r.rToI = uint32(n.IToR), uint32(n.RToI)
	return true
}

// spis returns the child SA's SPIs.
func (r *infChild) spis() (ESPSPI, ESPSPI) {
	if r.c != nil {
		return r.c.SPIi, r.c.SPIr
	}
	return r.spiI, r.spiR
}

// setSPI sets the child SA's SPI of one direction.
func (r *infChild) setSPI(toResponder bool, spi ESPSPI) {
	i, rr := &r.spiI, &r.spiR
	if r.c != nil {
		i, rr = &r.c.SPIi, &r.c.SPIr
	}
	if toResponder {
		*rr = spi
	} else {
		*i = spi
	}
}

// createdAt returns the time of the child SA's first ESP packet.
func (r *infChild) createdAt() time.Time {
	if r.c != nil {
		return r.c.Created
	}
	return time.Unix(0, r.created).UTC()
}

// materialise builds the ChildSA of every inferred child SA of st that has
// none yet, appending them to SA.ChildSAs in the order they were inferred:
// the order the SA's child SAs were first seen, since it runs before any
// other child SA is appended.
func (st *saState) materialise() {
	n := 0
	for r := st.lastInf; r != nil && r.c == nil; r = r.prev {
		n++ // the records without a ChildSA are the latest ones
	}
	if n == 0 {
		return
	}
	kids := st.kidsState()
	at := len(*kids)
	*kids = append(*kids, make([]*ChildSA, n)...)
	block := make([]ChildSA, n) // one allocation for them all
	r := st.lastInf
	for i := n - 1; i >= 0; i, r = i-1, r.prev {
		c := &block[i]
		*c = ChildSA{Protocol: "ESP", SPIi: r.spiI, SPIr: r.spiR, State: ChildEstablished, Created: r.createdAt(),
			CreatedFrame: r.firstESP, ESPPackets: ESPCount{IToR: uint64(r.iToR), RToI: uint64(r.rToI)},
			Inferred: true, TSi: []string{}, TSr: []string{},
			owner: st, firstESP: r.firstESP, lastESP: r.lastESP}
		r.c = c
		(*kids)[at+i] = c
	}
}

// addChild appends a negotiated child SA to the SA, after the inferred ones
// seen before it.
func (st *saState) addChild(c *ChildSA) {
	st.materialise()
	kids := st.kidsState()
	*kids = append(*kids, c)
}
