package flows

import (
	"math"
	"time"
)

// Why a record of its own for a child SA inferred from ESP: without keys,
// every established IKE SA that carries traffic gets one, and while the SA
// is open all it needs is its SPIs, its start and its ESP counts: 40
// octets in a slab (infslab.go), where the exported ChildSA takes 256. The ChildSA is built when
// the SA is looked up or finalised (saState.view), or before anything that
// reads or changes SA.ChildSAs while the SA is open (a negotiated child SA
// appended, decrypted Deletes, a child SA rekey): materialise. From then on
// the record forwards to it.

// infChild is the working record of a child SA inferred from ESP
// (Analyzer.inferChild), held in the Analyzer's infSlab.
type infChild struct {
	owner *saState // nil while the record is free (infSlab)
	// spiI, spiR, firstESP and lastESP are those of ChildSA until it is
	// built; firstESP is also its CreatedFrame (the record is made for its
	// first packet). created is its Created in Unix nanoseconds (8 octets,
	// not a time.Time's 24): a time it cannot hold exactly has the ChildSA
	// built at once (Analyzer.inferChild). iToR and rToI are its
	// ESPPackets while they fit 32 bits (count), firstESP and lastESP its
	// frames while they are from 0 to infBuilt-1 (fits): 40 octets in the
	// slab, where a pointer to the SA's previous record made 48 (the 48
	// size class when each record was allocated alone), 64-bit frames and
	// a pointer to the ChildSA 64, and 64-bit counts 80. The SA's previous
	// inferred child SA is not here but in infSlab.prev, which only the
	// SAs with more than one pay for.
	//
	// Once the ChildSA is built (materialise) firstESP is infBuilt and
	// iToR its index in the owner's ChildSAs (built), which are only ever
	// appended to while the SA is open: the record forwards to it without
	// a pointer of its own.
	spiI, spiR ESPSPI
	created    int64
	iToR, rToI uint32
	firstESP   uint32
	lastESP    uint32
}

// infBuilt in infChild.firstESP says that the ChildSA is built.
const infBuilt = math.MaxUint32

// built returns the ChildSA of r, nil until materialise builds it.
func (r *infChild) built() *ChildSA {
	if r.firstESP != infBuilt {
		return nil
	}
	return r.owner.childSAs()[r.iToR]
}

// fits reports whether frame can be one of r's frames before the ChildSA
// is built.
func fits(frame int) bool { return frame >= 0 && frame < infBuilt }

// count counts p, an ESP packet of the child SA (not built), as countESP
// does, and reports whether it did: not when a count would pass 32 bits or
// p's frame does not fit, for which the caller builds the ChildSA
// (materialise), whose counts and frames have 64.
func (r *infChild) count(p *Packet) bool {
	if r.iToR == math.MaxUint32 || r.rToI == math.MaxUint32 || !fits(p.Frame) {
		return false
	}
	n := ESPCount{IToR: uint64(r.iToR), RToI: uint64(r.rToI)}
	first, last := int(r.firstESP), int(r.lastESP)
	countESP(p, r.owner, r.spiI, r.spiR, &n, &first, &last)
	r.iToR, r.rToI = uint32(n.IToR), uint32(n.RToI)
	r.firstESP, r.lastESP = uint32(first), uint32(last) // p.Frame fits, and first is p.Frame or was
	return true
}

// spis returns the child SA's SPIs.
func (r *infChild) spis() (ESPSPI, ESPSPI) {
	if c := r.built(); c != nil {
		return c.SPIi, c.SPIr
	}
	return r.spiI, r.spiR
}

// setSPI sets the child SA's SPI of one direction.
func (r *infChild) setSPI(toResponder bool, spi ESPSPI) {
	i, rr := &r.spiI, &r.spiR
	if c := r.built(); c != nil {
		i, rr = &c.SPIi, &c.SPIr
	}
	if toResponder {
		*rr = spi
	} else {
		*i = spi
	}
}

// createdAt returns the time of the child SA's first ESP packet.
func (r *infChild) createdAt() time.Time {
	if c := r.built(); c != nil {
		return c.Created
	}
	return time.Unix(0, r.created).UTC()
}

// materialise builds the ChildSA of every inferred child SA of st that has
// none yet, appending them to SA.ChildSAs in the order they were inferred:
// the order the SA's child SAs were first seen, since it runs before any
// other child SA is appended.
func (st *saState) materialise(s *infSlab) {
	n := 0
	for i := st.lastInf; i != 0 && s.at(i).firstESP != infBuilt; i = s.prevOf(i) {
		n++ // the records without a ChildSA are the latest ones
	}
	if n == 0 {
		return
	}
	kids := st.kidsState()
	at := len(*kids)
	*kids = append(*kids, make([]*ChildSA, n)...)
	block := make([]ChildSA, n) // one allocation for them all
	x := st.lastInf
	for i := n - 1; i >= 0; i, x = i-1, s.prevOf(x) {
		r := s.at(x)
		c := &block[i]
		*c = ChildSA{Protocol: "ESP", SPIi: r.spiI, SPIr: r.spiR, State: ChildEstablished, Created: r.createdAt(),
			CreatedFrame: int(r.firstESP), ESPPackets: ESPCount{IToR: uint64(r.iToR), RToI: uint64(r.rToI)},
			Inferred: true, TSi: []string{}, TSr: []string{},
			owner: st, firstESP: int(r.firstESP), lastESP: int(r.lastESP)}
		(*kids)[at+i] = c
		r.firstESP, r.iToR = infBuilt, uint32(at+i) // built: forward to c
	}
}

// addChild appends a negotiated child SA to the SA, after the inferred ones
// seen before it.
func (st *saState) addChild(c *ChildSA, s *infSlab) {
	st.materialise(s)
	kids := st.kidsState()
	*kids = append(*kids, c)
}
