package flows

import (
	"testing"
	"time"
)

// BenchmarkAdd measures Analyzer.Add alone, the per-message path: the
// packets of IKEFLOW_BENCH_CAPTURE (a big capture made with go run
// ./internal/bigcap) are read into memory once, then every iteration feeds
// them to a new Analyzer configured as "ikeflow analyze" by default
// (10-minute idle timeout, SAs handed to OnSA). Each packet's Data is
// first copied into a 1 MiB ring, as a capture reader hands over octets
// it has just read: Add sees them in the cache as it does in "ikeflow
// analyze", not cold from a 29 MB preload. Reading the capture and Finish
// are outside the measurement; cpu-s/op counts every thread (the GC's
// workers too), so allocations made by Add are paid for in it.
func BenchmarkAdd(b *testing.B) {
	path := benchCapture(b)
	pkts := loadPackets(b, path)
	if len(pkts) == 0 {
		b.Fatal("no IKE or ESP packets in " + path)
	}
	b.ReportAllocs()
	var cpu time.Duration
	ring := make([]byte, 1<<20)
	for b.Loop() {
		a := NewAnalyzer(Options{IdleTimeout: 10 * time.Minute, OnSA: func(*SA) {}})
		c0 := processCPU()
		at := 0
		for i := range pkts {
			p := pkts[i]
			if at+len(p.Data) > len(ring) {
				at = 0
			}
			p.Data = ring[at : at+copy(ring[at:], p.Data)]
			at += len(p.Data)
			a.Add(&p)
		}
		cpu += processCPU() - c0
		b.StopTimer()
		a.Finish()
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(pkts)), "ns/frame")
}

// processCPU returns the CPU time (user+sys, all threads) of the process.
func processCPU() time.Duration {
	m := startCPU()
	return time.Duration(m.ru0.Utime.Nano() + m.ru0.Stime.Nano())
}
