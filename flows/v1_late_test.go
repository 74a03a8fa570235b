package flows

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestV1CaptureStartsLate: the real libreswan-ikev1-main-quick capture
// (main mode, quick mode, two encrypted informationals), cut at its
// start as a capture begun during the negotiation or after it is:
//
//   - from MM2: the responder's answer names the roles (it opens with the
//     SA payload the responder chose, its cookie set), so the SA is read as
//     the whole capture is: same initiator, MM2 to MM6, no guess to own up to;
//   - from MM3: MM3 and MM4 name the roles too (key exchanges in the clear,
//     one each way), and phase 1 is judged as in the whole capture;
//   - from MM6: who initiated is not in the headers; the SA says so
//     (started_before_capture, info), and no phase-1 message is reported
//     unanswered, which before was an error ("The initiator's MM1 got no
//     reply": the responder's MM6 taken for an MM1, on an SA that came up);
//   - from QM3: the first exchange seen may have begun before the capture
//     too, and its first message seen is not judged unanswered.
func TestV1CaptureStartsLate(t *testing.T) {
	pk := corpusPackets(t, "libreswan-ikev1-main-quick")
	full := analyze(pk, Options{}).SAs[0]
	if full.State != StateEstablished || finding(full, KindLateStart) != nil {
		t.Fatalf("whole capture: %s %+v", full.State, full.Findings)
	}
	labels := func(sa *SA) string {
		var l []string
		for _, ex := range sa.Exchanges {
			for _, m := range ex.Messages {
				l = append(l, m.From[:1]+":"+m.Label)
			}
		}
		return strings.Join(l, " ")
	}

	sa := analyze(pk[1:], Options{}).SAs[0]
	if sa.Initiator != full.Initiator || sa.Responder != full.Responder {
		t.Errorf("from MM2: %v → %v, want %v → %v", sa.Initiator, sa.Responder, full.Initiator, full.Responder)
	}
	if got, want := labels(sa), strings.TrimPrefix(labels(full), "i:MM1 "); got != want {
		t.Errorf("from MM2: labels\n got %s\nwant %s", got, want)
	}
	if sa.State != StateEstablished || sa.Proposal != full.Proposal || finding(sa, KindLateStart) != nil || finding(sa, KindUnanswered) != nil {
		t.Errorf("from MM2: %s %q %+v", sa.State, sa.Proposal, sa.Findings)
	}

	sa = analyze(pk[5:], Options{}).SAs[0]
	f := finding(sa, KindLateStart)
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "a guess that may be the wrong way round") {
		t.Errorf("from MM6: started_before_capture %+v", f)
	}
	if u := finding(sa, KindUnanswered); u != nil {
		t.Errorf("from MM6: %s", u.Message)
	}
	if sa.State != StateEstablished {
		t.Errorf("from MM6: state %s", sa.State)
	}
	// From MM3: MM3 and MM4, key exchanges in the clear, fix the roles
	// (after MM4 comes MM5, encrypted), so nothing is a guess.
	sa = analyze(pk[2:], Options{}).SAs[0]
	if sa.Initiator != full.Initiator || !strings.HasPrefix(labels(sa), "i:MM3 r:MM4 i:MM5 r:MM6") || finding(sa, KindLateStart) != nil ||
		sa.State != StateEstablished {
		t.Errorf("from MM3: %v, %s, labels %s, %+v", sa.Initiator, sa.State, labels(sa), sa.Findings)
	}
	// ikev1-wrong-psk from MM3: its roles so fixed, MM5 answered by
	// encrypted informationals is still the authentication failure the
	// whole capture shows (the review found it lost).
	psk := analyze(corpusPackets(t, "ikev1-wrong-psk")[2:], Options{}).SAs[0]
	if finding(psk, KindAuthFailed) == nil || psk.State != StateFailed {
		t.Errorf("ikev1-wrong-psk from MM3: %s %+v", psk.State, psk.Findings)
	}
	// From QM3 (76 octets, the quick mode's last message, taken for a
	// QM1 as the first one seen of its exchange): not 'QM1 got no reply'.
	sa = analyze(pk[8:], Options{}).SAs[0]
	if finding(sa, KindLateStart) == nil || finding(sa, KindUnanswered) != nil {
		t.Errorf("from QM3: %+v", sa.Findings)
	}
}

// TestLateStartNoNewErrors: every corpus capture (strongSwan, libreswan,
// OpenIKED; IKEv1 and IKEv2) cut at its start, at every frame, as a
// capture begun late is, shows no error the whole capture does not show:
// what the capture missed is not evidence of a failure. (Warnings may
// rightly appear: a fragmented message whose first fragment was cut off
// is missing fragments in this capture.)
func TestLateStartNoNewErrors(t *testing.T) {
	for _, name := range corpusScenarios(t) {
		pk := corpusPackets(t, name)
		whole := errorKinds(analyze(pk, Options{}))
		for cut := 1; cut < len(pk); cut++ {
			r := analyze(pk[cut:], Options{})
			for _, sa := range r.SAs {
				for _, f := range sa.Findings {
					if f.Severity == SeverityError && !whole[f.Kind] {
						t.Errorf("%s without its first %d frames: %s: %s", name, cut, f.Kind, f.Message)
					}
				}
			}
		}
	}
}

// TestV1LateStartAfterQuickModeRefusal: the real
// libreswan-ikev1-quick-refused capture (strongSwan refuses pluto's QM1
// with an encrypted informational; pluto resends QM1 five times) cut so
// that it begins with that informational, as a capture begun between the
// QM1 and its refusal does. The resent QM1s are most likely refused, by
// the informational just before them: not "got no reply ... rejects
// silently, or an informational the capture does not show", which the
// capture contradicts. Cut one frame later (no informational) nothing is
// inferred; and an informational sent long before the first QM1 copy is
// no refusal of it.
func TestV1LateStartAfterQuickModeRefusal(t *testing.T) {
	pk := corpusPackets(t, "libreswan-ikev1-quick-refused")
	const infoAt = 7 // the refusal, frame 8 of the whole capture
	info, qm := pk[infoAt].Frame, pk[infoAt+1].Frame
	sa := analyze(pk[infoAt:], Options{}).SAs[0]
	if u := finding(sa, KindUnanswered); u != nil {
		t.Errorf("from the refusal: %s", u.Message)
	}
	f := finding(sa, KindChildRefused)
	if f == nil || f.Severity != SeverityError || !slices.Equal(f.Frames, []int{info, qm}) ||
		!strings.Contains(f.Message, "most likely refused") || !strings.Contains(f.Message, "peer at 203.0.113.10:4500") {
		t.Errorf("from the refusal: child_sa_refused %+v", f)
	}
	r := finding(sa, KindRetransmit)
	if r == nil || !strings.Contains(r.Message, "(frame "+strconv.Itoa(info)+", most likely an error notify)") ||
		!strings.Contains(r.Message, "act on the refusal") || strings.Contains(r.Message, "never answered") {
		t.Errorf("from the refusal: retransmit %+v", r)
	}

	sa = analyze(pk[infoAt+1:], Options{}).SAs[0]
	if f := finding(sa, KindChildRefused); f != nil {
		t.Errorf("from the first resent QM1: %s", f.Message)
	}

	// The informational 2 s earlier than it was: a refusal comes within
	// promptAnswer of the QM1 it answers.
	far := clonePackets(pk[infoAt:])
	far[0].Time = far[0].Time.Add(-2 * time.Second)
	sa = analyze(far, Options{}).SAs[0]
	if f := finding(sa, KindChildRefused); f != nil {
		t.Errorf("informational 2.5 s before: %s", f.Message)
	}
	if finding(sa, KindUnanswered) == nil {
		t.Errorf("informational 2.5 s before: no unanswered_request %+v", sa.Findings)
	}
}

// TestV1LateErrorPhase: the real libreswan-ikev1-aggressive-wrong-psk
// capture (pluto's AM2 sent six times, each answered with an unencrypted
// INVALID-HASH-INFORMATION) cut before its AM1 and AM2, as a capture begun
// within the retransmissions is: its first frame is an error notify, before
// any message of the mode. That notify was read as "during phase 1 (main
// mode)", the mode not yet known, and the later ones, once the AM2 copies
// showed the mode, as "(aggressive mode)": two findings for one failure,
// one naming a mode the SA never used. The SA began before the capture,
// so the text names phase 1 alone, and the six notifies are one finding.
func TestV1LateErrorPhase(t *testing.T) {
	pk := corpusPackets(t, "libreswan-ikev1-aggressive-wrong-psk")
	full := analyze(pk, Options{}).SAs[0]
	if f := finding(full, KindAuthFailed); f == nil || !strings.Contains(f.Message, "during phase 1 (aggressive mode):") {
		t.Fatalf("whole capture: %+v", full.Findings)
	}
	rep := analyze(pk[2:], Options{})
	if len(rep.SAs) != 1 {
		t.Fatalf("cut: %d SAs", len(rep.SAs))
	}
	sa := rep.SAs[0]
	if sa.Mode != "aggressive" || finding(sa, KindLateStart) == nil {
		t.Fatalf("cut: mode %q, findings %+v", sa.Mode, sa.Findings)
	}
	var auth []Finding
	for _, f := range sa.Findings {
		if f.Kind == KindAuthFailed {
			auth = append(auth, f)
		}
	}
	if len(auth) != 1 {
		t.Fatalf("cut: %d authentication_failed findings, want 1: %+v", len(auth), auth)
	}
	if f := auth[0]; !strings.Contains(f.Message, "during phase 1:") || strings.Contains(f.Message, "mode") ||
		!slices.Equal(f.Frames, []int{3, 5, 7, 9, 11, 13}) {
		t.Errorf("cut: %v %q", f.Frames, f.Message)
	}
}
