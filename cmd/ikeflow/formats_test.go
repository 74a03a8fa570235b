package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// formatUses are the flags that take a format, with the command.
var formatUses = []struct {
	use     formatUse
	command string
}{{useAnalyze, "analyze"}, {useLiveReport, "live"}, {useLiveEvents, "live"}}

// TestOutputFormatDocs: README.md carries the table of output formats
// made from outputFormats, and every list of format names after --format
// or --report in README.md and docs/*.md is the list of one flag.
func TestOutputFormatDocs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := formatDocTable(); !strings.Contains(string(readme), want) {
		t.Errorf("README.md lacks the table of output formats; paste:\n%s", want)
	}
	lists := map[string]map[string]bool{} // flag -> its lists, "a, b or c" and "a|b|c"
	for _, u := range formatUses {
		if lists[u.use.flag()] == nil {
			lists[u.use.flag()] = map[string]bool{}
		}
		lists[u.use.flag()][formatNames(u.use, ", ", " or ", nil)] = true
		lists[u.use.flag()][formatNames(u.use, "|", "|", nil)] = true
	}
	docs, _ := filepath.Glob("../../docs/*.md")
	docs = append(docs, "../../README.md")
	reList := regexp.MustCompile(`(--format|--report) ((?:[a-z]+, )+[a-z]+ or [a-z]+|[a-z]+(?:\|[a-z]+)+)`)
	found := map[string]bool{}
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range reList.FindAllStringSubmatch(string(b), -1) {
			if doc != "../../README.md" && strings.Contains(m[0], "text|json") && !strings.Contains(m[0], "none") {
				continue // dissect --format text|json
			}
			if !lists[m[1]][m[2]] {
				t.Errorf("%s: %q is not a list of formats of %s (%v)", doc, m[0], m[1], lists[m[1]])
			}
			found[m[0]] = true
		}
	}
	// The lists the docs must have.
	for _, want := range []string{
		"--format " + formatNames(useAnalyze, ", ", " or ", nil),
		"--report " + formatNames(useLiveReport, ", ", " or ", nil),
		"--format " + formatNames(useLiveEvents, "|", "|", nil),
		"--report " + formatNames(useLiveReport, "|", "|", nil),
	} {
		if !found[want] {
			t.Errorf("no doc lists %q", want)
		}
	}
}

// TestOutputFormatFlags: each flag accepts exactly the names (and
// aliases) of its formats, refuses others listing them, defaults to the
// first, and --help lists them in table order.
func TestOutputFormatFlags(t *testing.T) {
	for _, u := range formatUses {
		fs := formatsFor(u.use)
		if len(fs) < 2 {
			t.Fatalf("%s %s offers %d formats", u.command, u.use.flag(), len(fs))
		}
		for _, f := range fs {
			for _, name := range append([]string{f.name}, f.aliases...) {
				if g, err := lookupFormat(u.use, name); err != nil || g != f {
					t.Errorf("%s %s %s: %v", u.command, u.use.flag(), name, err)
				}
			}
		}
		if _, err := lookupFormat(u.use, "xml"); err == nil || !strings.Contains(err.Error(), formatNames(u.use, ", ", " or ", nil)+`, not "xml"`) {
			t.Errorf("%s %s xml: %v", u.command, u.use.flag(), err)
		}
		args := []string{u.command, u.use.flag(), "xml"}
		if u.command == "live" {
			args = append(args, "-i", "lo")
		} else {
			args = append(args, "x.pcap")
		}
		if _, errb, code := ikeflow(t, args...); code != exitUsage || !strings.Contains(errb, u.use.flag()+" must be "+formatNames(u.use, ", ", " or ", nil)) {
			t.Errorf("%v: exit %d, %s", args, code, errb)
		}
		out, _, _ := ikeflow(t, u.command, "--help")
		if !strings.Contains(out, `(default "`+fs[0].name+`")`) {
			t.Errorf("%s --help: default is not %s", u.command, fs[0].name)
		}
		last := strings.Index(out, "("+u.use.flag()+"):\n")
		if last < 0 {
			t.Fatalf("%s --help lacks the formats of %s:\n%s", u.command, u.use.flag(), out)
		}
		for _, f := range fs {
			i := strings.Index(out[last:], "\n  "+f.name+" ")
			if i < 0 {
				t.Errorf("%s --help: %s lacks %s (or out of order)", u.command, u.use.flag(), f.name)
				continue
			}
			last += i + 1
		}
	}
	for i := range outputFormats {
		f := &outputFormats[i]
		switch {
		case f.uses&useAnalyze != 0 && (f.report == nil || f.twoSided == nil):
			t.Errorf("%s: analyze offers it without a report writer and a two-sided writer", f.name)
		case f.uses&useLiveEvents != 0 && f.uses != useLiveEvents:
			t.Errorf("%s: an event format is not a report format", f.name)
		}
	}
	if _, _, code := ikeflow(t, "analyze", "--format", "none", "x.pcap"); code != exitUsage {
		t.Errorf("analyze --format none: exit %d", code)
	}
}

// TestOutputFormatClaims runs analyze in every format, with and without
// --ladder, on a real capture and checks what the table says of each:
// sequence diagrams with --ladder, always, or never (with the note on
// stderr); streaming formats keep no SA in the collector.
func TestOutputFormatClaims(t *testing.T) {
	capture, keys := scenario(t, "ikev2-psk-success")
	for _, f := range formatsFor(useAnalyze) {
		plain, _, code := ikeflow(t, withKeyArgs(capture, keys, "--format", f.name)...)
		if code != exitOK || plain == "" {
			t.Fatalf("%s: exit %d, %d bytes", f.name, code, len(plain))
		}
		ladder, errb, _ := ikeflow(t, withKeyArgs(capture, keys, "--format", f.name, "--ladder")...)
		note := strings.Contains(errb, "--ladder applies to the")
		switch f.ladder {
		case ladderFlag:
			if ladder == plain || !strings.Contains(ladder, "IKE_SA_INIT") || !strings.Contains(ladder, "IKE SA #1") || note {
				t.Errorf("%s: --ladder draws no sequence diagram (note: %v)", f.name, note)
			}
		case ladderAlways:
			if ladder != plain || !strings.Contains(plain, "<svg") || note {
				t.Errorf("%s: no sequence diagram without --ladder, or --ladder changes the output (note: %v)", f.name, note)
			}
		case ladderNo:
			if ladder != plain || !note || strings.Contains(plain, "IKE SA #1 ") {
				t.Errorf("%s: --ladder changes the output, or no note on stderr: %q", f.name, errb)
			}
		}
	}
	sas := corpusSAs(t, "ikev2-rekey", "ikev2-auth-child-no-proposal")
	for _, u := range []formatUse{useAnalyze, useLiveReport} {
		for _, f := range formatsFor(u) {
			var b bytes.Buffer
			out, err := startReport(f, &b, renderOpts{})
			if err != nil {
				t.Fatal(err)
			}
			for _, sa := range sas {
				out.col.add(sa)
			}
			if kept := len(out.col.detail) + len(out.col.findings); f.streams == (kept > 0) {
				t.Errorf("%s: streams=%v but the collector kept %d SAs and findings", f.name, f.streams, kept)
			}
			rep := out.col.report(&flows.Report{})
			if err := out.end(rep, nil); err != nil {
				t.Fatal(err)
			}
			// --fail-on counts the findings the report holds and those it
			// does not (streamed): together, every SA finding.
			want, got := 0, out.col.notInReport(flows.SeverityWarning)
			for _, sa := range sas {
				for _, x := range sa.Findings {
					if x.Severity >= flows.SeverityWarning {
						want++
					}
				}
			}
			for _, x := range rep.Findings {
				if x.Severity >= flows.SeverityWarning {
					got++
				}
			}
			if got != want || want == 0 {
				t.Errorf("%s: %d warnings and errors in and out of the report, want %d", f.name, got, want)
			}
			out.close()
			if (f.report == nil) != (b.Len() == 0) {
				t.Errorf("%s: %d bytes written", f.name, b.Len())
			}
		}
	}
}
