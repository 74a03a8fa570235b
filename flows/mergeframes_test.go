package flows

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestMergeFrames compares mergeFrames with sorting the concatenation
// again (what addFinding did before) on random lists: ascending runs,
// repeats, zeros, negatives and frames below, inside and above the list.
func TestMergeFrames(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 17))
	for n := range 5000 {
		var raw []int
		for range rng.IntN(12) {
			raw = append(raw, rng.IntN(40)-2)
		}
		into := sortedFrames(raw)
		var frames []int
		for range rng.IntN(5) {
			frames = append(frames, rng.IntN(50)-2)
		}
		if n%3 == 0 && len(into) > 0 { // the usual case: each repeat after the last
			frames = []int{into[len(into)-1] + 1 + rng.IntN(3)}
		}
		want := sortedFrames(append(slices.Clone(into), frames...))
		if got := mergeFrames(slices.Clone(into), frames); !slices.Equal(got, want) {
			t.Fatalf("mergeFrames(%v, %v) = %v, want %v", into, frames, got, want)
		}
	}
}

// TestRepeatedNotifyFrames floods one IKEv1 SA with the responder's
// NO-PROPOSAL-CHOSEN notify of ikev1-main-no-proposal, 3000 copies under
// new message IDs (each a new exchange, so each reaches the notify
// handler and merges into the one finding), stamped in falling time so
// that the analysis reaches them out of frame order. The finding must name
// every notify frame once, ascending.
func TestRepeatedNotifyFrames(t *testing.T) {
	pk := corpusPackets(t, "ikev1-main-no-proposal")
	if len(pk) != 2 {
		t.Fatalf("ikev1-main-no-proposal has %d packets, want MM1 and the notify", len(pk))
	}
	const n = 3000
	in := []Packet{pk[0]}
	for i := range n {
		p := clonePackets(pk[1:2])[0]
		binary.BigEndian.PutUint32(p.Data[20:24], uint32(1000+i)) // message ID
		p.Frame = i + 2
		p.Time = pk[0].Time.Add(time.Hour - time.Duration(i)*time.Second)
		in = append(in, p)
	}
	a := NewAnalyzer(Options{})
	for i := range in {
		a.Add(&in[i])
	}
	r := a.Finish()
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs, want 1", len(r.SAs))
	}
	want := make([]int, n)
	for i := range want {
		want[i] = i + 2
	}
	found := false
	for _, f := range r.SAs[0].Findings {
		if f.Kind == KindNoProposalChosen {
			found = true
			if !slices.Equal(f.Frames, want) {
				t.Errorf("no_proposal_chosen names %d frames (%v …), want frames 2 to %d once each", len(f.Frames), f.Frames[:min(5, len(f.Frames))], n+1)
			}
		}
	}
	if !found {
		t.Fatal("no no_proposal_chosen finding")
	}
}
