package dissect

import (
	"strconv"
	"strings"
)

// IKEv1 registries of ISAKMP ([RFC 2408]) and the IPsec DOI ([RFC 2407]):
// domains of interpretation, situation bits, protocol IDs, transform IDs per
// protocol, identification types and certificate encodings. Names are the
// IANA "ISAKMP"/"IPsec" registry names as RFC 2407 spells them.
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408

// DOI is the Domain of Interpretation of an IKEv1 SA, Notification or
// Delete payload ([RFC 2408] §3.4, §3.14, §3.15; [RFC 2407] §4.2).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.2
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.4
type DOI uint32

// Domains of interpretation ([RFC 2408] §3.4, [RFC 2407] §4.2, [RFC 6407]).
//
// [RFC 6407]: https://www.rfc-editor.org/rfc/rfc6407
const (
	DOIISAKMP DOI = 0 // ISAKMP (generic phase 1)
	DOIIPsec  DOI = 1 // IPSEC
	DOIGDOI   DOI = 2 // GDOI (Group Domain of Interpretation)
)

// String returns "ISAKMP", "IPSEC", "GDOI" or the number with its range.
func (d DOI) String() string { return doiRegistry.name(d) }

// MarshalText encodes the DOI as its name.
func (d DOI) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

var doiRegistry = registry[DOI]{
	names:  map[DOI]string{DOIISAKMP: "ISAKMP", DOIIPsec: "IPSEC", DOIGDOI: "GDOI"},
	ranges: []valueRange{{3, 0xffffffff, "unassigned"}},
}

// Situation is the IPsec DOI Situation bitmap of an SA payload ([RFC 2407] §4.2).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.2
type Situation uint32

// Situation bits ([RFC 2407] §4.2).
const (
	SitIdentityOnly Situation = 0x01 // SIT_IDENTITY_ONLY
	SitSecrecy      Situation = 0x02 // SIT_SECRECY
	SitIntegrity    Situation = 0x04 // SIT_INTEGRITY
)

var situationBits = []struct {
	bit  Situation
	name string
}{
	{SitIdentityOnly, "SIT_IDENTITY_ONLY"},
	{SitSecrecy, "SIT_SECRECY"},
	{SitIntegrity, "SIT_INTEGRITY"},
}

// String lists the set bits joined by "|" ("SIT_IDENTITY_ONLY"); unknown
// bits print as hex, zero prints as "0".
func (s Situation) String() string {
	if s == 0 {
		return "0"
	}
	var parts []string
	rest := s
	for _, b := range situationBits {
		if s&b.bit != 0 {
			parts = append(parts, b.name)
			rest &^= b.bit
		}
	}
	if rest != 0 {
		parts = append(parts, "0x"+strconv.FormatUint(uint64(rest), 16))
	}
	return strings.Join(parts, "|")
}

// MarshalText encodes the situation as its String form.
func (s Situation) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ProtocolIDV1 is an IPsec DOI Security Protocol Identifier, used in IKEv1
// proposals, notifications and deletes ([RFC 2407] §4.4.1). IKEv2 numbers
// its protocols differently.
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.1
type ProtocolIDV1 uint8

// Security protocol identifiers ([RFC 2407] §4.4.1, [RFC 4705]).
//
// [RFC 4705]: https://www.rfc-editor.org/rfc/rfc4705
const (
	ProtoISAKMPV1   ProtocolIDV1 = 1 // PROTO_ISAKMP
	ProtoAHV1       ProtocolIDV1 = 2 // PROTO_IPSEC_AH
	ProtoESPV1      ProtocolIDV1 = 3 // PROTO_IPSEC_ESP
	ProtoIPCompV1   ProtocolIDV1 = 4 // PROTO_IPCOMP
	ProtoGigaBeamV1 ProtocolIDV1 = 5 // PROTO_GIGABEAM_RADIO
)

// String returns the RFC name ("PROTO_IPSEC_ESP") or the number with its range.
func (p ProtocolIDV1) String() string { return protocolV1Registry.name(p) }

// MarshalText encodes the protocol as its name.
func (p ProtocolIDV1) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

var protocolV1Registry = registry[ProtocolIDV1]{
	names: map[ProtocolIDV1]string{
		0:               "RESERVED",
		ProtoISAKMPV1:   "PROTO_ISAKMP",
		ProtoAHV1:       "PROTO_IPSEC_AH",
		ProtoESPV1:      "PROTO_IPSEC_ESP",
		ProtoIPCompV1:   "PROTO_IPCOMP",
		ProtoGigaBeamV1: "PROTO_GIGABEAM_RADIO",
	},
	ranges: []valueRange{{6, 248, "unassigned"}, {249, 255, "private use"}},
}

// ISAKMPTransformID is a transform ID of a PROTO_ISAKMP proposal
// ([RFC 2407] §4.4.2).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.2
type ISAKMPTransformID uint8

// KeyIKE is the only ISAKMP transform ID, KEY_IKE ([RFC 2407] §4.4.2).
const KeyIKE ISAKMPTransformID = 1

var isakmpTransformRegistry = registry[ISAKMPTransformID]{
	names:  map[ISAKMPTransformID]string{0: "RESERVED", KeyIKE: "KEY_IKE"},
	ranges: []valueRange{{2, 248, "unassigned"}, {249, 255, "private use"}},
}

// AHTransformID is a transform ID of a PROTO_IPSEC_AH proposal
// ([RFC 2407] §4.4.3, [RFC 4868], [RFC 4543], IANA "IPSEC AH Transform Identifiers").
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.3
// [RFC 4868]: https://www.rfc-editor.org/rfc/rfc4868
// [RFC 4543]: https://www.rfc-editor.org/rfc/rfc4543
type AHTransformID uint8

// String returns the IANA name ("AH_SHA2-256") or the number with its range.
func (t AHTransformID) String() string { return ahTransformRegistry.name(t) }

// MarshalText encodes the ID as its name.
func (t AHTransformID) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// AH transform IDs.
const (
	AHMD5        AHTransformID = 2  // AH_MD5
	AHSHA        AHTransformID = 3  // AH_SHA
	AHDES        AHTransformID = 4  // AH_DES
	AHSHA2_256   AHTransformID = 5  // AH_SHA2-256
	AHSHA2_384   AHTransformID = 6  // AH_SHA2-384
	AHSHA2_512   AHTransformID = 7  // AH_SHA2-512
	AHRIPEMD     AHTransformID = 8  // AH_RIPEMD
	AHAESXCBCMAC AHTransformID = 9  // AH_AES-XCBC-MAC
	AHRSA        AHTransformID = 10 // AH_RSA
	AHAES128GMAC AHTransformID = 11 // AH_AES-128-GMAC
	AHAES192GMAC AHTransformID = 12 // AH_AES-192-GMAC
	AHAES256GMAC AHTransformID = 13 // AH_AES-256-GMAC
)

// String returns "KEY_IKE" or the number with its range.
func (t ISAKMPTransformID) String() string { return isakmpTransformRegistry.name(t) }

// MarshalText encodes the ID as its name.
func (t ISAKMPTransformID) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var ahTransformRegistry = registry[AHTransformID]{
	names: map[AHTransformID]string{
		0:            "RESERVED",
		1:            "RESERVED",
		AHMD5:        "AH_MD5",
		AHSHA:        "AH_SHA",
		AHDES:        "AH_DES",
		AHSHA2_256:   "AH_SHA2-256",
		AHSHA2_384:   "AH_SHA2-384",
		AHSHA2_512:   "AH_SHA2-512",
		AHRIPEMD:     "AH_RIPEMD",
		AHAESXCBCMAC: "AH_AES-XCBC-MAC",
		AHRSA:        "AH_RSA",
		AHAES128GMAC: "AH_AES-128-GMAC",
		AHAES192GMAC: "AH_AES-192-GMAC",
		AHAES256GMAC: "AH_AES-256-GMAC",
	},
	ranges: []valueRange{{14, 248, "unassigned"}, {249, 255, "private use"}},
}

// ESPTransformID is a transform ID of a PROTO_IPSEC_ESP proposal
// ([RFC 2407] §4.4.4, [RFC 3686], [RFC 4309], [RFC 4106], [RFC 4543],
// IANA "IPSEC ESP Transform Identifiers").
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.4
// [RFC 3686]: https://www.rfc-editor.org/rfc/rfc3686
// [RFC 4309]: https://www.rfc-editor.org/rfc/rfc4309
// [RFC 4106]: https://www.rfc-editor.org/rfc/rfc4106
// [RFC 4543]: https://www.rfc-editor.org/rfc/rfc4543
type ESPTransformID uint8

// ESP transform IDs.
const (
	ESPDESIV64         ESPTransformID = 1  // ESP_DES_IV64
	ESPDES             ESPTransformID = 2  // ESP_DES
	ESP3DES            ESPTransformID = 3  // ESP_3DES
	ESPRC5             ESPTransformID = 4  // ESP_RC5
	ESPIDEA            ESPTransformID = 5  // ESP_IDEA
	ESPCAST            ESPTransformID = 6  // ESP_CAST
	ESPBlowfish        ESPTransformID = 7  // ESP_BLOWFISH
	ESP3IDEA           ESPTransformID = 8  // ESP_3IDEA
	ESPDESIV32         ESPTransformID = 9  // ESP_DES_IV32
	ESPRC4             ESPTransformID = 10 // ESP_RC4
	ESPNull            ESPTransformID = 11 // ESP_NULL
	ESPAES             ESPTransformID = 12 // ESP_AES (CBC)
	ESPAESCTR          ESPTransformID = 13 // ESP_AES-CTR
	ESPAESCCM8         ESPTransformID = 14 // ESP_AES-CCM_8
	ESPAESCCM12        ESPTransformID = 15 // ESP_AES-CCM_12
	ESPAESCCM16        ESPTransformID = 16 // ESP_AES-CCM_16
	ESPAESGCM8         ESPTransformID = 18 // ESP_AES-GCM_8
	ESPAESGCM12        ESPTransformID = 19 // ESP_AES-GCM_12
	ESPAESGCM16        ESPTransformID = 20 // ESP_AES-GCM_16
	ESPSEEDCBC         ESPTransformID = 21 // ESP_SEED_CBC
	ESPCamellia        ESPTransformID = 22 // ESP_CAMELLIA
	ESPNullAuthAESGMAC ESPTransformID = 23 // ESP_NULL_AUTH_AES-GMAC
)

// String returns the IANA name ("ESP_AES-GCM_16") or the number with its range.
func (t ESPTransformID) String() string { return espTransformRegistry.name(t) }

// MarshalText encodes the ID as its name.
func (t ESPTransformID) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var espTransformRegistry = registry[ESPTransformID]{
	names: map[ESPTransformID]string{
		0:                  "RESERVED",
		ESPDESIV64:         "ESP_DES_IV64",
		ESPDES:             "ESP_DES",
		ESP3DES:            "ESP_3DES",
		ESPRC5:             "ESP_RC5",
		ESPIDEA:            "ESP_IDEA",
		ESPCAST:            "ESP_CAST",
		ESPBlowfish:        "ESP_BLOWFISH",
		ESP3IDEA:           "ESP_3IDEA",
		ESPDESIV32:         "ESP_DES_IV32",
		ESPRC4:             "ESP_RC4",
		ESPNull:            "ESP_NULL",
		ESPAES:             "ESP_AES",
		ESPAESCTR:          "ESP_AES-CTR",
		ESPAESCCM8:         "ESP_AES-CCM_8",
		ESPAESCCM12:        "ESP_AES-CCM_12",
		ESPAESCCM16:        "ESP_AES-CCM_16",
		ESPAESGCM8:         "ESP_AES-GCM_8",
		ESPAESGCM12:        "ESP_AES-GCM_12",
		ESPAESGCM16:        "ESP_AES-GCM_16",
		ESPSEEDCBC:         "ESP_SEED_CBC",
		ESPCamellia:        "ESP_CAMELLIA",
		ESPNullAuthAESGMAC: "ESP_NULL_AUTH_AES-GMAC",
	},
	ranges: []valueRange{{17, 17, "unassigned"}, {24, 248, "unassigned"}, {249, 255, "private use"}},
}

// IPCompTransformID is a transform ID of a PROTO_IPCOMP proposal
// ([RFC 2407] §4.4.5, [RFC 3051]).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.5
// [RFC 3051]: https://www.rfc-editor.org/rfc/rfc3051
type IPCompTransformID uint8

// IPComp transform IDs.
const (
	IPCompOUI     IPCompTransformID = 1 // IPCOMP_OUI
	IPCompDeflate IPCompTransformID = 2 // IPCOMP_DEFLATE
	IPCompLZS     IPCompTransformID = 3 // IPCOMP_LZS
	IPCompLZJH    IPCompTransformID = 4 // IPCOMP_LZJH
)

// String returns the IANA name ("IPCOMP_DEFLATE") or the number with its range.
func (t IPCompTransformID) String() string { return ipcompTransformRegistry.name(t) }

// MarshalText encodes the ID as its name.
func (t IPCompTransformID) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var ipcompTransformRegistry = registry[IPCompTransformID]{
	names: map[IPCompTransformID]string{
		0:             "RESERVED",
		IPCompOUI:     "IPCOMP_OUI",
		IPCompDeflate: "IPCOMP_DEFLATE",
		IPCompLZS:     "IPCOMP_LZS",
		IPCompLZJH:    "IPCOMP_LZJH",
	},
	ranges: []valueRange{{5, 47, "unassigned"}, {48, 63, "private use"}, {64, 255, "reserved"}},
}

// TransformNameV1 names transform ID id within protocol p: KEY_IKE for
// PROTO_ISAKMP, AH_*, ESP_* or IPCOMP_* ([RFC 2407] §4.4.2–§4.4.5). IDs of
// other protocols print as "transform N".
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.4.2
func TransformNameV1(p ProtocolIDV1, id uint8) string {
	if name, ok := transformNamesV1[p]; ok {
		return name(uint32(id))
	}
	return "transform " + v1Utoa(id)
}

// transformNamesV1 names the transform IDs of each protocol that has a
// transform ID registry.
var transformNamesV1 = map[ProtocolIDV1]func(uint32) string{
	ProtoISAKMPV1: valueString[ISAKMPTransformID],
	ProtoAHV1:     valueString[AHTransformID],
	ProtoESPV1:    valueString[ESPTransformID],
	ProtoIPCompV1: valueString[IPCompTransformID],
}

// IDTypeV1 is the Identification Type of an IKEv1 ID payload in the IPsec
// DOI ([RFC 2407] §4.6.2.1, [RFC 3554] for ID_LIST). IKEv2 has its own
// numbering.
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.2.1
// [RFC 3554]: https://www.rfc-editor.org/rfc/rfc3554
type IDTypeV1 uint8

// IPsec DOI identification types.
const (
	IDV1IPv4Addr       IDTypeV1 = 1  // ID_IPV4_ADDR
	IDV1FQDN           IDTypeV1 = 2  // ID_FQDN
	IDV1UserFQDN       IDTypeV1 = 3  // ID_USER_FQDN
	IDV1IPv4AddrSubnet IDTypeV1 = 4  // ID_IPV4_ADDR_SUBNET
	IDV1IPv6Addr       IDTypeV1 = 5  // ID_IPV6_ADDR
	IDV1IPv6AddrSubnet IDTypeV1 = 6  // ID_IPV6_ADDR_SUBNET
	IDV1IPv4AddrRange  IDTypeV1 = 7  // ID_IPV4_ADDR_RANGE
	IDV1IPv6AddrRange  IDTypeV1 = 8  // ID_IPV6_ADDR_RANGE
	IDV1DERASN1DN      IDTypeV1 = 9  // ID_DER_ASN1_DN
	IDV1DERASN1GN      IDTypeV1 = 10 // ID_DER_ASN1_GN
	IDV1KeyID          IDTypeV1 = 11 // ID_KEY_ID
	IDV1List           IDTypeV1 = 12 // ID_LIST (RFC 3554)
)

// String returns the RFC name ("ID_IPV4_ADDR_SUBNET") or the number with its range.
func (t IDTypeV1) String() string { return idTypeV1Registry.name(t) }

// MarshalText encodes the type as its name.
func (t IDTypeV1) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var idTypeV1Registry = registry[IDTypeV1]{
	names: map[IDTypeV1]string{
		0:                  "RESERVED",
		IDV1IPv4Addr:       "ID_IPV4_ADDR",
		IDV1FQDN:           "ID_FQDN",
		IDV1UserFQDN:       "ID_USER_FQDN",
		IDV1IPv4AddrSubnet: "ID_IPV4_ADDR_SUBNET",
		IDV1IPv6Addr:       "ID_IPV6_ADDR",
		IDV1IPv6AddrSubnet: "ID_IPV6_ADDR_SUBNET",
		IDV1IPv4AddrRange:  "ID_IPV4_ADDR_RANGE",
		IDV1IPv6AddrRange:  "ID_IPV6_ADDR_RANGE",
		IDV1DERASN1DN:      "ID_DER_ASN1_DN",
		IDV1DERASN1GN:      "ID_DER_ASN1_GN",
		IDV1KeyID:          "ID_KEY_ID",
		IDV1List:           "ID_LIST",
	},
	ranges: []valueRange{{13, 248, "unassigned"}, {249, 255, "private use"}},
}

// CertEncodingV1 is the Certificate Encoding of an IKEv1 CERT payload and
// the Certificate Type of a CR payload ([RFC 2408] §3.9, §3.10).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.9
type CertEncodingV1 uint8

// Certificate encodings ([RFC 2408] §3.9).
const (
	CertV1None          CertEncodingV1 = 0  // NONE
	CertV1PKCS7         CertEncodingV1 = 1  // PKCS #7 wrapped X.509 certificate
	CertV1PGP           CertEncodingV1 = 2  // PGP Certificate
	CertV1DNSSignedKey  CertEncodingV1 = 3  // DNS Signed Key
	CertV1X509Sig       CertEncodingV1 = 4  // X.509 Certificate - Signature
	CertV1X509KE        CertEncodingV1 = 5  // X.509 Certificate - Key Exchange
	CertV1Kerberos      CertEncodingV1 = 6  // Kerberos Tokens
	CertV1CRL           CertEncodingV1 = 7  // Certificate Revocation List (CRL)
	CertV1ARL           CertEncodingV1 = 8  // Authority Revocation List (ARL)
	CertV1SPKI          CertEncodingV1 = 9  // SPKI Certificate
	CertV1X509Attribute CertEncodingV1 = 10 // X.509 Certificate - Attribute
)

// String returns the RFC 2408 name or the number with its range.
func (c CertEncodingV1) String() string { return certEncodingV1Registry.name(c) }

// MarshalText encodes the encoding as its name.
func (c CertEncodingV1) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

var certEncodingV1Registry = registry[CertEncodingV1]{
	names: map[CertEncodingV1]string{
		CertV1None:          "NONE",
		CertV1PKCS7:         "PKCS #7 wrapped X.509 certificate",
		CertV1PGP:           "PGP Certificate",
		CertV1DNSSignedKey:  "DNS Signed Key",
		CertV1X509Sig:       "X.509 Certificate - Signature",
		CertV1X509KE:        "X.509 Certificate - Key Exchange",
		CertV1Kerberos:      "Kerberos Tokens",
		CertV1CRL:           "Certificate Revocation List (CRL)",
		CertV1ARL:           "Authority Revocation List (ARL)",
		CertV1SPKI:          "SPKI Certificate",
		CertV1X509Attribute: "X.509 Certificate - Attribute",
	},
	ranges: []valueRange{{11, 255, "reserved"}},
}
