package main

import (
	"io"
	"os"
	"runtime"
	"syscall"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
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
	//
	// With IKEFLOW_BENCH_MAINCPU=1 the command's goroutine (the analyzer's)
	// is locked to its thread and main-cpu-s/op is that thread's CPU
	// time: the work the other goroutines (read-ahead, report writer) do
	// not take off it. On a machine shared with other work the wall time
	// says little about using the second core; this does.
	mainCPU := os.Getenv("IKEFLOW_BENCH_MAINCPU") == "1"
	if mainCPU {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	var ru0, ru1, rt0, rt1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	_ = syscall.Getrusage(rusageThread, &rt0)
	for b.Loop() {
		if code := run(args, nil, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
	_ = syscall.Getrusage(rusageThread, &rt1)
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	ns := ru1.Utime.Nano() + ru1.Stime.Nano() - ru0.Utime.Nano() - ru0.Stime.Nano()
	b.ReportMetric(float64(ns)/1e9/float64(b.N), "cpu-s/op")
	if mainCPU {
		ns := rt1.Utime.Nano() + rt1.Stime.Nano() - rt0.Utime.Nano() - rt0.Stime.Nano()
		b.ReportMetric(float64(ns)/1e9/float64(b.N), "main-cpu-s/op")
	}
}

// rusageThread is Linux's RUSAGE_THREAD (getrusage of the calling thread).
const rusageThread = 1

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

// BenchmarkAnalyzePredecode is BenchmarkAnalyze with the IKE messages
// decoded ahead on the read-ahead goroutine, not on the analyzing one
// (predecodeOn), to measure what decoding ahead brings.
func BenchmarkAnalyzePredecode(b *testing.B) {
	old := predecodeOn
	predecodeOn = true
	defer func() { predecodeOn = old }()
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

// BenchmarkRenderSummary renders the table view of a capture too large to
// list (the summary: problem SAs and findings by kind) from corpus SAs
// repeated past detailLimit, without the analysis.
func BenchmarkRenderSummary(b *testing.B) {
	sas := corpusSAs(b, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk", "ikev2-rekey", "ikev1-main-quick")
	col := newCollector(nil)
	const n = detailLimit + 500
	for i := range n {
		col.add(sas[i%len(sas)])
	}
	rep := col.report(&flows.Report{Stats: flows.Stats{IKESAs: n}})
	b.ReportAllocs()
	for b.Loop() {
		if err := renderSummary(io.Discard, rep, col, false, renderOpts{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderCSV writes the CSV rows of corpus SAs repeated (the
// stream of analyze --format csv without the analysis).
func BenchmarkRenderCSV(b *testing.B) {
	sas := corpusSAs(b, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk", "ikev2-rekey", "ikev1-main-quick")
	b.ReportAllocs()
	for b.Loop() {
		c := newCSVStream(io.Discard, nil)
		if err := c.begin(); err != nil {
			b.Fatal(err)
		}
		for i := range 1000 {
			if err := c.add(sas[i%len(sas)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.end(&flows.Report{}); err != nil {
			b.Fatal(err)
		}
	}
}
