package main

import (
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// TestCollectorAllocs checks that handing an SA's findings on (the JSON
// and CSV streams' path) does not copy each finding to the heap: the
// allocations per SA do not grow with its findings.
func TestCollectorAllocs(t *testing.T) {
	var sa *flows.SA
	for _, s := range streamedSAs(t, "ikev2-retransmit") {
		if sa == nil || len(s.Findings) > len(sa.Findings) {
			sa = s
		}
	}
	if sa == nil || len(sa.Findings) < 3 {
		t.Fatalf("want an SA with at least 3 findings")
	}
	col := newCollector(func(*flows.SA) error { return nil })
	seen := 0
	name := sa.Name()
	col.onFinding = func(f *flows.Finding) error {
		if f.SA != name {
			t.Errorf("finding tagged %q, want %q", f.SA, name)
		}
		seen++
		return nil
	}
	col.add(sa) // first: the maps get their keys
	allocs := testing.AllocsPerRun(50, func() { col.add(sa) })
	// The SA's name (the findings' tag) is made once per SA.
	nameAllocs := testing.AllocsPerRun(50, func() { name = sa.Name() })
	if allocs > nameAllocs {
		t.Errorf("%.0f allocations per SA with %d findings (its name takes %.0f)", allocs, len(sa.Findings), nameAllocs)
	}
	if seen != 52*len(sa.Findings) {
		t.Errorf("%d findings handed on, want %d", seen, 52*len(sa.Findings))
	}
}

// TestCollectorSummaryAllocs checks that, once the table view summarises
// (more than detailLimit SAs), an SA with info findings only costs no
// allocation: its findings are only counted, so its name is not built.
func TestCollectorSummaryAllocs(t *testing.T) {
	var sa *flows.SA
	for _, s := range streamedSAs(t, "ikev2-nat-t") {
		worst := flows.SeverityInfo
		for _, f := range s.Findings {
			worst = max(worst, f.Severity)
		}
		if sa == nil && len(s.Findings) > 0 && worst == flows.SeverityInfo {
			sa = s
		}
	}
	if sa == nil {
		t.Fatal("want an SA with info findings only")
	}
	col := newCollector(nil)
	for range detailLimit + 1 {
		col.add(sa)
	}
	if !col.summarised() {
		t.Fatal("collector does not summarise")
	}
	if allocs := testing.AllocsPerRun(50, func() { col.add(sa) }); allocs != 0 {
		t.Errorf("%.0f allocations per summarised SA with %d info findings, want 0", allocs, len(sa.Findings))
	}
	counted := 0
	for _, g := range col.kindGroups(&flows.Report{}) {
		counted += g.n
	}
	if want := (detailLimit + 52) * len(sa.Findings); counted != want {
		t.Errorf("%d findings counted by kind, want %d", counted, want)
	}
}

// streamedSAs analyses a corpus scenario's capture (without keys) through
// the merger, as analyze does, and returns the SAs in the order the
// analyzer handed them on.
func streamedSAs(t *testing.T, name string) []*flows.SA {
	t.Helper()
	r, c := openScenario(t, name)
	var sas []*flows.SA
	an := flows.NewAnalyzer(flows.Options{OnSA: func(s *flows.SA) { sas = append(sas, s) }})
	err := feedInline(newMerger([]string{c}, []*capture.Reader{r}), func(_ int, p *flows.Packet) bool {
		an.Add(p)
		return true
	}, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	an.Finish()
	return sas
}
