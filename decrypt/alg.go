package decrypt

import (
	"strconv"
	"strings"
)

// EncrAlg is an IKEv2 encryption transform ID (Transform Type 1, [IANA]).
// IKEv1 ciphers are mapped onto the same values ([V1Encr]). Zero means "not
// known from the key file: take it from the capture".
//
// [IANA]: https://www.iana.org/assignments/ikev2-parameters/ikev2-parameters.xhtml#ikev2-parameters-5
type EncrAlg uint16

// Encryption algorithms this package knows.
const (
	EncrUnknown          EncrAlg = 0
	EncrDES              EncrAlg = 2  // ENCR_DES (IKEv1 only here)
	Encr3DES             EncrAlg = 3  // ENCR_3DES [RFC 2451]
	EncrNULL             EncrAlg = 11 // ENCR_NULL [RFC 2410]
	EncrAESCBC           EncrAlg = 12 // ENCR_AES_CBC [RFC 3602]
	EncrAESCTR           EncrAlg = 13 // ENCR_AES_CTR [RFC 5930]
	EncrAESCCM8          EncrAlg = 14 // ENCR_AES_CCM_8 [RFC 5282]
	EncrAESCCM12         EncrAlg = 15 // ENCR_AES_CCM_12
	EncrAESCCM16         EncrAlg = 16 // ENCR_AES_CCM_16
	EncrAESGCM8          EncrAlg = 18 // ENCR_AES_GCM_8 [RFC 5282]
	EncrAESGCM12         EncrAlg = 19 // ENCR_AES_GCM_12
	EncrAESGCM16         EncrAlg = 20 // ENCR_AES_GCM_16
	EncrChaCha20Poly1305 EncrAlg = 28 // ENCR_CHACHA20_POLY1305 [RFC 7634]
)

// encrInfo describes the wire and key layout of an encryption transform.
type encrInfo struct {
	name  string // display name without key size
	block int    // cipher block size (padding alignment); 1 for stream modes
	iv    int    // IV octets carried in the SK payload
	salt  int    // octets at the end of SK_e that are salt, not key
	icv   int    // AEAD ICV octets; 0 for non-AEAD
	fixed int    // fixed key length in octets (0 = AES: 16, 24 or 32)
}

var encrInfos = map[EncrAlg]encrInfo{
	EncrDES:              {"DES-CBC", 8, 8, 0, 0, 8},
	Encr3DES:             {"3DES", 8, 8, 0, 0, 24},
	EncrNULL:             {"NULL", 1, 0, 0, 0, -1},
	EncrAESCBC:           {"AES-CBC", 16, 16, 0, 0, 0},
	EncrAESCTR:           {"AES-CTR", 1, 8, 4, 0, 0},
	EncrAESCCM8:          {"AES-CCM-8", 1, 8, 3, 8, 0},
	EncrAESCCM12:         {"AES-CCM-12", 1, 8, 3, 12, 0},
	EncrAESCCM16:         {"AES-CCM-16", 1, 8, 3, 16, 0},
	EncrAESGCM8:          {"AES-GCM-8", 1, 8, 4, 8, 0},
	EncrAESGCM12:         {"AES-GCM-12", 1, 8, 4, 12, 0},
	EncrAESGCM16:         {"AES-GCM-16", 1, 8, 4, 16, 0},
	EncrChaCha20Poly1305: {"CHACHA20-POLY1305", 1, 8, 4, 16, 32},
}

// String returns a short name such as "AES-GCM-16", or "ENCR#n".
func (e EncrAlg) String() string {
	if i, ok := encrInfos[e]; ok {
		return i.name
	}
	if e == EncrUnknown {
		return "unknown"
	}
	return "ENCR#" + strconv.Itoa(int(e))
}

// Known reports whether this package implements e.
func (e EncrAlg) Known() bool { _, ok := encrInfos[e]; return ok }

// IsAEAD reports whether e is a combined mode (GCM, CCM, ChaCha20-Poly1305)
// that needs no separate integrity transform.
func (e EncrAlg) IsAEAD() bool { return encrInfos[e].icv > 0 }

// IntegAlg is an IKEv2 integrity transform ID (Transform Type 3, [IANA]).
// Zero is AUTH_NONE, used with AEAD ciphers; with a non-AEAD cipher it means
// "take it from the capture".
//
// [IANA]: https://www.iana.org/assignments/ikev2-parameters/ikev2-parameters.xhtml#ikev2-parameters-7
type IntegAlg uint16

// Integrity algorithms this package knows.
const (
	IntegNone          IntegAlg = 0  // NONE (AEAD)
	IntegHMACMD596     IntegAlg = 1  // AUTH_HMAC_MD5_96 [RFC 2403]
	IntegHMACSHA196    IntegAlg = 2  // AUTH_HMAC_SHA1_96 [RFC 2404]
	IntegAESXCBC96     IntegAlg = 5  // AUTH_AES_XCBC_96 [RFC 3566]
	IntegAESCMAC96     IntegAlg = 8  // AUTH_AES_CMAC_96 [RFC 4494]
	IntegHMACSHA256128 IntegAlg = 12 // AUTH_HMAC_SHA2_256_128 [RFC 4868]
	IntegHMACSHA384192 IntegAlg = 13 // AUTH_HMAC_SHA2_384_192 [RFC 4868]
	IntegHMACSHA512256 IntegAlg = 14 // AUTH_HMAC_SHA2_512_256 [RFC 4868]
)

type integInfo struct {
	name string
	key  int // key octets
	icv  int // ICV octets
}

var integInfos = map[IntegAlg]integInfo{
	IntegNone:          {"NONE", 0, 0},
	IntegHMACMD596:     {"HMAC_MD5_96", 16, 12},
	IntegHMACSHA196:    {"HMAC_SHA1_96", 20, 12},
	IntegAESXCBC96:     {"AES_XCBC_96", 16, 12},
	IntegAESCMAC96:     {"AES_CMAC_96", 16, 12},
	IntegHMACSHA256128: {"HMAC_SHA2_256_128", 32, 16},
	IntegHMACSHA384192: {"HMAC_SHA2_384_192", 48, 24},
	IntegHMACSHA512256: {"HMAC_SHA2_512_256", 64, 32},
}

// String returns the IANA name without the AUTH_ prefix, e.g.
// "HMAC_SHA2_256_128", or "AUTH#n".
func (a IntegAlg) String() string {
	if i, ok := integInfos[a]; ok {
		return i.name
	}
	return "AUTH#" + strconv.Itoa(int(a))
}

// Known reports whether this package implements a.
func (a IntegAlg) Known() bool { _, ok := integInfos[a]; return ok }

// KeyLen returns the key length in octets.
func (a IntegAlg) KeyLen() int { return integInfos[a].key }

// ICVLen returns the truncated ICV length in octets.
func (a IntegAlg) ICVLen() int { return integInfos[a].icv }

// HashAlg is an IKEv1 hash algorithm (phase 1 attribute class 2, [RFC 2409]
// Appendix A). It selects the hash used to derive CBC IVs.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
type HashAlg uint16

// IKEv1 hash algorithms.
const (
	HashUnknown HashAlg = 0
	HashMD5     HashAlg = 1
	HashSHA1    HashAlg = 2
	HashSHA256  HashAlg = 4
	HashSHA384  HashAlg = 5
	HashSHA512  HashAlg = 6
)

var hashNames = map[HashAlg]string{HashMD5: "MD5", HashSHA1: "SHA1", HashSHA256: "SHA2-256", HashSHA384: "SHA2-384", HashSHA512: "SHA2-512"}

// String returns "MD5", "SHA1", "SHA2-256", … or "HASH#n".
func (h HashAlg) String() string {
	if n, ok := hashNames[h]; ok {
		return n
	}
	if h == HashUnknown {
		return "unknown"
	}
	return "HASH#" + strconv.Itoa(int(h))
}

// V1Encr maps an IKEv1 phase-1 Encryption Algorithm attribute value
// ([RFC 2409] Appendix A: 1 DES-CBC, 5 3DES-CBC, 7 AES-CBC) to an EncrAlg.
// Unknown values give EncrUnknown.
func V1Encr(v uint16) EncrAlg {
	switch v {
	case 1:
		return EncrDES
	case 5:
		return Encr3DES
	case 7:
		return EncrAESCBC
	}
	return EncrUnknown
}

// Suite is the set of algorithms that protects an IKE SA. A zero field is
// unknown: [Keyring] fills it from the proposal the responder chose in the
// capture.
type Suite struct {
	Encr    EncrAlg  `json:"encr"`
	KeyBits int      `json:"key_bits,omitempty"` // cipher key size for AES (128/192/256); 0 = from key length
	Integ   IntegAlg `json:"integ"`
	Hash    HashAlg  `json:"hash,omitempty"` // IKEv1 only: hash for IV derivation
}

// IsZero reports whether nothing is known.
func (s Suite) IsZero() bool { return s == Suite{} }

// String renders the suite, e.g. "AES-CBC-256/HMAC_SHA2_256_128",
// "AES-GCM-16-256", "3DES/MD5" (IKEv1) or "unknown".
func (s Suite) String() string {
	if s.Encr == EncrUnknown {
		return "unknown"
	}
	var b strings.Builder
	b.WriteString(s.Encr.String())
	if s.KeyBits != 0 && encrInfos[s.Encr].fixed == 0 {
		b.WriteString("-" + strconv.Itoa(s.KeyBits))
	}
	switch {
	case s.Hash != HashUnknown:
		b.WriteString("/" + s.Hash.String())
	case !s.Encr.IsAEAD():
		if s.Integ == IntegNone {
			b.WriteString("/?")
		} else {
			b.WriteString("/" + s.Integ.String())
		}
	}
	return b.String()
}

// Merge returns s with unknown fields taken from capture.
func (s Suite) Merge(capture Suite) Suite {
	if s.Encr == EncrUnknown {
		return capture
	}
	if s.KeyBits == 0 && capture.Encr == s.Encr {
		s.KeyBits = capture.KeyBits
	}
	if s.Integ == IntegNone && !s.Encr.IsAEAD() {
		s.Integ = capture.Integ
	}
	if s.Hash == HashUnknown {
		s.Hash = capture.Hash
	}
	return s
}
