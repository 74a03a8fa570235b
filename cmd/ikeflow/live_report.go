package main

import (
	"io"
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// saRing keeps the last n finalised IKE SAs for live mode's final report,
// so memory stays bounded however long the capture runs.
type saRing struct {
	sas   []*flows.SA
	next  int // slot of the next SA once the ring is full
	total int // SAs ever added
}

func newSARing(n int) *saRing { return &saRing{sas: make([]*flows.SA, 0, min(n, 1024)), next: -n} }

// add keeps sa, replacing the oldest when full.
func (r *saRing) add(sa *flows.SA) {
	r.total++
	if r.next < 0 {
		r.sas = append(r.sas, sa)
		r.next++
		return
	}
	r.sas[r.next] = sa
	r.next = (r.next + 1) % len(r.sas)
}

// render writes the final report in format f exactly as analyze renders
// the same SAs, and returns the report and the collector (for
// collector.notInReport).
func (r *saRing) render(w io.Writer, fin *flows.Report, f *outputFormat, o renderOpts) (*flows.Report, *collector, error) {
	sas := slices.Clone(r.sas)
	slices.SortStableFunc(sas, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	out, err := startReport(f, w, o)
	if err != nil {
		return nil, nil, err
	}
	defer out.close()
	for _, sa := range sas {
		out.col.add(sa)
	}
	rep := out.col.report(fin)
	if out.col.err != nil {
		return nil, nil, out.col.err
	}
	rep.CaptureNotes = fin.CaptureNotes
	return rep, out.col, out.end(rep, nil)
}
