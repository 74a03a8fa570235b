package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// certSeen is one decoded certificate as "ikeflow dissect --format json"
// prints it, with the frame that completed its message.
type certSeen struct {
	Frame              int
	Subject, Issuer    string
	Serial             string
	SANs               []string `json:"sans"`
	NotBefore          string   `json:"not_before"`
	NotAfter           string   `json:"not_after"`
	KeyType            string   `json:"key_type"`
	KeyBits            int      `json:"key_bits"`
	SignatureAlgorithm string   `json:"signature_algorithm"`
	SPKISHA1           string   `json:"spki_sha1"`
	CA                 bool     `json:"ca"`
}

// dissectCerts runs dissect --format json and returns every decoded
// certificate, in frame order.
func dissectCerts(t *testing.T, args ...string) []certSeen {
	t.Helper()
	out, errb, code := ikeflow(t, append([]string{"dissect", "--format", "json"}, args...)...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	type payload struct {
		Type        string          `json:"type"`
		Payloads    json.RawMessage `json:"payloads"`
		Certificate *certSeen       `json:"certificate"`
	}
	var certs []certSeen
	var walk func(frame int, raw json.RawMessage)
	walk = func(frame int, raw json.RawMessage) {
		var ps []payload
		if len(raw) == 0 || json.Unmarshal(raw, &ps) != nil {
			return
		}
		for _, p := range ps {
			if p.Certificate != nil {
				c := *p.Certificate
				c.Frame = frame
				certs = append(certs, c)
			}
			walk(frame, p.Payloads)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r struct {
			Frame    int             `json:"frame"`
			Payloads json.RawMessage `json:"payloads"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("bad JSON line %q: %v", line, err)
		}
		walk(r.Frame, r.Payloads)
	}
	return certs
}

// TestDissectCertificates decodes the certificates of real captures made
// by other implementations (and our RSA-3072 fragmentation scenario) and
// compares them with what `openssl x509 -inform DER -text` prints for the
// same DER, which tshark 4.0 exported (isakmp.cert.data_raw) with the
// capture's keys; the SPKI SHA-1 is `openssl x509 -pubkey | openssl pkey
// -pubin -outform DER | openssl sha1`.
func TestDissectCertificates(t *testing.T) {
	shared := "../../../shared/captures"
	type want struct {
		frame                int
		subject, issuer, san string
		notBefore, notAfter  string
		keyType              string
		bits                 int
		sig, spki, serial    string
	}
	ncpCA := "C=DE, ST=Bayern, O=NCP, CN=NCP Demo CA ECC 2050"
	schendl := "DC=at, DC=geblergasse95, CN=SchendlZertifikate"
	moonCA := "C=ZZ, O=ikeflow test, CN=ikeflow test CA"
	cases := []struct {
		name    string
		capture string
		keys    string
		want    []want
	}{
		{"ikev1 main mode RSA (zeek)", filepath.Join(shared, "zeek-spicy-ipsec/ikev1-certs.pcap"),
			filepath.Join(shared, "zeek-spicy-ipsec/ikev1-certs.ikev1_decryption_table"), []want{
				{5, "C=AT, ST=Wien, L=Wien, O=Juniper, OU=Lab, CN=OpenSwan", schendl, "IP:192.168.12.118",
					"2012-10-29T00:05:47Z", "2014-10-29T00:05:47Z", "RSA", 1024, "SHA1-RSA",
					"79a8ba677ad9275d78a78d6b4ba7539349cad4d4", "3c2ed6f0000100000258"},
				{6, "C=AT, ST=Wien, L=Wien, O=Juniper, OU=Lab, CN=srx210-3", schendl, "IP:172.16.1.103",
					"2012-10-29T08:51:14Z", "2014-10-29T08:51:14Z", "RSA", 2048, "SHA1-RSA",
					"c801e3ad7f3b292cbc6810c900fb582de7da1468", "3e0fe9aa000100000259"},
			}},
		{"ikev2 ECDSA (wireshark wiki)", filepath.Join(shared, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"),
			filepath.Join(shared, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/ikev2_decryption_table"), []want{
				{0, "C=DE, O=Demo Organization, OU=Demo OU, CN=Client1, E=client1@demo.ncp-e.com", ncpCA,
					"email:Client1@demo.ncp-e.com", "2016-08-04T08:00:13Z", "2050-08-05T08:00:13Z", "ECDSA", 256,
					"ECDSA-SHA256", "fd2ca962f43e2875b2da4e4c98cbda9480bae442", "01000013"},
				{0, "C=DE, O=Demo Organization, OU=Demo OU, CN=Server1, E=server1@demo.ncp-e.com", ncpCA,
					"email:Server1@demo.ncp-e.com", "2016-08-04T08:00:15Z", "2050-08-05T08:00:15Z", "ECDSA", 256,
					"ECDSA-SHA256", "f252e468986ad68fdcd32cd4965070eaf69362e1", "01000016"},
			}},
		{"ikev2 RSA-3072 in SKF fragments (corpus)", filepath.Join(corpus, "ikev2-cert-fragmentation/capture.pcap"),
			filepath.Join(corpus, "ikev2-cert-fragmentation/ikev2_decryption_table"), []want{
				{7, "C=ZZ, O=ikeflow test, CN=moon.ikeflow.test", moonCA, "DNS:moon.ikeflow.test",
					"2026-11-22T11:28:34Z", "2026-12-22T11:28:34Z", "RSA", 3072, "SHA256-RSA",
					"2022c0594d536250fb3437b7edcd706993b4eec0", "416ddfb73985f8e8"},
				{12, "C=ZZ, O=ikeflow test, CN=sun.ikeflow.test", moonCA, "DNS:sun.ikeflow.test",
					"2026-11-22T11:28:35Z", "2026-12-22T11:28:35Z", "RSA", 3072, "SHA256-RSA",
					"0f6aae986b0ab9b9cc20e2f229abaf56bc9b99cc", "579df25d786b33ca"},
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := os.Stat(tc.capture); err != nil {
				t.Skipf("capture absent: %v", err)
			}
			got := dissectCerts(t, "--keys", tc.keys, tc.capture)
			// The wiki capture connects three times with the same two
			// certificates: compare the distinct ones in order.
			seen := map[string]bool{}
			var distinct []certSeen
			for _, c := range got {
				if !seen[c.SPKISHA1] {
					seen[c.SPKISHA1] = true
					distinct = append(distinct, c)
				}
			}
			if len(distinct) != len(tc.want) {
				t.Fatalf("%d distinct certificates (%d in all), want %d: %+v", len(distinct), len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				c := distinct[i]
				if w.frame != 0 && c.Frame != w.frame {
					t.Errorf("cert %d: frame %d, want %d", i, c.Frame, w.frame)
				}
				if c.Subject != w.subject || c.Issuer != w.issuer || len(c.SANs) == 0 || c.SANs[0] != w.san ||
					c.NotBefore != w.notBefore || c.NotAfter != w.notAfter || c.KeyType != w.keyType ||
					c.KeyBits != w.bits || c.SignatureAlgorithm != w.sig || c.SPKISHA1 != w.spki ||
					c.Serial != w.serial || c.CA {
					t.Errorf("cert %d:\n got %+v\nwant %+v", i, c, w)
				}
			}
			if tc.name == "ikev2 ECDSA (wireshark wiki)" && len(got) != 6 {
				t.Errorf("%d certificates, want 6 (three connections, one each way)", len(got))
			}
		})
	}
}
