package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

const twosideCorpus = "../../testdata/twoside"

// TestTwoSidedGolden runs analyze on two-point captures of the real corpus
// (one copy of B shifted by editcap) and compares with reviewed golden files.
func TestTwoSidedGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"twoside-drop-auth.analyze-keys", []string{"analyze", "--keys", "charon-initiator.log", "side-a.pcap", "side-b-shifted.pcap"}},
		{"twoside-nat-ports.analyze-md", []string{"analyze", "--format", "markdown", "side-a.pcap", "side-b-shifted.pcap"}},
		{"twoside-healthy.analyze", []string{"analyze", "--two-sided", "side-a.pcap", "side-b.pcap"}},
		{"twoside-cert-ipfrag.analyze-keys", []string{"analyze", "--keys", "charon-responder.log", "side-a.pcap", "side-b-shifted.pcap"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(twosideCorpus, strings.SplitN(c.name, ".", 2)[0])
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = a
				if strings.HasSuffix(a, ".pcap") || strings.HasSuffix(a, ".log") {
					args[i] = filepath.Join(dir, a)
				}
			}
			out, errb, code := ikeflow(t, args...)
			if code != exitOK {
				t.Fatalf("exit status %d\nstderr: %s", code, errb)
			}
			if !strings.HasPrefix(out, "Two-sided comparison") && !strings.HasPrefix(out, "## Two-sided comparison") {
				t.Fatalf("no two-sided report:\n%s", out)
			}
			out = strings.ReplaceAll(out, dir+string(filepath.Separator), "")
			compareGolden(t, c.name+".golden", out)
		})
	}
}

// TestTwoSidedFallback gives captures of two different incidents: the plain
// merged analysis runs, and with --two-sided the user is told why.
func TestTwoSidedFallback(t *testing.T) {
	a := filepath.Join(twosideCorpus, "twoside-healthy", "side-a.pcap")
	b := filepath.Join(twosideCorpus, "twoside-drop-auth", "side-b.pcap")
	out, errb, code := ikeflow(t, "analyze", a, b)
	if code != exitOK || strings.Contains(out, "Two-sided") || strings.Contains(errb, "two views") {
		t.Errorf("auto: exit %d, stdout %q..., stderr %q", code, out[:min(len(out), 200)], errb)
	}
	out, errb, code = ikeflow(t, "analyze", "--two-sided", a, b)
	if code != exitOK || strings.Contains(out, "Two-sided") || !strings.Contains(errb, "not two views of one path: the captures share no IKE message or ESP packet") {
		t.Errorf("--two-sided: exit %d, stderr %q", code, errb)
	}
	if _, errb, code := ikeflow(t, "analyze", "--two-sided", a); code != exitUsage || !strings.Contains(errb, "exactly two") {
		t.Errorf("one file: exit %d, stderr %q", code, errb)
	}
	if _, errb, code := ikeflow(t, "analyze", "--two-sided=maybe", a, b); code != exitUsage {
		t.Errorf("bad mode: exit %d, stderr %q", code, errb)
	}
}

// TestTwoSidedJSON checks the JSON report carries the losses the
// independent script found (frames 3 and 4: IKE_AUTH; 7, 12, 17, 22: ESP).
func TestTwoSidedJSON(t *testing.T) {
	dir := filepath.Join(twosideCorpus, "twoside-drop-auth")
	out, errb, code := ikeflow(t, "analyze", "--format", "json", filepath.Join(dir, "side-a.pcap"), filepath.Join(dir, "side-b-shifted.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var rep struct {
		Related bool
		Clock   struct {
			Offset int64 `json:"offset_ns"`
		}
		Flows []struct {
			Lost []struct{ Frame int }
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var frames []int
	for _, f := range rep.Flows {
		for _, l := range f.Lost {
			frames = append(frames, l.Frame)
		}
	}
	if !rep.Related || len(frames) != 6 || rep.Clock.Offset/1e6 != 3725250 {
		t.Errorf("related %v, lost frames %v, offset %d ns", rep.Related, frames, rep.Clock.Offset)
	}
}

// TestTwoSidedCSV: CSV output is one parseable table (no text around it).
func TestTwoSidedCSV(t *testing.T) {
	dir := filepath.Join(twosideCorpus, "twoside-nat-ports")
	out, errb, code := ikeflow(t, "analyze", "--format", "csv", filepath.Join(dir, "side-a.pcap"), filepath.Join(dir, "side-b.pcap"))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	lost := ""
	for _, row := range rows[1:] {
		if row[6] != "0" {
			lost = row[0] + " " + row[3] + " " + row[12]
		}
	}
	// the script: B's ESP seq 6-9, frames 16, 19, 22, 25 of side-b.pcap
	if len(rows) != 5 || lost != "ESP SPI 0x1797522d b 16 19 22 25" {
		t.Errorf("%d rows, lost %q\n%s", len(rows), lost, out)
	}
}

// TestTwoSidedMergedOnlyFlags: --fail-on and --write act on the merged
// analysis. With a format that shows the two-sided comparison alone (JSON,
// CSV, HTML) they were silently dropped: the auto mode exited 0 and wrote
// no file on two views of a path that lost IKE_AUTH (warnings in the
// merged analysis). Auto now falls back to the merged analysis, with a
// note; an explicit --two-sided is refused before any reading; table and
// markdown (comparison, then the first capture's analysis) apply them.
func TestTwoSidedMergedOnlyFlags(t *testing.T) {
	dir := filepath.Join(twosideCorpus, "twoside-drop-auth")
	a, b := filepath.Join(dir, "side-a.pcap"), filepath.Join(dir, "side-b-shifted.pcap")
	for _, format := range []string{"json", "csv", "html"} {
		dst := filepath.Join(t.TempDir(), "sel.pcapng")
		out, errb, code := ikeflow(t, "analyze", "--format", format, "--fail-on", "warning", "-w", dst, a, b)
		if code != exitFindings || !strings.Contains(errb, "--fail-on and --write act on the merged analysis") {
			t.Errorf("%s auto: exit %d, stderr %q", format, code, errb)
		}
		if st, err := os.Stat(dst); err != nil || st.Size() == 0 {
			t.Errorf("%s auto: --write file %v", format, err)
		}
		if strings.Contains(out, `"unambiguous"`) || strings.Contains(out, "Two-sided") {
			t.Errorf("%s auto: the comparison was printed", format)
		}
		if _, errb, code := ikeflow(t, "analyze", "--format", format, "--two-sided", "--fail-on", "warning", a, b); code != exitUsage ||
			!strings.Contains(errb, "--fail-on would not apply") {
			t.Errorf("%s --two-sided: exit %d, stderr %q", format, code, errb)
		}
	}
	out, _, code := ikeflow(t, "analyze", "--fail-on", "warning", a, b)
	if code != exitFindings || !strings.Contains(out, "Two-sided comparison") {
		t.Errorf("table: exit %d, comparison shown %v", code, strings.Contains(out, "Two-sided comparison"))
	}
	out, _, code = ikeflow(t, "analyze", "--format", "json", a, b)
	if code != exitOK || !strings.Contains(out, `"unambiguous"`) {
		t.Errorf("json without the flags: exit %d, comparison shown %v", code, strings.Contains(out, `"unambiguous"`))
	}
}

// TestTwoSidedCopyNoUpstream: a capture compared with a copy of itself
// has every packet at the same time on both sides. The findings said that
// which side is upstream cannot be told, while the table's upstream
// column named A for one direction and B for the other: a claim the
// captures cannot support. The column (text, markdown, CSV) now shows
// "?" and JSON has same_point; two captures of one path taken at two
// points keep their A and B.
func TestTwoSidedCopyNoUpstream(t *testing.T) {
	a := filepath.Join(twosideCorpus, "twoside-healthy", "side-a.pcap")
	cp := filepath.Join(t.TempDir(), "copy.pcap")
	if err := os.WriteFile(cp, testutil.ReadFile(t, a), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errb, code := ikeflow(t, "analyze", "--two-sided=yes", "--format", "csv", a, cp)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, row := range rows[1:] {
		if row[3] != "?" {
			t.Errorf("copy: upstream %q in %v", row[3], row)
		}
	}
	out, _, _ = ikeflow(t, "analyze", "--two-sided=yes", a, cp)
	if !strings.Contains(out, "which side is upstream cannot be told") || strings.Contains(out, "  A  ") || strings.Contains(out, "  B  ") {
		t.Errorf("copy, text:\n%s", out)
	}
	out, _, _ = ikeflow(t, "analyze", "--two-sided=yes", "--format", "json", a, cp)
	if !strings.Contains(out, `"same_point": true`) {
		t.Errorf("copy, JSON without same_point:\n%.600s", out)
	}

	b := filepath.Join(twosideCorpus, "twoside-healthy", "side-b.pcap")
	out, _, _ = ikeflow(t, "analyze", "--two-sided=yes", "--format", "csv", a, b)
	rows, err = csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(rows) < 3 {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, row := range rows[1:] {
		if row[3] != "a" && row[3] != "b" {
			t.Errorf("two points: upstream %q in %v", row[3], row)
		}
	}
}

// TestSameFileTwice: a capture given twice to the merged analysis is read
// twice, and the second copy of every packet is left out as a capture
// duplicate, whose finding blames a SPAN port or "-i any". The analysis
// now says on standard error (and in JSON's capture_notes) that the two
// inputs are one file, by whatever paths they are named.
func TestSameFileTwice(t *testing.T) {
	c := filepath.Join("..", "..", "testdata", "corpus", "ikev2-psk-success", "capture.pcap")
	other := filepath.Join("..", "..", "testdata", "corpus", ".", "ikev2-psk-success", "capture.pcap")
	_, errb, code := ikeflow(t, "analyze", "--two-sided=no", c, other)
	want := other + ": the same file as " + c + ": its packets are read twice"
	if code != exitOK || !strings.Contains(errb, want) {
		t.Errorf("exit %d, stderr:\n%s", code, errb)
	}
	out, _, _ := ikeflow(t, "analyze", "-q", "--two-sided=no", "--format", "json", c, other)
	if !strings.Contains(out, `"capture_notes": [`+strconv.Quote(want)[:len(want)+1]) {
		t.Errorf("JSON capture_notes:\n%.300s", out[max(0, strings.Index(out, "capture_notes")-10):])
	}
	_, errb, _ = ikeflow(t, "analyze", "--two-sided=no", c, filepath.Join("..", "..", "testdata", "corpus", "ikev2-rekey", "capture.pcap"))
	if strings.Contains(errb, "the same file") {
		t.Errorf("two files: %s", errb)
	}
}
