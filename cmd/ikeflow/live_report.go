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

// render writes the final report in format (analyze's formats, or "none")
// exactly as analyze renders the same SAs, and returns the report.
func (r *saRing) render(w io.Writer, fin *flows.Report, format string, o renderOpts) (*flows.Report, error) {
	sas := slices.Clone(r.sas)
	slices.SortStableFunc(sas, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	var stream func(*flows.SA) error
	var js *jsonStream
	var cs *csvStream
	switch format {
	case "json":
		js = &jsonStream{w: w}
		if err := js.begin(); err != nil {
			return nil, err
		}
		stream = js.add
	case "csv":
		cs = newCSVStream(w, nil)
		stream = cs.add
	}
	col := newCollector(stream)
	for _, sa := range sas {
		col.add(sa)
	}
	rep := col.report(fin)
	if col.err != nil {
		return nil, col.err
	}
	err := renderReport(w, rep, col, js, cs, format, o, nil)
	if col.summarised() && col.stream == nil {
		// The summary view's report holds only the problem SAs' findings;
		// the one returned (for --fail-on) holds them all.
		full := &flows.Report{SAs: rep.SAs, Stats: rep.Stats}
		for _, sa := range sas {
			for _, f := range sa.Findings {
				f.SA = sa.Name()
				full.Findings = append(full.Findings, f)
			}
		}
		full.Findings = append(full.Findings, fin.Findings...)
		rep = full
	}
	return rep, err
}
