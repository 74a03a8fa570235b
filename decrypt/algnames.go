package decrypt

import (
	"strconv"
	"strings"
)

// wsEncr is one entry of Wireshark's IKEv2 encryption name table (the names
// its ikev2_decryption_table UAT stores, packet-isakmp.c).
type wsEncr struct {
	name string
	alg  EncrAlg
	bits int
}

// wiresharkEncr lists the encryption names exactly as Wireshark writes them.
var wiresharkEncr = func() []wsEncr {
	out := []wsEncr{
		{"3DES [RFC2451]", Encr3DES, 0},
		{"NULL [RFC2410]", EncrNULL, 0},
	}
	for _, bits := range []int{128, 192, 256} {
		b := strconv.Itoa(bits)
		out = append(out,
			wsEncr{"AES-CBC-" + b + " [RFC3602]", EncrAESCBC, bits},
			wsEncr{"AES-CTR-" + b + " [RFC5930]", EncrAESCTR, bits})
		for _, m := range []struct {
			mode string
			algs [3]EncrAlg
		}{{"GCM", [3]EncrAlg{EncrAESGCM8, EncrAESGCM12, EncrAESGCM16}}, {"CCM", [3]EncrAlg{EncrAESCCM8, EncrAESCCM12, EncrAESCCM16}}} {
			for i, icv := range []string{"8", "12", "16"} {
				out = append(out, wsEncr{"AES-" + m.mode + "-" + b + " with " + icv + " octet ICV [RFC5282]", m.algs[i], bits})
			}
		}
	}
	// Not in Wireshark's table (it cannot decrypt ChaCha20 IKE); accepted on
	// input and written by ExportWireshark only as a comment.
	out = append(out, wsEncr{"CHACHA20-POLY1305 [RFC7634]", EncrChaCha20Poly1305, 256})
	return out
}()

// wiresharkInteg maps Wireshark's integrity names to algorithms.
var wiresharkInteg = []struct {
	name string
	alg  IntegAlg
}{
	{"HMAC_MD5_96 [RFC2403]", IntegHMACMD596},
	{"HMAC_SHA1_96 [RFC2404]", IntegHMACSHA196},
	{"HMAC_SHA2_256_128 [RFC4868]", IntegHMACSHA256128},
	{"HMAC_SHA2_384_192 [RFC4868]", IntegHMACSHA384192},
	{"HMAC_SHA2_512_256 [RFC4868]", IntegHMACSHA512256},
	{"NONE [RFC4306]", IntegNone},
	// Wireshark knows these but this package does not implement them; they
	// parse and then report ErrUnsupported when used.
	{"HMAC_MD5_128 [RFC4595]", 6},
	{"HMAC_SHA1_160 [RFC4595]", 7},
	{"HMAC_SHA2_256_96 [draft-ietf-ipsec-ciph-sha-256-00]", 0xfff0},
}

func wiresharkEncrByName(s string) (EncrAlg, int, bool) {
	for _, e := range wiresharkEncr {
		if e.name == s {
			return e.alg, e.bits, true
		}
	}
	return 0, 0, false
}

func wiresharkEncrName(a EncrAlg, bits int) (string, bool) {
	for _, e := range wiresharkEncr {
		if e.alg == a && (e.bits == bits || e.bits == 0) {
			return e.name, true
		}
	}
	return "", false
}

func wiresharkIntegByName(s string) (IntegAlg, bool) {
	for _, e := range wiresharkInteg {
		if e.name == s {
			return e.alg, true
		}
	}
	return 0, false
}

func wiresharkIntegName(a IntegAlg) (string, bool) {
	for _, e := range wiresharkInteg {
		if e.alg == a {
			return e.name, true
		}
	}
	return "", false
}

// nativeEncrName is the name used in ikeflow key lines: "aes-cbc-256",
// "aes-gcm-16-128", "3des", "chacha20-poly1305".
func nativeEncrName(a EncrAlg, bits int) string {
	base := strings.ToLower(a.String())
	if encrInfos[a].fixed == 0 && bits != 0 {
		return base + "-" + strconv.Itoa(bits)
	}
	return base
}

// nativeIntegName is the name used in ikeflow key lines: "hmac-sha2-256-128".
func nativeIntegName(a IntegAlg) string {
	return strings.ToLower(strings.ReplaceAll(a.String(), "_", "-"))
}

// squash lower-cases s and removes '-', '_', ' ' and '/'.
func squash(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' || r == ' ' || r == '/' {
			return -1
		}
		return r
	}, s)
}

// looseEncr parses the many ways daemons spell a cipher: "aes256",
// "aes-256", "aes_cbc", "aes128gcm16", "aes256gcm", "aes-gcm-16-256",
// "3des", "des-ede3-cbc", "chacha20poly1305", "null". keyLen, when not
// zero, is the SK_e length used to infer an unstated AES key size.
func looseEncr(s string, keyLen int) (EncrAlg, int, bool) {
	q := squash(s)
	switch q {
	case "3des", "des3", "desede3", "desede3cbc", "3descbc", "tripledes", "tripledescbc":
		return Encr3DES, 0, true
	case "des", "descbc":
		return EncrDES, 0, true
	case "null", "encrnull":
		return EncrNULL, 0, true
	}
	if strings.HasPrefix(q, "chacha20") || strings.HasPrefix(q, "encrchacha20") {
		return EncrChaCha20Poly1305, 256, true
	}
	q = strings.TrimPrefix(q, "encr")
	if !strings.HasPrefix(q, "aes") {
		return 0, 0, false
	}
	q = q[3:]
	bits := 0
	takeBits := func() {
		for _, b := range []string{"128", "192", "256"} {
			if strings.HasPrefix(q, b) {
				bits, _ = strconv.Atoi(b)
				q = q[3:]
				return
			}
		}
	}
	takeBits()
	alg := EncrAESCBC
	icvAlgs := func(a8, a12, a16 EncrAlg) bool {
		switch {
		case q == "" || q == "16" || q == "128":
			alg = a16
		case q == "8" || q == "64":
			alg = a8
		case q == "12" || q == "96":
			alg = a12
		default:
			// "aes-gcm-16-256": ICV then key size.
			for _, p := range []struct {
				pre string
				a   EncrAlg
			}{{"16", a16}, {"12", a12}, {"8", a8}} {
				if strings.HasPrefix(q, p.pre) {
					q = q[len(p.pre):]
					if bits == 0 {
						takeBits()
					}
					if q == "" {
						alg = p.a
						return true
					}
				}
			}
			return false
		}
		q = ""
		return true
	}
	switch {
	case strings.HasPrefix(q, "gcm"):
		q = q[3:]
		if !icvAlgs(EncrAESGCM8, EncrAESGCM12, EncrAESGCM16) {
			return 0, 0, false
		}
	case strings.HasPrefix(q, "ccm"):
		q = q[3:]
		if !icvAlgs(EncrAESCCM8, EncrAESCCM12, EncrAESCCM16) {
			return 0, 0, false
		}
	case strings.HasPrefix(q, "ctr"):
		q = q[3:]
		alg = EncrAESCTR
	case strings.HasPrefix(q, "cbc"):
		q = q[3:]
	}
	if bits == 0 {
		takeBits()
	}
	if q != "" {
		return 0, 0, false
	}
	if bits == 0 && keyLen > 0 {
		bits = (keyLen - encrInfos[alg].salt) * 8
	}
	return alg, bits, true
}

// looseInteg parses integrity names: "sha256", "sha2_256", "hmac-sha2-256-128",
// "sha1", "md5", "aes-xcbc", "aescmac", "none", "null".
func looseInteg(s string) (IntegAlg, bool) {
	q := strings.TrimPrefix(strings.TrimPrefix(squash(s), "auth"), "hmac")
	switch q {
	case "none", "null", "":
		return IntegNone, true
	case "md5", "md596":
		return IntegHMACMD596, true
	case "sha", "sha1", "sha196":
		return IntegHMACSHA196, true
	case "sha256", "sha2256", "sha2256128", "sha256128":
		return IntegHMACSHA256128, true
	case "sha384", "sha2384", "sha2384192", "sha384192":
		return IntegHMACSHA384192, true
	case "sha512", "sha2512", "sha2512256", "sha512256":
		return IntegHMACSHA512256, true
	case "aesxcbc", "aesxcbc96", "xcbc":
		return IntegAESXCBC96, true
	case "aescmac", "aescmac96", "cmac":
		return IntegAESCMAC96, true
	}
	return 0, false
}

// looseHash parses IKEv1 hash names: "md5", "sha1", "sha", "sha2-256", "sha256".
func looseHash(s string) (HashAlg, bool) {
	switch squash(s) {
	case "md5":
		return HashMD5, true
	case "sha", "sha1":
		return HashSHA1, true
	case "sha256", "sha2256":
		return HashSHA256, true
	case "sha384", "sha2384":
		return HashSHA384, true
	case "sha512", "sha2512":
		return HashSHA512, true
	}
	return HashUnknown, false
}
