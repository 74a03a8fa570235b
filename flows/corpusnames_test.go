package flows

import (
	"path/filepath"
	"testing"
)

// corpusScenarios returns the names of the corpus's scenarios (each a
// directory holding a capture.pcap), failing t when there are none.
func corpusScenarios(t testing.TB) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no corpus in %s: %v", corpusDir, err)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(filepath.Dir(p))
	}
	return names
}

// errorKinds returns the kinds of r's SA findings of error severity.
func errorKinds(r *Report) map[FindingKind]bool {
	m := map[FindingKind]bool{}
	for _, sa := range r.SAs {
		for _, f := range sa.Findings {
			if f.Severity == SeverityError {
				m[f.Kind] = true
			}
		}
	}
	return m
}
