package flows

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

// BenchmarkReorderInOrder measures what the reorder window and the
// duplicate filter cost on a capture already in time order (the usual
// case): 20 000 SAs of the real psk-success exchange, one after the other,
// with the window on (default) and off (-1).
func BenchmarkReorderInOrder(b *testing.B) {
	tmpl := corpusPackets(b, "ikev2-psk-success")
	base := tmpl[0].Time
	const n = 20_000
	for _, w := range []time.Duration{0, -1} {
		name := "window"
		if w < 0 {
			name = "off"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 2048)
			for b.Loop() {
				a := NewAnalyzer(Options{ReorderWindow: w, IdleTimeout: 30 * time.Second, OnSA: func(*SA) {}})
				frame := 0
				for i := range n {
					ini := netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
					for _, t := range tmpl {
						p := t
						frame++
						p.Frame = frame
						p.Time = base.Add(time.Duration(i)*1100*time.Millisecond + t.Time.Sub(base))
						if t.Src.Addr() == tmpl[0].Src.Addr() {
							p.Src = netip.AddrPortFrom(ini, t.Src.Port())
						} else {
							p.Dst = netip.AddrPortFrom(ini, t.Dst.Port())
						}
						if p.Kind == KindESP {
							p.ESPSPI ^= uint32(i) << 8
						} else {
							buf = append(buf[:0], t.Data...)
							binary.BigEndian.PutUint32(buf[0:4], uint32(i))
							if binary.BigEndian.Uint64(buf[8:16]) != 0 {
								binary.BigEndian.PutUint32(buf[8:12], uint32(i))
							}
							p.Data = buf
						}
						a.Add(&p)
					}
				}
				a.Finish()
			}
		})
	}
}
