package flows

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
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

// TestAddFindingIndex runs random sequences of addFinding (few enough
// distinct keys that repeats are common, enough that SAs pass
// indexFindingsFrom) against the linear search addFinding did before the
// index, with findings changed in place now and then as concludeV1 does
// (followed by findingsChanged): the same index returned, the same
// findings.
func TestAddFindingIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 23))
	kinds := []FindingKind{KindNoProposalChosen, KindAuthFailed, KindInvalidKE}
	base := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	indexed := 0
	for run := range 200 {
		st := &saState{}
		var ref []Finding
		for step := range 300 {
			kind, sev := kinds[rng.IntN(len(kinds))], Severity(rng.IntN(2))
			msg := "text " + strconv.Itoa(rng.IntN(12))
			frame := 1 + rng.IntN(500)
			if rng.IntN(20) == 0 && len(ref) > 0 { // changed in place, as concludeV1 does
				i := rng.IntN(len(ref))
				ref[i].Severity, ref[i].Message = SeverityWarning, ref[i].Message+" recovered"
				f := &st.findings()[i]
				f.Severity, f.Message = SeverityWarning, f.Message+" recovered"
				st.findingsChanged()
				continue
			}
			want := -1
			for i := range ref {
				if f := &ref[i]; f.Kind == kind && f.Severity == sev && f.Message == msg {
					f.Frames = sortedFrames(append(slices.Clone(f.Frames), frame))
					want = i
					break
				}
			}
			if want < 0 {
				want = len(ref)
				ref = append(ref, Finding{Kind: kind, Severity: sev, Message: msg, Frames: []int{frame}})
			}
			if got := st.addFinding(kind, sev, base, msg, frame); got != want {
				t.Fatalf("run %d step %d: addFinding returned %d, the linear search %d", run, step, got, want)
			}
		}
		got := st.findings()
		if len(got) != len(ref) {
			t.Fatalf("run %d: %d findings, want %d", run, len(got), len(ref))
		}
		for i := range ref {
			g, w := &got[i], &ref[i]
			if g.Kind != w.Kind || g.Severity != w.Severity || g.Message != w.Message || !slices.Equal(g.Frames, w.Frames) {
				t.Fatalf("run %d: finding %d is %v %v %q %v, want %v %v %q %v", run, i,
					g.Kind, g.Severity, g.Message, g.Frames, w.Kind, w.Severity, w.Message, w.Frames)
			}
		}
		if st.rareOrEmpty().fidx != nil {
			indexed++
		}
	}
	if indexed == 0 {
		t.Fatal("no SA reached indexFindingsFrom findings: the index was not exercised")
	}
}
