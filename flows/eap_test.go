package flows

import (
	"path/filepath"
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
