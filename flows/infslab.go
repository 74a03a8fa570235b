package flows

import "net/netip"

// Why a slab: every open SA without keys that carries traffic has an
// inferred child SA, indexed twice (its two inbound SPIs). Held by pointer,
// each index entry took 16 octets (an 8-octet key and a pointer) and the
// maps had to be scanned by the collector; held as a 4-octet index into
// infSlab, an entry takes 12 and the maps hold no pointers. The records
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
// per record in use.
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
// by inbound SPI and receiving address, as espIndex finds child SAs: IPv4
// addresses key a map of their own, 12 octets an entry.
type infIndex struct {
	v4 map[espKey4]uint32
	v6 map[espKey]uint32
}

// newInfIndex returns an empty index.
func newInfIndex() infIndex {
	return infIndex{v4: make(map[espKey4]uint32), v6: make(map[espKey]uint32)}
}

// reset empties the index.
func (x *infIndex) reset() {
	clear(x.v4)
	clear(x.v6)
}

// get returns the record of inbound SPI spi at dst, 0 when none.
func (x *infIndex) get(spi uint32, dst netip.Addr) uint32 {
	if dst = dst.Unmap(); dst.Is4() {
		return x.v4[espKey4{spi, dst.As4()}]
	}
	return x.v6[espKey{spi, dst.As16()}]
}

// set makes spi at dst find record i.
func (x *infIndex) set(spi uint32, dst netip.Addr, i uint32) {
	if dst = dst.Unmap(); dst.Is4() {
		x.v4[espKey4{spi, dst.As4()}] = i
		return
	}
	x.v6[espKey{spi, dst.As16()}] = i
}

// drop removes spi at dst when it finds record i (any entry when i is 0).
func (x *infIndex) drop(spi uint32, dst netip.Addr, i uint32) {
	if dst = dst.Unmap(); dst.Is4() {
		k := espKey4{spi, dst.As4()}
		if cur, ok := x.v4[k]; ok && (i == 0 || cur == i) {
			delete(x.v4, k)
		}
		return
	}
	k := espKey{spi, dst.As16()}
	if cur, ok := x.v6[k]; ok && (i == 0 || cur == i) {
		delete(x.v6, k)
	}
}
