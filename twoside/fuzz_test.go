package twoside

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
)

// eventsFromBytes turns fuzz input into capture events for two sides: each
// record is 6 octets (side, time step, addresses, kind, payload selector,
// length) so byte-identical payloads on both sides are common.
func eventsFromBytes(in []byte, a, b *Side) {
	addrs := []netip.AddrPort{
		netip.MustParseAddrPort("198.51.100.10:4500"), netip.MustParseAddrPort("203.0.113.10:4500"),
		netip.MustParseAddrPort("203.0.113.1:40000"), netip.MustParseAddrPort("[2001:db8::1]:500"),
	}
	t := time.Unix(1_700_000_000, 0)
	tb := t.Add(90 * time.Minute)
	buf := make([]byte, 300)
	for len(in) >= 6 {
		r := in[:6]
		in = in[6:]
		step := time.Duration(int8(r[1])) * time.Millisecond // negative: out of order
		ev := capture.Event{Frame: len(a.Packets) + len(b.Packets) + 1, Src: addrs[r[2]&3], Dst: addrs[r[2]>>2&3]}
		n := int(r[5]) + 8
		for i := range buf[:n] {
			buf[i] = r[4] + byte(i/64)
		}
		switch r[3] & 3 {
		case 0, 1:
			ev.Kind = capture.KindIKE
			buf[17] = 0x20
			buf[18] = 34 + r[3]>>2&3
			buf[19] = r[3] & 0x20
			binary.BigEndian.PutUint32(buf[24:], uint32(n)-uint32(r[3]>>4)) // sometimes past the data
		case 2:
			ev.Kind = capture.KindESP
		default:
			ev.Kind = capture.KindNATKeepalive
		}
		ev.Data = buf[:n]
		ev.Truncated = r[0]&2 != 0 // cut short by a snap length: compared by its first octets
		if r[0]&1 == 0 {
			t = t.Add(step)
			ev.Time = t
			a.Add(&ev)
		} else {
			tb = tb.Add(step)
			ev.Time = tb
			b.Add(&ev)
		}
	}
}

// FuzzCompare feeds arbitrary packet sequences to the matcher: it must not
// panic, and its counts must add up.
func FuzzCompare(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 7, 40, 1, 1, 1, 0, 7, 40, 1, 2, 4, 0, 8, 40, 0, 3, 4, 0, 8, 40})
	f.Add([]byte{0, 1, 1, 2, 7, 40, 1, 1, 1, 2, 7, 40, 0, 0, 1, 2, 7, 40, 1, 255, 6, 2, 9, 9})
	f.Fuzz(func(t *testing.T, in []byte) {
		a, b := NewPair("a", "b", Options{MaxPackets: 500, MaxPerSA: 100})
		eventsFromBytes(in, a, b)
		r := Compare(a, b)
		if !r.Related {
			if len(r.Flows) != 0 {
				t.Fatalf("unrelated but %d flows", len(r.Flows))
			}
			return
		}
		if r.Matched > min(r.PacketsA, r.PacketsB) {
			t.Fatalf("matched %d of %d/%d", r.Matched, r.PacketsA, r.PacketsB)
		}
		lost, only := 0, 0
		for _, fl := range r.Flows {
			if fl.Arrived > fl.Sent || fl.Arrived+len(fl.Lost) != fl.Sent {
				t.Fatalf("%s: sent %d arrived %d lost %d", fl.SA, fl.Sent, fl.Arrived, len(fl.Lost))
			}
			lost += len(fl.Lost)
			only += len(fl.OnlyDownstream)
		}
		if lost > r.PacketsA+r.PacketsB || only > r.PacketsA+r.PacketsB {
			t.Fatalf("lost %d only %d of %d+%d packets", lost, only, r.PacketsA, r.PacketsB)
		}
	})
}
