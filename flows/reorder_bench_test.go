package flows

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// cpuMeter reports the process CPU time (user+sys, every thread: the GC's
// workers too) per benchmark iteration as "cpu-s/op": on a machine shared
// with other work it varies far less than the wall time.
type cpuMeter struct{ ru0 syscall.Rusage }

func startCPU() *cpuMeter {
	m := &cpuMeter{}
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &m.ru0)
	return m
}

func (m *cpuMeter) report(b *testing.B) {
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	ns := ru1.Utime.Nano() + ru1.Stime.Nano() - m.ru0.Utime.Nano() - m.ru0.Stime.Nano()
	b.ReportMetric(float64(ns)/1e9/float64(b.N), "cpu-s/op")
}

// inOrderFeed calls fn with the packets of n SAs of the real psk-success
// exchange, one SA after the other (1.1 s apart), each with its own
// addresses and SPIs: a capture already in time order.
func inOrderFeed(tb testing.TB, n int, fn func(p *Packet)) {
	tmpl := corpusPackets(tb, "ikev2-psk-success")
	base := tmpl[0].Time
	buf := make([]byte, 0, 2048)
	frame := 0
	var p Packet // one, reused: the harness allocates nothing per packet
	for i := range n {
		for _, t := range tmpl {
			frame++
			buf = copyAs(&p, t, tmpl[0].Src.Addr(), i, frame, buf)
			p.Time = base.Add(time.Duration(i)*1100*time.Millisecond + t.Time.Sub(base))
			fn(&p)
		}
	}
}

// BenchmarkReorderInOrder measures what the reorder window and the
// duplicate filter cost on a capture already in time order (the usual
// case): 20 000 SAs of the real psk-success exchange, one after the other,
// with the window on (default) and off (-1).
func BenchmarkReorderInOrder(b *testing.B) {
	const n = 20_000
	for _, w := range []time.Duration{0, -1} {
		name := "window"
		if w < 0 {
			name = "off"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			m := startCPU()
			for b.Loop() {
				a := NewAnalyzer(Options{ReorderWindow: w, IdleTimeout: 30 * time.Second, OnSA: func(*SA) {}})
				inOrderFeed(b, n, a.Add)
				a.Finish()
			}
			m.report(b)
		})
	}
}

// denseFeed calls fn with the packets of n SAs of the real psk-success
// exchange in time order, 200 SAs at a time interleaved (packet j of
// every SA of a batch, then packet j+1): about 2000 packets per second of
// capture time, as on a concentrator (the 10k-SA bigcap has ~1600), so the
// default window holds a few thousand packets.
func denseFeed(tb testing.TB, n int, fn func(p *Packet)) {
	tmpl := corpusPackets(tb, "ikev2-psk-success")
	const batch = 200
	const step = 100 * time.Millisecond
	base := tmpl[0].Time
	bufs := make([][]byte, len(tmpl))
	frame := 0
	var p Packet
	for b0 := 0; b0 < n; b0 += batch {
		at := base.Add(time.Duration(b0/batch) * time.Duration(len(tmpl)) * step)
		for j, t := range tmpl {
			for i := b0; i < min(n, b0+batch); i++ {
				frame++
				bufs[j] = copyAs(&p, t, tmpl[0].Src.Addr(), i, frame, bufs[j])
				p.Time = at.Add(time.Duration(j)*step + time.Duration(i-b0)*step/batch)
				fn(&p)
			}
		}
	}
}

// BenchmarkReorderWindowOnly is the reorder window and the duplicate
// filter alone (what BenchmarkReorderInOrder's window/off difference
// measures, without the analysis around it): every packet of 20 000 SAs
// in time order (denseFeed) goes in, leaves when the capture has moved on
// by the default window, and is checked for being a duplicate.
func BenchmarkReorderWindowOnly(b *testing.B) {
	const n = 20_000
	b.ReportAllocs()
	m := startCPU()
	for b.Loop() {
		a := NewAnalyzer(Options{})
		r := &a.ro
		dups, held := 0, 0
		out := func() {
			hp := r.pop()
			if a.ro.duplicate(&hp.p, dupKey(&hp.p, hp.sum)) {
				dups++
			}
			r.recycle(hp.p.Data)
			hp.p = Packet{}
		}
		denseFeed(b, n, func(p *Packet) {
			r.push(p, &Prepared{sum: packetSum(a.seed, p)})
			held = max(held, r.size())
			for r.size() > 0 && r.pastWindow(DefaultReorderWindow) {
				out()
			}
		})
		for r.size() > 0 {
			out()
		}
		if dups != 0 || held < 1000 {
			b.Fatalf("%d duplicates in a capture without any, at most %d packets held", dups, held)
		}
	}
	m.report(b)
}

// copyAs sets p to template packet t as it is in copy i of the exchange,
// numbered frame: the initiator's address is 10.x.y.z after i, and the
// IKE SPIs (in buf, which it returns for reuse) and ESP SPIs are changed
// by i. ini is the template initiator's address.
func copyAs(p *Packet, t Packet, ini netip.Addr, i, frame int, buf []byte) []byte {
	*p = t
	p.Frame = frame
	addr := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	if t.Src.Addr() == ini {
		p.Src = netip.AddrPortFrom(addr, t.Src.Port())
	} else {
		p.Dst = netip.AddrPortFrom(addr, t.Dst.Port())
	}
	if p.Kind == KindESP {
		p.ESPSPI ^= uint32(i) << 8
		return buf
	}
	buf = append(buf[:0], t.Data...)
	binary.BigEndian.PutUint32(buf[0:4], uint32(i))
	if binary.BigEndian.Uint64(buf[8:16]) != 0 {
		binary.BigEndian.PutUint32(buf[8:12], uint32(i))
	}
	p.Data = buf
	return buf
}
