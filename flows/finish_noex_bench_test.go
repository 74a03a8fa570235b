package flows

import (
	"syscall"
	"testing"
	"time"
)

// BenchmarkFinishNoExchanges is BenchmarkFinish with Options.NoExchanges,
// as analyze sets it for the table (without --ladder) and CSV: Finish
// without building the exported exchanges. (A loop of its own rather than
// a parameter of BenchmarkFinish, so that the latter's name and numbers
// stay comparable with earlier runs.)
func BenchmarkFinishNoExchanges(b *testing.B) {
	pkts, idle := finishBenchPackets(b)
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		got := 0
		a := NewAnalyzer(Options{IdleTimeout: idle, NoExchanges: true, OnSA: func(*SA) { got++ }})
		for i := range pkts {
			a.Add(&pkts[i])
		}
		var r0, r1 syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r0)
		b.StartTimer()
		a.Finish()
		b.StopTimer()
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &r1)
		cpu += time.Duration(r1.Utime.Nano() + r1.Stime.Nano() - r0.Utime.Nano() - r0.Stime.Nano())
		if got == 0 {
			b.Fatal("no SAs")
		}
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
