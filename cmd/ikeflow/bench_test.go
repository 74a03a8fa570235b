package main

import (
	"io"
	"os"
	"testing"
)

// benchDissect runs the dissect command over a corpus capture repeatedly.
func benchDissect(b *testing.B, format string) {
	// IKEFLOW_BENCH_CAPTURE names a big capture (go run ./internal/bigcap);
	// by default a small corpus capture, where per-file setup dominates.
	capture := os.Getenv("IKEFLOW_BENCH_CAPTURE")
	if capture == "" {
		capture = "../../testdata/corpus/ikev2-rekey/capture.pcap"
	}
	st, err := os.Stat(capture)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"dissect", "-q", "--format", format, capture}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

func BenchmarkDissectText(b *testing.B) { benchDissect(b, "text") }
func BenchmarkDissectJSON(b *testing.B) { benchDissect(b, "json") }

// BenchmarkAnalyze runs "ikeflow analyze" (table output) over
// IKEFLOW_BENCH_CAPTURE (default: a small corpus capture).
func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, "table") }

// BenchmarkAnalyzeJSON is BenchmarkAnalyze with --format json.
func BenchmarkAnalyzeJSON(b *testing.B) { benchAnalyze(b, "json") }

// BenchmarkAnalyzeCSV is BenchmarkAnalyze with --format csv.
func BenchmarkAnalyzeCSV(b *testing.B) { benchAnalyze(b, "csv") }

func benchAnalyze(b *testing.B, format string) {
	capture := os.Getenv("IKEFLOW_BENCH_CAPTURE")
	if capture == "" {
		capture = "../../testdata/corpus/ikev2-rekey/capture.pcap"
	}
	st, err := os.Stat(capture)
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"analyze", "-q", "--idle-timeout", "60s", "--format", format, capture}, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
