package twoside

import (
	"encoding/binary"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
)

// TestScale builds two views of a long ESP conversation (one packet in 100
// from A dropped, B's clock an hour ahead) and checks the losses are all
// found. 10,000 packets per direction by default; IKEFLOW_TWOSIDE_SCALE=N
// sets N for a load run.
func TestScale(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 2_000
	}
	if s := os.Getenv("IKEFLOW_TWOSIDE_SCALE"); s != "" {
		if v, err := parseInt(s); err == nil {
			n = v
		}
	}
	a, b := NewPair("a", "b", Options{MaxPerSA: 2 * n})
	pa := netip.MustParseAddrPort("198.51.100.10:4500")
	pb := netip.MustParseAddrPort("203.0.113.10:4500")
	t0 := time.Unix(1_700_000_000, 0)
	data := make([]byte, 120)
	start := time.Now()
	for i := range n {
		ts := t0.Add(time.Duration(i) * 10 * time.Millisecond)
		for dir := range 2 {
			ev := capture.Event{Frame: 2*i + dir + 1, Kind: capture.KindESP, Data: data, Src: pa, Dst: pb}
			spi := uint32(0xa0000001)
			if dir == 1 {
				ev.Src, ev.Dst, spi = pb, pa, 0xb0000001
			}
			binary.BigEndian.PutUint32(data, spi)
			binary.BigEndian.PutUint32(data[4:], uint32(i+1))
			ev.ESPSPI, ev.ESPSeq = spi, uint32(i+1)
			up, down := a, b
			if dir == 1 {
				up, down = b, a
			}
			ev.Time = ts.Add(time.Duration(dir) * time.Millisecond)
			if up == b {
				ev.Time = ev.Time.Add(time.Hour)
			}
			up.Add(&ev)
			if dir == 0 && i%100 == 50 {
				continue // dropped between the capture points
			}
			ev.Time = ts.Add(time.Duration(dir)*time.Millisecond + 300*time.Microsecond)
			if down == b {
				ev.Time = ev.Time.Add(time.Hour)
			}
			down.Add(&ev)
		}
	}
	r := Compare(a, b)
	t.Logf("%d packets (both sides) compared in %v", len(a.Packets)+len(b.Packets), time.Since(start))
	lost := 0
	for _, f := range r.Flows {
		lost += len(f.Lost)
		if f.Upstream == "a" && len(f.Lost) > 0 && f.Lost[0].ESPSeq != 51 {
			t.Errorf("first loss seq %d, want 51", f.Lost[0].ESPSeq)
		}
	}
	if want := n / 100; lost != want && lost != want-1 { // the last one may fall in the end margin
		t.Errorf("lost %d, want %d", lost, want)
	}
	if d := absDur(r.Clock.Offset - time.Hour); d > 10*time.Microsecond {
		t.Errorf("offset %v, want 1h", r.Clock.Offset)
	}
}

func parseInt(s string) (int, error) {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, os.ErrInvalid
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}
