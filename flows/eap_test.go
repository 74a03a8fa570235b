package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestEAP: two real strongSwan captures of EAP in IKE_AUTH (RFC 7296
// §2.16; EAP-MD5, the responder with a certificate), with and without
// the keys. The charon logs:
//
//   - ikev2-eap-md5: IKE_AUTH message IDs 1-4, "IKE_SA c[1] established"
//     only after the last (frame 10), CHILD_SA f9996460_i a3b65fcb_o;
//   - ikev2-eap-wrong-password: "EAP-MD5 verification failed", EAP-Failure
//     at frame 8, then the initiator's INFORMATIONAL with
//     AUTHENTICATION_FAILED (frame 9); never established.
//
// Before, the SA was established at the first IKE_AUTH response (frame
// 4), the failed one "established: no errors or warnings" without keys
// and, with them, "the initiator could not verify the responder's AUTH
// payload" (a pre-shared key mismatch…) plus evidence that "the initiator
// refused the responder's credentials"; the child SA had SPI 00000000
// (its offer is in the first IKE_AUTH request, its answer in the last),
// its ESP back one way.
func TestEAP(t *testing.T) {
	for _, keys := range []bool{false, true} {
		opt := func(sc string) Options {
			if !keys {
				return Options{}
			}
			return Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))}
		}
		pk := corpusPackets(t, "ikev2-eap-md5")
		sa := analyze(pk, opt("ikev2-eap-md5")).SAs[0]
		if want := pk[byFrame(t, pk, 10)].Time; !sa.Established.Equal(want) {
			t.Errorf("keys %v: eap-md5 established %s, want %s (frame 10)", keys, sa.Established, want)
		}
		if want := map[bool]State{false: StateEstablished, true: StateDeleted}[keys]; sa.State != want {
			t.Errorf("keys %v: eap-md5 %s, want %s", keys, sa.State, want)
		}
		for _, f := range sa.Findings {
			if f.Severity >= SeverityWarning {
				t.Errorf("keys %v: eap-md5: %s %s", keys, f.Kind, f.Message)
			}
		}
		if keys {
			if len(sa.ChildSAs) != 1 || sa.ChildSAs[0].SPIi != 0xf9996460 || sa.ChildSAs[0].SPIr != 0xa3b65fcb ||
				sa.ChildSAs[0].ESPPackets != (ESPCount{3, 3}) {
				t.Errorf("eap-md5 child SAs %+v, want f9996460/a3b65fcb with ESP 3 and 3", sa.ChildSAs)
			}
		}

		sa = analyze(corpusPackets(t, "ikev2-eap-wrong-password"), opt("ikev2-eap-wrong-password")).SAs[0]
		if sa.State != StateFailed || !sa.Established.IsZero() {
			t.Errorf("keys %v: wrong password: %s, established %s; want failed, never established", keys, sa.State, sa.Established)
		}
		f := finding(sa, KindAuthFailed)
		want := map[bool]string{false: "authentication did not complete", true: "EAP (MD5-Challenge) authentication of the initiator with EAP Failure (frame 8"}[keys]
		if f == nil || f.Severity != SeverityError || !strings.Contains(f.Message, want) {
			t.Errorf("keys %v: wrong password: authentication_failed %+v, want %q", keys, f, want)
		}
		if f := finding(sa, KindAuthFailedEvidence); f != nil {
			t.Errorf("keys %v: wrong password: %s", keys, f.Message)
		}
	}
}

// TestEAPFailureMissed: ikev2-eap-wrong-password (strongSwan: "EAP-MD5
// verification failed") without the EAP Failure (frame 8), as a capture
// point that dropped it records it. The initiator's next and last message
// is its INFORMATIONAL with AUTHENTICATION_FAILED (frame 9), which without
// keys is an unread INFORMATIONAL after an unanswered IKE_AUTH: a Delete of
// an SA set up, or the report of a failed IKE_AUTH (RFC 7296 §2.21.2).
// Before, keyless, the SA was "established: no errors or warnings"; with
// keys, "the initiator could not verify the responder's AUTH payload",
// with evidence that "the initiator refused the responder's credentials"
// (it was the responder that refused the initiator's EAP password).
func TestEAPFailureMissed(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev2-eap-wrong-password")
	pk := slices.DeleteFunc(corpusPackets(t, "ikev2-eap-wrong-password"), func(p Packet) bool { return p.Frame == 8 })
	sa := analyze(pk, Options{}).SAs[0]
	if sa.State == StateEstablished || !sa.Established.IsZero() {
		t.Errorf("keyless: state %s, established %v; want neither", sa.State, sa.Established)
	}
	if !slices.ContainsFunc(sa.Findings, func(f Finding) bool {
		return f.Kind == KindUnanswered && strings.Contains(f.Message, "also to report that IKE_AUTH failed (AUTHENTICATION_FAILED") &&
			strings.Contains(f.Message, "whether IKE_AUTH succeeded is not known")
	}) {
		t.Errorf("keyless: no finding saying the IKE_AUTH outcome is unknown: %+v", sa.Findings)
	}
	sa = analyze(pk, Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
	if sa.State != StateFailed {
		t.Errorf("keys: state %s, want failed", sa.State)
	}
	var auth int
	for _, f := range sa.Findings {
		if strings.Contains(f.Message, "could not verify the responder's AUTH payload and gave up") ||
			strings.Contains(f.Message, "refused the responder's credentials") {
			t.Errorf("keys: %s: %s", f.Kind, f.Message)
		}
		if f.Kind == KindAuthFailed && strings.Contains(f.Message, "its IKE_AUTH request (message ID 3, frame 7) has no answer in this capture") &&
			strings.Contains(f.Message, "most likely that answer was an EAP Failure") {
			auth++
		}
	}
	if auth != 1 {
		t.Errorf("keys: %d authentication_failed findings naming the unanswered EAP round, want 1: %+v", auth, sa.Findings)
	}
}

// TestEAPRoundMissed: ikev2-eap-wrong-password, with its keys, without
// its last EAP round (frames 7 and 8: the initiator's EAP-MD5 response and
// the responder's EAP Failure). The initiator's AUTHENTICATION_FAILED
// (frame 9) read as "the initiator could not verify the responder's AUTH
// payload and gave up", with evidence that it "refused the responder's
// credentials", and the missing message ID 3 as a message_id_desync
// warning. The capture shows an EAP round that nothing ended and the
// initiator's request two IDs later: the EAP rounds between are missing.
func TestEAPRoundMissed(t *testing.T) {
	const scen = "ikev2-eap-wrong-password"
	pk := slices.DeleteFunc(slices.Clone(corpusPackets(t, scen)), func(p Packet) bool { return p.Frame == 7 || p.Frame == 8 })
	sa := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))}).SAs[0]
	var auth, gap int
	for _, f := range sa.Findings {
		switch {
		case f.Kind == KindMIDDesync || strings.Contains(f.Message, "could not verify the responder's AUTH payload and gave up") ||
			strings.Contains(f.Message, "refused the responder's credentials"):
			t.Errorf("%s: %s", f.Kind, f.Message)
		case f.Kind == KindAuthFailed && strings.Contains(f.Message, "its last IKE_AUTH exchange in this capture (message ID 2, frame 5) was an EAP round"):
			auth++
		case f.Kind == KindCaptureGap && strings.Contains(f.Message, "message ID 3 was most likely a further EAP round that the capture missed"):
			gap++
		}
	}
	if auth != 1 || gap != 1 {
		t.Errorf("%d authentication_failed, %d capture_gap naming the missing EAP round, want 1 each: %+v", auth, gap, sa.Findings)
	}
}
