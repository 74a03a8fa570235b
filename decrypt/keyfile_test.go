package decrypt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

func parseString(t *testing.T, name, s string) ([]Key, KeyFormat, error) {
	t.Helper()
	return ParseKeyFileFormat(name, strings.NewReader(s))
}

// TestFortiGate parses real FortiGate output (the seed article): the SA is
// printed by both commands, with "aes-256-sha512" and "aes256-sha512".
func TestFortiGate(t *testing.T) {
	b := testutil.ReadFile(t, "testdata/fortigate-gateway-list.txt")
	keys, f, err := parseString(t, "fg.txt", string(b))
	if err != nil || f != FormatFortiGate {
		t.Fatalf("%v %v", f, err)
	}
	if len(keys) != 2 {
		t.Fatalf("%d keys", len(keys))
	}
	for _, k := range keys {
		if k.SPIi.String() != "e870277e2268318c" || k.SPIr.String() != "acb0001b24748673" ||
			k.Suite != (Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA512256}) ||
			k.EncrI.RevealHex() != "3a83d24fab8f492ead914b1c46678cf53888fc99603033219feebc6df28fa2e6" || k.IntegR.Len() != 64 {
			t.Errorf("key %v", &k)
		}
	}
	if kr := NewKeyring(keys...); kr.Len() != 1 {
		t.Errorf("duplicate SA not merged: %d keys", kr.Len())
	}
}

// TestStrongSwanExcerpts: real charon log excerpts (IKEv2 AES-GCM, IKEv1).
func TestStrongSwanExcerpts(t *testing.T) {
	keys := loadKeys(t, "testdata/strongswan-gcm-initiator.log")
	if len(keys) != 1 {
		t.Fatalf("%d keys", len(keys))
	}
	k := keys[0]
	if k.SPIi.String() != "0ba1ee0a6adce88c" || k.SPIr.String() != "c129e37df6a61301" ||
		k.Suite != (Suite{Encr: EncrAESGCM16, KeyBits: 256}) ||
		k.EncrI.RevealHex() != "29aedad5cec02adf2755376b8cac72ce27397b1e7522f2fb0cc6c58a383a611dd90aa1c3" || !k.IntegI.IsZero() {
		t.Errorf("%v", &k)
	}
	if !strings.HasSuffix(k.Source, "strongswan-gcm-initiator.log:28") {
		t.Errorf("source %s", k.Source)
	}
	keys = loadKeys(t, "testdata/strongswan-ikev1-initiator.log")
	if len(keys) != 1 || keys[0].Version != 1 || keys[0].SPIi.String() != "bbaca2fa0f6dada3" ||
		keys[0].EncrI.RevealHex() != "3fc734d6b3ea75d7d7faddfe5202f49e" || keys[0].Suite != (Suite{Encr: EncrAESCBC, KeyBits: 128, Hash: HashSHA256}) {
		t.Errorf("%v", keys)
	}
}

// TestLibreswanFormat writes the Wireshark wiki CBC SA's keys as libreswan /
// tcpdump -E lines and decrypts the real messages with them.
func TestLibreswanFormat(t *testing.T) {
	in := `# ikev2 secrets
ikev2 I 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0x784e29258b3752e25a5c9105643299ec0981b565a14008120ce39170752182e3 aes256:0x2d9578e0f30c32d388596ee7cc7df5d43d5faf8dc34369f66c39ea08a19e7596
ikev2 R 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0xcf5f22bc7ca5c84811dc7e8fb85721e241fee51a8eaa856423b6138310da824b aes256:0x67092f15716ef8c5188e0f9d1e775c0fdeae7e29bed2607e82410252eb8aeeb1
`
	keys, f, err := parseString(t, "ls.txt", in)
	if err != nil || f != FormatLibreswan || len(keys) != 1 {
		t.Fatalf("%v %v %d", f, err, len(keys))
	}
	kr := NewKeyring(keys...)
	for _, frame := range []int{39, 40, 49, 50} {
		msg, p, _ := wikiMessage(t, frame)
		if _, _, err := kr.OpenV2(nil, msg, p, Suite{}); err != nil {
			t.Errorf("frame %d: %v", frame, err)
		}
	}
}

// TestNativeAndExportRoundTrip: keys from the Wireshark table survive
// Reveal (native format) and ExportWireshark unchanged, and still decrypt.
func TestNativeAndExportRoundTrip(t *testing.T) {
	orig := loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")
	orig = append(orig, loadKeys(t, "testdata/ikev1-certs.ikev1_decryption_table")...)
	var native strings.Builder
	native.WriteString("# ikeflow keys\n")
	for i := range orig {
		native.WriteString(orig[i].Reveal() + "\n")
	}
	back, f, err := parseString(t, "native.keys", native.String())
	if err != nil || f != FormatNative {
		t.Fatalf("%v %v\n%s", f, err, native.String())
	}
	dir := t.TempDir()
	if ex, err := ExportWireshark(dir, back); err != nil || len(ex.Skipped) != 0 || len(ex.Files) != 2 {
		t.Fatal(err, ex)
	}
	v2 := loadKeys(t, filepath.Join(dir, "ikev2_decryption_table"))
	v1 := loadKeys(t, filepath.Join(dir, "ikev1_decryption_table"))
	again := append(v2, v1...)
	for i := range orig {
		a, b, c := orig[i], back[i], again[i]
		a.Source, b.Source, c.Source = "", "", ""
		if !sameKey(&a, &b) || !sameKey(&a, &c) {
			t.Errorf("key %d: %v -> %v -> %v", i, &a, &b, &c)
		}
	}
	want, _ := os.ReadFile("testdata/ikev2-wiki.ikev2_decryption_table")
	got, _ := os.ReadFile(filepath.Join(dir, "ikev2_decryption_table"))
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
		t.Errorf("exported table differs from Wireshark's:\n%s\nwant\n%s", got, want)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "ikev2_decryption_table")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}
	// A key without SPIs cannot be exported.
	k := orig[0]
	k.SPIi = dissect.SPI{}
	if ex, err := ExportWireshark(t.TempDir(), []Key{k}); err != nil || len(ex.Skipped) != 1 || len(ex.Files) != 0 {
		t.Errorf("export of SPI-less key: %v %+v", err, ex)
	}
}

// TestKeyFileErrors: every unparsable input names the file, line and reason.
func TestKeyFileErrors(t *testing.T) {
	const spis = "89922c915f35570e,98d56d32e2a04742,"
	k32 := strings.Repeat("ab", 32)
	tests := []struct {
		name, in string
		line     int
		reason   string
	}{
		{"empty", "", 0, "not a known key file format"},
		{"garbage", "\n\nhello world\n", 3, "not a known key file format"},
		{"uat encr name", spis + k32 + "," + k32 + `,"AES-CBC-256",` + k32 + "," + k32 + `,"HMAC_SHA2_256_128 [RFC4868]"`, 1, `unknown encryption algorithm "AES-CBC-256"`},
		{"uat fields", "# c\n" + spis + k32 + "," + k32 + `,"AES-CBC-256 [RFC3602]"` + "\n" + spis + "1,2", 2, "want 8 comma-separated fields, got 5"},
		{"uat spi", "89922c915f35570,98d56d32e2a04742," + k32 + "," + k32 + `,"AES-CBC-256 [RFC3602]",` + k32 + "," + k32 + `,"HMAC_SHA2_256_128 [RFC4868]"`, 1, "initiator SPI"},
		{"uat key length", spis + k32[:40] + "," + k32[:40] + `,"AES-CBC-256 [RFC3602]",` + k32 + "," + k32 + `,"HMAC_SHA2_256_128 [RFC4868]"`, 1, "SK_ei is 20 octets"},
		{"uat integ length", spis + k32 + "," + k32 + `,"AES-CBC-256 [RFC3602]",` + k32[:10] + "," + k32[:10] + `,"HMAC_SHA2_256_128 [RFC4868]"`, 1, "SK_ai is 5 octets"},
		{"uat hex", spis + "zz," + k32 + `,"AES-CBC-256 [RFC3602]",` + k32 + "," + k32 + `,"HMAC_SHA2_256_128 [RFC4868]"`, 1, "SK_ei: not hex"},
		{"v1 cookie", "fafaeb49382a763,735be0cb62f82675c4f7bf8fbab9b56834ba76d6ab4fa240", 1, "initiator cookie"},
		{"native field", "ikev2 spi_i=89922c915f35570e spi_r=98d56d32e2a04742 colour=blue", 1, `unknown field "colour"`},
		{"native alg", "\nikev2 spi_i=89922c915f35570e spi_r=98d56d32e2a04742 encr=rot13 sk_ei=00 sk_er=00", 2, `unknown encryption algorithm "rot13"`},
		{"native no spi", "ikev2 encr=aes-cbc-128 sk_ei=" + k32[:32], 1, "missing spi_i"},
		{"libreswan alg", "ikev2 I 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0x00 serpent:0x00", 1, `unknown encryption algorithm "serpent"`},
		{"fortigate spi", "version: 2\nid/spi: 1169 e870277e2268318c\nSK_ei: 00", 2, "id/spi"},
		{"fortigate proposal", "id/spi: 1 e870277e2268318c/acb0001b24748673\nproposal: rot13-sha1\nSK_ei: 00\nSK_er: 00", 2, "unknown proposal"},
		{"strongswan short dump", "08[IKE] <c|1> Sk_ei secret => 32 bytes @ 0x7f\n08[IKE] <c|1>    0: 6B 2C 5E 3F 10 11 12 13 14 15 16 17 18 19 1A 1B  ................\n08[IKE] <c|1> something else", 3, "expected hex dump row at offset 16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseString(t, "keys.txt", tt.in)
			var ke *KeyFileError
			if !errors.As(err, &ke) {
				t.Fatalf("err = %v, want *KeyFileError", err)
			}
			if ke.File != "keys.txt" || ke.Line != tt.line || !strings.Contains(ke.Reason, tt.reason) {
				t.Errorf("got %q (line %d), want line %d reason containing %q", err, ke.Line, tt.line, tt.reason)
			}
		})
	}
}

// TestSecretsNeverPrinted: fmt verbs and JSON mask key material.
func TestSecretsNeverPrinted(t *testing.T) {
	keys := loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")
	k := keys[2]
	secrets := []string{k.EncrI.RevealHex(), k.EncrR.RevealHex(), k.IntegI.RevealHex(), k.IntegR.RevealHex()}
	j, err := json.Marshal(struct {
		K  Key
		KP *Key
		S  Secret
		U  []KeyUse
	}{k, &k, k.EncrI, NewKeyring(k).Uses()})
	if err != nil {
		t.Fatal(err)
	}
	outs := []string{
		fmt.Sprintf("%v %+v %#v %s %x %X %q", k, k, k, k, k, k, k),
		fmt.Sprintf("%v %+v %#v %s %x %X %q", &k, &k, &k, &k, &k, &k, &k),
		fmt.Sprintf("%v %#v %x %s %d", k.EncrI, k.EncrI, k.EncrI, k.EncrI, k.EncrI),
		k.String(), string(j),
	}
	for _, o := range outs {
		for _, s := range secrets {
			for _, form := range []string{s, strings.ToUpper(s), s[:16], fmt.Sprint(k.EncrI.Reveal()[:4])} {
				if strings.Contains(o, form) {
					t.Fatalf("secret leaked in %q", o)
				}
			}
		}
	}
	if !strings.Contains(k.String(), "SK_ei=<32 bytes>") || !strings.Contains(string(j), `"SK_ei":"\u003c32 bytes\u003e"`) {
		t.Errorf("mask missing: %s / %s", k.String(), j)
	}
	if !strings.Contains(k.Reveal(), secrets[0]) {
		t.Errorf("Reveal does not reveal")
	}
}

// TestAlgorithmNames: every Wireshark encryption/integrity name parses
// and maps back to itself.
func TestAlgorithmNames(t *testing.T) {
	for _, e := range wiresharkEncr {
		a, bits, ok := wiresharkEncrByName(e.name)
		n, ok2 := wiresharkEncrName(a, bits)
		if !ok || !ok2 || n != e.name {
			t.Errorf("%q -> %v %d -> %q", e.name, a, bits, n)
		}
		// Native names round-trip too.
		a2, b2, ok := looseEncr(nativeEncrName(a, bits), 0)
		if !ok || a2 != a || (bits != 0 && b2 != bits) {
			t.Errorf("native %q -> %v %d", nativeEncrName(a, bits), a2, b2)
		}
	}
	for _, tt := range []struct {
		in   string
		alg  EncrAlg
		bits int
	}{{"aes256", EncrAESCBC, 256}, {"AES_CBC_128", EncrAESCBC, 128}, {"aes128gcm16", EncrAESGCM16, 128}, {"AES_GCM_16_256", EncrAESGCM16, 256},
		{"aes256gcm", EncrAESGCM16, 256}, {"aes-gcm-8-192", EncrAESGCM8, 192}, {"aes_ccm_12", EncrAESCCM12, 0}, {"3des", Encr3DES, 0},
		{"des-ede3-cbc", Encr3DES, 0}, {"chacha20poly1305", EncrChaCha20Poly1305, 256}, {"AES_CTR_192", EncrAESCTR, 192}} {
		a, bits, ok := looseEncr(tt.in, 0)
		if !ok || a != tt.alg || bits != tt.bits {
			t.Errorf("%q -> %v %d %v", tt.in, a, bits, ok)
		}
	}
	for _, w := range wiresharkInteg {
		if a, ok := looseInteg(strings.Fields(w.name)[0]); ok && w.alg.Known() && a != w.alg {
			t.Errorf("%q -> %v", w.name, a)
		}
	}
}
