package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
	"github.com/ikeflow/ikeflow/internal/testcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// checkWidth fails for every line of out wider than width.
func checkWidth(t *testing.T, what, out string, width int) {
	t.Helper()
	bad := 0
	for i, line := range strings.Split(out, "\n") {
		if w := visibleWidth(strings.TrimSuffix(line, "\r")); w > width {
			if bad < 3 {
				t.Errorf("%s: line %d is %d wide (> %d): %q", what, i+1, w, width, line)
			}
			bad++
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d lines wider than %d", what, bad, width)
	}
}

// withKeyArgs returns analyze's arguments for a corpus scenario.
func withKeyArgs(capture string, keys []string, extra ...string) []string {
	a := append([]string{"analyze"}, extra...)
	for _, k := range keys {
		a = append(a, "--keys", k)
	}
	return append(a, capture)
}

// compareGolden compares out with testdata/golden/name (rewritten with -update).
func compareGolden(t *testing.T, name, out string) {
	t.Helper()
	golden := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/ikeflow -update and review the result)", err)
	}
	if out != string(want) {
		got := golden + ".got"
		os.WriteFile(got, []byte(out), 0o644)
		t.Errorf("output differs from %s; wrote %s (diff them; -update accepts)", golden, got)
	}
}

// TestNarrowGolden pins the 80-column layout (with ladders) of two corpus
// captures.
func TestNarrowGolden(t *testing.T) {
	for _, scen := range []string{"ikev2-rekey", "ikev2-auth-child-no-proposal"} {
		t.Run(scen, func(t *testing.T) {
			c, keys := scenario(t, scen)
			out, errb, code := ikeflow(t, withKeyArgs(c, keys, "--width", "80", "--ladder")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			checkWidth(t, scen, out, 80)
			compareGolden(t, scen+".analyze-narrow80.golden", out)
		})
	}
}

// TestNarrowFitsEverywhere: on every corpus and shared capture, the table
// report with ladders fits 80 and 100 columns, and a wide limit keeps the
// tables.
func TestNarrowFitsEverywhere(t *testing.T) {
	var caps [][]string
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*", "capture.pcap"))
	for _, c := range dirs {
		_, keys := scenario(t, filepath.Base(filepath.Dir(c)))
		caps = append(caps, append([]string{c}, keys...))
	}
	shared, _ := filepath.Glob("../../../shared/captures/*/*.pcap*")
	more, _ := filepath.Glob("../../../shared/captures/*/*.cap")
	for _, c := range append(shared, more...) {
		caps = append(caps, []string{c})
	}
	if len(caps) < 10 {
		t.Fatalf("only %d captures found", len(caps))
	}
	for _, c := range caps {
		for _, width := range []string{"80", "100"} {
			out, errb, code := ikeflow(t, withKeyArgs(c[0], c[1:], "--width", width, "--ladder")...)
			if code != exitOK {
				t.Fatalf("%s: exit %d: %s", c[0], code, errb)
			}
			w := 80
			if width == "100" {
				w = 100
			}
			checkWidth(t, c[0]+" at "+width, out, w)
		}
	}
	c, keys := scenario(t, "ikev2-rekey")
	out, _, _ := ikeflow(t, withKeyArgs(c, keys, "--width", "400")...)
	if !strings.Contains(out, "+---+") {
		t.Errorf("a 400-column terminal should get the tables:\n%s", out)
	}
}

// TestVerdictFirst: the report starts with the verdict, errors before
// warnings before info, and each finding text is printed once even when
// it concerns several SAs.
func TestVerdictFirst(t *testing.T) {
	c, keys := scenario(t, "ikev1-wrong-psk")
	out, _, _ := ikeflow(t, withKeyArgs(c, keys)...)
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "Verdict: 1 IKE SA (1 failed)") {
		t.Fatalf("first line %q, want the verdict", lines[0])
	}
	rank := map[string]int{"error": 3, "warning": 2, "info": 1}
	last, seen := 4, 0
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if !strings.HasPrefix(l, "  ") || len(f) == 0 || rank[f[0]] == 0 {
			if strings.HasPrefix(l, "Capture:") {
				break
			}
			continue
		}
		if rank[f[0]] > last {
			t.Errorf("verdict line %q after a less severe one", l)
		}
		last = rank[f[0]]
		seen++
	}
	if seen < 2 || !strings.Contains(lines[1], "error") || !strings.Contains(lines[1], "#1 IKEv1") {
		t.Errorf("verdict lacks the error line of SA #1:\n%s", out)
	}

	// Two captures with the same NAT situation: one NAT paragraph, both SAs.
	a, ka := scenario(t, "ikev2-psk-success")
	b, kb := scenario(t, "ikev2-retransmit")
	args := keyArgs([]string{"analyze"}, append(ka, kb...)...)
	out, errb, code := ikeflow(t, append(args, a, b)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	if n := strings.Count(out, "Both peers appear behind NAT"); n != 1 {
		t.Errorf("NAT paragraph printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "| #1, #2 |") {
		t.Errorf("the NAT finding should name both SAs:\n%s", out)
	}
	if strings.Index(out, "warning") > strings.Index(out, "info") {
		t.Errorf("the retransmit warning should come before the NAT info:\n%s", out)
	}
}

// TestSeveralInputs: with two captures every frame reference names its
// file (table, markdown, CSV, ladder, dissect), and JSON keeps each file's
// own frame numbers.
func TestSeveralInputs(t *testing.T) {
	a, ka := scenario(t, "ikev2-psk-success")
	b, kb := scenario(t, "ikev2-retransmit")
	run := func(extra ...string) string {
		t.Helper()
		args := append(keyArgs([]string{"analyze"}, append(ka, kb...)...), extra...)
		out, errb, code := ikeflow(t, append(args, a, b)...)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errb)
		}
		return out
	}
	// Both files are named capture.pcap: their position tells them apart.
	table := run("--ladder")
	for _, want := range []string{"2:capture.pcap#1, 2, 3, 4", "1:capture.pcap = " + a, "1:capture.pcap#13", "2:capture.pcap#5"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if md := run("--format", "markdown"); !strings.Contains(md, "2:capture.pcap#1, 2, 3, 4") {
		t.Errorf("markdown lacks file-qualified frames:\n%s", md)
	}
	rows, err := csv.NewReader(strings.NewReader(run("--format", "csv"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[1:] {
		if r[10] == "retransmit" {
			found = true
			if r[11] != "2:capture.pcap#1 2:capture.pcap#2 2:capture.pcap#3 2:capture.pcap#4" {
				t.Errorf("csv frames %q", r[11])
			}
		}
	}
	if !found {
		t.Errorf("csv has no retransmit row")
	}
	// JSON: frames as in each file, as when the file is analysed alone.
	type msg struct {
		Frame int    `json:"frame"`
		File  string `json:"file"`
	}
	type rep struct {
		SAs []struct {
			SPIi      string `json:"spi_i"`
			Exchanges []struct {
				Messages []msg `json:"messages"`
			} `json:"exchanges"`
			Findings []struct {
				Frames []int `json:"frames"`
			} `json:"findings"`
		} `json:"sas"`
	}
	frames := func(js string) map[string][]int {
		var r rep
		if err := json.Unmarshal([]byte(js), &r); err != nil {
			t.Fatal(err)
		}
		m := map[string][]int{}
		for _, sa := range r.SAs {
			for _, ex := range sa.Exchanges {
				for _, x := range ex.Messages {
					m[sa.SPIi] = append(m[sa.SPIi], x.Frame)
				}
			}
			for _, f := range sa.Findings {
				m[sa.SPIi+"/f"] = append(m[sa.SPIi+"/f"], f.Frames...)
			}
		}
		return m
	}
	mergedJSON := run("--format", "json")
	merged := frames(mergedJSON)
	var mr rep
	json.Unmarshal([]byte(mergedJSON), &mr)
	for i, sa := range mr.SAs {
		want := []string{"1:capture.pcap", "2:capture.pcap"}[i]
		for _, ex := range sa.Exchanges {
			for _, m := range ex.Messages {
				if m.File != want {
					t.Errorf("SA %s frame %d: file %q, want %q", sa.SPIi, m.Frame, m.File, want)
				}
			}
		}
	}
	if !strings.Contains(mergedJSON, `"frames":[1,2,3,4],"files":["2:capture.pcap","2:capture.pcap","2:capture.pcap","2:capture.pcap"]`) {
		t.Errorf("merged JSON findings lack their files")
	}
	for _, one := range []struct {
		c    string
		keys []string
	}{{a, ka}, {b, kb}} {
		out, _, _ := ikeflow(t, withKeyArgs(one.c, one.keys, "--format", "json")...)
		for spi, want := range frames(out) {
			if got := merged[spi]; !slicesEqual(got, want) {
				t.Errorf("%s %s: merged JSON frames %v, alone %v", one.c, spi, got, want)
			}
		}
	}
	// dissect: every record names its file.
	out, _, _ := ikeflow(t, "dissect", a, b)
	if !strings.HasPrefix(out, "1:capture.pcap#1 ") || !strings.Contains(out, "\n2:capture.pcap#1 ") {
		t.Errorf("dissect text lacks file names:\n%.300s", out)
	}
	out, _, _ = ikeflow(t, "dissect", "--format", "json", a, b)
	if !strings.HasPrefix(out, `{"file":"1:capture.pcap","frame":1,`) {
		t.Errorf("dissect json lacks the file: %.200s", out)
	}
	if one, _, _ := ikeflow(t, "dissect", "--format", "json", a); strings.Contains(one, `"file"`) {
		t.Errorf("one capture: records should not name the file")
	}
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestEmptyReportHints: a filter that matches nothing, and a capture
// without IKE, say so on stderr.
func TestEmptyReportHints(t *testing.T) {
	c, keys := scenario(t, "ikev2-rekey")
	_, errb, _ := ikeflow(t, withKeyArgs(c, keys, "--spi", "12345678")...)
	if !strings.Contains(errb, "--spi 12345678 matched no IKE SA and no child SA; 2 IKE SAs filtered out") {
		t.Errorf("--spi hint missing: %q", errb)
	}
	_, errb, _ = ikeflow(t, withKeyArgs(c, keys, "--peer", "192.0.2.99")...)
	if !strings.Contains(errb, "--peer 192.0.2.99 matched no packet; 28 packets filtered out") {
		t.Errorf("--peer hint missing: %q", errb)
	}
	_, errb, _ = ikeflow(t, withKeyArgs(c, keys, "--spi", "b19b3349")...)
	if errb != "" {
		t.Errorf("a matching --spi should print nothing on stderr, got %q", errb)
	}
	_, errb, _ = ikeflow(t, withKeyArgs(c, keys, "--ladder", "--format", "json")...)
	if !strings.Contains(errb, "--ladder applies to the table, markdown and html formats only") {
		t.Errorf("--ladder with json: no warning: %q", errb)
	}
	noIKE := "../../../shared/captures/zeek-spicy-ipsec/IPsec_ESP-AH_tunnel_mode.cap"
	if _, err := os.Stat(noIKE); err != nil {
		t.Skip("shared captures absent")
	}
	_, errb, _ = ikeflow(t, "analyze", noIKE)
	if !strings.Contains(errb, "ikeflow analyze: "+noIKE+": no IKE message in 10 packets (10 ESP)") {
		t.Errorf("analyze lacks the no-IKE hint: %q", errb)
	}
}

// TestVersionText: the module version and the VCS revision come from the
// build information.
func TestVersionText(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/ikeflow/ikeflow", Version: "v1.2.3"}}
	if got, want := versionText(bi, true), "ikeflow v1.2.3 (module github.com/ikeflow/ikeflow, go1.26.8)"; got != want {
		t.Errorf("go install build: %q, want %q", got, want)
	}
	bi.Main.Version = "(devel)"
	bi.Settings = []debug.BuildSetting{{Key: "vcs.revision", Value: "0039df45ba1d2ad3b6d075c2600f00b3af034f38"},
		{Key: "vcs.time", Value: "2026-11-30T03:10:43Z"}, {Key: "vcs.modified", Value: "true"}}
	if got, want := versionText(bi, true), "ikeflow (devel) (module github.com/ikeflow/ikeflow, git 0039df45ba1d 2026-11-30T03:10:43Z with local changes, go1.26.8)"; got != want {
		t.Errorf("git build: %q, want %q", got, want)
	}
	bi.Settings = nil
	if got := versionText(bi, true); !strings.Contains(got, "no VCS revision recorded") {
		t.Errorf("build without VCS info should say so: %q", got)
	}
	out, _, _ := ikeflow(t, "version")
	if !strings.HasPrefix(out, "ikeflow ") || !strings.Contains(out, "module github.com/ikeflow/ikeflow") {
		t.Errorf("version: %q", out)
	}
}

// corpusScenarios returns the names of the corpus scenarios that have a
// capture.
func corpusScenarios() []string {
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*", "capture.pcap"))
	var scens []string
	for _, d := range dirs {
		scens = append(scens, filepath.Base(filepath.Dir(d)))
	}
	return scens
}

// corpusSAs analyses corpus scenarios in-process and returns their SAs.
func corpusSAs(t testing.TB, scens ...string) []*flows.SA {
	t.Helper()
	var out []*flows.SA
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	for _, scen := range scens {
		c, keys := scenario(t, scen)
		var ff flowFlags
		opt, _, err := ff.options(e, keys)
		if err != nil {
			t.Fatal(err)
		}
		an := flows.NewAnalyzer(opt)
		var pkt flows.Packet
		testcap.Each(t, c, capture.Options{}, func(ev *capture.Event) {
			if packetOf(ev, &pkt) {
				an.Add(&pkt)
			}
		})
		out = append(out, an.Finish().SAs...)
	}
	return out
}

// TestSummaryView: above detailLimit SAs the table, markdown and HTML
// views summarise: verdict by kind first, counts over every SA, problem
// SAs, findings by kind; at 80 columns nothing is wider.
func TestSummaryView(t *testing.T) {
	sas := corpusSAs(t, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk")
	col := newCollector(nil)
	const n = detailLimit + 100
	for i := range n {
		col.add(sas[i%len(sas)])
	}
	if !col.summarised() {
		t.Fatal("not summarised")
	}
	rep := col.report(&flows.Report{Stats: flows.Stats{IKESAs: n}})
	var narrow, wide, md, page strings.Builder
	if err := renderSummary(&narrow, rep, col, false, renderOpts{width: 80}); err != nil {
		t.Fatal(err)
	}
	if err := renderSummary(&wide, rep, col, false, renderOpts{}); err != nil {
		t.Fatal(err)
	}
	if err := renderSummary(&md, rep, col, true, renderOpts{}); err != nil {
		t.Fatal(err)
	}
	if err := renderHTML(&page, rep, col, renderOpts{}, nil); err != nil {
		t.Fatal(err)
	}
	// The expected headline, counted from the SAs given.
	failed, deleted, problems := 0, 0, 0
	for i := range n {
		sa := sas[i%len(sas)]
		switch sa.State {
		case flows.StateFailed:
			failed++
		case flows.StateDeleted:
			deleted++
		}
		for _, f := range sa.Findings {
			if f.Severity > flows.SeverityInfo {
				problems++
				break
			}
		}
	}
	if failed+deleted != n {
		t.Fatalf("corpus SAs changed state: %d failed, %d deleted of %d", failed, deleted, n)
	}
	head := fmt.Sprintf("Verdict: %d IKE SAs (%d deleted, %d failed): %d with errors or warnings.", n, deleted, failed, problems)
	for name, out := range map[string]string{"narrow": narrow.String(), "wide": wide.String()} {
		if !strings.HasPrefix(out, head) {
			t.Errorf("%s: starts %.120q, want %q", name, out, head)
		}
		if !strings.Contains(out, "error   authentication_failed on ") {
			t.Errorf("%s: verdict lacks the per-kind line:\n%.600s", name, out)
		}
	}
	checkWidth(t, "summary at 80 columns", narrow.String(), 80)
	if !strings.Contains(wide.String(), "| Severity | Kind") || strings.Contains(narrow.String(), "+---") {
		t.Errorf("wide view should have tables, narrow none")
	}
	if !strings.HasPrefix(md.String(), "**Verdict:** "+strings.TrimPrefix(head, "Verdict: ")) {
		t.Errorf("markdown: %.200s", md.String())
	}
	nodes := htmlNodes(t, page.String())
	sections := 0
	for _, nd := range nodes {
		if nd.Data == "details" && attr(nd, "class") == "sa" {
			sections++
			if attr(nd, "open") != "" || hasAttr(nd, "open") {
				t.Errorf("summary view: SA section open")
			}
		}
	}
	if sections != problemLimit {
		t.Errorf("%d SA sections, want the %d problem SAs kept", sections, problemLimit)
	}
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// TestAnnotateJSON: frame fields gain their file; text that merely looks
// like a frame field inside a string is left alone.
func TestAnnotateJSON(t *testing.T) {
	r := newFrameRefs([]string{"x/a.pcap", "y/b.pcap"})
	r.add(0, 7) // merged 1 = a.pcap#7
	r.add(1, 3) // merged 2 = b.pcap#3
	in := `{"frame":2,"payloads":"ID ,\"frame\":1 {\"frames\":[1]}","first_frame":1,"frames":[1,2],"deleted_frame":0,"x":{"frame":1}}`
	want := `{"frame":3,"file":"b.pcap","payloads":"ID ,\"frame\":1 {\"frames\":[1]}","first_frame":7,"first_file":"a.pcap","frames":[7,3],"files":["a.pcap","b.pcap"],"deleted_frame":0,"x":{"frame":7,"file":"a.pcap"}}`
	if got := string(r.annotateJSON([]byte(in))); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	var v any
	if err := json.Unmarshal(r.annotateJSON([]byte(in)), &v); err != nil {
		t.Errorf("not JSON: %v", err)
	}
	var one *frameRefs
	if got := string(one.annotateJSON([]byte(in))); got != in {
		t.Errorf("one input: changed")
	}
}

// TestVerdictAgreesWithDaemons: for every corpus scenario whose daemons
// logged a failure or an error notify (expected.json, derived from the
// logs), the verdict has an error line for the SA whose logs name the
// error (a warning line for TEMPORARY_FAILURE alone on an SA that came up)
// and names the notify's finding kind.
func TestVerdictAgreesWithDaemons(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*", "expected.json"))
	checked := 0
	for _, ej := range dirs {
		scen := filepath.Base(filepath.Dir(ej))
		data := testutil.ReadFile(t, ej)
		var exp struct {
			Outcome  string   `json:"outcome"`
			Notifies []string `json:"error_notifies"`
			IKESAs   []struct {
				ErrorNotify *string `json:"error_notify"`
			} `json:"ike_sas"`
		}
		if err := json.Unmarshal(data, &exp); err != nil {
			t.Fatal(err)
		}
		var notifies []string
		for _, n := range exp.Notifies {
			if n != "INVALID_KE_PAYLOAD" { // a normal retry, not an error
				notifies = append(notifies, n)
			}
		}
		if !strings.HasPrefix(exp.Outcome, "failed") && len(notifies) == 0 {
			continue
		}
		c, keys := scenario(t, scen)
		// Both daemons' logs too: with a wrong PSK each peer derived its
		// own key, and the responder's error notify opens only with its log.
		logs, _ := filepath.Glob(filepath.Join(filepath.Dir(c), "charon-*.log"))
		out, _, _ := ikeflow(t, withKeyArgs(c, append(keys, logs...), "--width", "0")...)
		v, _, _ := strings.Cut(out, "\nCapture:")
		// The error line is for the SA whose logs name the error
		// (ikev2-vip-pool-exhausted: the second client's, #2; the SAs
		// are numbered in the order the logs list them), #1 when none
		// does. TEMPORARY_FAILURE alone, on an SA that came up, is a
		// refusal to retry later (RFC 7296 §2.25): a warning line.
		sev := "error  "
		if !strings.HasPrefix(exp.Outcome, "failed") && !slices.ContainsFunc(notifies, func(n string) bool { return n != "TEMPORARY_FAILURE" }) {
			sev = "warning"
		}
		var lines []string
		for i, e := range exp.IKESAs {
			if e.ErrorNotify != nil && *e.ErrorNotify != "" {
				lines = append(lines, "\n  "+sev+" #"+strconv.Itoa(i+1)+" ")
			}
		}
		if len(lines) == 0 {
			lines = []string{"\n  " + sev + " #1 "}
		}
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(v, l) }) {
			t.Errorf("%s: daemons logged %s %v, the verdict has none of the lines %q:\n%s", scen, exp.Outcome, notifies, lines, v)
		}
		for _, n := range notifies {
			// IKEv1 notifies are printed with RFC 2408's hyphens (INVALID-HASH-INFORMATION)
			if !strings.Contains(v, strings.ToLower(n)) && !strings.Contains(v, strings.ReplaceAll(n, "_", "-")) {
				t.Errorf("%s: the verdict does not name %s:\n%s", scen, n, v)
			}
		}
		checked++
	}
	if checked < 6 {
		t.Errorf("only %d failing scenarios checked", checked)
	}
}

// TestVerdictNamesLikelyCause: on an authentication failure whose evidence
// ranks a cause (the responder's log: "subject certificate invalid"), the
// verdict line says that cause, not only "authentication failed".
func TestVerdictNamesLikelyCause(t *testing.T) {
	capture, keys := scenario(t, "ikev2-cert-expired")
	out, _, code := ikeflow(t, "analyze", "--keys", keys[0], capture)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	verdict, _, _ := strings.Cut(out, "\nCapture:")
	if !strings.Contains(verdict, "authentication_failed") || !strings.Contains(verdict, "Most likely: [strong] The initiator's certificate") || !strings.Contains(verdict, "had expired") {
		t.Errorf("verdict does not name the expired certificate:\n%s", verdict)
	}
}

// TestVerdictInfoNamesEachSAOnce: an info kind spread over several finding
// texts (two certificate lines per SA on the Wireshark wiki capture) names
// each SA once in its verdict line.
func TestVerdictInfoNamesEachSAOnce(t *testing.T) {
	d := "../../../shared/captures/wireshark-wiki/ikev2-esp-gcm-ctr-cbc/"
	if _, err := os.Stat(d + "capture.pcapng"); err != nil {
		t.Skip("../shared/captures not present")
	}
	out, _, code := ikeflow(t, "analyze", "--keys", d+"ikev2_decryption_table", d+"capture.pcapng")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "info    certificate (") && !strings.HasSuffix(line, ") on #1, #2, #3") {
			t.Errorf("verdict line %q", line)
		}
	}
	if !strings.Contains(out, "info    certificate (") {
		t.Errorf("no certificate info line in the verdict:\n%s", out)
	}
}
