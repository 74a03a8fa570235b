package flows

import (
	"path/filepath"
	"strconv"
	"testing"
)

// TestInternEmptiedSameReport runs every corpus capture (with its keys
// when it has them) through an Analyzer whose shared table (internTab) is
// filled with other strings up to k entries short of internMax, so that
// it is emptied at the capture's (k+1)-th new text (finding texts of
// findings made while a message is analysed, CA key hashes, CA names),
// and checks that the report is the one of an
// Analyzer that started with an empty table: emptying the table may only
// cost sharing, never change what is said.
func TestInternEmptiedSameReport(t *testing.T) {
	emptied := 0
	for _, path := range corpusCaptures(t) {
		pk := loadPackets(t, path)
		opt := func() Options { return Options{Decryptor: corpusKeys(t, filepath.Dir(path))} }
		want := reportJSON(t, analyze(pk, opt()))
		for _, k := range []int{0, 1, 2, 4} {
			a := NewAnalyzer(opt())
			a.shared.m = make(map[string]string)
			a.shared.refs = make(map[string]*caKeys)
			for i := range internMax - k {
				s := "filler " + strconv.Itoa(i)
				a.shared.m[s] = s
				a.shared.refs[s] = new(caKeys)
			}
			for i := range pk {
				a.Add(&pk[i])
			}
			got := reportJSON(t, a.Finish())
			if len(a.shared.m) < internMax-k {
				emptied++ // the Analyzer emptied it
			}
			if got != want {
				t.Errorf("%s: table emptied at the %d-th new text: the report differs", path, k+1)
			}
		}
	}
	if emptied == 0 {
		t.Error("the table was never emptied: the test checked nothing")
	}
	t.Logf("%d runs emptied the table", emptied)
}
