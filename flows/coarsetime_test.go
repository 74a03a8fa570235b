package flows

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestCoarseTimestamps: ikev2-eap-wrong-password with every time floored
// to the second, as a capture rebuilt from logs holds it. The initiator's
// INFORMATIONAL then came "0.0 ms after the IKE_AUTH answer", and
// deleted_after_auth was an error resting on that. The capture gets a
// coarse_timestamps warning, and the findings judged from short times say
// that they rest on times the capture does not keep and are at most
// warnings. The capture as taken, and one floored to the millisecond,
// get neither.
func TestCoarseTimestamps(t *testing.T) {
	floor := func(d time.Duration) []Packet {
		pk := clonePackets(corpusPackets(t, "ikev2-eap-wrong-password"))
		for i := range pk {
			pk[i].Time = pk[i].Time.Truncate(d)
		}
		return pk
	}
	coarse := func(r *Report) *Finding {
		for i := range r.Findings {
			if r.Findings[i].Kind == KindCoarseTime {
				return &r.Findings[i]
			}
		}
		return nil
	}
	r := analyze(floor(time.Second), Options{})
	if f := coarse(r); f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Message, "this capture keeps its times to the second only") {
		t.Errorf("coarse_timestamps: %+v", f)
	}
	var hedged int
	for _, sa := range r.SAs {
		for _, f := range sa.Findings {
			if timingKinds[f.Kind] {
				if f.Severity == SeverityError || !strings.Contains(f.Message, "the times under a second that this finding rests on are not known") {
					t.Errorf("%s %s: %s", f.Kind, f.Severity, f.Message)
				}
				hedged++
			}
		}
	}
	if hedged == 0 {
		t.Errorf("no finding judged from short times: %v", sortedKinds(r))
	}
	for _, d := range []time.Duration{0, time.Millisecond} {
		pk := corpusPackets(t, "ikev2-eap-wrong-password")
		if d > 0 {
			pk = floor(d)
		}
		if f := coarse(analyze(pk, Options{})); f != nil {
			t.Errorf("floored to %v: %s", d, f.Message)
		}
	}
	// Too few packets to tell.
	if f := coarse(analyze(slices.Clone(floor(time.Second)[:coarseMin-1]), Options{})); f != nil {
		t.Errorf("%d packets: %s", coarseMin-1, f.Message)
	}
}
