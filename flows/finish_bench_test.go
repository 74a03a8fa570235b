package flows

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testcap"
)

// BenchmarkFinish measures what concluding SAs costs: it feeds
// IKEFLOW_BENCH_CAPTURE (a big capture made with go run ./internal/bigcap;
// default: every corpus capture, which is small) to an Analyzer with the
// timer stopped, then times Finish alone, which finalises every SA still
// open (conclude, the exported view, index cleanup, OnSA). cpu-s/op is
// the process's CPU time (user+sys) during Finish.
func BenchmarkFinish(b *testing.B) { benchFinish(b, Options{}) }

// benchFinish is the loop of BenchmarkFinish and
// BenchmarkFinishNoExchanges: it runs Finish on an Analyzer made with o
// (IdleTimeout and OnSA set here) fed the packets of finishBenchPackets.
func benchFinish(b *testing.B, o Options) {
	pkts, idle := finishBenchPackets(b)
	b.ReportAllocs()
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		got := 0
		o.IdleTimeout, o.OnSA = idle, func(*SA) { got++ }
		a := NewAnalyzer(o)
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

// finishBenchPackets reads the packets of IKEFLOW_BENCH_CAPTURE, or of
// every corpus capture (renumbered, one after the other) when it is not
// set, and returns them with the idle timeout to analyse them with: that
// of "analyze" (BenchmarkAnalyze) for a big capture, none for the corpus,
// whose captures lie an hour apart (so every SA is still open at Finish).
func finishBenchPackets(b *testing.B) ([]Packet, time.Duration) {
	paths := []string{os.Getenv("IKEFLOW_BENCH_CAPTURE")}
	idle := time.Minute
	if paths[0] == "" {
		idle = 0
		paths, _ = filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	}
	var out []Packet
	var last time.Time
	frame := 0
	for _, path := range paths {
		var shift time.Duration
		testcap.Each(b, path, capture.Options{}, func(ev *capture.Event) {
			if shift == 0 && !last.IsZero() {
				shift = last.Sub(ev.Time) + time.Hour // each capture after the previous one
			}
			n := len(out)
			if out = appendPacket(out, ev); len(out) > n {
				out[n].Frame += frame
				out[n].Time = out[n].Time.Add(shift)
			}
		})
		if len(out) > 0 {
			last, frame = out[len(out)-1].Time, out[len(out)-1].Frame
		}
	}
	return out, idle
}
