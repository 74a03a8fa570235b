package main

import (
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestVerdictLikelyCause: the verdict's "Most likely" comes from the
// ranked causes the authentication_failed_evidence finding carries as
// data, not from its wording: reworded, the verdict is the same; without
// the data, there is none.
func TestVerdictLikelyCause(t *testing.T) {
	sas := corpusSAs(t, "ikev2-cert-expired")
	verdictOf := func(edit func(f *flows.Finding)) string {
		col := newCollector(nil)
		for _, sa := range sas {
			c := *sa
			c.Findings = append([]flows.Finding(nil), sa.Findings...)
			for i := range c.Findings {
				if c.Findings[i].Kind == flows.KindAuthFailedEvidence {
					edit(&c.Findings[i])
				}
			}
			col.add(&c)
		}
		rep := col.report(&flows.Report{})
		var lines []string
		for _, v := range verdict(rep, indexFindings(rep), nil) {
			lines = append(lines, v.Text)
		}
		return strings.Join(lines, "\n")
	}
	var cause flows.Cause
	got := verdictOf(func(f *flows.Finding) {
		if len(f.Causes) > 0 {
			cause = f.Causes[0]
		}
	})
	if cause.Text == "" {
		t.Fatal("ikev2-cert-expired: no ranked cause on authentication_failed_evidence")
	}
	want := "Most likely: [" + cause.Evidence + "] " + firstSentence(cause.Text)
	if !strings.Contains(got, want) || !strings.Contains(cause.Text, "had expired") {
		t.Fatalf("verdict lacks %q:\n%s", want, got)
	}
	reworded := verdictOf(func(f *flows.Finding) {
		f.Message = strings.Replace(f.Message, "most likely cause first: 1. [strong]", "ranked (1, strong):", 1)
	})
	if reworded != got {
		t.Errorf("reworded message changes the verdict:\n%s\nwant:\n%s", reworded, got)
	}
	if none := verdictOf(func(f *flows.Finding) { f.Causes = nil }); strings.Contains(none, "Most likely") {
		t.Errorf("verdict names a cause the finding does not carry:\n%s", none)
	}
}
