package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestDropOneNoNewErrors: every corpus capture (strongSwan, libreswan,
// OpenIKED; IKEv1 and IKEv2; UDP and TCP) with one packet missing, at
// every position, as a capture that lost a packet at its capture point
// is, shows no error the whole capture lacks, and no message_id_desync
// at all: a message the capture missed is not evidence of a failure, and
// an answer whose request is missing shows the request was sent
// (capture_gap). Before, each IKEv2 capture gave a message_id_desync
// warning per dropped request, and ikev2-invalid-ke-retry an error that
// no IKE SA came up.
//
// One case keeps its error: libreswan-ikev2-xfrm-fail without the answer
// to the second IKE SA's IKE_AUTH (frame 8). Its request was sent once and
// the capture shows nothing of that SA for the 5 s until the initiator
// starts a fresh one: "got no answer in this capture" is what the capture
// shows (the text names packet loss among the causes), and a resend timer
// of 5 s or more cannot be ruled out. (When the fresh SA comes at once,
// the warning of TestIKEAuthAnswerLostThenStartOver applies.) So does
// libreswan-ikev2-initial-contact without frame 4, the same shape: its
// IKE_AUTH answer lost, nothing more of that SA (no ESP through the
// shim) for the 3 s until pluto, killed and started again, sets up a
// fresh one.
//
// ikev2-two-clients-behind-one-nat without frame 8 (mars's IKE_AUTH
// answer) is no exception: mars's ESP on its own NAT-T ports (frames
// 13-16) shows that the answer came (capture_gap, espAfterAuth); before,
// the SA was "incomplete" with an unanswered_request error.
func TestDropOneNoNewErrors(t *testing.T) {
	runs := 0
	for _, name := range corpusScenarios(t) {
		pk := corpusPackets(t, name)
		whole := errorKinds(analyze(pk, Options{}))
		for i := range pk {
			if name == "libreswan-ikev2-xfrm-fail" && pk[i].Frame == 8 || name == "libreswan-ikev2-initial-contact" && pk[i].Frame == 4 {
				continue // see above
			}
			r := analyze(slices.Delete(slices.Clone(pk), i, i+1), Options{})
			runs++
			for _, sa := range r.SAs {
				for _, f := range sa.Findings {
					if f.Kind == KindMIDDesync || f.Severity == SeverityError && !whole[f.Kind] {
						t.Errorf("%s without frame %d: %s %s: %s", name, pk[i].Frame, f.Severity, f.Kind, f.Message)
					}
				}
			}
		}
	}
	if runs < 300 {
		t.Errorf("only %d captures analysed", runs)
	}
}

// cutCorpus analyses the corpus capture scen without the frames given,
// with its keys when keyed (corpusKeys): a capture that dropped them, as
// the drop tests below read it.
func cutCorpus(t *testing.T, scen string, keyed bool, frames ...int) *Report {
	t.Helper()
	pk := slices.DeleteFunc(slices.Clone(corpusPackets(t, scen)), func(p Packet) bool { return slices.Contains(frames, p.Frame) })
	var opt Options
	if keyed {
		opt.Decryptor = corpusKeys(t, filepath.Join(corpusDir, scen))
	}
	return analyze(pk, opt)
}

// TestRefusalRequestMissed: ikev2-cert-id-not-in-cert, with its keys,
// without the initiator's INFORMATIONAL that carried AUTHENTICATION_FAILED
// (frame 7; the responder's empty answer, frame 8, stays), as a capture
// that dropped it holds them. id_not_in_certificate read "The other peer
// accepted it (it does not enforce the match)", an info, though the
// initiator ended the SA 28 ms after IKE_AUTH; and deleted_after_auth said
// the initiator sent an INFORMATIONAL "not read with the keys given" in
// frame 8, the responder's answer. The identity finding stays an error
// that points to the quick end, and deleted_after_auth names the request
// as missed and frame 8 as its answer.
func TestRefusalRequestMissed(t *testing.T) {
	const scen = "ikev2-cert-id-not-in-cert"
	sa := cutCorpus(t, scen, true, 7).SAs[0]
	id := finding(sa, KindIDNotInCert)
	if id == nil || id.Severity != SeverityError || strings.Contains(id.Message, "accepted") ||
		!strings.Contains(id.Message, "The initiator ended this SA right after IKE_AUTH (deleted_after_auth)") {
		t.Errorf("id_not_in_certificate: %+v", id)
	}
	d := finding(sa, KindDeletedAfterAuth)
	if d == nil || !strings.Contains(d.Message, "an INFORMATIONAL request that the capture lacks (the responder's answer is frame 8;") ||
		strings.Contains(d.Message, "not read with the keys given") {
		t.Errorf("deleted_after_auth: %+v", d)
	}

	// The whole capture: the refusal is read, and the identity finding
	// is evidence for it.
	whole := cutCorpus(t, scen, true).SAs[0]
	if id := finding(whole, KindIDNotInCert); id == nil || id.Severity != SeverityError || strings.Contains(id.Message, "deleted_after_auth") {
		t.Errorf("whole capture: %+v", id)
	}
}

// TestTemporaryFailureRequestMissed: ikev2-child-temporary-failure, with
// its keys, without the initiator's CREATE_CHILD_SA request for a second
// child SA (frame 10), which crossed the responder's IKE SA rekey and was
// answered with TEMPORARY_FAILURE (frame 11, read with the keys). What the
// request asked is not in the capture, and the crossing read as a
// rekey_collision warning ("when both rekey the same SA ... add jitter to
// rekey timers"), which the whole capture shows it was not. The refusal
// says what the capture does show (temporary_failure), alone.
func TestTemporaryFailureRequestMissed(t *testing.T) {
	r := cutCorpus(t, "ikev2-child-temporary-failure", true, 10)
	var tf bool
	for _, sa := range r.SAs {
		if f := finding(sa, KindRekeyCollision); f != nil {
			t.Errorf("%s %s: %s", f.Severity, f.Kind, f.Message)
		}
		tf = tf || finding(sa, KindTemporaryFailure) != nil
	}
	if !tf {
		t.Error("no temporary_failure")
	}
}

// TestV1ChainGapNotPSK: IKEv1 captures with their keys and one message
// missing. The message after it, whose IV comes from the missing one,
// does not open, while the other side's messages do; that read as a
// pre-shared key mismatch ("this is what peers with different pre-shared
// keys produce"), though the peers went on to quick mode together, which
// they cannot do with different keys. A real mismatch (ikev1-wrong-psk,
// whole) keeps its text.
func TestV1ChainGapNotPSK(t *testing.T) {
	for _, c := range []struct {
		scen  string
		drop  int
		agree string
	}{
		{"ikev1-aggressive", 4, "Both peers went on to quick mode or a Transaction exchange with each other"},           // QM1: the responder's QM2 does not open
		{"libreswan-ikev1-aggressive", 4, "Both peers went on to quick mode or a Transaction exchange with each other"}, // the same, pluto
		{"libreswan-ikev1-quick-refused", 6, "The capture lacks a message of this SA before them (capture_gap)"},        // MM6: the refusal does not open
	} {
		f := finding(cutCorpus(t, c.scen, true, c.drop).SAs[0], KindKeyFailed)
		if f == nil || !strings.Contains(f.Message, c.agree) || strings.Contains(f.Message, "different pre-shared keys produce") {
			t.Errorf("%s without frame %d: %+v", c.scen, c.drop, f)
		}
	}
	const psk = "ikev1-wrong-psk"
	if f := finding(cutCorpus(t, psk, true).SAs[0], KindKeyFailed); f == nil || !strings.Contains(f.Message, "different pre-shared keys produce") {
		t.Errorf("%s: %+v", psk, f)
	}
}

// TestMIDGapFromCapture: message IDs that only the capture lacks. With
// their keys:
//   - ikev2-dpd-dead-peer without its IKE_AUTH exchange (frames 3, 4): the
//     initiator's DPD (message ID 2) read as message ID 1 skipped, a
//     message_id_desync warning, though a peer sends an INFORMATIONAL only
//     after IKE_AUTH, which takes message ID 1;
//   - ikev2-rekey-by-responder without the responder's IKE rekey (frames
//     19, 20): its Delete (message ID 1), answered by the initiator, read as
//     "the first request from the responder uses message ID 1 where 0 was
//     expected ... may be reusing state from an older IKE SA", a warning,
//     though the answer shows the initiator expected 1;
//   - the same without the answer to the Delete too (frame 22): now a
//     warning that names both readings;
//   - ikev2-dpd-restart without IKE_AUTH: half-open before (below).
func TestMIDGapFromCapture(t *testing.T) {
	cut := func(scen string, frames ...int) *Report { return cutCorpus(t, scen, true, frames...) }
	check := func(name string, r *Report, desync bool, want string) {
		t.Helper()
		var got []string
		for _, sa := range r.SAs {
			for _, f := range sa.Findings {
				if f.Kind == KindMIDDesync || f.Kind == KindCaptureGap {
					got = append(got, string(f.Kind)+": "+f.Message)
				}
				if f.Kind == KindMIDDesync && !desync {
					t.Errorf("%s: %s", name, f.Message)
				}
			}
		}
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, want) }) {
			t.Errorf("%s: no %q in\n%s", name, want, strings.Join(got, "\n"))
		}
	}
	check("dpd-dead-peer without IKE_AUTH", cut("ikev2-dpd-dead-peer", 3, 4), false,
		"capture_gap: The initiator's INFORMATIONAL request with message ID 2 follows its IKE_SA_INIT (message ID 0) in this capture, which holds no IKE_AUTH")
	// The same gap where the responder then died (ikev2-dpd-restart): the
	// SA read as half-open, "no IKE_AUTH request follows ... the initiator
	// did not send one", beside its DPD on the SA. IKE_AUTH was sent; its
	// outcome is not in the capture (nothing answered after it, and an
	// initiator reports a failed IKE_AUTH in an INFORMATIONAL too): the
	// SA is incomplete, not established.
	r := cut("ikev2-dpd-restart", 3, 4)
	check("dpd-restart without IKE_AUTH", r, false, "the capture missed the IKE_AUTH exchange")
	if sa := r.SAs[0]; sa.State != StateIncomplete || finding(sa, KindHalfOpen) != nil || !sa.Established.IsZero() {
		t.Errorf("dpd-restart without IKE_AUTH: %s, established %v, %+v", sa.State, sa.Established, finding(sa, KindHalfOpen))
	}
	// ikev2-eap-md5 without its last IKE_AUTH exchange (frames 9, 10,
	// the initiator's AUTH after the EAP Success and its answer): "the
	// last response is too small for more than an EAP Success or Failure
	// ... authentication did not complete", failed, though ESP ran both
	// ways after it and the responder answered an INFORMATIONAL.
	if sa := cutCorpus(t, "ikev2-eap-md5", false, 9, 10).SAs[0]; sa.State != StateEstablished || finding(sa, KindAuthFailed) != nil {
		t.Errorf("eap-md5 without its last IKE_AUTH: %s %+v", sa.State, finding(sa, KindAuthFailed))
	}
	check("rekey-by-responder without the rekey", cut("ikev2-rekey-by-responder", 19, 20), false,
		"capture_gap: The responder's INFORMATIONAL request with message ID 1 is its first request in this capture, and the initiator answered it (frame 22)")
	check("rekey-by-responder without the rekey and the Delete's answer", cut("ikev2-rekey-by-responder", 19, 20, 22), true,
		"message_id_desync: The first request from the responder of this IKE SA in this capture uses message ID 1 where 0 was expected")
}

// TestV1PhaseOneTailMissed: IKEv1 main mode whose capture lacks both MM5
// and MM6, the initiator then sending QM1 (which a peer does only with
// phase 1 complete), with the keys. libreswan-ikev1-quick-refused read
// "The responder's MM4 got no reply", an error beside "Phase 1 is up",
// and both captures a warning that the key given does not verify ("wrong
// phase-1 encryption key ... or wrong algorithm?"), though the phase-2
// IVs start from MM6's last block, which the capture lacks.
func TestV1PhaseOneTailMissed(t *testing.T) {
	for _, scen := range []string{"libreswan-ikev1-quick-refused", "ikev1-quick-id-mismatch"} {
		sa := cutCorpus(t, scen, true, 5, 6).SAs[0]
		if f := finding(sa, KindUnanswered); f != nil && f.Severity != SeverityInfo {
			t.Errorf("%s: %s %s", scen, f.Severity, f.Message)
		}
		if f := finding(sa, KindCaptureGap); f == nil || !strings.Contains(f.Message, "The initiator's MM5 and the responder's MM6, the last messages of main mode, are not in this capture") {
			t.Errorf("%s: capture_gap %+v", scen, f)
		}
		if f := finding(sa, KindKeyFailed); f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "whether the key file is right, this capture cannot tell") {
			t.Errorf("%s: key_does_not_verify %+v", scen, f)
		}
	}
}

// TestClearedAfterUnansweredDPD: ikev2-dpd-restart, with its keys,
// without two of the initiator's three DPD copies (frames 9, 10), as a
// capture that dropped them holds it: one DPD, not resent in the capture,
// then a fresh IKE SA with INITIAL_CONTACT. The old SA read as lost by the
// initiator ("it no longer had this SA ... Find out why the initiator lost
// its state"), though the responder had restarted and the initiator gave
// the SA up after its DPD went unanswered. The text now starts from the
// unanswered request. ikev2-initial-contact (the initiator killed), whole,
// keeps the text that the initiator lost its state.
func TestClearedAfterUnansweredDPD(t *testing.T) {
	const scen = "ikev2-dpd-restart"
	sa := cutCorpus(t, scen, true, 9, 10).SAs[0]
	f := finding(sa, KindAbandoned)
	if f == nil || !strings.Contains(f.Message, "Most likely the initiator gave this SA up when its requests went unanswered") ||
		strings.Contains(f.Message, "Find out why the initiator lost its state") || sa.State != StateDeleted {
		t.Errorf("%s: %+v", sa.State, f)
	}
	const ic = "ikev2-initial-contact"
	sa = cutCorpus(t, ic, true).SAs[0]
	if f := finding(sa, KindAbandoned); f == nil || !strings.Contains(f.Message, "Find out why the initiator lost its state") {
		t.Errorf("%s: %+v", ic, f)
	}
}

// TestV1QuickModeAnsweredByESP: ikev1-dpd-dead-peer without QM1 and QM2
// (frames 7, 8), with and without its keys: the initiator's QM3, the
// only quick-mode message left and taken for a QM1, "got no reply ... a
// phase-2 proposal, PFS or proxy-ID mismatch that the peer rejects
// silently", a warning, though ESP ran both ways on the child SA the quick
// mode set up right after it. It is a capture_gap now.
func TestV1QuickModeAnsweredByESP(t *testing.T) {
	const scen = "ikev1-dpd-dead-peer"
	for _, keyed := range []bool{false, true} {
		sa := cutCorpus(t, scen, keyed, 7, 8).SAs[0]
		if f := finding(sa, KindUnanswered); f != nil && strings.Contains(f.Message, "quick mode was not answered") {
			t.Errorf("keys %v: %s", keyed, f.Message)
		}
		if f := finding(sa, KindCaptureGap); f == nil || !strings.Contains(f.Message, "ESP then ran both ways between the peers on a child SA that began after it") {
			t.Errorf("keys %v: capture_gap %+v", keyed, f)
		}
	}
}

// TestLaterRequestByItsAnswer: ikev2-mobike without the initiator's answer
// to the responder's CREATE_CHILD_SA (frame 18) and the responder's next
// request (frame 19), whose answer (frame 20) stays. The CREATE_CHILD_SA
// "got no answer in this capture. Causes: packet loss or a firewall ...",
// a warning, though the answer to the responder's next request shows it
// sent that request, which with a window of one it does only once it has
// the answer to the first.
func TestLaterRequestByItsAnswer(t *testing.T) {
	sa := cutCorpus(t, "ikev2-mobike", false, 18, 19).SAs[0]
	f := finding(sa, KindUnanswered)
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "then went on to INFORMATIONAL (message ID 1, whose answer is frame 20)") {
		t.Errorf("%+v", f)
	}
}

// TestHalfSAJoinedByResponder: ikev2-psk-success without the IKE_SA_INIT
// answer and the IKE_AUTH request (frames 2, 3), as a capture that dropped
// both holds it: the IKE_AUTH answer, the first message with the
// responder's SPI, opened an IKE SA of its own, and the IKE_SA_INIT read
// "got no answer in this capture", an error on an SA that came up. A later
// message of the responder to the initiator joins the half-open SA of its
// initiator SPI, as a later request of the initiator does. (Found on the
// Wireshark wiki's ikev2-esp-gcm-ctr-cbc.)
func TestHalfSAJoinedByResponder(t *testing.T) {
	r := cutCorpus(t, "ikev2-psk-success", false, 2, 3)
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs, want 1", len(r.SAs))
	}
	sa := r.SAs[0]
	if f := finding(sa, KindUnanswered); sa.State != StateEstablished || f != nil && f.Severity != SeverityInfo {
		t.Errorf("%s %+v", sa.State, f)
	}
}

// TestV1PhaseOneMissedQuickBoth: libreswan-ikev1-aggressive without AM2
// and AM3 (frames 2, 3), without keys: the SA read "failed", "The
// initiator's AM1 got no reply ... The responder never answered the first
// message: UDP 500 blocked ...", an error, beside "1 quick mode
// completed". Both peers took part in the quick mode, which needs phase 1
// complete: the SA is established and the capture_gap says what is
// missing.
func TestV1PhaseOneMissedQuickBoth(t *testing.T) {
	sa := cutCorpus(t, "libreswan-ikev1-aggressive", false, 2, 3).SAs[0]
	if f := finding(sa, KindUnanswered); sa.State != StateEstablished || f != nil && f.Severity != SeverityInfo {
		t.Errorf("%s %+v", sa.State, f)
	}
	if f := finding(sa, KindCaptureGap); f == nil || !strings.Contains(f.Message, "The capture holds aggressive mode only up to its AM1, but both peers then took part in a QUICK_MODE exchange") {
		t.Errorf("capture_gap %+v", f)
	}
}

// TestEndUnknownKeysForOtherSAs: ikev2-psk-success analysed with the key
// table of another capture (ikev2-rekey's): the keys hold none for its
// SA, whose last exchange, an encrypted INFORMATIONAL, is not read. Its
// end_unknown said "Without keys a Delete and a liveness check look alike
// ... Give the keys to know", though keys were given (found with the
// Wireshark wiki's capture and the first line of its key table).
func TestEndUnknownKeysForOtherSAs(t *testing.T) {
	pk := corpusPackets(t, "ikev2-psk-success")
	sa := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, "ikev2-rekey"))}).SAs[0]
	f := finding(sa, KindEndUnknown)
	if f == nil || !strings.Contains(f.Message, "The keys given hold none for this SA: without its keys a Delete and") ||
		strings.Contains(f.Message, "Without keys") || !strings.HasSuffix(f.Message, "Give this SA's keys to know.") {
		t.Errorf("%+v", f)
	}
	if f := finding(analyze(pk, Options{}).SAs[0], KindEndUnknown); f == nil || !strings.Contains(f.Message, "Without keys a Delete and") {
		t.Errorf("keyless: %+v", f)
	}
}

// TestV1LoneQM3: libreswan-ikev1-aggressive without QM1 and QM2 (frames 4,
// 5), without keys: the initiator's QM3 (76 octets), the only quick-mode
// message left, was taken for a QM1 that "got no reply ... a phase-2
// proposal, PFS or proxy-ID mismatch", a warning. A QM1 or QM2 carries an
// SA payload and a nonce and cannot be that small. (Found on the Wireshark
// wiki's ikev1_main_mode without frames 7 and 8: a QM3 of 60 octets.)
func TestV1LoneQM3(t *testing.T) {
	sa := cutCorpus(t, "libreswan-ikev1-aggressive", false, 4, 5).SAs[0]
	if f := finding(sa, KindUnanswered); f != nil {
		t.Errorf("%s: %s", f.Severity, f.Message)
	}
	if f := finding(sa, KindCaptureGap); f == nil || !strings.Contains(f.Message, "only the initiator's message of 76 octets, too small for a QM1 or a QM2") {
		t.Errorf("capture_gap %+v", f)
	}
	// Its QM1 (234 octets) without an answer in the capture (QM2 and QM3
	// dropped) keeps the warning.
	if f := finding(cutCorpus(t, "libreswan-ikev1-aggressive", false, 5, 6).SAs[0], KindUnanswered); f == nil || !strings.Contains(f.Message, "QM1") {
		t.Errorf("without QM2 and QM3: %+v", f)
	}
}

// TestMIDGapIntermediateNotAfterAuth: the IKE_AUTH gap of
// TestMIDGapFromCapture (ikev2-dpd-dead-peer without frames 3, 4) with the
// DPD's exchange type rewritten to IKE_INTERMEDIATE (RFC 9242), which comes
// between IKE_SA_INIT and IKE_AUTH and takes message ID 1 and up itself.
// The capture_gap said "A peer sends an IKE_INTERMEDIATE only on an IKE SA
// that IKE_AUTH has set up": only INFORMATIONAL and CREATE_CHILD_SA show
// that.
func TestMIDGapIntermediateNotAfterAuth(t *testing.T) {
	pk := slices.DeleteFunc(clonePackets(corpusPackets(t, "ikev2-dpd-dead-peer")), func(p Packet) bool { return p.Frame == 3 || p.Frame == 4 })
	n := 0
	for i := range pk {
		if d := pk[i].Data; pk[i].Kind == KindIKE && len(d) > 18 && dissect.ExchangeType(d[18]) == dissect.ExchangeInformational {
			d[18] = byte(dissect.ExchangeIKEIntermediate)
			n++
		}
	}
	if n == 0 {
		t.Fatal("no INFORMATIONAL to rewrite")
	}
	for _, sa := range analyze(pk, Options{}).SAs {
		for _, f := range sa.Findings {
			if strings.Contains(f.Message, "only on an IKE SA that IKE_AUTH has set up") {
				t.Errorf("%s: %s", f.Kind, f.Message)
			}
		}
	}
}
