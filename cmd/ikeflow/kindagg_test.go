package main

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// findingsByKindRef is the grouping the summary views did before the
// collector aggregated: over every finding, stably sorted by first frame.
func findingsByKindRef(all []flows.Finding) []string {
	type grp struct {
		sev   flows.Severity
		kind  string
		n     int
		sas   map[string]bool
		first []int
		msg   string
	}
	all = slices.Clone(all)
	slices.SortStableFunc(all, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	groups := map[string]*grp{}
	var order []*grp
	for _, f := range all {
		k := f.Severity.String() + "/" + string(f.Kind)
		g := groups[k]
		if g == nil {
			g = &grp{sev: f.Severity, kind: string(f.Kind), sas: map[string]bool{}, first: f.Frames, msg: f.Message}
			groups[k] = g
			order = append(order, g)
		}
		g.n++
		if f.SA != "" {
			g.sas[f.SA] = true
		}
	}
	slices.SortStableFunc(order, func(x, y *grp) int {
		if x.sev != y.sev {
			return int(y.sev) - int(x.sev)
		}
		return y.n - x.n
	})
	var out []string
	for _, g := range order {
		out = append(out, fmt.Sprint(g.sev, g.kind, g.n, len(g.sas), g.first, g.msg))
	}
	return out
}

// TestSummaryKeepsOnlyWhatItShows feeds more SAs than can be listed (real
// corpus SAs, each copy with its own SPIs and frames) to a collector: past
// detailLimit it must keep only the problem SAs' findings, yet group the
// findings by kind exactly as over all of them, render the same summary as
// from every finding, and count for --fail-on the findings it dropped.
func TestSummaryKeepsOnlyWhatItShows(t *testing.T) {
	base := corpusSAs(t, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk", "ikev2-nat-t", "ikev2-invalid-ke-retry")
	const n = detailLimit*2 + 37
	col := newCollector(nil)
	var all []flows.Finding
	for i := range n {
		sa := *base[i%len(base)]
		binary.BigEndian.PutUint32(sa.SPIi[:4], uint32(i))
		sa.Findings = slices.Clone(sa.Findings)
		for j := range sa.Findings {
			f := &sa.Findings[j]
			f.Frames = slices.Clone(f.Frames)
			for k := range f.Frames {
				f.Frames[k] += (i / len(base)) * 7 // copies overlap in frames: ties and interleaving
			}
		}
		col.add(&sa)
		for _, f := range sa.Findings {
			f.SA = sa.Name()
			all = append(all, f)
		}
	}
	global := []flows.Finding{{Kind: flows.KindUnmatchedESP, Severity: flows.SeverityWarning, Frames: []int{5}, Message: "ESP without IKE."}}
	fin := &flows.Report{Stats: flows.Stats{IKESAs: n}, Findings: global}
	rep := col.report(fin)
	if !col.summarised() || len(col.findings) != 0 {
		t.Fatalf("summarised %v, %d findings kept in full", col.summarised(), len(col.findings))
	}
	if len(rep.Findings) >= len(all)/2 {
		t.Errorf("report keeps %d of %d findings", len(rep.Findings), len(all))
	}
	var got []string
	for _, g := range col.kindGroups(rep) {
		got = append(got, fmt.Sprint(g.sev, g.kind, g.n, g.nSAs, g.first, g.msg))
	}
	want := findingsByKindRef(append(slices.Clone(all), global...))
	if !slices.Equal(got, want) {
		t.Errorf("groups by kind:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The same views from every finding.
	full := &flows.Report{Stats: rep.Stats, Findings: append(slices.Clone(all), global...)}
	slices.SortStableFunc(full.Findings, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	for _, md := range []bool{false, true} {
		for _, width := range []int{0, 80} {
			var a, b strings.Builder
			if err := renderSummary(&a, rep, col, md, renderOpts{width: width}); err != nil {
				t.Fatal(err)
			}
			if err := renderSummary(&b, full, col, md, renderOpts{width: width}); err != nil {
				t.Fatal(err)
			}
			if a.String() != b.String() {
				t.Errorf("markdown %v width %d: summary differs from the one over every finding:\n%s\nwant\n%s", md, width, a.String(), b.String())
			}
		}
	}
	var pa, pb strings.Builder
	if err := renderHTML(&pa, rep, col, renderOpts{}, nil); err != nil {
		t.Fatal(err)
	}
	if err := renderHTML(&pb, full, col, renderOpts{}, nil); err != nil {
		t.Fatal(err)
	}
	if pa.String() != pb.String() {
		t.Error("HTML summary differs from the one over every finding")
	}
	for _, level := range []flows.Severity{flows.SeverityWarning, flows.SeverityError} {
		want, got := 0, col.notInReport(level)
		for _, f := range all {
			if f.Severity >= level {
				want++
			}
		}
		for _, f := range rep.Findings {
			if f.Severity >= level && f.SA != "" {
				got++
			}
		}
		if got != want {
			t.Errorf("--fail-on %s would count %d SA findings, want %d", level, got, want)
		}
	}
}
