package flows

import (
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// wantFindings checks that the SA's findings are exactly kinds (as
// "kind:severity"), in any order.
func wantFindings(t *testing.T, sa *SA, want ...string) {
	t.Helper()
	got := kinds(sa.Findings)
	slices.Sort(got)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Errorf("SA %s findings = %v, want %v\n%s", sa.Name(), got, w, Ladder(sa))
	}
}

// finding returns the first finding of kind k.
func finding(sa *SA, k FindingKind) *Finding { return findingIn(sa.Findings, k) }

// findingIn returns the first finding of kind k in fs, nil when none.
func findingIn(fs []Finding, k FindingKind) *Finding {
	for i := range fs {
		if fs[i].Kind == k {
			return &fs[i]
		}
	}
	return nil
}

// TestIPsecClient: IKE_SA_INIT answered, IKE_AUTH (3468 octets, IP
// fragmented) sent three times and never answered.
func TestIPsecClient(t *testing.T) {
	r := analyze(loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec_client.pcap")), Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("got %d SAs, want 1", len(r.SAs))
	}
	sa := r.SAs[0]
	if sa.State != StateFailed || sa.Version != 2 {
		t.Errorf("state %s v%d, want failed v2", sa.State, sa.Version)
	}
	wantFindings(t, sa, "retransmit:warning", "unanswered_request:error", "nat_detected:info", "weak_crypto:warning")
	if f := finding(sa, KindUnanswered); f == nil || !strings.Contains(f.Message, "Only large messages go unanswered") ||
		!slices.Equal(f.Frames, []int{5, 8, 11}) {
		t.Errorf("unanswered_request = %+v", f)
	}
	if f := finding(sa, KindRetransmit); f == nil || !strings.Contains(f.Message, "back-off: 1.0 s, 1.0 s") {
		t.Errorf("retransmit = %+v", f)
	}
	if sa.NAT != "initiator" {
		t.Errorf("NAT = %q, want initiator", sa.NAT)
	}
	if sa.Proposal != "ENCR_3DES/AUTH_HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" {
		t.Errorf("proposal %q", sa.Proposal)
	}
}

// TestIPsecCapV1: IKEv1 main mode where the initiator answers MM2 with
// NO-PROPOSAL-CHOSEN, the responder resends MM2 10 s later and the SA then
// comes up; quick mode and ESP both ways follow.
func TestIPsecCapV1(t *testing.T) {
	r := analyze(loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap")), Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("got %d SAs, want 1", len(r.SAs))
	}
	sa := r.SAs[0]
	if sa.State != StateEstablished || sa.Mode != "main" {
		t.Errorf("state %s mode %s", sa.State, sa.Mode)
	}
	wantFindings(t, sa, "no_proposal_chosen:warning", "retransmit:warning", "weak_crypto:warning")
	if f := finding(sa, KindRetransmit); f == nil || !slices.Equal(f.Frames, []int{2, 4}) {
		t.Errorf("retransmit = %+v", f)
	}
	if len(sa.ChildSAs) != 1 || !sa.ChildSAs[0].Inferred || sa.ChildSAs[0].SPIr != 0x1c0d7b38 || sa.ChildSAs[0].SPIi != 0x0879355b ||
		sa.ChildSAs[0].ESPPackets.IToR == 0 || sa.ChildSAs[0].ESPPackets.RToI == 0 {
		t.Errorf("child SAs %+v", sa.ChildSAs)
	}
}

// TestIKEv1Certs: quick-mode message 1 retransmitted after 10 s; with the
// Wireshark key table the quick mode is decrypted and the child SA known.
func TestIKEv1Certs(t *testing.T) {
	pk := loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ikev1-certs.pcap"))
	for _, keyed := range []bool{false, true} {
		var opt Options
		if keyed {
			opt.Decryptor = keyringFor(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ikev1-certs.ikev1_decryption_table"))
		}
		r := analyze(pk, opt)
		sa := r.SAs[0]
		if len(r.SAs) != 1 || sa.State != StateEstablished {
			t.Fatalf("keys %v: %d SAs, state %s", keyed, len(r.SAs), sa.State)
		}
		want := []string{"retransmit:warning", "slow_response:info", "weak_crypto:warning"}
		if keyed { // MM5/MM6 certificates: RSA-1024 (OpenSwan) and RSA-2048, both SHA-1 signed
			want = append(want, "certificate:info", "certificate:info", "weak_certificate:warning", "weak_certificate:warning")
		}
		wantFindings(t, sa, want...)
		if f := finding(sa, KindRetransmit); !slices.Equal(f.Frames, []int{7, 8}) || !strings.Contains(f.Message, "QM1") {
			t.Errorf("retransmit = %+v", f)
		}
		if keyed {
			if len(sa.ChildSAs) != 1 || sa.ChildSAs[0].SPIi != 0x95f9fa06 || sa.ChildSAs[0].SPIr != 0xcd876adf {
				t.Errorf("child SAs %+v", sa.ChildSAs)
			}
			if sa.Encrypted {
				t.Error("Encrypted set although every message decrypted")
			}
		}
	}
}

// TestWiresharkGCM: three good IKEv2 SAs from a client behind NAT, all on
// UDP 4500 with ESP-in-UDP; with and without keys.
func TestWiresharkGCM(t *testing.T) {
	dir := "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/"
	pk := loadPackets(t, testutil.SharedCapture(t, dir+"capture.pcapng"))
	for _, keyed := range []bool{false, true} {
		var opt Options
		want := StateEstablished
		if keyed {
			opt.Decryptor = keyringFor(t, testutil.SharedCapture(t, dir+"ikev2_decryption_table"))
			want = StateDeleted
		}
		r := analyze(pk, opt)
		if len(r.SAs) != 3 {
			t.Fatalf("keys %v: got %d SAs, want 3", keyed, len(r.SAs))
		}
		for _, sa := range r.SAs {
			if sa.State != want {
				t.Errorf("keys %v: SA %s state %s, want %s", keyed, sa.Name(), sa.State, want)
			}
			if keyed { // IDi "ikev2-cert" is not in Client1's certificate; the gateway accepted it
				wantFindings(t, sa, "nat_detected:info", "certificate:info", "certificate:info", "id_not_in_certificate:info")
			} else {
				wantFindings(t, sa, "nat_detected:info")
				// The keys show the last INFORMATIONAL is the Delete:
				// without them ikeflow must not present the SA as simply up.
				if finding(sa, KindEndUnknown) == nil {
					t.Errorf("keyless SA %s: no end_unknown note, but its last exchange is its encrypted Delete", sa.Name())
				}
			}
			if sa.NAT != "initiator" {
				t.Errorf("NAT %q", sa.NAT)
			}
			if len(sa.ChildSAs) != 1 || sa.ChildSAs[0].ESPPackets != (ESPCount{4, 4}) || sa.ChildSAs[0].Inferred == keyed {
				t.Errorf("keys %v: child SAs %+v", keyed, sa.ChildSAs[0])
			}
		}
		if n := map[bool]int{false: 6, true: 12}[keyed]; len(r.Findings) != n {
			t.Errorf("top-level findings %v", kinds(r.Findings))
		}
	}
}

// TestIKEv1Clean: healthy IKEv1 captures produce no warnings or errors
// beyond weak crypto.
func TestIKEv1Clean(t *testing.T) {
	for _, name := range []string{
		"zeek-spicy-ipsec/ipsec-ikev1-isakmp-main-mode.pcap",
		"zeek-spicy-ipsec/ipsec-ikev1-isakmp-aggressive-mode.pcap",
		"wireshark-wiki/ikev1_main_mode.pcap",
	} {
		r := analyze(loadPackets(t, testutil.SharedCapture(t, name)), Options{})
		if len(r.SAs) != 1 || r.SAs[0].State != StateEstablished {
			t.Errorf("%s: %d SAs", name, len(r.SAs))
			continue
		}
		for _, f := range r.SAs[0].Findings {
			if f.Kind != KindWeakCrypto && f.Severity > SeverityInfo {
				t.Errorf("%s: unexpected %s: %s", name, f.Kind, f.Message)
			}
		}
	}
}

// TestWiresharkGCMDeleteMissed: the Wireshark wiki's three IKEv2 SAs, with
// their keys, each deleted by the client (a Delete of its child SA each
// way, then one of the IKE SA) before the next connects with
// INITIAL_CONTACT. Without the frame of the first IKE SA's Delete request
// (frame 17; its empty answer, frame 18, stays), as a capture that dropped
// it holds them, the first SA read as cleared by INITIAL_CONTACT, a
// warning that the client "no longer had this SA (its IKE daemon or host
// restarted, it crashed ...) ... Find out why the initiator lost its
// state", which the capture does not show. It is an info now that names
// both readings; the whole capture has no such finding.
func TestWiresharkGCMDeleteMissed(t *testing.T) {
	dir := "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/"
	pk := loadPackets(t, testutil.SharedCapture(t, dir+"capture.pcapng"))
	keys := testutil.SharedCapture(t, dir+"ikev2_decryption_table")
	whole := analyze(pk, Options{Decryptor: keyringFor(t, keys)})
	for _, sa := range whole.SAs {
		if f := finding(sa, KindAbandoned); f != nil {
			t.Fatalf("whole capture: %s", f.Message)
		}
	}
	i := byFrame(t, pk, 17)
	cut := slices.Delete(slices.Clone(pk), i, i+1)
	sa := analyze(cut, Options{Decryptor: keyringFor(t, keys)}).SAs[0]
	f := finding(sa, KindAbandoned)
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "If that request was the initiator's Delete of this SA") ||
		strings.Contains(f.Message, "Find out why") || sa.State != StateDeleted {
		t.Errorf("without frame 17: %s %+v", sa.State, f)
	}
}
