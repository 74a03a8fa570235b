package main

import (
	"io"
	"os"
	"syscall"
	"testing"
)

// benchDissect runs the dissect command over a corpus capture repeatedly.
func benchDissect(b *testing.B, format string) {
	benchRun(b, "dissect", "-q", "--format", format)
}

// benchRun runs ikeflow with args and then the capture repeatedly.
func benchRun(b *testing.B, args ...string) {
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
	args = append(args, capture)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	// cpu-s/op is the process's CPU time (user+sys, every thread: the
	// read-ahead goroutine and the GC too): on a shared machine it varies
	// far less than the wall time.
	var ru0, ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	for b.Loop() {
		if code := run(args, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	ns := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	b.ReportMetric(float64(ns)/1e9/float64(b.N), "cpu-s/op")
}

func BenchmarkDissectText(b *testing.B) { benchDissect(b, "text") }
func BenchmarkDissectJSON(b *testing.B) { benchDissect(b, "json") }

// BenchmarkAnalyze runs "ikeflow analyze" (table output) over
// IKEFLOW_BENCH_CAPTURE (default: a small corpus capture).
func BenchmarkAnalyze(b *testing.B) { benchAnalyze(b, "table") }

// BenchmarkAnalyzeInline is BenchmarkAnalyze reading the captures in the
// analyzing goroutine (no read-ahead), to measure what the second core
// brings.
func BenchmarkAnalyzeInline(b *testing.B) {
	readAheadOn = false
	defer func() { readAheadOn = true }()
	benchAnalyze(b, "table")
}

// BenchmarkAnalyzeJSON is BenchmarkAnalyze with --format json.
func BenchmarkAnalyzeJSON(b *testing.B) { benchAnalyze(b, "json") }

// BenchmarkAnalyzeCSV is BenchmarkAnalyze with --format csv.
func BenchmarkAnalyzeCSV(b *testing.B) { benchAnalyze(b, "csv") }

// benchAnalyze runs the analyze command over a corpus capture repeatedly.
func benchAnalyze(b *testing.B, format string) {
	benchRun(b, "analyze", "-q", "--idle-timeout", "60s", "--format", format)
}
