package flows

// pairIndex finds, per pair of peers, the established IKE SA most recently
// seen between them while it is open (Analyzer.latest). Pairs of IPv4
// addresses, by far the most common, key a map of their own: 8-octet keys,
// about 23 octets an entry where the 32-octet pairKey takes 62, for every
// established SA open at once.
type pairIndex struct {
	v4 map[pairKey4]*saState
	v6 map[pairKey]*saState
}

// pairKey4 is a pairKey of two IPv4 addresses.
type pairKey4 struct{ lo, hi [4]byte }

// newPairIndex returns an empty index.
func newPairIndex() pairIndex {
	return pairIndex{v4: make(map[pairKey4]*saState), v6: make(map[pairKey]*saState)}
}

// reset empties the index.
func (x *pairIndex) reset() {
	clear(x.v4)
	clear(x.v6)
}

// v4 returns k's IPv4 form, when both its addresses are IPv4 (held as
// IPv4-mapped IPv6, as As16 gives them).
func (k *pairKey) v4() (pairKey4, bool) {
	const mapped = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"
	if string(k.lo[:12]) != mapped || string(k.hi[:12]) != mapped {
		return pairKey4{}, false
	}
	return pairKey4{[4]byte(k.lo[12:]), [4]byte(k.hi[12:])}, true
}

// get returns the SA of pair k, or nil.
func (x *pairIndex) get(k pairKey) *saState {
	if k4, ok := k.v4(); ok {
		return x.v4[k4]
	}
	return x.v6[k]
}

// set makes pair k find st.
func (x *pairIndex) set(k pairKey, st *saState) {
	if k4, ok := k.v4(); ok {
		x.v4[k4] = st
		return
	}
	x.v6[k] = st
}

// drop removes pair k when it finds st.
func (x *pairIndex) drop(k pairKey, st *saState) {
	if k4, ok := k.v4(); ok {
		if x.v4[k4] == st {
			delete(x.v4, k4)
		}
		return
	}
	if x.v6[k] == st {
		delete(x.v6, k)
	}
}
