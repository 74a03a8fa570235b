package flows

import "testing"

// TestSAFramesWiden checks SA.FirstFrame and LastFrame, kept in 4 octets
// each while they fit, for frame numbers past 2^32 and below zero (a
// library caller's): shifting every frame of a real capture by an offset
// shifts the SA's first frame (its first packet's, from the capture) and
// last frame by exactly that offset, whether the frames start past 2^32,
// cross it during the SA or are negative.
func TestSAFramesWiden(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	r0 := analyze(clonePackets(base), Options{})
	if len(r0.SAs) != 1 {
		t.Fatalf("%d SAs", len(r0.SAs))
	}
	first, last := base[0].Frame, r0.SAs[0].LastFrame
	if r0.SAs[0].FirstFrame != first || last <= first {
		t.Fatalf("frames %d-%d, first packet %d", r0.SAs[0].FirstFrame, last, first)
	}
	for _, off := range []int{1 << 32, 1<<32 - 1 - first, 1<<32 - last, 1 << 40, -1 << 20, -last} {
		pk := clonePackets(base)
		for i := range pk {
			pk[i].Frame += off
		}
		r := analyze(pk, Options{})
		if len(r.SAs) != 1 {
			t.Fatalf("offset %d: %d SAs", off, len(r.SAs))
		}
		sa := r.SAs[0]
		if sa.FirstFrame != first+off || sa.LastFrame != last+off {
			t.Errorf("offset %d: frames %d-%d, want %d-%d", off, sa.FirstFrame, sa.LastFrame, first+off, last+off)
		}
	}
}
