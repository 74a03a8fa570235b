package flows

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Cases a review of the capture-gap, clock-skew and restart verdicts
// found wrong; each edits a real capture.

// TestRestartWhileAuthPendingNotAbandoned: a second IKE SA between the
// same peers starts 1 ms after the first one's IKE_AUTH request, which is
// answered 200 ms later; the first SA then carries ESP. Noting the fresh
// SA for the pending IKE_AUTH (authWait) must not make the first SA
// "abandoned right after IKE_AUTH".
func TestRestartWhileAuthPendingNotAbandoned(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	pk = slices.DeleteFunc(pk, func(p Packet) bool { return p.Frame >= 13 }) // no Delete
	i3 := byFrame(t, pk, 3)
	fresh := pk[byFrame(t, pk, 1)]
	fresh.Data = slices.Clone(fresh.Data)
	copySPIs(&fresh, 1)
	fresh.Time, fresh.Frame = pk[i3].Time.Add(time.Millisecond), 1000
	shiftAfter(pk, i3+1, 200*time.Millisecond)
	pk = append(pk, fresh)
	slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	renumber(pk)
	sa := analyze(pk, Options{}).SAs[0]
	if f := finding(sa, KindAbandoned); f != nil || sa.State != StateEstablished {
		t.Errorf("%s: %+v", sa.State, f)
	}
}

// TestRestartOnShortCaptureKeepsError: the IKE_AUTH answer lost, a second
// IKE SA with the same peer 10 ms later that the peer never answers (it
// is resent), and the capture ending 2.5 s after IKE_AUTH: before any
// strongSwan resend (4 s), with a silent peer. The IKE_AUTH request stays
// an error, not "most likely the answer came".
func TestRestartOnShortCaptureKeepsError(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	pk = slices.DeleteFunc(pk, func(p Packet) bool { return p.Frame >= 4 })
	t3 := pk[byFrame(t, pk, 3)].Time
	fresh := pk[byFrame(t, pk, 1)]
	fresh.Data = slices.Clone(fresh.Data)
	copySPIs(&fresh, 1)
	fresh.Time, fresh.Frame = t3.Add(10*time.Millisecond), 4
	again := fresh
	again.Time, again.Frame = t3.Add(2500*time.Millisecond), 5
	pk = append(pk, fresh, again)
	sa := analyze(pk, Options{}).SAs[0]
	if f := finding(sa, KindUnanswered); f == nil || f.Severity != SeverityError || strings.Contains(f.Message, "most likely") {
		t.Errorf("%+v", f)
	}
}

// TestLateRefusalNotADPDPair: libreswan-ikev1-quick-refused from its
// encrypted informational (frame 8), followed 5 ms later by an encrypted
// informational from the quick mode's sender: a request and its answer
// (a DPD R-U-THERE and its ACK look like that without keys), not a
// refusal of QM1. The QM1 resent after them is unanswered, not "most
// likely refused".
func TestLateRefusalNotADPDPair(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "libreswan-ikev1-quick-refused")[7:])
	ack := pk[0]
	ack.Data = slices.Clone(ack.Data)
	ack.Src, ack.Dst = ack.Dst, ack.Src
	ack.Data[23] ^= 0x55 // other bytes: another message
	ack.Time = ack.Time.Add(5 * time.Millisecond)
	pk = slices.Insert(pk, 1, ack)
	renumber(pk)
	sa := analyze(pk, Options{}).SAs[0]
	if f := finding(sa, KindChildRefused); f != nil {
		t.Errorf("%s", f.Message)
	}
}

// TestResendCrossingAnswerNotSkew: one capture point, one clock. The
// capture starts after the IKE_AUTH request; the initiator resends it
// 20 ms after the answer passed (its timer fired while the answer was on
// its way) and the responder answers the resend. The request after its
// answer is a resend, shown by the second answer: no out_of_order claim
// that the capture's clocks are off.
func TestResendCrossingAnswerNotSkew(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	req, resp := pk[byFrame(t, pk, 3)], pk[byFrame(t, pk, 4)]
	pk = pk[byFrame(t, pk, 4):]
	req.Data, resp.Data = slices.Clone(req.Data), slices.Clone(resp.Data)
	req.Time = resp.Time.Add(20 * time.Millisecond)
	resp.Time = req.Time.Add(time.Millisecond)
	pk = append(pk, req, resp)
	slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	renumber(pk)
	r := analyze(pk, Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	if f := finding(r.SAs[0], KindOutOfOrder); f != nil {
		t.Errorf("%s", f.Message)
	}
	if f := finding(r.SAs[0], KindMIDDesync); f != nil {
		t.Errorf("%s", f.Message)
	}
}
