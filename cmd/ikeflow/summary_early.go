package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// earlyTable renders the summary view's table of problem SAs while the
// analysis goes on, on a goroutine of its own.
//
// Rendering that table (tablewriter: up to problemLimit rows of nine
// cells) was most of what the table format did after the analysis, on the
// analyzing goroutine alone, with the second core idle. Its rows are known
// long before the end: the collector keeps the first problemLimit SAs with
// warnings or errors, and once it has them (and more than detailLimit
// SAs, so the summary view is the one shown) no later SA changes them.
// Only their findings column could still change, through the capture-wide
// findings that Finish adds (a group's order among an SA's findings
// follows the group's first finding, which could be capture-wide). So the
// table is rendered from what is known then, and used at the end only
// when the view has the same SAs in the same order (the other cells of a
// row are its SA's own, and an SA is not changed once handed to the
// collector) and the same findings cell in every row (use): the bytes of
// the table depend on its cells alone (writeProblemTable), so the output
// is byte for byte what rendering at the end gives, however the
// goroutines ran. Otherwise it is rendered at the end, as before.
//
// One goroutine per collector at most; the collector's wait waits for it.
// A panic in it is kept with its stack and raised again on the analyzing
// goroutine when its table is used (rendering the same cells there would
// have panicked the same way).
type earlyTable struct {
	done chan struct{}
	// sas and found are the rows' SAs and findings cells (findingsCell)
	// the table was rendered with.
	sas   []*flows.SA
	found []string
	buf   bytes.Buffer
	err   error
	panic string
	used  bool // use wrote the table (for tests)
}

// startEarlyTable renders, on a goroutine, the table of the problem SAs
// that renderSummary would show with the SAs and findings collected so
// far (the capture-wide findings are not known yet). It copies what it
// reads of the collector; the SAs themselves are no longer written by
// anyone once handed to the collector.
func startEarlyTable(c *collector) *earlyTable {
	e := &earlyTable{done: make(chan struct{})}
	probs := slices.Clone(c.problems)
	found := slices.Clone(c.probFindings)
	go e.render(probs, found)
	return e
}

// render is the goroutine: it builds the view as renderSummary does
// (problemsView over a report of the problem SAs' findings, sorted as
// collector.report sorts them) and renders its table into buf.
func (e *earlyTable) render(probs []*flows.SA, found []flows.Finding) {
	defer close(e.done)
	defer func() {
		if r := recover(); r != nil {
			e.panic = fmt.Sprintf("%v\n\n(rendering the table of problem SAs ahead)\n%s", r, debug.Stack())
		}
	}()
	slices.SortStableFunc(found, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	view := problemsView(&flows.Report{Findings: found}, probs)
	cells := problemCells(view, indexFindings(view))
	e.sas = view.SAs
	e.found = make([]string, len(cells))
	for i, row := range cells {
		e.found[i] = row[len(row)-1]
	}
	e.err = writeProblemTable(&e.buf, cells)
}

// wait waits for the goroutine. A nil earlyTable has none.
func (e *earlyTable) wait() {
	if e != nil {
		<-e.done
	}
}

// use writes the table rendered ahead to w when it is the table of
// view, whose findings fi groups (see above), and reports whether it did
// (false: render it now); err is the rendering's error then.
func (e *earlyTable) use(w io.Writer, view *flows.Report, fi *findingIndex) (bool, error) {
	if e == nil {
		return false, nil
	}
	e.wait()
	if !slices.Equal(e.sas, view.SAs) || len(e.found) != len(view.SAs) {
		return false, nil
	}
	for i, f := range e.found {
		if findingsCell(fi, i+1) != f {
			return false, nil
		}
	}
	if e.panic != "" {
		panic(e.panic)
	}
	if e.err != nil {
		return true, e.err
	}
	e.used = true
	_, err := w.Write(e.buf.Bytes())
	return true, err
}
