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
// were open at once.

// infChunk is the number of records in one chunk of an infSlab: 48 KiB.
const infChunk = 1024

// infSlab holds the infChild records. Index 0 is never handed out: it
// means none (infChild.prev, infIndex).
type infSlab struct {
	chunks [][]infChild
	n      uint32 // records handed out from the chunks, counting index 0
	free   uint32 // first free record (chained by prev), 0 when none
}

// at returns record i (not 0).
func (s *infSlab) at(i uint32) *infChild { return &s.chunks[i/infChunk][i%infChunk] }

// prevOf returns the SA's inferred child SA before r, nil when none.
func (s *infSlab) prevOf(r *infChild) *infChild {
	if r.prev == 0 {
		return nil
	}
	return s.at(r.prev)
}

// alloc returns a zeroed record (but for self) for a new inferred child SA
// of owner.
func (s *infSlab) alloc(owner *saState) *infChild {
	if i := s.free; i != 0 {
		r := s.at(i)
		s.free = r.prev
		*r = infChild{owner: owner, self: i}
		return r
	}
	if s.n == 0 {
		s.n = 1 // index 0 is none
	}
	if int(s.n/infChunk) == len(s.chunks) {
		s.chunks = append(s.chunks, make([]infChild, infChunk))
	}
	i := s.n
	s.n++
	r := s.at(i)
	*r = infChild{owner: owner, self: i}
	return r
}

// release puts r back on the free list; no index entry may lead to it.
func (s *infSlab) release(r *infChild) {
	*r = infChild{self: r.self, prev: s.free}
	s.free = r.self
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
