package flows

import (
	"strings"
	"testing"
	"time"
)

// TestClockJump: ikev2-rekey as a capturing host whose clock stepped an
// hour forward between the CREATE_CHILD_SA request of frame 9 and its
// answer (frame 10): it read "The peer took 3600.0 s to answer", which no
// peer does (they resend within seconds and give up within minutes); so
// too libreswan-ikev2-retransmit with the step after the IKE_SA_INIT
// request's last copy. A capture-wide warning names
// the jump instead; the same capture without the step has neither.
func TestClockJump(t *testing.T) {
	pk := corpusPackets(t, "ikev2-rekey")
	if r := analyze(clonePackets(pk), Options{}); globalFinding(r, KindClockJump) != nil {
		t.Fatalf("no step: %+v", globalFinding(r, KindClockJump))
	}
	for i := range pk {
		if pk[i].Frame >= 10 {
			pk[i].Time = pk[i].Time.Add(time.Hour)
		}
	}
	r := analyze(pk, Options{})
	f := globalFinding(r, KindClockJump)
	if f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Message, "answer in frame 10 3600.0 s after the last transmission of the request it answers (frame 9)") {
		t.Errorf("capture_clock_jump %+v", f)
	}
	for _, sa := range r.SAs {
		if f := finding(sa, KindSlowResponse); f != nil {
			t.Errorf("%s: %s", sa.Name(), f.Message)
		}
	}
	pk = corpusPackets(t, "libreswan-ikev2-retransmit")
	for i := range pk {
		if pk[i].Frame >= 6 {
			pk[i].Time = pk[i].Time.Add(time.Hour)
		}
	}
	r = analyze(pk, Options{})
	if f := globalFinding(r, KindClockJump); f == nil {
		t.Errorf("libreswan-ikev2-retransmit: no capture_clock_jump")
	}
	for _, sa := range r.SAs {
		if f := finding(sa, KindSlowResponse); f != nil {
			t.Errorf("libreswan-ikev2-retransmit: %s: %s", sa.Name(), f.Message)
		}
	}
}
