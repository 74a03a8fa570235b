package flows

import (
	"reflect"
	"testing"
)

// TestReorderOctetsBound feeds 1200 messages of 60,000 octets with one
// time stamp (72 MB, none of them ever past the window) through the
// Analyzer's window and through its Sequencer: the octets held stay
// within maxHeldOctets (plus the one message that crosses it), where
// only the count bound (maxHeld, 16384 packets) would have held them all,
// and the report is the one without a window (same times: same order).
func TestReorderOctetsBound(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")[0]
	in := make([]Packet, 1200)
	for i := range in {
		p := base
		p.Data = make([]byte, 60000)
		copy(p.Data, base.Data)
		p.Data[len(p.Data)-1] = byte(i)
		p.Frame = i + 1
		in[i] = p
	}
	limit := maxHeldOctets + 60000

	a := NewAnalyzer(Options{ReorderWindow: DefaultReorderWindow})
	peak := 0
	for i := range in {
		a.Add(&in[i])
		peak = max(peak, a.ro.octets)
	}
	got := a.Finish()
	if peak > limit {
		t.Errorf("the Analyzer's window held %d octets, want at most %d", peak, limit)
	}

	a2 := NewAnalyzer(Options{ReorderWindow: DefaultReorderWindow})
	sq := a2.Sequencer()
	peak = 0
	var s Sequenced
	for i := range in {
		sq.Push(&in[i])
		peak = max(peak, sq.ro.octets)
		for sq.Next(&s) {
			a2.AddSequenced(&s)
			sq.Recycle(&s)
		}
	}
	sq.Close()
	for sq.Next(&s) {
		a2.AddSequenced(&s)
		sq.Recycle(&s)
	}
	got2 := a2.Finish()
	if peak > limit {
		t.Errorf("the Sequencer's window held %d octets, want at most %d", peak, limit)
	}

	want := analyze(in, Options{ReorderWindow: -1})
	if !reflect.DeepEqual(reportJSON(t, got), reportJSON(t, want)) || !reflect.DeepEqual(reportJSON(t, got2), reportJSON(t, want)) {
		t.Error("reports differ from the analysis without a window")
	}
}
