package flows

import (
	"strconv"
	"strings"
	"testing"
)

// Frames out of time order in the file (several capture queues, merged
// files): the analyzer reads them in time order, so what it concludes of
// their order must come from their times, not their frame numbers. Each
// test swaps two real frames' places in the file, their times unchanged,
// and numbers the frames by their new places, as a capture file would.

// swapPlaces returns pk with the packets of frames a and b in each other's
// place, every packet then numbered by its place.
func swapPlaces(t *testing.T, pk []Packet, a, b int) []Packet {
	t.Helper()
	out := clonePackets(pk)
	i, j := byFrame(t, out, a), byFrame(t, out, b)
	out[i], out[j] = out[j], out[i]
	for k := range out {
		out[k].Frame = k + 1
	}
	return out
}

// TestEAPFailureLastInTime: ikev2-eap-wrong-password with its last two
// frames in each other's place: the EAP Failure (now frame 9) was sent
// 0.4 ms before the initiator's INFORMATIONAL (now frame 8). The EAP
// exchange still ended with the tiny answer: authentication_failed, as on
// the whole capture. Before, the answer with the highest frame number was
// taken for the last message of the SA: no authentication_failed, and
// deleted_after_auth said the initiator refused an SA the responder had
// refused.
func TestEAPFailureLastInTime(t *testing.T) {
	pk := swapPlaces(t, corpusPackets(t, "ikev2-eap-wrong-password"), 8, 9)
	sa := analyze(pk, Options{}).SAs[0]
	if sa.State != StateFailed || finding(sa, KindAuthFailed) == nil {
		t.Errorf("state %s, authentication_failed %v, want failed with it", sa.State, finding(sa, KindAuthFailed))
	}
	if f := finding(sa, KindDeletedAfterAuth); f != nil {
		t.Errorf("deleted_after_auth: %s", f.Message)
	}
}

// TestV1RefusalAfterPhase1ByTime: libreswan-ikev1-quick-pfs-mismatch with
// keys, MM6 and the responder's NO-PROPOSAL-CHOSEN in each other's place:
// the refusal (now frame 6) came 6 ms after MM6 (now frame 8), which
// completed phase 1, so it refused the quick mode and was not recovered.
// Before, frame 6 < frame 8 made it a phase-1 refusal "recovered" by the
// SA established "afterwards (frame 8)", a warning.
func TestV1RefusalAfterPhase1ByTime(t *testing.T) {
	dir := corpusDir + "/libreswan-ikev1-quick-pfs-mismatch"
	pk := swapPlaces(t, corpusPackets(t, "libreswan-ikev1-quick-pfs-mismatch"), 6, 8)
	sa := analyze(pk, Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
	f := finding(sa, KindNoProposalChosen)
	if f == nil || f.Severity != SeverityError || strings.Contains(f.Message, "recovered") || strings.Contains(f.Message, "afterwards") {
		t.Fatalf("no_proposal_chosen = %+v, want an error, not recovered", f)
	}
	if !strings.HasSuffix(f.Message, ".") {
		t.Errorf("message ends %q", f.Message[len(f.Message)-10:])
	}
}

// TestLateRequestBeyondWindow: openiked-ikev2-success with the IKE_AUTH
// request and the INFORMATIONAL 2.1 s later in each other's place: the
// request comes in the file after its answer, further back than the
// reorder window reaches, but timestamped 14.6 ms before it. The SA's
// out_of_order finding says so; it said the request was "timestamped
// after its own response, by -14.6 ms to 0.0 ms", and the capture's clocks
// off, which they are not.
func TestLateRequestBeyondWindow(t *testing.T) {
	pk := swapPlaces(t, corpusPackets(t, "openiked-ikev2-success"), 3, 5)
	r := analyze(pk, Options{})
	sa := r.SAs[0]
	f := finding(sa, KindOutOfOrder)
	if f == nil {
		t.Fatal("no out_of_order finding on the SA")
	}
	for _, bad := range []string{"timestamped after", "by -", "clocks differ"} {
		if strings.Contains(f.Message, bad) {
			t.Errorf("out_of_order says %q: %s", bad, f.Message)
		}
	}
	if !strings.Contains(f.Message, "comes in the capture after its own response, although timestamped 14 ms before") {
		t.Errorf("out_of_order: %s", f.Message)
	}
	if len(findingsOf(r, KindOutOfOrder)) < 2 {
		t.Errorf("want the capture's out_of_order note too: %v", findingsOf(r, KindOutOfOrder))
	}
}

// exLabels returns the labels of the messages of sa's first exchange of
// type typ, by frame ("7:QM1 9:QM3 10:QM2").
func exLabels(sa *SA, typ string) string {
	for _, ex := range sa.Exchanges {
		if ex.Type.String() != typ {
			continue
		}
		var b strings.Builder
		for i, m := range ex.Messages {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(strconv.Itoa(m.Frame) + ":" + m.Label)
		}
		return b.String()
	}
	return ""
}

// TestV1MessageAfterItsAnswer: IKEv1 messages the file puts after their
// answer, further than the reorder window (2 s) puts back. With
// libreswan-ikev1-main-quick's QM2 (frame 8) and the Delete 2.0 s later
// (frame 10) in each other's place, the quick mode read "QM1, QM3, QM4"
// and a capture_gap said the capture lacked the QM2 it holds. With
// libreswan-ikev1-aggressive and its keys (QM2, frame 5, after QM3), QM2
// did not decrypt either (its IV taken from QM3, not QM1) and read as a
// key that does not verify. With libreswan-ikev1-dpd and its keys (an
// R-U-THERE after its ACK), the R-U-THERE read as unacknowledged.
func TestV1MessageAfterItsAnswer(t *testing.T) {
	sa := analyze(swapPlaces(t, corpusPackets(t, "libreswan-ikev1-main-quick"), 8, 10), Options{}).SAs[0]
	if got, want := exLabels(sa, "QUICK_MODE"), "7:QM1 9:QM3 10:QM2"; got != want {
		t.Errorf("main-quick: quick mode %q, want %q", got, want)
	}
	if f := finding(sa, KindCaptureGap); f != nil {
		t.Errorf("main-quick: %s", f.Message)
	}

	const ag = "libreswan-ikev1-aggressive"
	r := analyze(swapPlaces(t, corpusPackets(t, ag), 5, 7), Options{Decryptor: corpusKeys(t, corpusDir+"/"+ag)})
	sa = r.SAs[0]
	if f := finding(sa, KindKeyFailed); f != nil {
		t.Errorf("aggressive: %s", f.Message)
	}
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			if m.Frame == 7 && (m.Label != "QM2" || m.Payloads != "HASH SA NONCE KE ID ID") {
				t.Errorf("aggressive: frame 7 %s %q, want QM2 decrypted", m.Label, m.Payloads)
			}
		}
	}

	const dpd = "libreswan-ikev1-dpd"
	sa = analyze(swapPlaces(t, corpusPackets(t, dpd), 10, 12), Options{Decryptor: corpusKeys(t, corpusDir+"/"+dpd)}).SAs[0]
	if f := finding(sa, KindUnanswered); f != nil {
		t.Errorf("dpd: %s", f.Message)
	}
}

// TestV1LateMM4Roles: libreswan-ikev1-main-quick from its MM4 on (frame
// 4). MM3 and MM4 look alike (a key exchange in the clear); the next
// message, MM5, is encrypted and comes from the other peer, which after
// MM3 would send MM4 in the clear: the first was MM4 and its sender the
// responder. The initiator shown was the responder, and the messages were
// numbered MM3, MM4, MM5 from the wrong peers.
func TestV1LateMM4Roles(t *testing.T) {
	pk := corpusPackets(t, "libreswan-ikev1-main-quick")
	whole := analyze(clonePackets(pk), Options{}).SAs[0]
	sa := analyze(clonePackets(pk[byFrame(t, pk, 4):]), Options{}).SAs[0]
	if sa.Initiator != whole.Initiator || sa.Responder != whole.Responder || sa.NAT != whole.NAT {
		t.Errorf("initiator %s responder %s NAT %q, want %s %s %q", sa.Initiator, sa.Responder, sa.NAT,
			whole.Initiator, whole.Responder, whole.NAT)
	}
	if got, want := exLabels(sa, "IDENTITY_PROTECT"), "4:MM4 5:MM5 6:MM6"; got != want {
		t.Errorf("main mode %q, want %q", got, want)
	}
}
