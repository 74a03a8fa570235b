package dissect

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// The two certificates of testdata/corpus/ikev2-cert-fragmentation, taken
// out of the capture by decrypting its SKF fragments with openssl enc (not
// with ikeflow). Expected values are what `openssl x509 -inform DER -text`
// prints for them; the SPKI SHA-1 is `openssl x509 -pubkey | openssl pkey
// -pubin -outform DER | openssl sha1`.
var x509Corpus = []struct {
	file     string
	subject  string
	serial   string
	from, to string
	spki     string
}{
	{"testdata/x509_moon_rsa3072.der", "C=ZZ, O=ikeflow test, CN=moon.ikeflow.test", "416ddfb73985f8e8",
		"2026-11-22T11:28:34Z", "2026-12-22T11:28:34Z", "2022c0594d536250fb3437b7edcd706993b4eec0"},
	{"testdata/x509_sun_rsa3072.der", "C=ZZ, O=ikeflow test, CN=sun.ikeflow.test", "579df25d786b33ca",
		"2026-11-22T11:28:35Z", "2026-12-22T11:28:35Z", "0f6aae986b0ab9b9cc20e2f229abaf56bc9b99cc"},
}

func TestDecodeCertificateCorpus(t *testing.T) {
	for _, tc := range x509Corpus {
		der := testutil.ReadFile(t, tc.file)
		c, err := DecodeCertificate(der)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		host := strings.TrimPrefix(tc.subject, "C=ZZ, O=ikeflow test, CN=")
		want := Certificate{
			Subject: tc.subject, Issuer: "C=ZZ, O=ikeflow test, CN=ikeflow test CA", Serial: tc.serial,
			// openssl: "DNS:moon.ikeflow.test, DNS:moon.ikeflow.test" (pki adds the SAN twice)
			SANs:    []string{"DNS:" + host, "DNS:" + host},
			KeyType: "RSA", KeyBits: 3072, SignatureAlgorithm: "SHA256-RSA", SPKISHA1: tc.spki,
			MaxPathLen: -1, AuthorityKeyID: "a96f29784adaf3ef47843f81465bc11c44089847",
		}
		want.NotBefore, _ = time.Parse(time.RFC3339, tc.from)
		want.NotAfter, _ = time.Parse(time.RFC3339, tc.to)
		got := *c
		got.RawSubject, got.RawIssuer = nil, nil
		gj, _ := json.Marshal(got)
		wj, _ := json.Marshal(want)
		if string(gj) != string(wj) {
			t.Errorf("%s:\n got %s\nwant %s", tc.file, gj, wj)
		}
		if !strings.Contains(string(der), string(c.RawSubject)) || len(c.RawSubject) == 0 {
			t.Errorf("%s: RawSubject not taken from the DER", tc.file)
		}
	}
}

// TestCertPayloadDamaged damages a real certificate the ways captures do
// (cut short, trailing octets, wrong tag, absurd length) inside a CERT
// payload: the payload still decodes (encoding, data), Note says why the
// certificate did not, and the error names the certificate's offset.
func TestCertPayloadDamaged(t *testing.T) {
	der := testutil.ReadFile(t, x509Corpus[0].file)
	absurd := append([]byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, der[4:]...)
	flipped := append([]byte(nil), der...)
	flipped[200] ^= 0xff // inside the SubjectPublicKeyInfo
	cases := []struct {
		name string
		data []byte
		err  error
		note string
	}{
		{"cut", der[:700], ErrTruncated, "certificate DER declares 1133 octets, 700 present"},
		{"trailing", append(append([]byte(nil), der...), 0, 0, 0), ErrMalformed, "3 octets after the certificate DER"},
		{"tag", append([]byte{0x31}, der[1:]...), ErrMalformed, "not a DER SEQUENCE (first octet 0x31)"},
		{"absurd length", absurd, ErrTruncated, "declares 2147483653 octets"},
		{"length of length", []byte{0x30, 0x89, 1, 2, 3}, ErrMalformed, "DER length of 9 octets"},
		{"empty", nil, ErrTruncated, "empty certificate"},
		{"flipped", flipped, ErrMalformed, "certificate not decoded: malformed: "},
	}
	for _, tc := range cases {
		for _, version := range []uint8{1, 2} {
			body := append([]byte{4}, tc.data...)
			p := Payload{Type: PayloadCert, Offset: 100, Body: body}
			if version == 1 {
				p.Type = PayloadCertV1
			}
			b, err := DecodePayload(version, p)
			if !errors.Is(err, tc.err) {
				t.Errorf("%s v%d: err %v, want %v", tc.name, version, err, tc.err)
				continue
			}
			if pe, ok := errors.AsType[*ParseError](err); !ok || pe.Offset != 105 {
				t.Errorf("%s v%d: error %v, want offset 105 (the certificate)", tc.name, version, err)
			}
			s := b.String()
			if !strings.Contains(s, tc.note) || !strings.Contains(s, "\ncertificate not decoded: ") {
				t.Errorf("%s v%d: %q lacks %q", tc.name, version, s, tc.note)
			}
			if !strings.Contains(s, "octets") {
				t.Errorf("%s v%d: %q lost the payload line", tc.name, version, s)
			}
		}
	}
}

// TestCertMessageGoesOn: a message whose first CERT is damaged still yields
// its other CERT payload decoded.
func TestCertMessageGoesOn(t *testing.T) {
	good := testutil.ReadFile(t, x509Corpus[1].file)
	bad := testutil.ReadFile(t, x509Corpus[0].file)[:500]
	var msg []byte
	payload := func(next byte, body []byte) []byte {
		n := len(body) + 4
		return append([]byte{next, 0, byte(n >> 8), byte(n)}, body...)
	}
	msg = append(msg, payload(byte(PayloadCert), append([]byte{4}, bad...))...)
	msg = append(msg, payload(0, append([]byte{4}, good...))...)
	var ps []Payload
	_, err := WalkPayloads(msg, 0, PayloadCert, 2, &ps)
	if err != nil || len(ps) != 2 {
		t.Fatalf("walk: %d payloads, %v", len(ps), err)
	}
	_, err0 := DecodePayload(2, ps[0])
	b1, err1 := DecodePayload(2, ps[1])
	if err0 == nil || err1 != nil {
		t.Fatalf("errors %v, %v: want the first only", err0, err1)
	}
	if c := b1.(*Cert).Certificate; c == nil || c.Subject != x509Corpus[1].subject {
		t.Errorf("second certificate %+v", c)
	}
}

func TestCertHashURL(t *testing.T) {
	hash := strings.Repeat("\x11", 20)
	p := Payload{Type: PayloadCert, Offset: 28, Body: []byte("\x0c" + hash + "http://ca.example/c.der")}
	b, err := DecodePayload(2, p)
	if err != nil {
		t.Fatal(err)
	}
	want := "HASH_URL_X509 43 octets\nhash " + strings.Repeat("11", 20) + `, URL "http://ca.example/c.der" (not fetched)`
	if got := b.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	p.Body = []byte("\x0d\x01\x02")
	if _, err := DecodePayload(2, p); !errors.Is(err, ErrTruncated) {
		t.Errorf("short hash and URL: %v, want truncated", err)
	}
}

func TestCertReqHashLines(t *testing.T) {
	body := []byte{4}
	for i := 0; i < 18; i++ {
		body = append(body, []byte(strings.Repeat(string(rune('a'+i)), 20))...)
	}
	b, err := DecodePayload(2, Payload{Type: PayloadCertReq, Offset: 28, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if len(lines) != 18 || lines[0] != "X509_SIGNATURE 18 CAs" || lines[1] != "CA key SHA-1 "+strings.Repeat("61", 20) || lines[17] != "… 2 more" {
		t.Errorf("%d lines: %q", len(lines), lines)
	}
}
