package flows

// pairMap maps pairs of peers to values. Pairs of IPv4 addresses, by far
// the most common, key a map of their own: 8-octet keys, which the runtime
// hashes and compares as one word, where the 32-octet pairKey is hashed
// with its generic memhash and makes entries much bigger (see pairIndex).
// It holds the latest established SA per pair (Analyzer.latest, a
// pairIndex); the pairs' history has its own table (pairTable), whose
// keys are in its records.
type pairMap[V comparable] struct {
	v4 map[pairKey4]V
	v6 map[pairKey]V
}

// pairIndex finds, per pair of peers, the established IKE SA most recently
// seen between them while it is open (Analyzer.latest): about 23 octets an
// entry for an IPv4 pair, where the 32-octet pairKey took 62, for every
// established SA open at once.
type pairIndex = pairMap[*saState]

// pairKey4 is a pairKey of two IPv4 addresses.
type pairKey4 struct{ lo, hi [4]byte }

// newPairMap returns an empty map with room for n IPv4 pairs.
func newPairMap[V comparable](n int) pairMap[V] {
	return pairMap[V]{v4: make(map[pairKey4]V, n), v6: make(map[pairKey]V)}
}

// newPairIndex returns an empty index.
func newPairIndex() pairIndex { return newPairMap[*saState](0) }

// reset empties the map and lets its storage go (see saIndex.reset).
func (x *pairMap[V]) reset() { *x = newPairMap[V](0) }

// v4 returns k's IPv4 form, when both its addresses are IPv4 (held as
// IPv4-mapped IPv6, as As16 gives them).
func (k *pairKey) v4() (pairKey4, bool) {
	const mapped = "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff"
	if string(k.lo[:12]) != mapped || string(k.hi[:12]) != mapped {
		return pairKey4{}, false
	}
	return pairKey4{[4]byte(k.lo[12:]), [4]byte(k.hi[12:])}, true
}

// full returns the pairKey of k.
func (k pairKey4) full() pairKey {
	var f pairKey
	f.lo[10], f.lo[11], f.hi[10], f.hi[11] = 0xff, 0xff, 0xff, 0xff
	copy(f.lo[12:], k.lo[:])
	copy(f.hi[12:], k.hi[:])
	return f
}

// lookup returns the value of pair k and whether it is in the map.
func (x *pairMap[V]) lookup(k pairKey) (V, bool) {
	if k4, ok := k.v4(); ok {
		v, ok := x.v4[k4]
		return v, ok
	}
	v, ok := x.v6[k]
	return v, ok
}

// get returns the value of pair k (the zero value when none).
func (x *pairMap[V]) get(k pairKey) V {
	v, _ := x.lookup(k)
	return v
}

// set makes pair k map to v.
func (x *pairMap[V]) set(k pairKey, v V) {
	if k4, ok := k.v4(); ok {
		x.v4[k4] = v
		return
	}
	x.v6[k] = v
}

// drop removes pair k when it maps to v.
func (x *pairMap[V]) drop(k pairKey, v V) {
	if k4, ok := k.v4(); ok {
		if cur, ok := x.v4[k4]; ok && cur == v {
			delete(x.v4, k4)
		}
		return
	}
	if cur, ok := x.v6[k]; ok && cur == v {
		delete(x.v6, k)
	}
}
