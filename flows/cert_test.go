package flows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// certScenario is what a certificate scenario of the corpus must show: the
// finding kinds ikeflow reports, the daemon log line that names the real
// reason (from expected.json auth_log, i.e. from the daemon), and what the
// main finding must say, taken from the certificates themselves (openssl
// facts in expected.json) or the log.
type certScenario struct {
	kinds []string
	// logRole and logLine: a line of that daemon's log (substring).
	logRole, logLine string
	// main is the finding kind whose message must contain each of says().
	main string
	says func(e *certExpected) []string
}

// certExpected is the certificate part of expected.json.
type certExpected struct {
	Scenario     string                     `json:"scenario"`
	Certificates map[string]certFactOpenSSL `json:"certificates"`
	AuthLog      map[string][]string        `json:"auth_log"`
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
		kinds:   []string{KindCertExpired, KindAuthFailedEvidence},
		logRole: "responder", logLine: "subject certificate invalid (valid from",
		main: KindCertExpired,
		says: func(e *certExpected) []string {
			na, _ := time.Parse(time.RFC3339, e.Certificates["initiator"].NotAfter)
			return []string{"The initiator's certificate '" + e.Certificates["initiator"].Subject + "'",
				"valid until " + na.Format(certTimeLayout), "had expired 10 days"}
		},
	},
	"ikev2-cert-unknown-ca": {
		kinds:   []string{KindCertChain, KindAuthFailedEvidence},
		logRole: "responder", logLine: "no issuer certificate found for",
		main: KindCertChain,
		says: func(e *certExpected) []string {
			return []string{"issued by '" + e.Certificates["other_ca"].Subject + "'", "(unknown CA)",
				e.Certificates["other_ca"].SPKISHA1, e.Certificates["ca"].SPKISHA1}
		},
	},
	"ikev2-cert-missing-intermediate": {
		kinds:   []string{KindCertChain, KindAuthFailedEvidence},
		logRole: "initiator", logLine: "issuer is \"C=ZZ, O=ikeflow test, CN=ikeflow test Intermediate CA\"",
		main: KindCertChain,
		says: func(e *certExpected) []string {
			return []string{"the responder's certificate '" + e.Certificates["responder"].Subject + "' is issued by '" +
				e.Certificates["intermediate"].Subject + "'", "(missing intermediate)", e.Certificates["ca"].SPKISHA1}
		},
	},
	"ikev2-cert-id-mismatch": {
		kinds:   []string{KindAuthFailedEvidence},
		logRole: "responder", logLine: "no matching peer config found",
		main: KindAuthFailedEvidence,
		says: func(e *certExpected) []string {
			return []string{"asked for the responder identity FQDN sun.ikeflow.test"}
		},
	},
	"ikev2-cert-id-not-in-cert": {
		kinds:   []string{KindIDNotInCert, KindAuthFailedEvidence},
		logRole: "initiator", logLine: "no trusted RSA public key found for 'sun.ikeflow.test'",
		main: KindIDNotInCert,
		says: func(e *certExpected) []string {
			return []string{"The responder sent the identity FQDN sun.ikeflow.test", "'" + e.Certificates["responder"].Subject + "'",
				"subjectAltNames: " + strings.TrimSpace(e.Certificates["responder"].SAN)}
		},
	},
	"ikev2-cert-weak": {
		kinds: []string{KindWeakCertificate},
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
func certKindsFor(scenario string) []string {
	return append([]string{KindCertificate}, certScenarios[scenario].kinds...)
}

// TestCertCorpus runs every corpus scenario and checks the certificate
// findings: each certificate scenario shows its findings with the facts of
// its certificates (from openssl) and the daemon's own reason in its log;
// no other scenario shows any of them; the peers' certificate summaries
// agree with openssl (subject, issuer, validity, SPKI SHA-1).
func TestCertCorpus(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "expected.json"))
	seen := 0
	for _, ej := range dirs {
		dir := filepath.Dir(ej)
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(ej)
			if err != nil {
				t.Fatal(err)
			}
			var e certExpected
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatal(err)
			}
			r := analyze(loadPackets(t, filepath.Join(dir, "capture.pcap")), Options{Decryptor: corpusKeys(t, dir)})
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
				if strings.HasPrefix(f.Kind, "certificate_") || f.Kind == KindIDNotInCert || f.Kind == KindIDrMismatch ||
					f.Kind == KindNoCertSent || f.Kind == KindWeakCertificate || f.Kind == KindHashAlgMismatch ||
					f.Kind == KindAuthMethodMismatch || f.Kind == KindAuthFailedEvidence {
					if !strings.Contains(strings.Join(sc.kinds, " "), f.Kind) {
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
			}
			checkPeers(t, &e, r)
		})
	}
	if seen != len(certScenarios) {
		t.Errorf("%d of %d certificate scenarios found in %s", seen, len(certScenarios), corpusDir)
	}
}

// checkPeers compares the certificates ikeflow decoded with what openssl
// said about the generated ones.
func checkPeers(t *testing.T, e *certExpected, r *Report) {
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
	der, err := os.ReadFile("../dissect/testdata/x509_moon_rsa3072.der")
	if err != nil {
		t.Fatal(err)
	}
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
