package flows

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// certScenario is what a certificate scenario of the corpus must show: the
// finding kinds ikeflow reports, the daemon log line that names the real
// reason (from expected.json auth_log, i.e. from the daemon), and what the
// main finding must say, taken from the certificates themselves (openssl
// facts in expected.json) or the log.
type certScenario struct {
	kinds []FindingKind
	// logRole and logLine: a line of that daemon's log (substring).
	logRole, logLine string
	// main is the finding kind whose message must contain each of says().
	main FindingKind
	says func(e *certExpected) []string
	// notSays are substrings the main finding must not contain: leads the
	// daemons' logs (or the certificates) rule out.
	notSays []string
}

// certExpected is the certificate part of expected.json.
type certExpected struct {
	Scenario     string                     `json:"scenario"`
	Certificates map[string]certFactOpenSSL `json:"certificates"`
	AuthLog      map[string][]string        `json:"auth_log"`
	// KnownWrong: as in TestCorpus (interop captures, testdata/gen/known_wrong.json).
	KnownWrong []string `json:"known_wrong"`
}

// certFactOpenSSL is what openssl said about one generated certificate.
type certFactOpenSSL struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	SAN       string `json:"san"`
	Key       string `json:"key"`
	SigAlg    string `json:"signature_algorithm"`
	SPKISHA1  string `json:"spki_sha1"`
}

var certScenarios = map[string]certScenario{
	"ikev2-cert-expired": {
		kinds:   []FindingKind{KindCertExpired, KindAuthFailedEvidence},
		logRole: "responder", logLine: "subject certificate invalid (valid from",
		main: KindCertExpired,
		says: func(e *certExpected) []string {
			na, _ := time.Parse(time.RFC3339, e.Certificates["initiator"].NotAfter)
			return []string{"The initiator's certificate '" + e.Certificates["initiator"].Subject + "'",
				"valid until " + na.Format(certTimeLayout), "had expired 10 days"}
		},
	},
	"ikev2-cert-unknown-ca": {
		kinds:   []FindingKind{KindCertChain, KindAuthFailedEvidence},
		logRole: "responder", logLine: "no issuer certificate found for",
		main: KindCertChain,
		says: func(e *certExpected) []string {
			return []string{"issued by '" + e.Certificates["other_ca"].Subject + "'", "(unknown CA)",
				e.Certificates["other_ca"].SPKISHA1, e.Certificates["ca"].SPKISHA1}
		},
	},
	"ikev2-cert-missing-intermediate": {
		kinds:   []FindingKind{KindCertChain, KindAuthFailedEvidence},
		logRole: "initiator", logLine: "issuer is \"C=ZZ, O=ikeflow test, CN=ikeflow test Intermediate CA\"",
		main: KindCertChain,
		says: func(e *certExpected) []string {
			return []string{"the responder's certificate '" + e.Certificates["responder"].Subject + "' is issued by '" +
				e.Certificates["intermediate"].Subject + "'", "(missing intermediate)", e.Certificates["ca"].SPKISHA1}
		},
	},
	"ikev2-cert-id-mismatch": {
		kinds:   []FindingKind{KindAuthFailedEvidence},
		logRole: "responder", logLine: "no matching peer config found",
		main: KindAuthFailedEvidence,
		says: func(e *certExpected) []string {
			return []string{"asked for the responder identity FQDN sun.ikeflow.test"}
		},
	},
	"ikev2-cert-id-not-in-cert": {
		kinds:   []FindingKind{KindIDNotInCert, KindAuthFailedEvidence},
		logRole: "initiator", logLine: "no trusted RSA public key found for 'sun.ikeflow.test'",
		main: KindIDNotInCert,
		says: func(e *certExpected) []string {
			return []string{"The responder sent the identity FQDN sun.ikeflow.test", "'" + e.Certificates["responder"].Subject + "'",
				"subjectAltNames: " + strings.TrimSpace(e.Certificates["responder"].SAN)}
		},
	},
	// pluto (initiator) sends a certificate from "ikeflow other CA";
	// strongSwan trusts only "ikeflow test CA" (its CERTREQ in IKE_SA_INIT
	// names that CA's key, and so does pluto's, rightca), selects its peer
	// config for the identities all the same, and refuses moon's certificate.
	"libreswan-ikev2-cert-unknown-ca": {
		kinds:   []FindingKind{KindAuthFailedEvidence},
		logRole: "responder", logLine: "no issuer certificate found for",
		main: KindAuthFailedEvidence,
		says: func(e *certExpected) []string {
			return []string{"issued by '" + e.Certificates["other_ca"].Subject + "'", e.Certificates["ca"].SPKISHA1}
		},
		// strongSwan: "selected peer config 'c'" for sun.ikeflow.test...moon.ikeflow.test
		notSays: []string{"a responder whose own identity differs picks no configuration"},
	},
	// iked (initiator) trusts only "ikeflow test CA" (/etc/iked/ca); sun's
	// certificate comes from the self-signed root "ikeflow other CA". iked:
	// "ca_validate_cert: /C=ZZ/O=ikeflow test/CN=sun.ikeflow.test unable to
	// get local issuer certificate", "ikev2_send_auth_failed: issuer:
	// /C=ZZ/O=ikeflow test/CN=ikeflow other CA" (iked.log; the auth_log of
	// expected.json has only strongSwan's lines). Not an intermediate.
	"openiked-ikev2-cert-responder-unknown-ca": {
		kinds: []FindingKind{KindCertChain, KindAuthFailedEvidence},
		main:  KindAuthFailedEvidence,
		says: func(e *certExpected) []string {
			return []string{"The initiator refused the responder's credentials",
				"issued by '" + e.Certificates["other_ca"].Subject + "'", e.Certificates["ca"].SPKISHA1}
		},
		notSays: []string{"is likely an intermediate CA below the common root"},
	},
	"ikev2-cert-weak": {
		kinds: []FindingKind{KindWeakCertificate},
		main:  KindWeakCertificate,
		says: func(e *certExpected) []string {
			// openssl: "Public-Key: (1024 bit)", "sha1WithRSAEncryption"
			bits := strings.TrimSuffix(strings.TrimPrefix(e.Certificates["initiator"].Key, "Public-Key: ("), " bit)")
			sig := map[string]string{"sha1WithRSAEncryption": "SHA1-RSA"}[e.Certificates["initiator"].SigAlg]
			return []string{"has a " + bits + "-bit RSA key", "signed with " + sig}
		},
	},
}

// certKindsFor lists the certificate finding kinds a corpus scenario may
// show (TestCorpus allows them; TestCertCorpus requires them). Every
// scenario with certificates shows one certificate line per peer.
func certKindsFor(scenario string) []FindingKind {
	return append([]FindingKind{KindCertificate}, certScenarios[scenario].kinds...)
}

// TestCertCorpus runs every corpus scenario and checks the certificate
// findings: each certificate scenario shows its findings with the facts of
// its certificates (from openssl) and the daemon's own reason in its log;
// no other scenario shows any of them; the peers' certificate summaries
// agree with openssl (subject, issuer, validity, SPKI SHA-1).
// resealIKEAuth loads a corpus scenario and re-seals every IKE_AUTH
// response (or request) of it with the scenario's keys after edit has
// changed the inner payloads (first is the first one's type), seeding the
// IV with seed. It fails when no call of edit reported a change.
func resealIKEAuth(t *testing.T, scen string, response bool, seed uint64, edit func(first dissect.PayloadType, inner []byte) (dissect.PayloadType, []byte, bool)) []Packet {
	t.Helper()
	pk := loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap"))
	k := loadV2Key(t, scen)
	ek, ak := k.keys(!response)
	edited := false
	for i := range pk {
		d := pk[i].Data
		if pk[i].Kind != KindIKE || len(d) < 28 || dissect.ExchangeType(d[18]) != dissect.ExchangeIKEAuth || (d[19]&0x20 != 0) != response {
			continue
		}
		first, inner := openSK(t, d, ek, ak)
		first, inner, changed := edit(first, inner)
		if changed {
			pk[i].Data = sealSK(t, d, d[19], binary.BigEndian.Uint32(d[20:24]), first, inner, ek, ak, seed)
			edited = true
		}
	}
	if !edited {
		t.Fatalf("%s: no IKE_AUTH message to edit (response %v)", scen, response)
	}
	return pk
}

func TestCertCorpus(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "expected.json"))
	seen := 0
	for _, ej := range dirs {
		dir := filepath.Dir(ej)
		name := filepath.Base(dir)
		t.Run(name, func(tt *testing.T) {
			var e certExpected
			testutil.ReadJSON(tt, ej, &e)
			t := &knownWrongT{T: tt, known: e.KnownWrong}
			defer t.report()
			r := analyze(loadPackets(tt, filepath.Join(dir, "capture.pcap")), Options{Decryptor: corpusKeys(tt, dir)})
			var all []Finding
			for _, sa := range r.SAs {
				all = append(all, sa.Findings...)
			}
			sc, isCert := certScenarios[name]
			if isCert {
				seen++
			}
			for _, k := range sc.kinds {
				if !hasKind(all, k) {
					t.Errorf("missing %s; got %v", k, kinds(all))
				}
			}
			for _, f := range all {
				if strings.HasPrefix(string(f.Kind), "certificate_") || f.Kind == KindIDNotInCert || f.Kind == KindIDrMismatch ||
					f.Kind == KindNoCertSent || f.Kind == KindWeakCertificate || f.Kind == KindHashAlgMismatch ||
					f.Kind == KindAuthMethodMismatch || f.Kind == KindAuthFailedEvidence {
					if !strings.Contains(fmt.Sprint(sc.kinds), string(f.Kind)) {
						t.Errorf("unexpected %s: %s", f.Kind, f.Message)
					}
				}
			}
			if sc.logLine != "" && !strings.Contains(strings.Join(e.AuthLog[sc.logRole], "\n"), sc.logLine) {
				t.Errorf("the %s's log lacks %q: the scenario does not show what it claims", sc.logRole, sc.logLine)
			}
			if sc.main != "" {
				var msg string
				for _, f := range all {
					if f.Kind == sc.main {
						msg = f.Message
					}
				}
				for _, s := range sc.says(&e) {
					if !strings.Contains(msg, s) {
						t.Errorf("%s does not say %q:\n%s", sc.main, s, msg)
					}
				}
				for _, s := range sc.notSays {
					if strings.Contains(msg, s) {
						t.Errorf("%s says %q, which the daemons' logs rule out:\n%s", sc.main, s, msg)
					}
				}
			}
			for _, f := range all {
				checkCauses(t, &f)
			}
			checkPeers(t, &e, r)
		})
	}
	if seen != len(certScenarios) {
		t.Errorf("%d of %d certificate scenarios found in %s", seen, len(certScenarios), corpusDir)
	}
}

// checkCauses: an authentication_failed_evidence finding carries as data
// the ranked causes its message lists in words, in the same order; other
// findings carry none.
func checkCauses(t checker, f *Finding) {
	t.Helper()
	_, listed, ranked := strings.Cut(f.Message, "most likely cause first: ")
	if f.Kind != KindAuthFailedEvidence || !ranked {
		if len(f.Causes) > 0 {
			t.Errorf("%s has causes but lists none: %+v", f.Kind, f.Causes)
		}
		return
	}
	var words []string
	for i, c := range f.Causes {
		words = append(words, fmt.Sprintf("%d. [%s] %s", i+1, c.Evidence, c.Text))
	}
	if len(f.Causes) == 0 || strings.Join(words, " ") != listed {
		t.Errorf("causes %+v\ndo not match the message's list:\n%s", f.Causes, listed)
	}
}

// checkPeers compares the certificates ikeflow decoded with what openssl
// said about the generated ones.
func checkPeers(t checker, e *certExpected, r *Report) {
	t.Helper()
	if len(e.Certificates) == 0 {
		for _, sa := range r.SAs {
			if len(sa.Peers) > 0 && e.Scenario != "ikev2-cert-fragmentation" {
				t.Errorf("peers reported for a scenario without certificates: %+v", sa.Peers)
			}
		}
		return
	}
	for _, role := range []string{"initiator", "responder"} {
		want, ok := e.Certificates[role]
		if !ok {
			continue
		}
		var got *CertSummary
		for _, sa := range r.SAs {
			for _, p := range sa.Peers {
				if p.Role == role && len(p.Certificates) > 0 {
					got = &p.Certificates[0]
				}
			}
		}
		if got == nil {
			// the responder refused early and never sent its certificate
			if role == "responder" && strings.Contains(strings.Join(e.AuthLog["responder"], "\n"), "generating IKE_AUTH response 1 [ N(AUTH_FAILED) ]") {
				continue
			}
			// the responder (strongSwan, send_cert = ifasked) was not asked for
			// it (no CERTREQ): it authenticated itself and sent no certificate
			if rl := strings.Join(e.AuthLog["responder"], "\n"); role == "responder" &&
				strings.Contains(rl, "(myself) with") && !strings.Contains(rl, "sending end entity cert") {
				continue
			}
			t.Errorf("%s: no certificate seen", role)
			continue
		}
		na, _ := time.Parse(time.RFC3339, want.NotAfter)
		nb, _ := time.Parse(time.RFC3339, want.NotBefore)
		if got.Subject != want.Subject || got.Issuer != want.Issuer || got.SPKISHA1 != want.SPKISHA1 ||
			!got.NotAfter.Equal(na) || !got.NotBefore.Equal(nb) {
			t.Errorf("%s certificate:\n got %+v\nwant %+v", role, *got, want)
		}
	}
}

// TestIDInCert checks identity matching on the real corpus certificate of
// moon (SAN DNS:moon.ikeflow.test, subject C=ZZ, O=ikeflow test,
// CN=moon.ikeflow.test) with identities a peer may send.
func TestIDInCert(t *testing.T) {
	der := testutil.ReadFile(t, "../dissect/testdata/x509_moon_rsa3072.der")
	c, err := dissect.DecodeCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		typ  uint8
		id   []byte
		want bool
	}{
		{2, []byte("moon.ikeflow.test"), true},
		{2, []byte("MOON.ikeflow.test"), true},
		{2, []byte("sun.ikeflow.test"), false},
		{3, []byte("moon@ikeflow.test"), false},
		{1, []byte{198, 51, 100, 10}, false},
		{9, c.RawSubject, true},
		{9, c.RawIssuer, false},
		{11, []byte("any key id"), true}, // not comparable: no claim
	} {
		if got, why := idInCert(tc.typ, tc.id, c); got != tc.want {
			t.Errorf("%s: %v (%s), want %v", idText(tc.typ, tc.id), got, why, tc.want)
		}
	}
	_, why := idInCert(2, []byte("moon.ikeflow.test"), &dissect.Certificate{Subject: "C=ZZ, CN=moon.ikeflow.test"})
	if !strings.Contains(why, "only the subject CN matches") {
		t.Errorf("CN-only match: %q", why)
	}
}

// TestIDrMismatchResealed edits the real ikev2-cert-rsa capture the way a
// misconfigured responder would answer: its IKE_AUTH response names itself
// vpn.ikeflow.test instead of the sun.ikeflow.test the initiator asked for
// (same length, re-sealed with the scenario's keys). ikeflow must report
// the IDr mismatch and that the new identity is not in sun's certificate;
// the unedited capture shows neither.
func TestIDrMismatchResealed(t *testing.T) {
	const scen = "ikev2-cert-rsa"
	pk := resealIKEAuth(t, scen, true, 1, func(first dissect.PayloadType, inner []byte) (dissect.PayloadType, []byte, bool) {
		if first != dissect.PayloadIDr {
			t.Fatalf("IKE_AUTH response starts with %v", first)
		}
		at := bytes.Index(inner, []byte("sun.ikeflow.test"))
		if at < 0 {
			t.Fatal("IDr sun.ikeflow.test not in the IKE_AUTH response")
		}
		copy(inner[at:], "vpn")
		return first, inner, true
	})
	for _, tc := range []struct {
		pk   []Packet
		want bool
	}{{loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap")), false}, {pk, true}} {
		r := analyze(tc.pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
		sa := r.SAs[0]
		f, g := finding(sa, KindIDrMismatch), finding(sa, KindIDNotInCert)
		if (f != nil) != tc.want || (g != nil) != tc.want {
			t.Fatalf("edited %v: findings %v", tc.want, kinds(sa.Findings))
		}
		if !tc.want {
			continue
		}
		if !strings.Contains(f.Message, "asked for the responder identity FQDN sun.ikeflow.test") ||
			!strings.Contains(f.Message, "answered as FQDN vpn.ikeflow.test") || f.Severity != SeverityWarning {
			t.Errorf("idr_mismatch: %s %s", f.Severity, f.Message)
		}
		if !strings.Contains(g.Message, "subjectAltNames: DNS:sun.ikeflow.test") {
			t.Errorf("id_not_in_certificate: %s", g.Message)
		}
	}
}

// TestCertEditedCaptures edits the real ikev2-cert-rsa capture the ways
// the field produces the other certificate problems, and checks that each
// finding appears only on its edit:
//   - clock: every packet 40 days earlier (a capture host, or peer, whose
//     clock is behind): both certificates are not yet valid; 2 years later:
//     both expired;
//   - hash algorithms: the responder's SIGNATURE_HASH_ALGORITHMS list in
//     the cleartext IKE_SA_INIT response rewritten to SHA1 only, against
//     the initiator's SHA2-256/384/512/IDENTITY: nothing in common.
func TestCertEditedCaptures(t *testing.T) {
	const scen = "ikev2-cert-rsa"
	load := func() []Packet { return loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap")) }
	shift := func(d time.Duration) []Packet {
		pk := load()
		for i := range pk {
			pk[i].Time = pk[i].Time.Add(d)
		}
		return pk
	}
	sha1Only := func() []Packet {
		pk := load()
		sha1OnlyResponder(t, pk)
		return pk
	}
	for _, tc := range []struct {
		name string
		pk   []Packet
		kind FindingKind
		n    int
		says string
	}{
		{"unedited", load(), "", 0, ""},
		{"40 days earlier", shift(-40 * 24 * time.Hour), KindCertNotYetValid, 2, "was not valid yet: valid from"},
		{"2 years later", shift(2 * 365 * 24 * time.Hour), KindCertExpired, 2, "had expired 700 days"},
		{"responder SHA1 only", sha1Only(), KindHashAlgMismatch, 1, "in IKE_SA_INIT: initiator SHA2_256, SHA2_384, SHA2_512, IDENTITY, responder SHA1. They authenticated with digital signatures (AUTH method 14) all the same"},
	} {
		r := analyze(tc.pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
		var got []Finding
		for _, f := range r.SAs[0].Findings {
			if f.Kind != KindCertificate && f.Kind != KindNATDetected {
				got = append(got, f)
			}
		}
		if len(got) != tc.n {
			t.Errorf("%s: %v, want %d %s", tc.name, kinds(got), tc.n, tc.kind)
			continue
		}
		for _, f := range got {
			if f.Kind != tc.kind || !strings.Contains(f.Message, tc.says) {
				t.Errorf("%s: %s %s", tc.name, f.Kind, f.Message)
			}
		}
	}
}

// TestNoCertSentResealed removes the CERT payload from the initiator's
// IKE_AUTH request of the real ikev2-cert-rsa capture (re-sealed with the
// scenario's keys): the responder asked for a certificate (CERTREQ) and
// the initiator signed without sending one.
func TestNoCertSentResealed(t *testing.T) {
	const scen = "ikev2-cert-rsa"
	pk := resealIKEAuth(t, scen, false, 2, func(first dissect.PayloadType, inner []byte) (dissect.PayloadType, []byte, bool) {
		out, prevNext, edited := []byte{}, -1, false
		next := first
		for off := 0; next != dissect.PayloadNone && off+4 <= len(inner); {
			l := int(binary.BigEndian.Uint16(inner[off+2:]))
			p := inner[off : off+l]
			if next == dissect.PayloadCert {
				if prevNext < 0 {
					first = dissect.PayloadType(p[0])
				} else {
					out[prevNext] = p[0]
				}
				edited = true
			} else {
				prevNext = len(out)
				out = append(out, p...)
			}
			next, off = dissect.PayloadType(p[0]), off+l
		}
		return first, out, edited
	})
	r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
	sa := r.SAs[0]
	f := finding(sa, KindNoCertSent)
	if f == nil || !strings.Contains(f.Message, "The initiator was asked for a certificate (CERTREQ in frame 2)") ||
		!strings.Contains(f.Message, "authenticated with digital signature (RFC 7427)") {
		t.Fatalf("findings %v: %+v", kinds(sa.Findings), f)
	}
	if p := sa.Peers[0]; p.Role != "initiator" || len(p.Certificates) != 0 || p.ID != "FQDN moon.ikeflow.test" {
		t.Errorf("initiator peer %+v", p)
	}
}

// TestV1CRNamesOtherCA edits the real ikev1-cert-rsa capture: the
// responder's cleartext CR payload in MM4 asks for "ikeflow fake CA"
// instead of "ikeflow test CA" (same length; the initiator's CR travels
// encrypted in MM5). IKEv1 requests name the CA, so the mismatch with the
// initiator's issuer is certain; the unedited capture shows none.
func TestV1CRNamesOtherCA(t *testing.T) {
	const scen = "ikev1-cert-rsa"
	for _, edit := range []bool{false, true} {
		pk := loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap"))
		n := 0
		for i := range pk {
			d := pk[i].Data
			if edit && pk[i].Kind == KindIKE && len(d) > 28 && d[19]&1 == 0 { // cleartext main mode
				if at := bytes.Index(d, []byte("ikeflow test CA")); at > 0 {
					copy(d[at:], "ikeflow fake CA")
					n++
				}
			}
		}
		if edit && n != 1 {
			t.Fatalf("%d cleartext CR payloads edited, want 1 (MM4)", n)
		}
		r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
		var got []Finding
		for _, f := range r.SAs[0].Findings {
			if f.Kind == KindCertCANotRequested {
				got = append(got, f)
			}
		}
		if want := map[bool]int{false: 0, true: 1}[edit]; len(got) != want {
			t.Fatalf("edit %v: %v", edit, kinds(r.SAs[0].Findings))
		}
		for _, f := range got {
			if !strings.Contains(f.Message, "The responder asked for certificates from 'C=ZZ, O=ikeflow test, CN=ikeflow fake CA' (frame 4)") ||
				!strings.Contains(f.Message, "the initiator's certificate 'C=ZZ, O=ikeflow test, CN=moon.ikeflow.test' chains up to 'C=ZZ, O=ikeflow test, CN=ikeflow test CA'") {
				t.Errorf("%s", f.Message)
			}
		}
	}
}

// sha1OnlyResponder rewrites, in place, every algorithm of the
// SIGNATURE_HASH_ALGORITHMS notify in the cleartext IKE_SA_INIT response
// of pk to SHA1.
func sha1OnlyResponder(t *testing.T, pk []Packet) {
	t.Helper()
	for i := range pk {
		d := pk[i].Data
		if pk[i].Kind != KindIKE || len(d) < 28 || dissect.ExchangeType(d[18]) != dissect.ExchangeIKESAInit || d[19]&0x20 == 0 {
			continue
		}
		var m dissect.Message
		if err := m.DecodeFromBytes(d); err != nil {
			t.Fatal(err)
		}
		for _, p := range m.Payloads {
			b := p.Body
			if p.Type == dissect.PayloadNotify && len(b) >= 4 && dissect.NotifyType(binary.BigEndian.Uint16(b[2:4])) == dissect.NotifySignatureHashAlgorithms {
				for j := 4 + int(b[1]); j+2 <= len(b); j += 2 {
					binary.BigEndian.PutUint16(b[j:], 1) // SHA1
				}
				return
			}
		}
	}
	t.Fatal("no SIGNATURE_HASH_ALGORITHMS in the IKE_SA_INIT response")
}

// TestHashAlgMismatchSeverity: the same edit (responder's hash list SHA1
// only) weighs by what followed. On ikev2-cert-rsa, where both peers
// authenticated with RFC 7427 signatures all the same, it is info; on
// ikev2-cert-unknown-ca, whose authentication failed, an error; without
// the keys, when the AUTH payloads cannot be read, a warning.
func TestHashAlgMismatchSeverity(t *testing.T) {
	for _, tc := range []struct {
		scen string
		keys bool
		sev  Severity
		says string
	}{
		{"ikev2-cert-rsa", true, SeverityInfo, "They authenticated with digital signatures (AUTH method 14) all the same"},
		{"ikev2-cert-rsa", false, SeverityWarning, "may be refused"},
		{"ikev2-cert-unknown-ca", true, SeverityError, "which can explain the failed authentication"},
	} {
		pk := loadPackets(t, filepath.Join(corpusDir, tc.scen, "capture.pcap"))
		sha1OnlyResponder(t, pk)
		var opt Options
		if tc.keys {
			opt.Decryptor = corpusKeys(t, filepath.Join(corpusDir, tc.scen))
		}
		f := finding(analyze(pk, opt).SAs[0], KindHashAlgMismatch)
		if f == nil || f.Severity != tc.sev || !strings.Contains(f.Message, tc.says) {
			t.Errorf("%s keys %v: %+v, want %s saying %q", tc.scen, tc.keys, f, tc.sev, tc.says)
		}
	}
}
