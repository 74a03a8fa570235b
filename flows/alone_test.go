package flows

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClockSkewBetweenDirections: real captures whose responder-side
// packets are timestamped early (files from two capture points whose
// clocks differ, merged, so that every response comes before its own
// request), by 5 ms and by 1.5 s. Each request is analysed with its
// response: one SA, in the state of the whole capture, and one
// out_of_order warning saying the capture's times are off (before: two
// SAs, one incomplete, and message_id_desync errors naming responses as
// "a different request"). ikev2-cert-fragmentation has IKE_AUTH in IKEv2
// fragments (RFC 7383), each a request of its own.
func TestClockSkewBetweenDirections(t *testing.T) {
	for _, sc := range []string{"ikev2-psk-success", "ikev2-cert-fragmentation", "openiked-ikev2-success"} {
		pk := corpusPackets(t, sc)
		whole := analyze(pk, Options{}).SAs[0]
		for _, skew := range []time.Duration{-5 * time.Millisecond, -1500 * time.Millisecond} {
			sk := clonePackets(pk)
			for i := range sk {
				if sk[i].Src.Addr() != pk[0].Src.Addr() {
					sk[i].Time = sk[i].Time.Add(skew)
				}
			}
			slices.SortStableFunc(sk, func(x, y Packet) int { return x.Time.Compare(y.Time) })
			r := analyze(sk, Options{})
			if len(r.SAs) != 1 || r.SAs[0].State != whole.State {
				t.Errorf("%s, skew %v: %d SAs, first %s, want 1 %s", sc, skew, len(r.SAs), r.SAs[0].State, whole.State)
				continue
			}
			sa := r.SAs[0]
			if f := finding(sa, KindMIDDesync); f != nil {
				t.Errorf("%s, skew %v: %s", sc, skew, f.Message)
			}
			if f := finding(sa, KindCaptureGap); f != nil {
				t.Errorf("%s, skew %v: %s", sc, skew, f.Message)
			}
			f := finding(sa, KindOutOfOrder)
			if f == nil || f.Severity != SeverityWarning || !strings.Contains(f.Message, "timestamped after their own responses") {
				t.Errorf("%s, skew %v: out_of_order %+v", sc, skew, f)
			}
		}
	}
}

// TestRetryAfterAloneRefusal: ikev2-invalid-ke-retry without its first
// IKE_SA_INIT request: the INVALID_KE_PAYLOAD answer comes alone, and the
// IKE_SA_INIT that follows (message ID 0 again, the other group) is the
// initiator's retry, not the answered request timestamped late.
func TestRetryAfterAloneRefusal(t *testing.T) {
	pk := corpusPackets(t, "ikev2-invalid-ke-retry")
	i := byFrame(t, pk, 1)
	sa := analyze(slices.Delete(clonePackets(pk), i, i+1), Options{}).SAs[0]
	if f := finding(sa, KindOutOfOrder); f != nil {
		t.Errorf("%s", f.Message)
	}
	if sa.State != StateDeleted && sa.State != StateEstablished {
		t.Errorf("state %s", sa.State)
	}
}
