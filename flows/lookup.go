package flows

import "github.com/ikeflow/ikeflow/dissect"

// Lookup returns the IKE SA, still open (not yet finalised), that an IKE
// message with these header SPIs belongs to, as analysed so far; nil when
// there is none. A zero spir finds the SA by its initiator SPI alone, as
// for a first IKE_SA_INIT or main-mode message. Live displays call it
// after Analyzer.Add to follow an SA as it happens: exchanges seen,
// answers, Established, child SAs. Each call brings the same *SA up to
// date (the one later handed to OnSA); its fields are those of the last
// call, but its child SAs and findings are shared with the analysis and
// change with each Add (ESP counts, repeats merged into a finding's
// frames). Its State and
// Findings are only final once it is handed to Options.OnSA or returned
// by Finish. The SA must not be modified, and is only read between calls
// to Add, from the goroutine that calls Add.
func (a *Analyzer) Lookup(version uint8, spii, spir dissect.SPI) *SA {
	st, hs := a.ix.find(version, spii, spir)
	if st != nil && !st.done {
		return st.view(&a.texts, &a.infs)
	}
	if hs != nil && !hs.done && (spir.IsZero() || hs.SPIr == spir) {
		return hs.view(&a.texts, &a.infs)
	}
	return nil
}

// view brings the exported model of st up to date (exchanges are kept
// compact while the SA is open) and returns it. The Exchanges handed out
// stay the same objects across calls and are updated in place.
func (st *saState) view(tab *textTab, s *infSlab) *SA {
	st.materialise(s)
	sa := st.model()
	if !st.done { // else finalize built it before conclude
		sa = st.snapshot(tab)
	}
	var eb exBuf
	recs := st.exSlice(&eb)
	if len(sa.Exchanges) == 0 && len(recs) > 1 {
		// First view (usually at finalisation): the exchanges and all
		// their messages in one block (viewpool.go), not three
		// allocations per exchange; a block a writer handed back
		// (Recycle) when there is one of the size.
		// Each exchange's Messages is capped at its own length, so a
		// later append (more messages after a Lookup) reallocates it
		// instead of running into its neighbour's.
		total := 0
		for _, ex := range recs {
			total += ex.nmsgs()
		}
		blk := takeViewBlock(len(recs), total)
		sa.view = blk
		exs, msgs, ptrs := blk.exs, blk.msgs, blk.msgPtrs
		sa.Exchanges = blk.exPtrs[:len(recs)]
		at := 0
		for i, ex := range recs {
			n := ex.nmsgs()
			ex.build(&exs[i], msgs[at:at+n], ptrs[at:at:at+n], tab)
			sa.Exchanges[i] = &exs[i]
			at += n
		}
		return sa
	}
	if sa.Exchanges == nil {
		sa.Exchanges = make([]*Exchange, 0, len(recs))
	}
	for i, ex := range recs {
		if i < len(sa.Exchanges) {
			ex.sync(sa.Exchanges[i], tab)
		} else {
			sa.Exchanges = append(sa.Exchanges, ex.sync(nil, tab))
		}
	}
	return sa
}
