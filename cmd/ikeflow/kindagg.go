package main

import (
	"hash/maphash"
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// kindAgg groups findings by severity and kind as they arrive, for the
// summary views: per group the count, the distinct SAs and the earliest
// finding (by first frame, then arrival), without keeping the findings.
// Fed in arrival order it gives the groups findingsByKind gives for the
// stable sort of the same findings by first frame.
type kindAgg struct {
	groups map[string]*kindAcc
	seed   maphash.Seed
}

// kindAcc is one group being accumulated.
type kindAcc struct {
	g        kindGroup
	sas      map[uint64]struct{} // hashes of the SA names ("spii/spir")
	first    int                 // sort key of the earliest finding
	firstSeq int                 // its arrival number
}

func newKindAgg() *kindAgg {
	return &kindAgg{groups: map[string]*kindAcc{}, seed: maphash.MakeSeed()}
}

// add counts f, the seq-th finding to arrive.
func (k *kindAgg) add(f *flows.Finding, seq int) {
	key := f.Severity.String() + "/" + f.Kind
	a := k.groups[key]
	key0 := firstOf(*f)
	if a == nil {
		a = &kindAcc{g: kindGroup{sev: f.Severity, kind: f.Kind}, sas: map[uint64]struct{}{}, first: key0, firstSeq: seq}
		a.g.first, a.g.msg = f.Frames, f.Message
		k.groups[key] = a
	} else if key0 < a.first || (key0 == a.first && seq < a.firstSeq) {
		a.first, a.firstSeq = key0, seq
		a.g.first, a.g.msg = f.Frames, f.Message
	}
	a.g.n++
	if f.SA != "" {
		a.sas[maphash.String(k.seed, f.SA)] = struct{}{}
	}
}

// sorted returns the groups, most severe and most frequent first (ties:
// the group whose earliest finding comes first).
func (k *kindAgg) sorted() []*kindGroup {
	accs := make([]*kindAcc, 0, len(k.groups))
	for _, a := range k.groups {
		accs = append(accs, a)
	}
	slices.SortFunc(accs, func(x, y *kindAcc) int {
		if x.first != y.first {
			return x.first - y.first
		}
		return x.firstSeq - y.firstSeq
	})
	out := make([]*kindGroup, len(accs))
	for i, a := range accs {
		g := a.g
		g.nSAs = len(a.sas)
		out[i] = &g
	}
	slices.SortStableFunc(out, func(x, y *kindGroup) int {
		if x.sev != y.sev {
			return int(y.sev) - int(x.sev)
		}
		return y.n - x.n
	})
	return out
}
