package flows

import "github.com/ikeflow/ikeflow/dissect"

// weakFamily is the registry a weak-algorithm judgment is about.
type weakFamily uint8

const (
	weakEncrV2  weakFamily = iota // IKEv2 ENCR transform IDs
	weakIntegV2                   // IKEv2 INTEG transform IDs
	weakPRFV2                     // IKEv2 PRF transform IDs
	weakGroup                     // Diffie-Hellman groups (both versions)
	weakEncrV1                    // IKEv1 phase 1 Encryption Algorithm attribute
	weakHashV1                    // IKEv1 phase 1 Hash Algorithm attribute
	weakESPV1                     // IKEv1 ESP transform IDs (IPsec DOI)
	weakAuthV1                    // IKEv1 IPsec Authentication Algorithm attribute
)

// weakRow judges some values of one family: how much it matters and why.
type weakRow struct {
	family weakFamily
	values []uint32
	sev    Severity
	why    string
}

// weakRows is what ikeflow calls weak (RFC 8221, RFC 8247 and the IKEv1
// equivalents). The wording differs a little between the versions; each
// row is said as it is.
var weakRows = []weakRow{
	{weakEncrV2, u32s(dissect.EncrDESIV64, dissect.EncrDES, dissect.EncrDESIV32), SeverityWarning, "56-bit DES is broken"},
	{weakEncrV2, u32s(dissect.Encr3DES), SeverityWarning, "3DES has a 64-bit block (Sweet32) and RFC 8221/8247 no longer recommend it"},
	{weakEncrV2, u32s(dissect.EncrRC5, dissect.EncrIDEA, dissect.EncrCAST, dissect.EncrBlowfish, dissect.Encr3IDEA), SeverityWarning, "legacy 64-bit block cipher"},
	{weakEncrV2, u32s(dissect.EncrNull), SeverityWarning, "no confidentiality"},
	{weakIntegV2, u32s(dissect.IntegHMACMD5_96, dissect.IntegDESMAC, dissect.IntegKPDKMD5, dissect.IntegHMACMD5_128), SeverityWarning, "MD5-based integrity is deprecated"},
	{weakIntegV2, u32s(dissect.IntegHMACSHA1_96), SeverityInfo, "SHA-1 is legacy (RFC 8247: prefer SHA-2)"},
	{weakPRFV2, u32s(dissect.PRFHMACMD5), SeverityWarning, "MD5 PRF is deprecated"},
	{weakPRFV2, u32s(dissect.PRFHMACSHA1), SeverityInfo, "SHA-1 PRF is legacy (RFC 8247: prefer SHA-2)"},
	{weakGroup, u32s(dissect.DHModp768, dissect.DHModp1024, dissect.DHModp1024S160, dissect.DHEC2N155, dissect.DHEC2N185), SeverityWarning, "DH group of 1024 bits or less (Logjam-class)"},
	{weakGroup, u32s(dissect.DHModp1536), SeverityInfo, "1536-bit MODP is below today's 2048-bit minimum"},
	{weakEncrV1, u32s(dissect.EncrV1DES), SeverityWarning, "56-bit DES is broken"},
	{weakEncrV1, u32s(dissect.EncrV13DES), SeverityWarning, "3DES has a 64-bit block (Sweet32) and is no longer recommended"},
	{weakEncrV1, u32s(dissect.EncrV1IDEA, dissect.EncrV1Blowfish, dissect.EncrV1RC5, dissect.EncrV1CAST), SeverityWarning, "legacy 64-bit block cipher"},
	{weakHashV1, u32s(dissect.HashV1MD5), SeverityWarning, "MD5 is deprecated"},
	{weakHashV1, u32s(dissect.HashV1SHA), SeverityInfo, "SHA-1 is legacy"},
	{weakESPV1, u32s(dissect.ESPDESIV64, dissect.ESPDES, dissect.ESPDESIV32), SeverityWarning, "56-bit DES is broken"},
	{weakESPV1, u32s(dissect.ESP3DES), SeverityWarning, "3DES has a 64-bit block (Sweet32) and is no longer recommended"},
	{weakESPV1, u32s(dissect.ESPNull), SeverityWarning, "no confidentiality"},
	{weakAuthV1, u32s(dissect.AuthAlgV1HMACMD5), SeverityWarning, "MD5-based integrity is deprecated"},
	{weakAuthV1, u32s(dissect.AuthAlgV1HMACSHA), SeverityInfo, "SHA-1 is legacy"},
}

// weakKey finds a row of weakRows.
type weakKey struct {
	family weakFamily
	value  uint32
}

// weakIndex is weakRows by family and value.
var weakIndex = func() map[weakKey]*weakRow {
	m := map[weakKey]*weakRow{}
	for i := range weakRows {
		for _, v := range weakRows[i].values {
			m[weakKey{weakRows[i].family, v}] = &weakRows[i]
		}
	}
	return m
}()

// judgeWeak judges value of family, named name in the finding.
func judgeWeak[T ~uint8 | ~uint16 | ~uint32](family weakFamily, value T, name string) (weakAlg, bool) {
	if r := weakIndex[weakKey{family, uint32(value)}]; r != nil {
		return weakAlg{name, r.sev, r.why}, true
	}
	return weakAlg{}, false
}

// addWeakness appends the judgment of value to weak, if it is weak.
func addWeakness[T ~uint8 | ~uint16 | ~uint32](weak []weakAlg, family weakFamily, value T, name string) []weakAlg {
	if w, ok := judgeWeak(family, value, name); ok {
		weak = append(weak, w)
	}
	return weak
}

// u32s lists registry values as uint32.
func u32s[T ~uint8 | ~uint16](vs ...T) []uint32 {
	out := make([]uint32, len(vs))
	for i, v := range vs {
		out[i] = uint32(v)
	}
	return out
}
