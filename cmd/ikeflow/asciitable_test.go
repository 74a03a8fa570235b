package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// renderBoth renders with asciiTable's own layout and with tablewriter's.
func renderBoth(t *testing.T, render func(w *bytes.Buffer) error) (own, tw string) {
	t.Helper()
	var a, b bytes.Buffer
	if err := render(&a); err != nil {
		t.Fatal(err)
	}
	plainTables = false
	defer func() { plainTables = true }()
	if err := render(&b); err != nil {
		t.Fatal(err)
	}
	return a.String(), b.String()
}

// summaryCollector returns a collector past detailLimit and its report:
// the SAs of every corpus capture, handed to it 13 times over.
func summaryCollector(t testing.TB) (*collector, *flows.Report) {
	dirs, err := filepath.Glob(filepath.Join(corpus, "*", "capture.pcap"))
	if err != nil || len(dirs) < 30 {
		t.Fatalf("corpus: %d captures, %v", len(dirs), err)
	}
	var sas []*flows.SA
	var last *flows.Report
	for _, p := range dirs {
		r, err := capture.Open(p, capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		an := flows.NewAnalyzer(flows.Options{OnSA: func(sa *flows.SA) { sas = append(sas, sa) }})
		err = feedInline(newMerger([]string{p}, []*capture.Reader{r}), func(_ int, pkt *flows.Packet) bool {
			an.Add(pkt)
			return true
		}, func(string, error) {})
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		last = an.Finish()
	}
	col := newCollector(nil)
	for range 13 {
		for _, sa := range sas {
			col.add(sa)
		}
	}
	if !col.summarised() || len(col.problems) < 50 {
		t.Fatalf("%d SAs, %d problem SAs: not a summary", col.total, len(col.problems))
	}
	return col, col.report(last)
}

// TestPlainTableSummary checks that the summary view of a capture with
// too many SAs to list is byte for byte what tablewriter writes
// (summaryCollector), with and without colour.
func TestPlainTableSummary(t *testing.T) {
	col, rep := summaryCollector(t)
	for _, color := range []bool{false, true} {
		own, tw := renderBoth(t, func(w *bytes.Buffer) error {
			return renderSummary(w, rep, col, false, renderOpts{color: color})
		})
		if own != tw {
			os.WriteFile(filepath.Join(t.TempDir(), "own"), []byte(own), 0o644)
			ol, tl := strings.Split(own, "\n"), strings.Split(tw, "\n")
			for i := range min(len(ol), len(tl)) {
				if ol[i] != tl[i] {
					t.Fatalf("colour %v, line %d:\n own %q\n  tw %q", color, i+1, ol[i], tl[i])
				}
			}
			t.Fatalf("colour %v: %d lines, tablewriter %d", color, len(ol), len(tl))
		}
		if !strings.Contains(own, "| Severity ") || (color && !strings.Contains(own, "\x1b[31merror")) {
			t.Fatalf("colour %v: tables missing:\n%s", color, own)
		}
	}
}

// TestPlainTableCells compares asciiTable with tablewriter on cells at the
// edges of what it lays out itself (empty cells and lines, lines ending a
// cell, colour codes, the punctuation runes) and on cells it hands to
// tablewriter (tabs, spaces at either end, other runes, control codes).
func TestPlainTableCells(t *testing.T) {
	cases := [][]string{
		{"a", "b"},
		{"", ""},
		{"x\n", "\ny\n\n"},
		{"\x1b[31merror\x1b[0m", "frames 1–9 → …, 3 µs ×2 ≥1 ≤2 · — esp 1→ 1← ↔"},
		{"one\ntwo\nthree", "4"},
		{"tab\there", "x"},
		{" lead", "trail "},
		{"日本語", "ü"},
		{"bell\a", "esc\x1b]0;x\a"},
		{"bad utf8 \xff", "x"},
	}
	for i := range cases {
		for _, rows := range [][][]string{cases[i : i+1], cases[:i+1], nil} {
			own, tw := renderBoth(t, func(w *bytes.Buffer) error {
				tab := newPlainTable(w)
				tab.Header("First", "Second col")
				for _, r := range rows {
					if err := tab.Append(r...); err != nil {
						return err
					}
				}
				return tab.Render()
			})
			if own != tw {
				t.Errorf("rows %q:\nown:\n%s\ntablewriter:\n%s", rows, own, tw)
			}
		}
	}
}

// BenchmarkSummaryRender is the table summary view of summaryCollector's
// report (the problem SAs' table and the findings by kind), with
// asciiTable ("own") and with tablewriter.
func BenchmarkSummaryRender(b *testing.B) {
	col, rep := summaryCollector(b)
	for _, own := range []bool{true, false} {
		name := "own"
		if !own {
			name = "tablewriter"
		}
		b.Run(name, func(b *testing.B) {
			plainTables = own
			defer func() { plainTables = true }()
			b.ReportAllocs()
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := renderSummary(&buf, rep, col, false, renderOpts{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
