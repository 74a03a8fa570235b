package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestFindingRunsOrder feeds the findings of every corpus SA, copied with
// frames shifted so that first frames tie and interleave, through
// findingRuns with a tiny run limit (many runs on disk, merged) and with
// the default one (sorted in memory): both must give the order of a stable
// sort by first frame, which is what the JSON report printed before.
func TestFindingRunsOrder(t *testing.T) {
	scens := corpusScenarios()
	var all []flows.Finding
	for k := range 12 {
		for _, sa := range corpusSAs(t, scens...) {
			for _, f := range sa.Findings {
				f.SA = sa.Name()
				if len(f.Frames) > 0 {
					f.Frames = append([]int{f.Frames[0] + (k%4)*3}, f.Frames[1:]...)
				}
				all = append(all, f)
			}
		}
	}
	if len(all) < 100 {
		t.Fatalf("only %d findings in the corpus", len(all))
	}
	want := slices.Clone(all)
	slices.SortStableFunc(want, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	var wantB [][]byte
	for i := range want {
		b, err := want[i].AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		wantB = append(wantB, b)
	}
	for _, limit := range []int{1, 700, 4096, findingRunLimit} {
		r := &findingRuns{runLimit: limit}
		for i := range all {
			if err := r.add(&all[i]); err != nil {
				t.Fatal(err)
			}
		}
		spilled := len(r.runs)
		if limit < 4096 && spilled < 10 {
			t.Errorf("limit %d: %d runs written, want many", limit, spilled)
		}
		i := 0
		err := r.each(func(obj []byte) error {
			if i < len(wantB) && !bytes.Equal(obj, wantB[i]) {
				t.Fatalf("limit %d (%d runs): finding %d is\n%s\nwant\n%s", limit, spilled, i, obj, wantB[i])
			}
			i++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if i != len(wantB) {
			t.Errorf("limit %d: %d findings back, want %d", limit, i, len(wantB))
		}
		if r.file != nil {
			t.Error("temporary file left open")
		}
	}
}

// TestFindingRunsSkipUnfilled checks that places reserved and never filled
// (their SA was not written) are left out of the merge, whether they went
// to a run on disk or are still pending in memory at the end, and that the
// pending findings come last among equal first frames (added last).
func TestFindingRunsSkipUnfilled(t *testing.T) {
	mk := func(first int, msg string) []byte {
		f := flows.Finding{Kind: "k", Frames: []int{first}, Message: msg}
		b, err := f.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	r := &findingRuns{runLimit: 1}
	var want []string
	for i := range 6 {
		hole := r.reserve(5)
		fill := r.reserve(5)
		r.fill(fill, mk(5, fmt.Sprint("run ", i)), "")
		want = append(want, string(mk(5, fmt.Sprint("run ", i))))
		r.reserved-- // the hole is given up (its SA was not written)
		_ = hole
		if i < 4 {
			if err := r.settle(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(r.runs) != 4 || len(r.pend) != 4 {
		t.Fatalf("%d runs on disk, %d pending: the test needs both", len(r.runs), len(r.pend))
	}
	var got []string
	if err := r.each(func(obj []byte) error { got = append(got, string(obj)); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("merged:\n%q\nwant\n%q", got, want)
	}
}

// TestAnalyzeJSONSpilledFindings checks that analyze --format json writes
// the same document when its findings go through runs on disk, with one
// input and with several (frames annotated with their file).
func TestAnalyzeJSONSpilledFindings(t *testing.T) {
	a, aKeys := scenario(t, "ikev2-rekey")
	b, _ := scenario(t, "ikev2-retransmit")
	c, _ := scenario(t, "ikev1-main-quick")
	for _, inputs := range [][]string{{b}, {a, b, c}} {
		args := keyArgs([]string{"analyze", "--format", "json"}, aKeys...)
		args = append(args, inputs...)
		want, errb, code := ikeflow(t, args...)
		if code != exitOK && code != exitFindings {
			t.Fatalf("exit %d: %s", code, errb)
		}
		old := findingRunLimit
		findingRunLimit = 1
		got, _, code2 := ikeflow(t, args...)
		// No writable $TMPDIR: the findings stay in memory, same output.
		var noTmp, errNoTmp string
		var code3 int
		t.Run("no-tmpdir", func(t *testing.T) {
			t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
			noTmp, errNoTmp, code3 = ikeflow(t, args...)
		})
		findingRunLimit = old
		if code2 != code || code3 != code {
			t.Errorf("exit %d with runs on disk, %d without a temporary directory, %d in memory (%s)", code2, code3, code, errNoTmp)
		}
		if got != want {
			t.Errorf("%d inputs: JSON differs when findings are spilled:\n%s\nwant\n%s", len(inputs), got, want)
		}
		if noTmp != want {
			t.Errorf("%d inputs: JSON differs without a temporary directory:\n%s\nwant\n%s", len(inputs), noTmp, want)
		}
		if !bytes.Contains([]byte(want), []byte(`"findings": [`+"\n  {")) {
			t.Errorf("%d inputs: no findings in the document, the test proves nothing", len(inputs))
		}
	}
}

// TestMergeReadBuf checks that the merge's read buffers together stay
// within mergeBudget unless every buffer is already at its 4 KB minimum
// (590 runs of the 1M capture: 4 KB each, where 16 KB each took 9.4 MB).
func TestMergeReadBuf(t *testing.T) {
	for _, n := range []int{0, 1, 10, 148, 590, 1 << 20} {
		b := mergeReadBuf(n)
		if b < 4<<10 || b > 64<<10 {
			t.Errorf("%d runs: %d B buffers, want 4 KB to 64 KB", n, b)
		}
		if n*b > max(mergeBudget, n*(4<<10)) {
			t.Errorf("%d runs: %d B buffers, %d B in all, budget %d", n, b, n*b, mergeBudget)
		}
	}
	if b := mergeReadBuf(590); b != 4<<10 {
		t.Errorf("590 runs: %d B buffers, want 4 KB", b)
	}
}

// TestJSONStreamCopiesFindings checks the one-input JSON path, where the
// findings at the end of the document are copied from each SA's encoding
// (flows.AppendJSONTagged) into places reserved in their order of arrival,
// instead of being encoded again: the document must be the one written by
// encoding every tagged finding on its own as it arrived, for every corpus
// SA, with findings tying on their first frame across SAs, with findings
// that already name an SA (the collector's tag replaces it), with SAs
// arriving out of order, with and without the collector's finding calls
// before add, and with runs written to disk at every size.
func TestJSONStreamCopiesFindings(t *testing.T) {
	scens := corpusScenarios()
	base := corpusSAs(t, scens...)
	var sas []*flows.SA
	for k := range 60 {
		for _, sa := range base {
			c := *sa
			c.Findings = slices.Clone(sa.Findings)
			for i := range c.Findings {
				if k%3 > 0 && len(c.Findings[i].Frames) > 0 {
					c.Findings[i].Frames = []int{k % 3} // ties across SAs
				}
			}
			if k%7 == 2 && len(c.Findings) > 0 {
				c.Findings[0].SA = "preset/name"
			}
			c.FirstFrame = sa.FirstFrame + (k%2)*5
			sas = append(sas, &c)
		}
	}
	var tagged int
	for _, sa := range sas {
		tagged += len(sa.Findings)
	}
	if tagged < 1000 || len(sas) < 2*flushEvery {
		t.Fatalf("only %d findings of %d SAs: the test proves little", tagged, len(sas))
	}
	// The document as written by encoding each object on its own.
	var want []byte
	want = append(want, "{\"sas\": ["...)
	n := 0
	var err error
	for b := range slices.Chunk(sas, flushEvery) {
		b = slices.Clone(b)
		slices.SortStableFunc(b, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
		for _, sa := range b {
			want = append(want, ",\n  "[1-min(n, 1):]...)
			n++
			if want, err = sa.AppendJSON(want); err != nil {
				t.Fatal(err)
			}
		}
	}
	var fs []flows.Finding
	for _, sa := range sas {
		for _, f := range sa.Findings {
			f.SA = sa.Name()
			fs = append(fs, f)
		}
	}
	slices.SortStableFunc(fs, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	want = append(want, "\n],\n\"findings\": ["...)
	for i := range fs {
		want = append(want, ",\n  "[1-min(i, 1):]...)
		if want, err = fs[i].AppendJSON(want); err != nil {
			t.Fatal(err)
		}
	}
	stats := flows.Stats{IKESAs: len(sas)}
	want = append(want, "\n],\n\"stats\": "...)
	want = append(stats.AppendJSON(want), "}\n"...)

	for _, limit := range []int{1, 700, 64 << 10, findingRunLimit} {
		old := findingRunLimit
		findingRunLimit = limit
		var got bytes.Buffer
		j := &jsonStream{w: &got}
		err := j.begin()
		for k, sa := range sas {
			// As the collector does; every fifth SA without it (add
			// then names the SA itself).
			for i := range sa.Findings {
				f := sa.Findings[i]
				f.SA = sa.Name()
				if err == nil && k%5 != 3 {
					err = j.finding(&f)
				}
			}
			if err == nil {
				err = j.add(sa)
			}
		}
		if err == nil {
			err = j.end(&flows.Report{Stats: stats})
		}
		runs := len(j.findings.runs)
		j.close()
		findingRunLimit = old
		if err != nil {
			t.Fatal(err)
		}
		if limit < findingRunLimit && runs < 2 {
			t.Errorf("run limit %d: %d runs written, want several", limit, runs)
		}
		if !bytes.Equal(got.Bytes(), want) {
			g, w := got.Bytes(), want
			i := 0
			for i < min(len(g), len(w)) && g[i] == w[i] {
				i++
			}
			t.Fatalf("run limit %d: documents differ at byte %d:\n%s\nwant\n%s", limit, i, g[max(0, i-300):min(len(g), i+300)], w[max(0, i-300):min(len(w), i+300)])
		}
	}
}

// TestFindingRunsLargeRecords merges runs whose findings are larger than
// their read buffers (a record handed on as a copy) beside small ones
// (handed on where they lie in the buffer), with enough runs that the
// buffers are at their smallest: every finding must come back whole and in
// order, each valid while the callback has it.
func TestFindingRunsLargeRecords(t *testing.T) {
	const runs = 1200 // mergeReadBuf: 4 KiB each
	if got := mergeReadBuf(runs); got != 4<<10 {
		t.Fatalf("mergeReadBuf(%d) = %d, want 4 KiB: the test no longer reaches the copy", runs, got)
	}
	sizes := []int{10, 5000, 3000, 70000, 1, 4090}
	r := &findingRuns{runLimit: 1}
	var want [][]byte
	for i := range runs {
		f := flows.Finding{Kind: "k", Frames: []int{runs - i}, Message: strings.Repeat(string(rune('a'+i%26)), sizes[i%len(sizes)])}
		if err := r.add(&f); err != nil {
			t.Fatal(err)
		}
		b, err := f.AppendJSON(nil)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, b)
	}
	if len(r.runs) < runs-1 {
		t.Fatalf("%d runs on disk, want %d", len(r.runs), runs)
	}
	slices.Reverse(want) // the first frames fall in the order added
	i := 0
	err := r.each(func(obj []byte) error {
		if i >= len(want) || !bytes.Equal(obj, want[i]) {
			t.Fatalf("finding %d: %d octets %.40q...", i, len(obj), obj)
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if i != len(want) {
		t.Errorf("%d findings back, want %d", i, len(want))
	}
}
