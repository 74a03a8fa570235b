package decrypt

import (
	"errors"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// The Wireshark wiki capture's AES-CBC-256 / HMAC-SHA2-256 SA, in the lines
// pluto prints for it (ikev2_log_parentSA: "ikev2 I %s %s %s:%s %s%s:%s").
const (
	plutoI = "ikev2 I 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0x784e29258b3752e25a5c9105643299ec0981b565a14008120ce39170752182e3 aes256:0x2d9578e0f30c32d388596ee7cc7df5d43d5faf8dc34369f66c39ea08a19e7596"
	plutoR = "ikev2 R 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0xcf5f22bc7ca5c84811dc7e8fb85721e241fee51a8eaa856423b6138310da824b aes256:0x67092f15716ef8c5188e0f9d1e775c0fdeae7e29bed2607e82410252eb8aeeb1"
)

// wikiCBCFrames are the CBC SA's encrypted frames.
var wikiCBCFrames = []int{39, 40, 49, 50}

// openWiki opens each CBC frame with kr and reports, per frame, whether it
// decrypted, and whether the initiator sent it.
func openWiki(t *testing.T, kr *Keyring) (ok, fromI map[int]bool) {
	ok, fromI = map[int]bool{}, map[int]bool{}
	for _, frame := range wikiCBCFrames {
		msg, p, _ := wikiMessage(t, frame)
		var m dissect.Message
		_ = m.DecodeFromBytes(msg)
		fromI[frame] = m.Header.IsInitiator()
		_, _, err := kr.OpenV2(nil, msg, p, Suite{})
		ok[frame] = err == nil
		if err != nil && !errors.Is(err, ErrNoKey) {
			t.Errorf("frame %d: %v", frame, err)
		}
	}
	return ok, fromI
}

// TestPlutoLogPrefixes: the secrets lines load whatever prefix pluto's log
// gives them (its own logfile with time stamps, syslog, bare), among other
// pluto log lines; before, only bare lines at the start of a file were
// recognised and a real pluto log was "not a known key file format".
func TestPlutoLogPrefixes(t *testing.T) {
	for name, pre := range map[string][2]string{
		"logfile": {"Nov 30 01:31:06.123456: | ", "Nov 30 01:31:06.123501: | "},
		"syslog":  {"Nov 30 01:31:06 west pluto[4242]: | ", "Nov 30 01:31:06 west pluto[4242]: | "},
		"bare":    {"| ", "| "},
	} {
		in := "Nov 30 01:31:05.000001: Starting Pluto (Libreswan Version 4.12)\n" +
			pre[0] + "calculating skeyseed using prf=sha2_256 integ=sha2_256_128 cipherkey=aes_cbc\n" +
			pre[0] + plutoI + "\n" + pre[1] + plutoR + "\n" +
			pre[1] + "#1 spent 0.532 (0.533) milliseconds in ikev2_parent_inR1outI2()\n"
		kf, err := readString(t, "pluto.log", in)
		if err != nil || kf.Format != FormatLibreswan || len(kf.Keys) != 1 || len(kf.Warnings) != 0 {
			t.Fatalf("%s: %v %v %d keys, warnings %v", name, err, kf.Format, len(kf.Keys), kf.Warnings)
		}
		k := kf.Keys[0]
		if k.Suite != (Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA256128}) || k.Source != "pluto.log:3" {
			t.Errorf("%s: %v", name, k)
		}
		ok, _ := openWiki(t, NewKeyring(k))
		for f, o := range ok {
			if !o {
				t.Errorf("%s: frame %d not decrypted", name, f)
			}
		}
	}
}

// TestPlutoIAndRLines: the I line holds what the original initiator sends
// with (SK_ai, SK_ei), the R line the responder's: with only the I line,
// exactly the initiator's frames decrypt, and with only the R line exactly
// the responder's; a warning says which side is missing.
func TestPlutoIAndRLines(t *testing.T) {
	for _, c := range []struct {
		line  string
		fromI bool
	}{{plutoI, true}, {plutoR, false}} {
		kf, err := readString(t, "one.log", c.line+"\n")
		if err != nil || len(kf.Keys) != 1 || len(kf.Warnings) != 1 || !strings.Contains(kf.Warnings[0].Reason, "stay encrypted") {
			t.Fatalf("%v %d keys, warnings %v", err, len(kf.Keys), kf.Warnings)
		}
		ok, fromI := openWiki(t, NewKeyring(kf.Keys...))
		n := 0
		for f := range ok {
			if ok[f] != (fromI[f] == c.fromI) {
				t.Errorf("%s line: frame %d (from initiator %v) decrypted=%v", c.line[:7], f, fromI[f], ok[f])
			}
			if ok[f] {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%s line: %d frames decrypted, want 2", c.line[:7], n)
		}
	}
}

// TestPlutoAlgorithmNames: every cipher and integrity name pluto prints
// (encrypt_tcpdump_name / integ_tcpdump_name in libreswan's ike_alg_*.c,
// with the key length appended) maps to the right algorithm, and lines
// pluto prints without the salt (AEAD, CTR) or cut at 32 octets
// (sha384/sha512 SK_a) are warnings that leave the file's other keys loaded.
func TestPlutoAlgorithmNames(t *testing.T) {
	hx := func(n int) string { return "0x" + strings.Repeat("a5", n) }
	spis := " 0x1111111111111111 0x2222222222222222 "
	for _, c := range []struct {
		integ, encr string
		ik, ek      int
		want        Suite
		warn        string
	}{
		{"sha1", "aes128", 20, 16, Suite{Encr: EncrAESCBC, KeyBits: 128, Integ: IntegHMACSHA196}, ""},
		{"md5", "3des192", 16, 24, Suite{Encr: Encr3DES, Integ: IntegHMACMD596}, ""},
		{"md5", "3des", 16, 24, Suite{Encr: Encr3DES, Integ: IntegHMACMD596}, ""},
		{"aes_xcbc", "aes192", 16, 24, Suite{Encr: EncrAESCBC, KeyBits: 192, Integ: IntegAESXCBC96}, ""},
		{"aes_cmac", "aes256", 16, 32, Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegAESCMAC96}, ""},
		{"sha256", "aes256", 32, 32, Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA256128}, ""},
		{"sha384", "aes256", 32, 32, Suite{}, "SK_a cut at 32 octets"},
		{"sha512", "aes128", 32, 16, Suite{}, "SK_a cut at 32 octets"},
		{"sha512", "aes128", 64, 16, Suite{Encr: EncrAESCBC, KeyBits: 128, Integ: IntegHMACSHA512256}, ""},
		{"sha256", "aes_ctr128", 32, 16, Suite{}, "AES-CTR key without its 4-octet nonce: cannot decrypt"},
		{"none", "aes_gcm_16256", 0, 32, Suite{}, "AES-GCM key without its 4-octet salt: cannot decrypt"},
		{"none", "aes_gcm128", 0, 16, Suite{}, "AES-GCM key without its 4-octet salt: cannot decrypt"},
		{"none", "aes_ccm_8128", 0, 16, Suite{}, "AES-CCM key without its 3-octet salt: cannot decrypt"},
		{"none", "chacha20_poly1305", 0, 32, Suite{}, "ChaCha20-Poly1305 key without its 4-octet salt: cannot decrypt"},
		// With the salt (a hand-written tcpdump -E file), AEAD keys load;
		// pluto's "aes_gcm" is AES_GCM_8.
		{"none", "aes_gcm128", 0, 20, Suite{Encr: EncrAESGCM8, KeyBits: 128}, ""},
		{"none", "aes_gcm_12192", 0, 28, Suite{Encr: EncrAESGCM12, KeyBits: 192}, ""},
		{"none", "aes_gcm_16256", 0, 36, Suite{Encr: EncrAESGCM16, KeyBits: 256}, ""},
		{"none", "aes_ccm_16128", 0, 19, Suite{Encr: EncrAESCCM16, KeyBits: 128}, ""},
		{"sha256", "serpent256", 32, 32, Suite{}, `unknown encryption algorithm "serpent256"`},
		{"ripemd", "aes128", 20, 16, Suite{}, `unknown integrity algorithm "ripemd"`},
	} {
		ik := hx(c.ik)
		if c.ik == 0 {
			ik = ""
		}
		in := "| ikev2 I" + spis + c.integ + ":" + ik + " " + c.encr + ":" + hx(c.ek) + "\n" +
			"| ikev2 R" + spis + c.integ + ":" + ik + " " + c.encr + ":" + hx(c.ek) + "\n" +
			plutoI + "\n" + plutoR + "\n"
		kf, err := readString(t, "names.log", in)
		if err != nil {
			t.Fatalf("%s/%s: %v", c.integ, c.encr, err)
		}
		if c.warn != "" {
			if len(kf.Keys) != 1 || len(kf.Warnings) != 2 || kf.Warnings[0].Line != 1 || kf.Warnings[1].Line != 2 ||
				!strings.Contains(kf.Warnings[0].Error(), "names.log:1: "+c.warn) {
				t.Errorf("%s/%s: %d keys, warnings %v, want %q on lines 1 and 2", c.integ, c.encr, len(kf.Keys), kf.Warnings, c.warn)
			}
			continue
		}
		if len(kf.Keys) != 2 || len(kf.Warnings) != 0 || kf.Keys[0].Suite != c.want {
			t.Errorf("%s/%s: %d keys, warnings %v, suite %v, want %v", c.integ, c.encr, len(kf.Keys), kf.Warnings, kf.Keys[0].Suite, c.want)
		}
	}
}
