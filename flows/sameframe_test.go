package flows

import (
	"slices"
	"strings"
	"testing"
)

// sameFramePackets returns the first IKE_SA_INIT request of
// ikev2-psk-success eight times, each with another initiator SPI (created
// in descending SPI order), then eight ESP packets of SPIs no IKE SA
// explains, all in frame 1 at one time: what the capture's RFC 8229 reader
// (capture/tcp.go) hands on for one TCP segment carrying several IKE
// messages and ESP packets (checked on such a segment built from this
// capture: the CLI's output differed between runs of cfbf754 and b34b413).
func sameFramePackets(t *testing.T) []Packet {
	first := corpusPackets(t, "ikev2-psk-success")[0]
	if first.Kind != KindIKE {
		t.Fatal("ikev2-psk-success: the first packet is not IKE")
	}
	var pk []Packet
	for k := range 8 {
		p := clonePackets([]Packet{first})[0]
		p.Data[0] = byte(0xf0 - 0x10*k)
		p.Frame = 1
		pk = append(pk, p)
	}
	for k := range 8 {
		pk = append(pk, Packet{Kind: KindESP, Frame: 1, Time: first.Time, Src: first.Src, Dst: first.Dst,
			ESPSPI: uint32(0xc0000000 - 0x1000*k), ESPSeq: 1})
	}
	return pk
}

// TestSameFrameSAOrder checks that IKE SAs first seen in one frame are
// reported in one order on every run (by SPI), not in the order of a walk
// over the SA index's maps, which Go randomises: the SAs still open at the
// end are finalised in the order of their first frames (Analyzer.Finish),
// and ties were left in the order the maps gave.
func TestSameFrameSAOrder(t *testing.T) {
	pk := sameFramePackets(t)
	for run := range 20 {
		r := analyze(clonePackets(pk), Options{})
		var names []string
		for _, sa := range r.SAs {
			names = append(names, sa.Name())
		}
		if len(names) != 8 || !slices.IsSorted(names) {
			t.Fatalf("run %d: SAs in the order %v, want 8 sorted by SPI", run, names)
		}
	}
}

// TestSameFrameOrphanOrder checks that ESP SPIs without an IKE SA first
// seen in one frame are listed in one order on every run (ascending), not
// in the order of a walk over Analyzer.orphans, which Go randomises
// (captureFindings sorts them by first frame).
func TestSameFrameOrphanOrder(t *testing.T) {
	pk := sameFramePackets(t)
	for run := range 20 {
		r := analyze(clonePackets(pk), Options{})
		var esp *Finding
		for i := range r.Findings {
			if r.Findings[i].Kind == KindUnmatchedESP {
				esp = &r.Findings[i]
			}
		}
		if esp == nil {
			t.Fatalf("run %d: no %s finding", run, KindUnmatchedESP)
		}
		if len(esp.Frames) != 1 {
			t.Fatalf("run %d: the SPIs first seen in one frame name frames %v, want that frame once", run, esp.Frames)
		}
		at := 0
		for k := 7; k >= 0; k-- { // ascending SPIs
			spi := ESPSPI(uint32(0xc0000000 - 0x1000*k)).String()
			i := strings.Index(esp.Message[at:], spi)
			if i < 0 {
				t.Fatalf("run %d: SPI %s not listed in ascending order: %s", run, spi, esp.Message)
			}
			at += i + len(spi)
		}
	}
}
