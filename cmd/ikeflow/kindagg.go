package main

import (
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// kindAgg groups findings by severity and kind as they arrive, for the
// summary views: per group the count, the SAs concerned and the earliest
// finding (by first frame, then arrival), without keeping the findings:
// its memory does not grow with the SAs. Fed in arrival order it gives the
// groups that scanning the stable sort of the same findings by first frame
// gives.
type kindAgg struct {
	groups map[kindKey]*kindAcc
}

// kindKey identifies a group.
type kindKey struct {
	sev  flows.Severity
	kind string
}

// kindAcc is one group being accumulated.
type kindAcc struct {
	g        kindGroup
	lastSA   int // the last SA counted in g.nSAs
	first    int // sort key of the earliest finding
	firstSeq int // its arrival number
}

func newKindAgg() *kindAgg {
	return &kindAgg{groups: map[kindKey]*kindAcc{}}
}

// add counts f, the seq-th finding to arrive, a finding of the sa-th SA
// (numbered from 1; 0 for a capture-wide finding). The findings of an SA
// must arrive together.
func (k *kindAgg) add(f *flows.Finding, seq, sa int) {
	key := kindKey{f.Severity, string(f.Kind)}
	a := k.groups[key]
	key0 := f.Order()
	if a == nil {
		a = &kindAcc{g: kindGroup{sev: f.Severity, kind: string(f.Kind)}, first: key0, firstSeq: seq}
		a.g.first, a.g.msg = f.Frames, f.Message
		k.groups[key] = a
	} else if key0 < a.first || (key0 == a.first && seq < a.firstSeq) {
		a.first, a.firstSeq = key0, seq
		a.g.first, a.g.msg = f.Frames, f.Message
	}
	a.g.n++
	if sa > 0 && sa != a.lastSA {
		a.g.nSAs++
		a.lastSA = sa
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
