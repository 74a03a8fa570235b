package dissect

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// FuzzCertificate feeds CERT payload bodies (encoding octet + data) to both
// IKE versions' decoders, seeded with the real certificates in testdata
// (corpus RSA-3072, the Wireshark wiki ECDSA pair, the IKEv1 capture's
// RSA-1024 pair). Decoding must not panic, must either decode a
// certificate or say why not, must alias the input, and must marshal.
func FuzzCertificate(f *testing.F) {
	for _, tc := range x509Corpus {
		der := testutil.ReadFile(f, tc.file)
		f.Add(byte(PayloadCert), append([]byte{4}, der...))
		f.Add(byte(PayloadCert), append([]byte{4}, der[:len(der)/2]...))
	}
	v2Seeds(f, PayloadCert)
	// the IKEv1 capture's decrypted MM5/MM6: every DER certificate in it
	raw, err := os.ReadFile("testdata/v1_certs_decrypted.hex")
	if err != nil {
		f.Fatal(err)
	}
	var v1 []byte
	for _, line := range strings.Split(string(raw), "\n") {
		if fs := strings.Fields(line); len(fs) == 3 && !strings.HasPrefix(line, "#") {
			b, _ := hex.DecodeString(fs[2])
			v1 = append(v1, b...)
		}
	}
	for i := 0; i+4 < len(v1); i++ {
		if v1[i] == 0x30 && v1[i+1] == 0x82 {
			if n, err := derOuterLength(v1[i:]); err == nil && i+n <= len(v1) {
				if _, err := DecodeCertificate(v1[i : i+n]); err == nil {
					f.Add(byte(PayloadCertV1), append([]byte{4}, v1[i:i+n]...))
				}
			}
		}
	}
	f.Add(byte(PayloadCert), []byte("\x0c"+strings.Repeat("\x00", 20)+"http://x/"))
	f.Fuzz(func(t *testing.T, _ byte, body []byte) {
		for _, version := range []uint8{1, 2} {
			p := Payload{Type: PayloadCert, Offset: 28, Body: body}
			if version == 1 {
				p.Type = PayloadCertV1
			}
			b, err := DecodePayload(version, p)
			var c *Certificate
			var note string
			switch v := b.(type) {
			case *Cert:
				c, note = v.Certificate, v.Note
			case *CertV1:
				c, note = v.Certificate, v.Note
			default:
				t.Fatalf("v%d: body %T", version, b)
			}
			if len(body) > 0 && isX509Encoding(version, body[0]) {
				if (c == nil) != (err != nil) || (err != nil) != (note != "") {
					t.Fatalf("v%d: certificate %v, err %v, note %q", version, c != nil, err, note)
				}
			}
			_ = b.String()
			if _, err := json.Marshal(b); err != nil {
				t.Fatalf("v%d: marshal: %v", version, err)
			}
			checkAliases(t, b, body)
		}
	})
}
