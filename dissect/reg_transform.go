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

// TransformAttrKeyLength is the only IKEv2 transform attribute type, Key
// Length in bits, always in TV format ([RFC 7296] §3.3.5).
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.5
const TransformAttrKeyLength uint16 = 14
