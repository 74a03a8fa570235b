package dissect

// IKEv2 transform registries ([RFC 7296] §3.3.2 and the IANA "Internet Key
// Exchange Version 2 (IKEv2) Parameters" registry, Transform Type Values 1–5
// and the RFC 9370 additional key exchanges).
//
// Naming convention for String(): the IANA "Name" column where IANA gives an
// identifier-like name (ENCR_AES_GCM_16, PRF_HMAC_SHA2_256,
// AUTH_HMAC_SHA2_256_128). Key exchange methods have descriptive IANA names
// ("2048-bit MODP Group"), so [DHGroup] uses the short forms common to
// strongSwan, libreswan and Wireshark's filters: MODP_<bits>, ECP_<bits>,
// MODP_<bits>_<subgroup bits> for RFC 5114 groups, brainpoolP<bits>r1,
// Curve25519, Curve448, GOST3410_2012_<bits> and ML-KEM-<n>; Description
// returns the IANA text.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2

// DHGroup is a Key Exchange Method (Transform Type 4, formerly "Diffie-Hellman
// Group") value: the KE payload group ([RFC 7296] §3.4), the data of the
// INVALID_KE_PAYLOAD notify, and the IKEv1 Group Description attribute
// ([RFC 2409] Appendix A, which shares the numbering for 1–30). Values
// 1024–65535 are private use. [RFC 9370] reuses the registry for the
// ADDKE1–7 transform types.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.4
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 9370]: https://www.rfc-editor.org/rfc/rfc9370
type DHGroup uint16

// Key exchange methods ([RFC 2409], [RFC 3526], [RFC 5114], [RFC 5903],
// [RFC 6932], [RFC 8031], [RFC 9385], draft-ietf-ipsecme-ikev2-mlkem).
//
// [RFC 3526]: https://www.rfc-editor.org/rfc/rfc3526
// [RFC 5114]: https://www.rfc-editor.org/rfc/rfc5114
// [RFC 5903]: https://www.rfc-editor.org/rfc/rfc5903
// [RFC 6932]: https://www.rfc-editor.org/rfc/rfc6932
// [RFC 8031]: https://www.rfc-editor.org/rfc/rfc8031
// [RFC 9385]: https://www.rfc-editor.org/rfc/rfc9385
const (
	DHNone         DHGroup = 0  // NONE (RFC 9370 §2.2.1)
	DHModp768      DHGroup = 1  // 768-bit MODP Group (RFC 2409)
	DHModp1024     DHGroup = 2  // 1024-bit MODP Group (RFC 2409)
	DHEC2N155      DHGroup = 3  // IKEv1 only: EC2N group on GP[2^155]
	DHEC2N185      DHGroup = 4  // IKEv1 only: EC2N group on GP[2^185]
	DHModp1536     DHGroup = 5  // 1536-bit MODP Group (RFC 3526)
	DHModp2048     DHGroup = 14 // 2048-bit MODP Group (RFC 3526)
	DHModp3072     DHGroup = 15 // 3072-bit MODP Group (RFC 3526)
	DHModp4096     DHGroup = 16 // 4096-bit MODP Group (RFC 3526)
	DHModp6144     DHGroup = 17 // 6144-bit MODP Group (RFC 3526)
	DHModp8192     DHGroup = 18 // 8192-bit MODP Group (RFC 3526)
	DHECP256       DHGroup = 19 // 256-bit random ECP group (RFC 5903)
	DHECP384       DHGroup = 20 // 384-bit random ECP group (RFC 5903)
	DHECP521       DHGroup = 21 // 521-bit random ECP group (RFC 5903)
	DHModp1024S160 DHGroup = 22 // 1024-bit MODP Group with 160-bit Prime Order Subgroup (RFC 5114)
	DHModp2048S224 DHGroup = 23 // 2048-bit MODP Group with 224-bit Prime Order Subgroup (RFC 5114)
	DHModp2048S256 DHGroup = 24 // 2048-bit MODP Group with 256-bit Prime Order Subgroup (RFC 5114)
	DHECP192       DHGroup = 25 // 192-bit Random ECP Group (RFC 5114)
	DHECP224       DHGroup = 26 // 224-bit Random ECP Group (RFC 5114)
	DHBrainpool224 DHGroup = 27 // brainpoolP224r1 (RFC 6932)
	DHBrainpool256 DHGroup = 28 // brainpoolP256r1 (RFC 6932)
	DHBrainpool384 DHGroup = 29 // brainpoolP384r1 (RFC 6932)
	DHBrainpool512 DHGroup = 30 // brainpoolP512r1 (RFC 6932)
	DHCurve25519   DHGroup = 31 // Curve25519 (RFC 8031)
	DHCurve448     DHGroup = 32 // Curve448 (RFC 8031)
	DHGOST256      DHGroup = 33 // GOST3410_2012_256 (RFC 9385)
	DHGOST512      DHGroup = 34 // GOST3410_2012_512 (RFC 9385)
	DHMLKEM512     DHGroup = 35 // ML-KEM-512 (draft-ietf-ipsecme-ikev2-mlkem)
	DHMLKEM768     DHGroup = 36 // ML-KEM-768 (draft-ietf-ipsecme-ikev2-mlkem)
	DHMLKEM1024    DHGroup = 37 // ML-KEM-1024 (draft-ietf-ipsecme-ikev2-mlkem)
)

// String returns the short name ("MODP_2048", "ECP_256", "Curve25519") or
// the number with its range ("private use 1025").
func (g DHGroup) String() string { return dhRegistry.name(g) }

// Description returns the IANA description ("2048-bit MODP Group"), or the
// same fallback as String.
func (g DHGroup) Description() string { return dhRegistry.desc(g) }

// Known reports whether g has a registered name.
func (g DHGroup) Known() bool { return dhRegistry.known(g) }

// MarshalText encodes the group as its name.
func (g DHGroup) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

var dhRegistry = describedRegistry[DHGroup]{
	names: map[DHGroup]regName{
		DHNone:         {"NONE", "NONE"},
		DHModp768:      {"MODP_768", "768-bit MODP Group"},
		DHModp1024:     {"MODP_1024", "1024-bit MODP Group"},
		DHEC2N155:      {"EC2N_155", "EC2N group on GP[2^155] (IKEv1 only)"},
		DHEC2N185:      {"EC2N_185", "EC2N group on GP[2^185] (IKEv1 only)"},
		DHModp1536:     {"MODP_1536", "1536-bit MODP Group"},
		DHModp2048:     {"MODP_2048", "2048-bit MODP Group"},
		DHModp3072:     {"MODP_3072", "3072-bit MODP Group"},
		DHModp4096:     {"MODP_4096", "4096-bit MODP Group"},
		DHModp6144:     {"MODP_6144", "6144-bit MODP Group"},
		DHModp8192:     {"MODP_8192", "8192-bit MODP Group"},
		DHECP256:       {"ECP_256", "256-bit random ECP group"},
		DHECP384:       {"ECP_384", "384-bit random ECP group"},
		DHECP521:       {"ECP_521", "521-bit random ECP group"},
		DHModp1024S160: {"MODP_1024_160", "1024-bit MODP Group with 160-bit Prime Order Subgroup"},
		DHModp2048S224: {"MODP_2048_224", "2048-bit MODP Group with 224-bit Prime Order Subgroup"},
		DHModp2048S256: {"MODP_2048_256", "2048-bit MODP Group with 256-bit Prime Order Subgroup"},
		DHECP192:       {"ECP_192", "192-bit Random ECP Group"},
		DHECP224:       {"ECP_224", "224-bit Random ECP Group"},
		DHBrainpool224: {"brainpoolP224r1", "brainpoolP224r1"},
		DHBrainpool256: {"brainpoolP256r1", "brainpoolP256r1"},
		DHBrainpool384: {"brainpoolP384r1", "brainpoolP384r1"},
		DHBrainpool512: {"brainpoolP512r1", "brainpoolP512r1"},
		DHCurve25519:   {"Curve25519", "Curve25519"},
		DHCurve448:     {"Curve448", "Curve448"},
		DHGOST256:      {"GOST3410_2012_256", "GOST3410_2012_256"},
		DHGOST512:      {"GOST3410_2012_512", "GOST3410_2012_512"},
		DHMLKEM512:     {"ML-KEM-512", "ml-kem-512"},
		DHMLKEM768:     {"ML-KEM-768", "ml-kem-768"},
		DHMLKEM1024:    {"ML-KEM-1024", "ml-kem-1024"},
	},
	ranges: []valueRange{{6, 13, "unassigned"}, {38, 1023, "unassigned"}, {1024, 65535, "private use"}},
}

// TransformType is the Transform Type field of an IKEv2 transform
// substructure ([RFC 7296] §3.3.2, [RFC 9370] §2.2.2, [RFC 9838]).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
// [RFC 9370]: https://www.rfc-editor.org/rfc/rfc9370#section-2.2.2
// [RFC 9838]: https://www.rfc-editor.org/rfc/rfc9838
type TransformType uint8

// Transform types.
const (
	TransformENCR   TransformType = 1  // Encryption Algorithm (ENCR)
	TransformPRF    TransformType = 2  // Pseudorandom Function (PRF)
	TransformINTEG  TransformType = 3  // Integrity Algorithm (INTEG)
	TransformKE     TransformType = 4  // Key Exchange Method (KE), formerly Diffie-Hellman Group (D-H)
	TransformESN    TransformType = 5  // Extended Sequence Numbers (ESN), renamed Sequence Numbers (SN)
	TransformADDKE1 TransformType = 6  // Additional Key Exchange 1 (RFC 9370)
	TransformADDKE2 TransformType = 7  // Additional Key Exchange 2 (RFC 9370)
	TransformADDKE3 TransformType = 8  // Additional Key Exchange 3 (RFC 9370)
	TransformADDKE4 TransformType = 9  // Additional Key Exchange 4 (RFC 9370)
	TransformADDKE5 TransformType = 10 // Additional Key Exchange 5 (RFC 9370)
	TransformADDKE6 TransformType = 11 // Additional Key Exchange 6 (RFC 9370)
	TransformADDKE7 TransformType = 12 // Additional Key Exchange 7 (RFC 9370)
	TransformKWA    TransformType = 13 // Key Wrap Algorithm (G-IKEv2, RFC 9838)
	TransformGCAUTH TransformType = 14 // Group Controller Authentication Method (G-IKEv2, RFC 9838)
)

// String returns the abbreviation ("ENCR", "PRF", "INTEG", "KE", "ESN",
// "ADDKE1" …) or the number with its range.
func (t TransformType) String() string { return transformTypeRegistry.name(t) }

// Description returns the registry's long name ("Encryption Algorithm").
func (t TransformType) Description() string { return transformTypeRegistry.desc(t) }

// MarshalText encodes the type as its abbreviation.
func (t TransformType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var transformTypeRegistry = describedRegistry[TransformType]{
	names: map[TransformType]regName{
		0:               {"RESERVED", "Reserved"},
		TransformENCR:   {"ENCR", "Encryption Algorithm"},
		TransformPRF:    {"PRF", "Pseudorandom Function"},
		TransformINTEG:  {"INTEG", "Integrity Algorithm"},
		TransformKE:     {"KE", "Key Exchange Method"},
		TransformESN:    {"ESN", "Extended Sequence Numbers"},
		TransformADDKE1: {"ADDKE1", "Additional Key Exchange 1"},
		TransformADDKE2: {"ADDKE2", "Additional Key Exchange 2"},
		TransformADDKE3: {"ADDKE3", "Additional Key Exchange 3"},
		TransformADDKE4: {"ADDKE4", "Additional Key Exchange 4"},
		TransformADDKE5: {"ADDKE5", "Additional Key Exchange 5"},
		TransformADDKE6: {"ADDKE6", "Additional Key Exchange 6"},
		TransformADDKE7: {"ADDKE7", "Additional Key Exchange 7"},
		TransformKWA:    {"KWA", "Key Wrap Algorithm"},
		TransformGCAUTH: {"GCAUTH", "Group Controller Authentication Method"},
	},
	ranges: []valueRange{{15, 240, "unassigned"}, {241, 255, "private use"}},
}

// IsKeyExchange reports whether transforms of type t carry [DHGroup] IDs
// (KE and ADDKE1–7).
func (t TransformType) IsKeyExchange() bool {
	return t == TransformKE || (t >= TransformADDKE1 && t <= TransformADDKE7)
}

// IDName resolves a transform ID of this type to its name, e.g.
// TransformENCR.IDName(20) is "ENCR_AES_GCM_16". Types without a registry
// here print "id N".
func (t TransformType) IDName(id uint16) string {
	switch {
	case t == TransformENCR:
		return EncrID(id).String()
	case t == TransformPRF:
		return PRFID(id).String()
	case t == TransformINTEG:
		return IntegID(id).String()
	case t.IsKeyExchange():
		return DHGroup(id).String()
	case t == TransformESN:
		return ESNID(id).String()
	}
	return "id " + itoa(int(id))
}

// EncrID is an IKEv2 Encryption Algorithm transform ID (Transform Type 1,
// [RFC 7296] §3.3.2; IANA "Transform Type 1 - Encryption Algorithm
// Transform IDs"). Values 1024–65535 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
type EncrID uint16

// Encryption algorithms ([RFC 7296], [RFC 3602], [RFC 3686], [RFC 4309],
// [RFC 4106], [RFC 4543], [RFC 5529], [RFC 7634], [RFC 8750], [RFC 9227]).
//
// [RFC 3602]: https://www.rfc-editor.org/rfc/rfc3602
// [RFC 3686]: https://www.rfc-editor.org/rfc/rfc3686
// [RFC 4309]: https://www.rfc-editor.org/rfc/rfc4309
// [RFC 4106]: https://www.rfc-editor.org/rfc/rfc4106
// [RFC 4543]: https://www.rfc-editor.org/rfc/rfc4543
// [RFC 5529]: https://www.rfc-editor.org/rfc/rfc5529
// [RFC 7634]: https://www.rfc-editor.org/rfc/rfc7634
// [RFC 8750]: https://www.rfc-editor.org/rfc/rfc8750
// [RFC 9227]: https://www.rfc-editor.org/rfc/rfc9227
const (
	EncrDESIV64               EncrID = 1
	EncrDES                   EncrID = 2
	Encr3DES                  EncrID = 3
	EncrRC5                   EncrID = 4
	EncrIDEA                  EncrID = 5
	EncrCAST                  EncrID = 6
	EncrBlowfish              EncrID = 7
	Encr3IDEA                 EncrID = 8
	EncrDESIV32               EncrID = 9
	EncrNull                  EncrID = 11
	EncrAESCBC                EncrID = 12
	EncrAESCTR                EncrID = 13
	EncrAESCCM8               EncrID = 14
	EncrAESCCM12              EncrID = 15
	EncrAESCCM16              EncrID = 16
	EncrAESGCM8               EncrID = 18
	EncrAESGCM12              EncrID = 19
	EncrAESGCM16              EncrID = 20
	EncrNullAuthAESGMAC       EncrID = 21
	EncrCamelliaCBC           EncrID = 23
	EncrCamelliaCTR           EncrID = 24
	EncrCamelliaCCM8          EncrID = 25
	EncrCamelliaCCM12         EncrID = 26
	EncrCamelliaCCM16         EncrID = 27
	EncrChaCha20Poly1305      EncrID = 28
	EncrAESCCM8IIV            EncrID = 29
	EncrAESGCM16IIV           EncrID = 30
	EncrChaCha20Poly1305IIV   EncrID = 31
	EncrKuznyechikMGMKTree    EncrID = 32
	EncrMagmaMGMKTree         EncrID = 33
	EncrKuznyechikMGMMACKTree EncrID = 34
	EncrMagmaMGMMACKTree      EncrID = 35
)

// String returns the IANA name ("ENCR_AES_GCM_16") or the number with its
// range ("private use 1025").
func (e EncrID) String() string { return encrRegistry.name(e) }

// Known reports whether e has a registered name.
func (e EncrID) Known() bool { return encrRegistry.known(e) }

// MarshalText encodes the ID as its name.
func (e EncrID) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

var encrRegistry = registry[EncrID]{
	names: map[EncrID]string{
		EncrDESIV64:               "ENCR_DES_IV64",
		EncrDES:                   "ENCR_DES",
		Encr3DES:                  "ENCR_3DES",
		EncrRC5:                   "ENCR_RC5",
		EncrIDEA:                  "ENCR_IDEA",
		EncrCAST:                  "ENCR_CAST",
		EncrBlowfish:              "ENCR_BLOWFISH",
		Encr3IDEA:                 "ENCR_3IDEA",
		EncrDESIV32:               "ENCR_DES_IV32",
		EncrNull:                  "ENCR_NULL",
		EncrAESCBC:                "ENCR_AES_CBC",
		EncrAESCTR:                "ENCR_AES_CTR",
		EncrAESCCM8:               "ENCR_AES_CCM_8",
		EncrAESCCM12:              "ENCR_AES_CCM_12",
		EncrAESCCM16:              "ENCR_AES_CCM_16",
		EncrAESGCM8:               "ENCR_AES_GCM_8",
		EncrAESGCM12:              "ENCR_AES_GCM_12",
		EncrAESGCM16:              "ENCR_AES_GCM_16",
		EncrNullAuthAESGMAC:       "ENCR_NULL_AUTH_AES_GMAC",
		EncrCamelliaCBC:           "ENCR_CAMELLIA_CBC",
		EncrCamelliaCTR:           "ENCR_CAMELLIA_CTR",
		EncrCamelliaCCM8:          "ENCR_CAMELLIA_CCM_8_ICV",
		EncrCamelliaCCM12:         "ENCR_CAMELLIA_CCM_12_ICV",
		EncrCamelliaCCM16:         "ENCR_CAMELLIA_CCM_16_ICV",
		EncrChaCha20Poly1305:      "ENCR_CHACHA20_POLY1305",
		EncrAESCCM8IIV:            "ENCR_AES_CCM_8_IIV",
		EncrAESGCM16IIV:           "ENCR_AES_GCM_16_IIV",
		EncrChaCha20Poly1305IIV:   "ENCR_CHACHA20_POLY1305_IIV",
		EncrKuznyechikMGMKTree:    "ENCR_KUZNYECHIK_MGM_KTREE",
		EncrMagmaMGMKTree:         "ENCR_MAGMA_MGM_KTREE",
		EncrKuznyechikMGMMACKTree: "ENCR_KUZNYECHIK_MGM_MAC_KTREE",
		EncrMagmaMGMMACKTree:      "ENCR_MAGMA_MGM_MAC_KTREE",
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{10, 10, "reserved"},
		{17, 17, "unassigned"},
		{22, 22, "reserved (IEEE P1619 XTS-AES)"},
		{36, 1023, "unassigned"},
		{1024, 65535, "private use"},
	},
}

// IsAEAD reports whether e is a combined-mode cipher, for which a proposal
// carries no integrity transform ([RFC 5282] §8, [RFC 7634] §3).
//
// [RFC 5282]: https://www.rfc-editor.org/rfc/rfc5282#section-8
func (e EncrID) IsAEAD() bool {
	switch e {
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16, EncrAESGCM8, EncrAESGCM12, EncrAESGCM16,
		EncrNullAuthAESGMAC, EncrCamelliaCCM8, EncrCamelliaCCM12, EncrCamelliaCCM16,
		EncrChaCha20Poly1305, EncrAESCCM8IIV, EncrAESGCM16IIV, EncrChaCha20Poly1305IIV,
		EncrKuznyechikMGMKTree, EncrMagmaMGMKTree, EncrKuznyechikMGMMACKTree, EncrMagmaMGMMACKTree:
		return true
	}
	return false
}

// PRFID is an IKEv2 Pseudorandom Function transform ID (Transform Type 2,
// [RFC 7296] §3.3.2). Values 1024–65535 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
type PRFID uint16

// Pseudorandom functions ([RFC 2104], [RFC 4434], [RFC 4868], [RFC 4615],
// [RFC 9385]).
//
// [RFC 2104]: https://www.rfc-editor.org/rfc/rfc2104
// [RFC 4434]: https://www.rfc-editor.org/rfc/rfc4434
// [RFC 4868]: https://www.rfc-editor.org/rfc/rfc4868
// [RFC 4615]: https://www.rfc-editor.org/rfc/rfc4615
const (
	PRFHMACMD5         PRFID = 1
	PRFHMACSHA1        PRFID = 2
	PRFHMACTiger       PRFID = 3
	PRFAES128XCBC      PRFID = 4
	PRFHMACSHA2_256    PRFID = 5
	PRFHMACSHA2_384    PRFID = 6
	PRFHMACSHA2_512    PRFID = 7
	PRFAES128CMAC      PRFID = 8
	PRFHMACStreebog512 PRFID = 9
)

// String returns the IANA name ("PRF_HMAC_SHA2_256") or the number with its range.
func (p PRFID) String() string { return prfRegistry.name(p) }

// Known reports whether p has a registered name.
func (p PRFID) Known() bool { return prfRegistry.known(p) }

// MarshalText encodes the ID as its name.
func (p PRFID) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

var prfRegistry = registry[PRFID]{
	names: map[PRFID]string{
		PRFHMACMD5:         "PRF_HMAC_MD5",
		PRFHMACSHA1:        "PRF_HMAC_SHA1",
		PRFHMACTiger:       "PRF_HMAC_TIGER",
		PRFAES128XCBC:      "PRF_AES128_XCBC",
		PRFHMACSHA2_256:    "PRF_HMAC_SHA2_256",
		PRFHMACSHA2_384:    "PRF_HMAC_SHA2_384",
		PRFHMACSHA2_512:    "PRF_HMAC_SHA2_512",
		PRFAES128CMAC:      "PRF_AES128_CMAC",
		PRFHMACStreebog512: "PRF_HMAC_STREEBOG_512",
	},
	ranges: []valueRange{{0, 0, "reserved"}, {10, 1023, "unassigned"}, {1024, 65535, "private use"}},
}

// IntegID is an IKEv2 Integrity Algorithm transform ID (Transform Type 3,
// [RFC 7296] §3.3.2). Values 1024–65535 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
type IntegID uint16

// Integrity algorithms ([RFC 2403], [RFC 2404], [RFC 3566], [RFC 4494],
// [RFC 4543], [RFC 4868], [RFC 4595], [RFC 7296]).
//
// [RFC 2403]: https://www.rfc-editor.org/rfc/rfc2403
// [RFC 2404]: https://www.rfc-editor.org/rfc/rfc2404
// [RFC 3566]: https://www.rfc-editor.org/rfc/rfc3566
// [RFC 4494]: https://www.rfc-editor.org/rfc/rfc4494
// [RFC 4543]: https://www.rfc-editor.org/rfc/rfc4543
// [RFC 4868]: https://www.rfc-editor.org/rfc/rfc4868
// [RFC 4595]: https://www.rfc-editor.org/rfc/rfc4595
const (
	IntegNone             IntegID = 0
	IntegHMACMD5_96       IntegID = 1
	IntegHMACSHA1_96      IntegID = 2
	IntegDESMAC           IntegID = 3
	IntegKPDKMD5          IntegID = 4
	IntegAESXCBC96        IntegID = 5
	IntegHMACMD5_128      IntegID = 6
	IntegHMACSHA1_160     IntegID = 7
	IntegAESCMAC96        IntegID = 8
	IntegAES128GMAC       IntegID = 9
	IntegAES192GMAC       IntegID = 10
	IntegAES256GMAC       IntegID = 11
	IntegHMACSHA2_256_128 IntegID = 12
	IntegHMACSHA2_384_192 IntegID = 13
	IntegHMACSHA2_512_256 IntegID = 14
)

// String returns the IANA name ("AUTH_HMAC_SHA2_256_128") or the number with its range.
func (i IntegID) String() string { return integRegistry.name(i) }

// Known reports whether i has a registered name.
func (i IntegID) Known() bool { return integRegistry.known(i) }

// MarshalText encodes the ID as its name.
func (i IntegID) MarshalText() ([]byte, error) { return []byte(i.String()), nil }

var integRegistry = registry[IntegID]{
	names: map[IntegID]string{
		IntegNone:             "NONE",
		IntegHMACMD5_96:       "AUTH_HMAC_MD5_96",
		IntegHMACSHA1_96:      "AUTH_HMAC_SHA1_96",
		IntegDESMAC:           "AUTH_DES_MAC",
		IntegKPDKMD5:          "AUTH_KPDK_MD5",
		IntegAESXCBC96:        "AUTH_AES_XCBC_96",
		IntegHMACMD5_128:      "AUTH_HMAC_MD5_128",
		IntegHMACSHA1_160:     "AUTH_HMAC_SHA1_160",
		IntegAESCMAC96:        "AUTH_AES_CMAC_96",
		IntegAES128GMAC:       "AUTH_AES_128_GMAC",
		IntegAES192GMAC:       "AUTH_AES_192_GMAC",
		IntegAES256GMAC:       "AUTH_AES_256_GMAC",
		IntegHMACSHA2_256_128: "AUTH_HMAC_SHA2_256_128",
		IntegHMACSHA2_384_192: "AUTH_HMAC_SHA2_384_192",
		IntegHMACSHA2_512_256: "AUTH_HMAC_SHA2_512_256",
	},
	ranges: []valueRange{{15, 1023, "unassigned"}, {1024, 65535, "private use"}},
}

// ICVLen returns the length in octets of the integrity check value that
// algorithm i appends, or 0 when unknown or NONE ([RFC 7296] §3.14,
// [RFC 4868] §2.6).
func (i IntegID) ICVLen() int {
	switch i {
	case IntegHMACMD5_96, IntegHMACSHA1_96, IntegAESXCBC96, IntegAESCMAC96:
		return 12
	case IntegHMACMD5_128, IntegHMACSHA2_256_128, IntegAES128GMAC, IntegAES192GMAC, IntegAES256GMAC:
		return 16
	case IntegHMACSHA1_160:
		return 20
	case IntegHMACSHA2_384_192:
		return 24
	case IntegHMACSHA2_512_256:
		return 32
	}
	return 0
}

// ESNID is an Extended Sequence Numbers transform ID (Transform Type 5,
// [RFC 7296] §3.3.2). IANA renamed the type "Sequence Numbers" when
// G-IKEv2 added value 2.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.2
type ESNID uint16

// Sequence number transform IDs.
const (
	ESNNone ESNID = 0 // No Extended Sequence Numbers (32-bit sequential numbers)
	ESNYes  ESNID = 1 // Extended Sequence Numbers (partially transmitted 64-bit)
	// ESNUnspecified is "32-bit Unspecified Numbers" (G-IKEv2, RFC 9838).
	ESNUnspecified ESNID = 2
)

// String returns "NO_ESN", "ESN" or the number with its range.
func (e ESNID) String() string { return esnRegistry.name(e) }

// MarshalText encodes the ID as its name.
func (e ESNID) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

var esnRegistry = registry[ESNID]{
	names: map[ESNID]string{
		ESNNone:        "NO_ESN",
		ESNYes:         "ESN",
		ESNUnspecified: "UNSPECIFIED_32",
	},
	ranges: []valueRange{{3, 1023, "unassigned"}, {1024, 65535, "private use"}},
}

// TransformAttrKeyLength is the only IKEv2 transform attribute type, Key
// Length in bits, always in TV format ([RFC 7296] §3.3.5).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.5
const TransformAttrKeyLength uint16 = 14
