package flows

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// ccsaRefusals returns r's child_sa_refused findings about CREATE_CHILD_SA
// answers (hiddenCCSARefusals), not those about IKE_AUTH or quick mode.
func ccsaRefusals(r *Report) []Finding {
	var out []Finding
	for _, f := range findingsOf(r, KindChildRefused) {
		if strings.Contains(f.Message, "CREATE_CHILD_SA request") {
			out = append(out, f)
		}
	}
	return out
}

// TestHiddenRekeyRefusal: strongSwan's child SA rekeys refused for a PFS
// mismatch (the logs: three CREATE_CHILD_SA requests answered with
// N(NO_PROPOSAL_CHOSEN) only, 80 octets each) read, without keys, as a
// refused CREATE_CHILD_SA, a warning; with the keys the notify itself says
// so and the size rule stays silent.
func TestHiddenRekeyRefusal(t *testing.T) {
	const sc = "ikev2-child-rekey-pfs-mismatch"
	pk := corpusPackets(t, sc)
	r := analyze(pk, Options{})
	f := ccsaRefusals(r)
	if len(f) != 1 {
		logReport(t, r)
		t.Fatalf("without keys: %d CREATE_CHILD_SA refusals, want 1", len(f))
	}
	if f[0].Severity != SeverityWarning || !slices.Equal(f[0].Frames, []int{13, 14, 23, 24, 33, 34}) ||
		!strings.Contains(f[0].Message, "3 CREATE_CHILD_SA requests") || !strings.Contains(f[0].Message, "PFS") {
		t.Errorf("without keys: %v %v\n%s", f[0].Severity, f[0].Frames, f[0].Message)
	}
	// The SA is not "no errors or warnings" any more.
	if got := sortedKinds(r); !slices.Equal(got, []string{"child_sa_refused:warning"}) {
		t.Errorf("without keys: findings %v", got)
	}

	r = analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	if f := ccsaRefusals(r); len(f) != 0 {
		t.Errorf("with keys: %d size-based refusals beside the notify", len(f))
	}
	if len(findingsOf(r, KindNoProposalChosen)) == 0 {
		t.Errorf("with keys: no no_proposal_chosen: %v", kinds(r.Findings))
	}

	// Cut after the first refusal (frame 14): nothing of the SA follows,
	// so a retry may have succeeded after the capture stopped: an info.
	r = analyze(pk[:byFrame(t, pk, 14)+1], Options{})
	if f := ccsaRefusals(r); len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "not known") {
		logReport(t, r)
		t.Errorf("cut after the first refusal: %v", f)
	}
}

// TestHiddenRekeyRefusalCorpus: without keys, across the corpus, the size
// rule finds exactly the CREATE_CHILD_SA answers the daemons' logs show as
// error notifies (the *-child-rekey-pfs-mismatch scenarios, NO_PROPOSAL_CHOSEN
// from strongSwan, libreswan and OpenIKED, 80 octets each;
// ikev2-child-temporary-failure, TEMPORARY_FAILURE, retried with success,
// and ikev2-child-rekey-invalid-ke, INVALID_KE_PAYLOAD, retried at once
// with another KE: infos) and none of the accepted ones (208 octets and more).
func TestHiddenRekeyRefusalCorpus(t *testing.T) {
	want := map[string]Severity{
		"ikev2-child-rekey-pfs-mismatch":           SeverityWarning,
		"libreswan-ikev2-child-rekey-pfs-mismatch": SeverityWarning,
		"openiked-ikev2-child-rekey-pfs-mismatch":  SeverityWarning,
		"libreswan-ikev2-child-rekey-pfs-refused":  SeverityWarning,
		"ikev2-child-temporary-failure":            SeverityInfo,
		"ikev2-child-rekey-invalid-ke":             SeverityInfo,
	}
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "capture.pcap"))
	if len(dirs) == 0 {
		t.Fatal("no corpus captures")
	}
	for _, p := range dirs {
		sc := filepath.Base(filepath.Dir(p))
		if _, err := os.Stat(filepath.Join(corpusDir, sc, "expected.json")); err != nil {
			continue
		}
		r := analyze(corpusPackets(t, sc), Options{})
		f := ccsaRefusals(r)
		sev, ok := want[sc]
		switch {
		case !ok && len(f) > 0:
			t.Errorf("%s: CREATE_CHILD_SA refusal where the logs have none: %s", sc, f[0].Message)
		case ok && (len(f) != 1 || f[0].Severity != sev):
			t.Errorf("%s: refusals %v, want one %v", sc, f, sev)
		}
	}
}

// TestHiddenRekeyRefusalRetried: after the two refused rekeys of
// ikev2-child-rekey-pfs-mismatch (cut after frame 24), one more
// CREATE_CHILD_SA is accepted (its answer made from the IKE_AUTH answer,
// 242 octets). When its request is as large as the refused ones, from the
// same peer, it is their retry: an info. When it is another request (here
// 80 octets), it proves nothing about them: still a warning, which names
// it.
func TestHiddenRekeyRefusalRetried(t *testing.T) {
	base := corpusPackets(t, "ikev2-child-rekey-pfs-mismatch")
	cut := clonePackets(base[:byFrame(t, base, 24)+1])
	at := cut[len(cut)-1].Time
	accepted := func(reqFrame int) []Packet {
		req := clonePackets([]Packet{base[byFrame(t, base, reqFrame)]})[0]
		resp := clonePackets([]Packet{base[byFrame(t, base, 4)]})[0] // the IKE_AUTH answer
		req.Data[18], resp.Data[18] = 36, 36
		setMID(&req, 4)
		setMID(&resp, 4)
		req.Time, resp.Time = at.Add(2*time.Second), at.Add(2*time.Second+3*time.Millisecond)
		pk := append(clonePackets(cut), req, resp)
		renumber(pk)
		return pk
	}
	for _, tc := range []struct {
		name     string
		reqFrame int // the request the accepted one is made from
		sev      Severity
		text     string
	}{
		{"retry", 13, SeverityInfo, "The same request"},
		{"other", 29, SeverityWarning, "is another request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := analyze(accepted(tc.reqFrame), Options{})
			f := ccsaRefusals(r)
			if len(f) != 1 || f[0].Severity != tc.sev || !strings.Contains(f[0].Message, tc.text) {
				logReport(t, r)
				t.Errorf("refusals %v, want one %v saying %q", f, tc.sev, tc.text)
			}
		})
	}
}

// TestPFSHint: with the keys, the re-creation refused in each
// *-child-rekey-pfs-mismatch scenario (NO_PROPOSAL_CHOSEN, not a rekey)
// names the DH group as the one difference from the child SA the refuser
// negotiated in IKE_AUTH.
func TestPFSHint(t *testing.T) {
	for _, sc := range []string{"ikev2-child-rekey-pfs-mismatch", "libreswan-ikev2-child-rekey-pfs-mismatch", "openiked-ikev2-child-rekey-pfs-mismatch"} {
		r := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
		hinted := false
		for _, f := range findingsOf(r, KindNoProposalChosen) {
			hinted = hinted || strings.Contains(f.Message, "only by the DH group MODP_2048 (PFS)")
		}
		if !hinted {
			logReport(t, r)
			t.Errorf("%s: no finding names the DH group as the difference", sc)
		}
	}
}

func TestOnlyDHAdded(t *testing.T) {
	const got = "ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/NO_ESN"
	for _, tc := range []struct {
		offered []string
		want    string
	}{
		{[]string{"ESP:ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/MODP_2048/NO_ESN"}, "MODP_2048"},
		{[]string{"ESP:ENCR_AES_GCM_16-128/ECP_256", "ESP:ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/NO_ESN/Curve25519"}, "Curve25519"},
		{[]string{"ESP:ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/NO_ESN"}, ""},                   // nothing added
		{[]string{"ESP:ENCR_AES_CBC-256/AUTH_HMAC_SHA2_256_128/MODP_2048/NO_ESN"}, ""},         // another cipher too
		{[]string{"ESP:ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/MODP_2048"}, ""},                // NO_ESN missing
		{[]string{"ESP:ENCR_AES_CBC-128/AUTH_HMAC_SHA2_256_128/MODP_2048/ECP_256/NO_ESN"}, ""}, // two groups
	} {
		if g := onlyDHAdded(got, tc.offered); g != tc.want {
			t.Errorf("onlyDHAdded(%q, %q) = %q, want %q", got, tc.offered, g, tc.want)
		}
	}
}

// TestInvalidKERetrySettled: ikev2-child-rekey-invalid-ke (strongSwan's
// log: CREATE_CHILD_SA request 2 answered N(INVAL_KE), request 3 with a
// MODP-2048 KE accepted 3 ms later). Without keys the small answer is an
// info naming the prompt retry; with the keys INVALID_KE_PAYLOAD is an
// info too, settled by the retry, and the SA has no warning.
func TestInvalidKERetrySettled(t *testing.T) {
	const sc = "ikev2-child-rekey-invalid-ke"
	pk := corpusPackets(t, sc)
	r := analyze(pk, Options{})
	if f := ccsaRefusals(r); len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "INVALID_KE_PAYLOAD") {
		logReport(t, r)
		t.Errorf("without keys: %v", f)
	}
	r = analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	f := findingsOf(r, KindInvalidKE)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "settled") {
		logReport(t, r)
		t.Errorf("with keys: %v", f)
	}
	if got := sortedKinds(r); !slices.Equal(got, []string{"invalid_ke_payload:info"}) {
		t.Errorf("with keys: findings %v", got)
	}
}
