package flows

import (
	"encoding/binary"
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// synth builds a capture of n IKE SAs by rewriting the SPIs, addresses and
// ESP SPIs of a real exchange (the ikev2-psk-success scenario: IKE_SA_INIT,
// IKE_AUTH, 8 ESP packets, INFORMATIONAL delete), as a concentrator sees
// them: n initiators, one responder, SAs starting 1 ms apart. It feeds the
// packets to fn without materialising the whole capture.
type synth struct {
	tmpl []Packet
	buf  []byte
	p    Packet
}

func newSynth(tb testing.TB) *synth {
	return &synth{tmpl: corpusPackets(tb, "ikev2-psk-success"), buf: make([]byte, 0, 2048)}
}

// run feeds n SAs to a in time order, as one capture point records them:
// SA i's packets are the template's, shifted by i ms, so the packets of
// ~the template's duration in ms SAs interleave. It merges one stream per
// template packet (SA 0, 1, 2, ... of that packet, already in time order).
func (s *synth) run(a *Analyzer, n int) {
	base := s.tmpl[0].Time
	frame := 0
	next := make([]int, len(s.tmpl)) // next SA of each template packet's stream
	off := make([]time.Duration, len(s.tmpl))
	for j := range s.tmpl {
		off[j] = s.tmpl[j].Time.Sub(base)
	}
	for {
		j := -1
		var best time.Duration
		for k := range next {
			if next[k] == n {
				continue
			}
			at := time.Duration(next[k])*time.Millisecond + off[k]
			if j < 0 || at < best || at == best && next[k] < next[j] {
				j, best = k, at
			}
		}
		if j < 0 {
			return
		}
		i := next[j]
		next[j]++
		t := &s.tmpl[j]
		frame++
		p := &s.p
		*p = *t
		p.Frame = frame
		p.Time = base.Add(best)
		ini := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
		if t.Src.Addr() == s.tmpl[0].Src.Addr() {
			p.Src = netip.AddrPortFrom(ini, t.Src.Port())
		} else {
			p.Dst = netip.AddrPortFrom(ini, t.Dst.Port())
		}
		if t.Kind == KindESP {
			p.ESPSPI = t.ESPSPI ^ uint32(i)<<8
			a.Add(p)
			continue
		}
		s.buf = append(s.buf[:0], t.Data...)
		binary.BigEndian.PutUint32(s.buf[0:4], uint32(i))
		if binary.BigEndian.Uint64(s.buf[8:16]) != 0 {
			binary.BigEndian.PutUint32(s.buf[8:12], uint32(i))
		}
		p.Data = s.buf
		a.Add(p)
	}
}

// BenchmarkAnalyze100kSAs analyses a synthetic capture of 100 000 IKE SAs
// (1.4 million packets) built from a real exchange. "keep" collects every
// SA in the report; "stream" finalises idle SAs (30 s) and hands them to
// OnSA, holding only the open ones. live-MB is the heap in use after the
// last packet, before Finish; in "keep" mode (no idle timeout) every SA is
// still open then, so B/open-SA is the working state of one open SA.
// IKEFLOW_BENCH_HEAP=FILE writes the heap profile of that moment ("keep").
// IKEFLOW_BENCH_SAS=N analyses N SAs instead of 100 000: the marginal cost
// of an open SA is (live(200000) - live(100000)) / 100000, free of the
// fixed structures (the reorder window) that B/open-SA includes.
func BenchmarkAnalyze100kSAs(b *testing.B) {
	n := 100_000
	if v := os.Getenv("IKEFLOW_BENCH_SAS"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m <= 0 || m > 1<<24 {
			b.Fatalf("IKEFLOW_BENCH_SAS=%q: want a count from 1 to %d", v, 1<<24)
		}
		n = m
	}
	for _, mode := range []string{"keep", "stream"} {
		b.Run(mode, func(b *testing.B) {
			s := newSynth(b)
			b.ReportAllocs()
			var live uint64
			var ru0, ru1 syscall.Rusage
			var gcCPU time.Duration // CPU of the measuring GC, not counted
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
			for b.Loop() {
				opt := Options{}
				got := 0
				if mode == "stream" {
					opt.IdleTimeout = 30 * time.Second
					opt.OnSA = func(*SA) { got++ }
				}
				a := NewAnalyzer(opt)
				s.run(a, n)
				b.StopTimer()
				var ra, rb syscall.Rusage
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ra)
				runtime.GC()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				live = ms.HeapAlloc
				if path := os.Getenv("IKEFLOW_BENCH_HEAP"); path != "" && mode == "keep" {
					writeHeapProfile(b, path)
				}
				_ = syscall.Getrusage(syscall.RUSAGE_SELF, &rb)
				gcCPU += time.Duration(rb.Utime.Nano() + rb.Stime.Nano() - ra.Utime.Nano() - ra.Stime.Nano())
				b.StartTimer()
				r := a.Finish()
				if mode == "keep" {
					got = len(r.SAs)
				}
				for _, f := range r.Findings {
					if f.Kind == KindOutOfOrder || f.Kind == KindCaptureDuplicate {
						b.Fatalf("synthetic capture not in time order: %s", f.Message)
					}
				}
				if got != n {
					b.Fatalf("got %d SAs, want %d", got, n)
				}
			}
			_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
			cpu := (time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) - gcCPU) / time.Duration(b.N)
			b.ReportMetric(cpu.Seconds(), "cpu-s/op")
			b.ReportMetric(float64(ru1.Maxrss)/1024, "maxrss-MB")
			b.ReportMetric(float64(live)/(1<<20), "live-MB")
			if mode == "keep" {
				b.ReportMetric(float64(live)/float64(n), "B/open-SA")
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/SA")
		})
	}
}

// writeHeapProfile writes the heap profile (what is live now: the
// benchmark calls it with every SA open) to path, for
// `go tool pprof -sample_index=inuse_space`.
func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
}
