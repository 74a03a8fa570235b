package flows

import (
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"
)

// BenchmarkAnalyzeCapture streams IKEFLOW_BENCH_CAPTURE (a big capture made
// with go run ./internal/bigcap) through an Analyzer the way "ikeflow
// analyze" does by default (10-minute idle timeout, SAs handed to OnSA), so
// that every SA of a bigcap capture is open at once before Finish. live-MB
// is the heap in use after the last packet; IKEFLOW_BENCH_HEAPPROFILE
// names a file for a heap profile taken at that point. IKEFLOW_BENCH_IDLE
// (a duration, e.g. 30s) replaces the idle timeout, so that SAs are
// finalised during the run as with "analyze --idle-timeout 30s".
func BenchmarkAnalyzeCapture(b *testing.B) {
	path := benchCapture(b)
	idle := 10 * time.Minute
	if s := os.Getenv("IKEFLOW_BENCH_IDLE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			b.Fatal(err)
		}
		idle = d
	}
	b.ReportAllocs()
	var live uint64
	for b.Loop() {
		got := 0
		a := NewAnalyzer(Options{IdleTimeout: idle, OnSA: func(*SA) { got++ }})
		feedCapture(b, path, a)
		b.StopTimer()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = ms.HeapAlloc
		if hp := os.Getenv("IKEFLOW_BENCH_HEAPPROFILE"); hp != "" {
			f, err := os.Create(hp)
			if err == nil {
				_ = pprof.WriteHeapProfile(f)
				f.Close()
			}
		}
		b.StartTimer()
		a.Finish()
		if got == 0 {
			b.Fatal("no SAs")
		}
	}
	b.ReportMetric(float64(live)/(1<<20), "live-MB")
}
