package flows

import "net/netip"

// Why a slab: every open SA without keys that carries traffic has an
// inferred child SA, indexed twice (its two inbound SPIs). Held by pointer,
// each index entry took 16 octets (an 8-octet key and a pointer) and the
// maps had to be scanned by the collector; held as a 4-octet index into
// infSlab, an entry takes 8 (12 with an IPv4 address, infIndex) and the
// maps hold no pointers. The records
// themselves sit in fixed chunks (never moved, so a *infChild stays valid)
// and are reused through a free list once their SA is finalised
// (Analyzer.unindexInferred), so the slab holds at most as many records as
// were open at once. Without a pointer to the next record or a header of
// its own, a record takes its 40 octets, not a size class's 48.

// infChunk is the number of records in one chunk of an infSlab: 40 KiB.
const infChunk = 1024

// infSlab holds the infChild records. Index 0 is never handed out: it
// means none (saState.lastInf, infIndex).
//
// prev links a record to the SA's previous inferred child SA, for the
// records that have one: most SAs infer one child SA, so a link in every
// record (4 octets, 8 with the record's alignment) cost more than a map
// entry (12 octets) for the few. Its keys are the slab's own indexes, one
// per record in use that follows another of its SA.
type infSlab struct {
	chunks [][]infChild
	prev   map[uint32]uint32
	n      uint32 // records handed out from the chunks, counting index 0
	free   uint32 // first free record (chained by spiI), 0 when none
}

// at returns record i (not 0).
func (s *infSlab) at(i uint32) *infChild { return &s.chunks[i/infChunk][i%infChunk] }

// prevOf returns the index of the SA's inferred child SA before record i,
// 0 when none.
func (s *infSlab) prevOf(i uint32) uint32 {
	if len(s.prev) == 0 {
		return 0
	}
	return s.prev[i]
}

// alloc returns a new record for an inferred child SA of owner, zero but
// for its owner, whose previous one is record prev (0: none), and its
// index.
func (s *infSlab) alloc(owner *saState, prev uint32) (uint32, *infChild) {
	i := s.free
	if i != 0 {
		s.free = uint32(s.at(i).spiI)
	} else {
		if s.n == 0 {
			s.n = 1 // index 0 is none
		}
		if int(s.n/infChunk) == len(s.chunks) {
			s.chunks = append(s.chunks, make([]infChild, infChunk))
		}
		i = s.n
		s.n++
	}
	r := s.at(i)
	*r = infChild{owner: owner}
	if prev != 0 {
		if s.prev == nil {
			s.prev = make(map[uint32]uint32)
		}
		s.prev[i] = prev
	}
	return i, r
}

// release puts record i back on the free list; no index entry may lead to
// it.
func (s *infSlab) release(i uint32) {
	if len(s.prev) > 0 {
		delete(s.prev, i)
	}
	*s.at(i) = infChild{spiI: ESPSPI(s.free)}
	s.free = i
}

// infIndex finds the inferred child SAs (their records in Analyzer.infs)
// by inbound SPI and receiving address, as espIndex finds child SAs, with
// no address in most entries.
//
// Why it is shaped this way: a record is indexed under its SPIs at its
// SA's addresses, the inbound SPI of each direction at the address that
// receives it (inferChild), and SPIs are random: few entries share one.
// bySPI holds the first entry of an SPI, keyed by the SPI alone, and tells
// which of the record's SA's two addresses it is for by the top bit of its
// value (infResp): 8 octets an entry, where the SPI and an IPv4 address
// took 12 (and an IPv6 one 24). The address is compared with the record's
// SA's on every hit (its peers never change), so an entry is only found at
// its own address. The rest go to full (an espIndex), keyed by SPI and address:
// another address with the same SPI (another SA's, or a capture, hostile
// or damaged, that repeats SPIs), an address that is not one of the
// record's SA's, and a key that was there already while bySPI held
// another. A key is in one place only; a lookup costs at most one access
// to bySPI and one to full (none when it is empty), and Go's per-map hash
// seeds keep chosen SPIs from colliding in them. No map holds pointers.
type infIndex struct {
	bySPI map[uint32]uint32
	full  espIndex[uint32] // the other keys (see above)
}

// infResp in an infIndex.bySPI value says the entry is at the responder's
// address (else the initiator's); the other bits are the record's index.
// Records from infResp on are indexed in full only.
const infResp = 1 << 31

// newInfIndex returns an empty index.
func newInfIndex() infIndex {
	return infIndex{bySPI: make(map[uint32]uint32), full: newESPIndex[uint32]()}
}

// reset empties the index and lets its storage go (see saIndex.reset).
func (x *infIndex) reset() { *x = newInfIndex() }

// sameDst reports whether a and b are one key of an ESP index: an IPv4
// address and its IPv4-mapped form are one, and zones do not count
// (espIndex keys by As4 and As16).
func sameDst(a, b netip.Addr) bool {
	a, b = a.Unmap(), b.Unmap()
	return a.Is4() == b.Is4() && a.As16() == b.As16()
}

// at reports whether v, a bySPI value, is an entry at dst (the record's SA
// in s read for its address).
func (x *infIndex) at(s *infSlab, v uint32, dst netip.Addr) bool {
	side := sideI
	if v&infResp != 0 {
		side = sideR
	}
	owner := s.at(v &^ infResp).owner
	if owner == nil { // a free record: no index entry should lead to one (inferredAt)
		return false
	}
	return sameDst(owner.peer(side).Addr(), dst)
}

// get returns the record of inbound SPI spi at dst, 0 when none.
func (x *infIndex) get(s *infSlab, spi uint32, dst netip.Addr) uint32 {
	if v, ok := x.bySPI[spi]; ok && x.at(s, v, dst) {
		return v &^ infResp
	}
	return x.full.get(spi, dst)
}

// set makes spi at dst find record i (in use: its owner is set).
func (x *infIndex) set(s *infSlab, spi uint32, dst netip.Addr, i uint32) {
	v, ok := x.bySPI[spi]
	if ok && x.at(s, v, dst) {
		x.bySPI[spi] = v&infResp | i
		if i&infResp != 0 || !x.at(s, x.bySPI[spi], dst) {
			// i cannot be held there: the key moves to full
			delete(x.bySPI, spi)
			x.full.set(spi, dst, i)
		}
		return
	}
	if !ok && i&infResp == 0 && x.full.get(spi, dst) == 0 {
		st := s.at(i).owner
		switch {
		case sameDst(st.responder().Addr(), dst):
			x.bySPI[spi] = i | infResp
			return
		case sameDst(st.initiator().Addr(), dst):
			x.bySPI[spi] = i
			return
		}
	}
	x.full.set(spi, dst, i)
}

// drop removes spi at dst when it finds record i (any entry when i is 0).
func (x *infIndex) drop(s *infSlab, spi uint32, dst netip.Addr, i uint32) {
	if v, ok := x.bySPI[spi]; ok && x.at(s, v, dst) {
		if i == 0 || v&^infResp == i {
			delete(x.bySPI, spi)
		}
		return
	}
	x.full.drop(spi, dst, i)
}
