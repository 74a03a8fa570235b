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
func BenchmarkAdd(b *testing.B) { benchAdd(b, false) }

// BenchmarkAddPrepared is BenchmarkAdd with every packet prepared first
// (untimed: in the CLI the read-ahead goroutine does it, on the other
// core): the analyzer's share of the work, which bounds the wall time.
func BenchmarkAddPrepared(b *testing.B) { benchAdd(b, true) }

// benchAdd is BenchmarkAdd, with each packet prepared (untimed) and given
// to AddPrepared when prepared is set.
func benchAdd(b *testing.B, prepared bool) {
	path := benchCapture(b)
	pkts := loadPackets(b, path)
	if len(pkts) == 0 {
		b.Fatal("no IKE or ESP packets in " + path)
	}
	b.ReportAllocs()
	var cpu time.Duration
	ring := make([]byte, 1<<20)
	var pre []Prepared
	if prepared {
		pre = make([]Prepared, len(pkts))
	}
	for b.Loop() {
		b.StopTimer()
		a := NewAnalyzer(Options{IdleTimeout: 10 * time.Minute, OnSA: func(*SA) {}})
		if prepared {
			pr := a.Preparer()
			for i := range pkts {
				pr.Prepare(&pkts[i], &pre[i])
			}
		}
		b.StartTimer()
		c0 := processCPU()
		at := 0
		for i := range pkts {
			p := pkts[i]
			if at+len(p.Data) > len(ring) {
				at = 0
			}
			p.Data = ring[at : at+copy(ring[at:], p.Data)]
			at += len(p.Data)
			if prepared {
				a.AddPrepared(&p, &pre[i])
			} else {
				a.Add(&p)
			}
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
