package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestEarlyTable checks that the table format's summary view renders its
// table of problem SAs ahead (summary_early.go) once the problem SAs are
// known and the view is the summary, and that the view is then byte for
// byte what rendering it at the end gives, with and without capture-wide
// findings and at a width that turns the tables into blocks.
func TestEarlyTable(t *testing.T) {
	sas := corpusSAs(t, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk", "ikev2-rekey", "ikev1-main-quick")
	global := []flows.Finding{{Kind: flows.KindUnmatchedESP, Severity: flows.SeverityWarning, Frames: []int{1},
		Message: "ESP without IKE."}}
	for _, fin := range []*flows.Report{{}, {Findings: global}} {
		for _, width := range []int{0, 80} {
			view := func(ahead bool) (string, *collector) {
				col := newCollector(nil)
				col.tableAhead = ahead
				const n = detailLimit + 300
				for i := range n {
					col.add(sas[i%len(sas)])
					if ahead && col.early != nil && (len(col.problems) < problemLimit || !col.summarised()) {
						t.Fatalf("rendering ahead at SA %d, before the problem SAs or the view were known", i+1)
					}
				}
				fin.Stats = flows.Stats{IKESAs: n}
				rep := col.report(fin)
				var b bytes.Buffer
				if err := renderSummary(&b, rep, col, false, renderOpts{width: width}); err != nil {
					t.Fatal(err)
				}
				return b.String(), col
			}
			want, _ := view(false)
			got, col := view(true)
			if col.early == nil || !col.early.used {
				t.Fatalf("width %d, %d capture-wide findings: the table rendered ahead was not used", width, len(fin.Findings))
			}
			if got != want {
				t.Errorf("width %d, %d capture-wide findings: the view differs with the table rendered ahead", width, len(fin.Findings))
			}
			if width == 0 && !strings.Contains(got, "| Initiator → Responder") {
				t.Errorf("width %d: no table of problem SAs in\n%s", width, got)
			}
		}
	}
}

// TestEarlyTableStale checks that a table rendered ahead is not used when
// the view at the end has other SAs or another findings cell (a
// capture-wide finding reordered an SA's findings), and that a panic
// while rendering ahead is raised when the table is used.
func TestEarlyTableStale(t *testing.T) {
	sa, other := &flows.SA{}, &flows.SA{}
	e := &earlyTable{done: make(chan struct{}), sas: []*flows.SA{sa}, found: []string{"error k"}}
	e.buf.WriteString("table ahead")
	close(e.done)
	fi := func(sev flows.Severity) *findingIndex {
		return &findingIndex{bySA: [][]*findingGroup{{{sev: sev, kind: "k"}}}}
	}
	var b bytes.Buffer
	for _, c := range []struct {
		sas []*flows.SA
		sev flows.Severity
	}{{[]*flows.SA{other}, flows.SeverityError}, {[]*flows.SA{sa, other}, flows.SeverityError}, {[]*flows.SA{sa}, flows.SeverityWarning}} {
		if used, err := e.use(&b, &flows.Report{SAs: c.sas}, fi(c.sev)); used || err != nil || b.Len() > 0 {
			t.Fatalf("%d SAs, %v: used %v, err %v, wrote %q", len(c.sas), c.sev, used, err, b.String())
		}
	}
	view := &flows.Report{SAs: []*flows.SA{sa}}
	if used, err := e.use(&b, view, fi(flows.SeverityError)); !used || err != nil || b.String() != "table ahead" {
		t.Fatalf("same rows: used %v, err %v, wrote %q", used, err, b.String())
	}
	e.panic = "boom"
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want the panic of the goroutine", r)
		}
	}()
	_, _ = e.use(&b, view, fi(flows.SeverityError))
	t.Error("use returned, want the panic")
}
