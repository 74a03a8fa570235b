package main

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestAppendCSVMatchesEncodingCSV compares appendCSVField with
// encoding/csv's Writer on fields that need quoting for every reason it
// quotes ('"', ',', CR, LF, `\.`, a leading space character, ASCII or
// not) and on random ones, as string and as bytes.
func TestAppendCSVMatchesEncodingCSV(t *testing.T) {
	fields := []string{"", "plain", `\.`, `\.x`, `\`, ".", "a,b", `say "hi"`, `"`, `""`, "a\rb", "a\nb", "a\r\nb",
		" lead", "\tlead", "\vlead", "\u00a0nbsp", "\u2028ls", "\u3000ideo", "\x85nel", "trail ", "x y", "\xff bad", "é", "→ arrow",
		"2026-01-01 00:00:00.010", "ESP 30d8f61d/22aaa735 established 10.0.0.0/24,10.1.0.0/24 ⇄ 10.2.0.0/24 esp 1→ 1←"}
	rng := rand.New(rand.NewPCG(8, 9))
	const alphabet = "ab ,\"\r\n\\.\t"
	for range 3000 {
		var s strings.Builder
		for range rng.IntN(8) {
			if rng.IntN(10) == 0 {
				s.WriteString([]string{"\u00a0", "é", "\u2029", "\xc3"}[rng.IntN(4)])
			} else {
				s.WriteByte(alphabet[rng.IntN(len(alphabet))])
			}
		}
		fields = append(fields, s.String())
	}
	for i := 0; i < len(fields); i += 3 {
		rec := fields[i:min(i+3, len(fields))]
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		if err := cw.Write(rec); err != nil {
			t.Fatal(err)
		}
		cw.Flush()
		var got, gotB, gotN []byte
		for k, f := range rec {
			if k > 0 {
				got, gotB, gotN = append(got, ','), append(gotB, ','), append(gotN, ',')
			}
			got = appendCSVField(got, f)
			gotB = appendCSVField(gotB, []byte(f))
			gotN = appendCSVField(gotN, flows.FindingKind(f)) // a named string type
		}
		got, gotB, gotN = append(got, '\n'), append(gotB, '\n'), append(gotN, '\n')
		if string(got) != want.String() || string(gotB) != want.String() || string(gotN) != want.String() {
			t.Fatalf("%q: got %q (bytes: %q, named: %q), want %q", rec, got, gotB, gotN, want.String())
		}
	}
}

// refCSV is the CSV stream as encoding/csv wrote it (the writer before
// csvStream encoded rows itself), for TestCSVStreamMatchesEncodingCSV.
func refCSV(sas []*flows.SA, rep *flows.Report, refs *frameRefs) string {
	var out bytes.Buffer
	cw := csv.NewWriter(&out)
	cw.Write([]string{"sa", "version", "initiator", "responder", "spi_i", "spi_r", "state", "proposal", "child_sas", "severity", "kind", "frames", "message"})
	for n, sa := range sas {
		base := []string{strconv.Itoa(n + 1), strconv.Itoa(sa.Version), sa.Initiator.String(), sa.Responder.String(),
			sa.SPIi.String(), sa.SPIr.String(), sa.State.String(), sa.Proposal, childSummary(sa, "; ")}
		if len(sa.Findings) == 0 {
			cw.Write(append(base, "", "", "", ""))
		}
		for _, f := range sa.Findings {
			cw.Write(append(append([]string{}, base...), f.Severity.String(), string(f.Kind), csvFrames(f.Frames, refs), f.Message))
		}
	}
	for _, f := range rep.Findings {
		if f.SA == "" {
			cw.Write([]string{"", "", "", "", "", "", "", "", "", f.Severity.String(), string(f.Kind), csvFrames(f.Frames, refs), f.Message})
		}
	}
	cw.Flush()
	return out.String()
}

// TestCSVStreamMatchesEncodingCSV writes every corpus SA, with messages
// and child SAs edited to need quoting, through csvStream with one input
// and with several (file names that need quoting), and compares with what
// encoding/csv wrote.
func TestCSVStreamMatchesEncodingCSV(t *testing.T) {
	scens := corpusScenarios()
	sas := corpusSAs(t, scens...)
	edited := *sas[0]
	edited.Proposal = ` "quoted", proposal`
	edited.Findings = append([]flows.Finding{{Kind: "x,y", Severity: flows.SeverityWarning, Frames: []int{1, 2}, Message: "line\nbreak \"q\""}}, edited.Findings...)
	edited.ChildSAs = append([]*flows.ChildSA{{Protocol: "ESP", SPIi: 1, SPIr: 0xdeadbeef, State: flows.ChildEstablished, TSi: []string{"10.0.0.0/24", "10.1.0.0/24"}, TSr: []string{"10.2.0.0/24"}}}, edited.ChildSAs...)
	sas = append(sas, &edited)
	rep := &flows.Report{Findings: []flows.Finding{{Kind: flows.KindUnmatchedESP, Severity: flows.SeverityInfo, Frames: []int{3}, Message: "capture-wide, with a comma"}, {Kind: "sa_one", SA: "x/y", Message: "skipped"}}}
	quotes := 0
	for _, refs := range []*frameRefs{nil, testFrameRefs(t)} {
		var got bytes.Buffer
		c := newCSVStream(&got, refs)
		err := c.begin()
		for _, sa := range sas {
			if err == nil {
				err = c.add(sa)
			}
		}
		if err == nil {
			err = c.end(rep)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := refCSV(sas, rep, refs)
		if got.String() != want {
			t.Fatalf("refs %v: CSV differs:\n%s\nwant\n%s", refs != nil, got.String(), want)
		}
		quotes += strings.Count(want, `"`)
	}
	if quotes < 10 {
		t.Errorf("only %d quotes in the CSV: the test proves little", quotes)
	}
}

// testFrameRefs returns frame names for two inputs whose names need
// quoting in CSV, covering the frames of the corpus SAs.
func testFrameRefs(t *testing.T) *frameRefs {
	t.Helper()
	r := newFrameRefs([]string{"dir/a, b.pcap", `"q".pcap`})
	for n := range 20000 {
		r.add(n%2, n/2+1)
	}
	return r
}
