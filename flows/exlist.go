package flows

// An open SA's exchange records in SA.Exchanges' order: the records of its
// first two exchanges are saState.first, allocated with the SA (saAlloc);
// the third is ex3 and the rest are in saAux.exMore.
//
// Why not a []*exRec: its header (24 octets) and the array of three
// pointers saAlloc held for it (24) cost 48 octets in every open SA, to
// point at records the SA mostly holds itself. Pointing at the third
// only (most SAs have three exchanges or fewer), with the rest in saAux,
// costs 8.

// nexs returns the number of exchange records kept (those of
// SA.Exchanges; omitted ones are not counted).
func (st *saState) nexs() int {
	switch {
	case st.aux != nil && len(st.aux.exMore) > 0:
		return 3 + len(st.aux.exMore)
	case st.ex3 != nil:
		return 3
	}
	return int(st.nkept)
}

// exAt returns the i-th exchange record kept (0 ≤ i < nexs()). The first
// two kept are the records in first: the first two records newExchange
// hands out are the first two addExchange adds, and it keeps records
// from the first on.
func (st *saState) exAt(i int) *exRec {
	switch {
	case i < len(st.first):
		return &st.first[i]
	case i == len(st.first):
		return st.ex3
	}
	return st.aux.exMore[i-len(st.first)-1]
}

// keepEx appends ex, the newest exchange, to the records kept.
func (st *saState) keepEx(ex *exRec) {
	switch n := st.nexs(); {
	case n < len(st.first):
		st.nkept++
	case n == len(st.first):
		st.ex3 = ex
	default:
		x := st.auxState()
		x.exMore = append(x.exMore, ex)
	}
}

// dropExs forgets the records kept (finalize: SA.Exchanges holds their
// Exchanges now).
func (st *saState) dropExs() {
	st.nkept, st.ex3 = 0, nil
	if st.aux != nil {
		st.aux.exMore = nil
	}
}

// exBuf is room, on a caller's stack, for the pointers to an SA's
// exchange records (exSlice).
type exBuf [8]*exRec

// exSlice returns the exchange records kept, in buf when they fit (the
// usual case: no allocation), for the conclusion's scans over them.
func (st *saState) exSlice(buf *exBuf) []*exRec {
	n := st.nexs()
	s := buf[:0]
	if n > len(buf) {
		s = make([]*exRec, 0, n)
	}
	for i := range n {
		s = append(s, st.exAt(i))
	}
	return s
}
