package flows

import "hash/maphash"

// pairTable finds a pair's record in pairHistory.recs: an open-addressing
// hash table (linear probing) of record indexes plus one (0: an empty
// slot), whose keys are the records' own (pairHistory.key).
//
// Why it is shaped this way: the history holds up to maxPairHist pairs for
// the whole capture, nearly all of a single SA. A Go map from the 8-octet
// IPv4 key to the record index (pairMap[int32]) took about 27 octets a
// pair at the bound (12-octet slots and control bytes, up to half empty
// after its last growth), a copy of the key the record also holds. The
// table holds 4 octets a slot, at most half full: 8 to 16 octets a pair,
// and grows by doubling up to the slots of the bound (2^18, 1 MB). The
// hash is maphash's with the table's own random seed, as Go's maps hash,
// so that addresses chosen to collide in a capture collide only by chance
// and probes stay short. A removed key's slot is refilled by shifting
// back the entries after it that may move (no tombstones), so the table
// never fills with dead slots.
type pairTable struct {
	slots []int32
	n     int // keys in the table
	seed  maphash.Seed
}

// hashRec returns the hash of the key of record i: its 8-octet IPv4 form
// when it has one (lookup hashes a key the same way), so that a pair
// hashes the same whatever form of its addresses names it.
func (h *pairHistory) hashRec(i int32) uint64 {
	if r := &h.recs[i]; r.flags&histV6 == 0 {
		return maphash.Comparable(h.index.seed, r.key)
	}
	return maphash.Comparable(h.index.seed, h.key6[i])
}

// lookup returns the index in h.recs of pair k's record, and whether k is
// in the table.
func (h *pairHistory) lookup(k pairKey) (int32, bool) {
	t := &h.index
	if t.n == 0 {
		return 0, false
	}
	k4, v4 := k.v4()
	var hash uint64
	if v4 {
		hash = maphash.Comparable(t.seed, k4)
	} else {
		hash = maphash.Comparable(t.seed, k)
	}
	mask := len(t.slots) - 1
	for p := int(hash) & mask; ; p = (p + 1) & mask {
		s := t.slots[p]
		if s == 0 {
			return 0, false
		}
		i := s - 1
		if r := &h.recs[i]; v4 && r.flags&histV6 == 0 && r.key == k4 || !v4 && r.flags&histV6 != 0 && h.key6[i] == k {
			return i, true
		}
	}
}

// insert adds record i, whose pair is not in the table, to the table.
func (h *pairHistory) insert(i int32) {
	t := &h.index
	if 2*(t.n+1) > len(t.slots) {
		h.resize(max(64, 2*len(t.slots)))
	}
	h.put(i)
	t.n++
}

// put stores record i in the first free slot of its probe sequence.
func (h *pairHistory) put(i int32) {
	t := &h.index
	mask := len(t.slots) - 1
	p := int(h.hashRec(i)) & mask
	for t.slots[p] != 0 {
		p = (p + 1) & mask
	}
	t.slots[p] = i + 1
}

// resize rehashes the table into n slots (a power of two, more than twice
// its keys).
func (h *pairHistory) resize(n int) {
	t := &h.index
	old := t.slots
	t.slots = make([]int32, n)
	for _, s := range old {
		if s != 0 {
			h.put(s - 1)
		}
	}
}

// remove takes record i out of the table; the record must still hold its
// key. A record the table does not hold is left alone: its probe sequence
// ends at an empty slot (the table is at most half full), so that a broken
// invariant cannot make the loop go round for ever.
func (h *pairHistory) remove(i int32) {
	t := &h.index
	if t.n == 0 {
		return
	}
	mask := len(t.slots) - 1
	p := int(h.hashRec(i)) & mask
	for t.slots[p] != i+1 {
		if t.slots[p] == 0 {
			return
		}
		p = (p + 1) & mask
	}
	t.slots[p] = 0
	t.n--
	// Shift back the entries of the run after p that may move: an entry
	// at j whose home slot is not cyclically in (p, j] would no longer be
	// found past the empty slot p.
	for j := (p + 1) & mask; t.slots[j] != 0; j = (j + 1) & mask {
		home := int(h.hashRec(t.slots[j]-1)) & mask
		if (j-home)&mask >= (j-p)&mask {
			t.slots[p], t.slots[j] = t.slots[j], 0
			p = j
		}
	}
}
