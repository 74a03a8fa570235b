package flows

import "github.com/ikeflow/ikeflow/dissect"

// saIndex finds the open IKE SAs by the SPIs in a message's header: by its
// full key (initiator SPI, responder SPI, version) once the responder SPI
// is known, and by its half-open key (initiator SPI, version) for messages
// whose responder SPI is still zero.
//
// Why it is shaped this way: every IKE message looks its SA up, and most
// SAs have one initiator SPI (8 random octets, chosen afresh by the
// initiator for every SA), one responder SPI and one half-open entry. A map
// keyed by the 17-octet saKey is hashed by the runtime's generic memhash,
// and a second map (the 9-octet halfKey) doubled the lookups; byI is keyed
// by the 8-octet initiator SPI alone, which the runtime hashes and compares
// as one word, and its entry is the SA itself: one lookup finds the SA and
// tells, from the SA's own fields, which of its keys the message matches
// (saState.keyR, flHalf). Every hit is verified against the full key
// (version and responder SPI), so an SA that merely shares the initiator
// SPI is never taken for another.
//
// Only the first SA indexed under an initiator SPI, and only its first
// responder SPI and half-open entry, are held that way. The rest go to
// keys and half, ordinary maps of full keys: another SA with the same
// initiator SPI (an IKEv1 and an IKEv2 SA, or a capture, hostile or
// damaged, that repeats one), or the SA's further responder SPIs
// (IKE_SA_INIT retries). A lookup thus costs at most one access to byI and
// one to each of the two maps (only when they are not empty), however many
// SAs share an SPI: nothing here walks a list whose length the capture
// chooses. Go's maps hash with a per-map random seed, so SPIs chosen to
// collide in some bits do not collide in them either.
type saIndex struct {
	byI  map[dissect.SPI]*saState
	keys map[saKey]*saState
	half map[halfKey]*saState
}

// newSAIndex returns an empty index.
func newSAIndex() saIndex {
	return saIndex{byI: make(map[dissect.SPI]*saState), keys: make(map[saKey]*saState), half: make(map[halfKey]*saState)}
}

// find returns the SA indexed under the full key (version v, SPIs i and r;
// nil when r is zero: no SA is indexed under a zero responder SPI) and the
// SA indexed as half-open under (i, v), either nil.
func (x *saIndex) find(v uint8, i, r dissect.SPI) (keyed, half *saState) {
	if st := x.byI[i]; st != nil && st.Version == v {
		if st.flags.has(flHalf) {
			half = st
		}
		if st.flags.has(flKeyed) && st.keyR() == r && !r.IsZero() {
			keyed = st
		}
	}
	if keyed == nil && len(x.keys) > 0 && !r.IsZero() {
		keyed = x.keys[saKey{i, r, v}]
	}
	if half == nil && len(x.half) > 0 {
		half = x.half[halfKey{i, v}]
	}
	return keyed, half
}

// claim makes st the SA of byI for its initiator SPI when no other SA is,
// reporting whether st is (now) that SA.
func (x *saIndex) claim(st *saState) bool {
	i := st.SPIi
	cur, ok := x.byI[i]
	if !ok {
		x.byI[i] = st
		return true
	}
	return cur == st
}

// addHalf indexes st, a new SA not yet indexed, as half-open under its
// initiator SPI and version. The caller sets flHalf.
func (x *saIndex) addHalf(st *saState) {
	if !x.claim(st) {
		x.half[halfKey{st.SPIi, st.Version}] = st
	}
}

// addKey indexes st under k, its first key when first (then held in
// st.keyR), a further one otherwise. The first key of the SA held in byI
// needs no entry of its own; every other key gets one in keys.
func (x *saIndex) addKey(st *saState, k saKey, first bool) {
	if first {
		if st.flags.has(flHalf) {
			// Indexed already (addHalf): the first key rides on its byI
			// entry when it holds one. It does not claim an entry freed
			// since: its half-open entry is in half, not with it.
			if x.byI[k.i] == st {
				return
			}
		} else if x.claim(st) {
			return
		}
	}
	x.keys[k] = st
}

// drop removes every entry that points at st.
func (x *saIndex) drop(st *saState) {
	i := st.SPIi
	if x.byI[i] == st {
		delete(x.byI, i)
	}
	st.eachKey(func(k saKey) {
		if x.keys[k] == st {
			delete(x.keys, k)
		}
	})
	if hk := (halfKey{i, st.Version}); st.flags.has(flHalf) && x.half[hk] == st {
		delete(x.half, hk)
	}
}

// each calls fn with every SA in the index, some of them more than once.
func (x *saIndex) each(fn func(*saState)) {
	for _, st := range x.byI {
		fn(st)
	}
	for _, st := range x.keys {
		fn(st)
	}
	for _, st := range x.half {
		fn(st)
	}
}

// len returns the number of entries, at least the number of SAs indexed.
func (x *saIndex) len() int { return len(x.byI) + len(x.keys) + len(x.half) }

// reset empties the index and lets its storage go (Finish: a Go map
// keeps its storage when cleared; big100k's indexes held 8-10 MB through
// Finish that way).
func (x *saIndex) reset() { *x = newSAIndex() }
