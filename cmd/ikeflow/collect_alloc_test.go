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
	r, c := openScenario(t, "ikev2-retransmit")
	var sa *flows.SA
	an := flows.NewAnalyzer(flows.Options{OnSA: func(s *flows.SA) {
		if sa == nil || len(s.Findings) > len(sa.Findings) {
			sa = s
		}
	}})
	err := feedInline(newMerger([]string{c}, []*capture.Reader{r}), func(_ int, p *flows.Packet) bool {
		an.Add(p)
		return true
	}, func(string, error) {})
	if err != nil {
		t.Fatal(err)
	}
	an.Finish()
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
