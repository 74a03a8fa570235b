package flows

import (
	"testing"
	"time"
)

// TestInfSlabReuse streams 4000 keyless SAs (the synthetic capture of
// BenchmarkAnalyze100kSAs: ikev2-psk-success rewritten, one SA a
// millisecond, 4 s in all) with a 1 s idle timeout: each SA's child SA is
// inferred from its ESP, and the records of the SAs finalised meanwhile
// are reused (infSlab), so the slab holds fewer records than there were
// SAs, while every SA still gets one inferred child SA with its own SPIs
// and the ESP counts of the capture (counted from its packets here, not
// taken from the analyser).
func TestInfSlabReuse(t *testing.T) {
	const n = 4000
	s := newSynth(t)
	var iToR, rToI uint64
	var spiI, spiR uint32 // the template's SPIs of each direction
	ini := s.tmpl[0].Src.Addr()
	for _, p := range s.tmpl {
		if p.Kind != KindESP {
			continue
		}
		if p.Src.Addr() == ini {
			iToR++
			spiR = p.ESPSPI
		} else {
			rToI++
			spiI = p.ESPSPI
		}
	}
	if iToR == 0 || rToI == 0 {
		t.Fatalf("template ESP %d/%d, want both directions", iToR, rToI)
	}
	got := 0
	seen := make(map[ESPSPI]bool, n)
	a := NewAnalyzer(Options{IdleTimeout: time.Second, OnSA: func(sa *SA) {
		got++
		if len(sa.ChildSAs) != 1 {
			t.Fatalf("SA %d: %d child SAs, want 1", got, len(sa.ChildSAs))
		}
		c := sa.ChildSAs[0]
		i := uint32(c.SPIi) ^ spiI // the SA's number, shifted (synth.run)
		if !c.Inferred || c.ESPPackets != (ESPCount{iToR, rToI}) || uint32(c.SPIr)^spiR != i || i&0xff != 0 || seen[c.SPIi] {
			t.Fatalf("SA %d: child SA inferred %v %s/%s esp %d/%d, want inferred, SPIs %x/%x xor the same SA number, esp %d/%d",
				got, c.Inferred, c.SPIi, c.SPIr, c.ESPPackets.IToR, c.ESPPackets.RToI, spiI, spiR, iToR, rToI)
		}
		seen[c.SPIi] = true
	}})
	s.run(a, n)
	used := a.infs.n
	a.Finish()
	if got != n {
		t.Fatalf("got %d SAs, want %d", got, n)
	}
	// An SA is open from its first packet until 1 s after its last: at
	// most (that span + 1 ms) / 1 ms of them at once.
	span := s.tmpl[len(s.tmpl)-1].Time.Sub(s.tmpl[0].Time) + time.Second
	most := uint32(span/time.Millisecond) + 2 // and index 0
	if used == 0 || used > most || used >= n {
		t.Errorf("the slab handed out %d records for %d SAs open at most %d at a time (%v), want at most that", used, n, most-2, span)
	}
}
