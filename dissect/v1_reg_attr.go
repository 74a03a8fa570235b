package dissect

// IKEv1 SA attribute registries: the IKE (phase 1) attribute classes of
// [RFC 2409] Appendix A and the IPsec DOI (phase 2) SA attributes of
// [RFC 2407] §4.5, with the names of their enumerated values.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5

// IKEAttrType is an IKE (phase 1, PROTO_ISAKMP/KEY_IKE) attribute class
// ([RFC 2409] Appendix A).
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
type IKEAttrType uint16

// IKE attribute classes ([RFC 2409] Appendix A).
const (
	IKEAttrEncryption   IKEAttrType = 1  // Encryption Algorithm (B)
	IKEAttrHash         IKEAttrType = 2  // Hash Algorithm (B)
	IKEAttrAuthMethod   IKEAttrType = 3  // Authentication Method (B)
	IKEAttrGroupDesc    IKEAttrType = 4  // Group Description (B)
	IKEAttrGroupType    IKEAttrType = 5  // Group Type (B)
	IKEAttrGroupPrime   IKEAttrType = 6  // Group Prime/Irreducible Polynomial (V)
	IKEAttrGroupGenOne  IKEAttrType = 7  // Group Generator One (V)
	IKEAttrGroupGenTwo  IKEAttrType = 8  // Group Generator Two (V)
	IKEAttrGroupCurveA  IKEAttrType = 9  // Group Curve A (V)
	IKEAttrGroupCurveB  IKEAttrType = 10 // Group Curve B (V)
	IKEAttrLifeType     IKEAttrType = 11 // Life Type (B)
	IKEAttrLifeDuration IKEAttrType = 12 // Life Duration (V)
	IKEAttrPRF          IKEAttrType = 13 // PRF (B)
	IKEAttrKeyLength    IKEAttrType = 14 // Key Length (B)
	IKEAttrFieldSize    IKEAttrType = 15 // Field Size (B)
	IKEAttrGroupOrder   IKEAttrType = 16 // Group Order (V)
)

// String returns the class name of RFC 2409 Appendix A ("Encryption
// Algorithm") or the number with its range.
func (t IKEAttrType) String() string { return ikeAttrRegistry.name(t) }

// MarshalText encodes the class as its name.
func (t IKEAttrType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var ikeAttrRegistry = registry[IKEAttrType]{
	names: map[IKEAttrType]string{
		0:                   "RESERVED",
		IKEAttrEncryption:   "Encryption Algorithm",
		IKEAttrHash:         "Hash Algorithm",
		IKEAttrAuthMethod:   "Authentication Method",
		IKEAttrGroupDesc:    "Group Description",
		IKEAttrGroupType:    "Group Type",
		IKEAttrGroupPrime:   "Group Prime/Irreducible Polynomial",
		IKEAttrGroupGenOne:  "Group Generator One",
		IKEAttrGroupGenTwo:  "Group Generator Two",
		IKEAttrGroupCurveA:  "Group Curve A",
		IKEAttrGroupCurveB:  "Group Curve B",
		IKEAttrLifeType:     "Life Type",
		IKEAttrLifeDuration: "Life Duration",
		IKEAttrPRF:          "PRF",
		IKEAttrKeyLength:    "Key Length",
		IKEAttrFieldSize:    "Field Size",
		IKEAttrGroupOrder:   "Group Order",
	},
	ranges: []valueRange{{17, 16383, "unassigned"}, {16384, 32767, "private use"}},
}

// EncrAlgV1 is a value of the IKE Encryption Algorithm attribute
// ([RFC 2409] Appendix A, [RFC 3602], [RFC 4312]).
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 3602]: https://www.rfc-editor.org/rfc/rfc3602
// [RFC 4312]: https://www.rfc-editor.org/rfc/rfc4312
type EncrAlgV1 uint16

// IKE encryption algorithms.
const (
	EncrV1DES      EncrAlgV1 = 1 // DES-CBC
	EncrV1IDEA     EncrAlgV1 = 2 // IDEA-CBC
	EncrV1Blowfish EncrAlgV1 = 3 // Blowfish-CBC
	EncrV1RC5      EncrAlgV1 = 4 // RC5-R16-B64-CBC
	EncrV13DES     EncrAlgV1 = 5 // 3DES-CBC
	EncrV1CAST     EncrAlgV1 = 6 // CAST-CBC
	EncrV1AES      EncrAlgV1 = 7 // AES-CBC
	EncrV1Camellia EncrAlgV1 = 8 // CAMELLIA-CBC
)

// String returns the algorithm name ("AES-CBC") or the number with its range.
func (a EncrAlgV1) String() string { return encrAlgV1Registry.name(a) }

// MarshalText encodes the algorithm as its name.
func (a EncrAlgV1) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

var encrAlgV1Registry = registry[EncrAlgV1]{
	names: map[EncrAlgV1]string{
		0:              "RESERVED",
		EncrV1DES:      "DES-CBC",
		EncrV1IDEA:     "IDEA-CBC",
		EncrV1Blowfish: "Blowfish-CBC",
		EncrV1RC5:      "RC5-R16-B64-CBC",
		EncrV13DES:     "3DES-CBC",
		EncrV1CAST:     "CAST-CBC",
		EncrV1AES:      "AES-CBC",
		EncrV1Camellia: "CAMELLIA-CBC",
	},
	ranges: ikeValueRanges(9),
}

// HashAlgV1 is a value of the IKE Hash Algorithm attribute
// ([RFC 2409] Appendix A, [RFC 4878]).
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 4878]: https://www.rfc-editor.org/rfc/rfc4878
type HashAlgV1 uint16

// IKE hash algorithms.
const (
	HashV1MD5     HashAlgV1 = 1 // MD5
	HashV1SHA     HashAlgV1 = 2 // SHA
	HashV1Tiger   HashAlgV1 = 3 // Tiger
	HashV1SHA2256 HashAlgV1 = 4 // SHA2-256
	HashV1SHA2384 HashAlgV1 = 5 // SHA2-384
	HashV1SHA2512 HashAlgV1 = 6 // SHA2-512
)

// String returns the hash name ("SHA2-256") or the number with its range.
func (a HashAlgV1) String() string { return hashAlgV1Registry.name(a) }

// MarshalText encodes the algorithm as its name.
func (a HashAlgV1) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

var hashAlgV1Registry = registry[HashAlgV1]{
	names: map[HashAlgV1]string{
		0:             "RESERVED",
		HashV1MD5:     "MD5",
		HashV1SHA:     "SHA",
		HashV1Tiger:   "Tiger",
		HashV1SHA2256: "SHA2-256",
		HashV1SHA2384: "SHA2-384",
		HashV1SHA2512: "SHA2-512",
	},
	ranges: ikeValueRanges(7),
}

// AuthMethodV1 is a value of the IKE Authentication Method attribute
// ([RFC 2409] Appendix A, [RFC 4754]), including the private-use XAUTH
// values of draft-beaulieu-ike-xauth-02 §7.2 and the hybrid values of
// draft-ietf-ipsec-isakmp-hybrid-auth-05.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 4754]: https://www.rfc-editor.org/rfc/rfc4754
type AuthMethodV1 uint16

// IKE authentication methods.
const (
	AuthV1PSK                   AuthMethodV1 = 1     // Pre-shared key
	AuthV1DSS                   AuthMethodV1 = 2     // DSS signatures
	AuthV1RSASig                AuthMethodV1 = 3     // RSA signatures
	AuthV1RSAEnc                AuthMethodV1 = 4     // Encryption with RSA
	AuthV1RSARevEnc             AuthMethodV1 = 5     // Revised encryption with RSA
	AuthV1ECDSAP256             AuthMethodV1 = 9     // ECDSA with SHA-256 on the P-256 curve (RFC 4754)
	AuthV1ECDSAP384             AuthMethodV1 = 10    // ECDSA with SHA-384 on the P-384 curve (RFC 4754)
	AuthV1ECDSAP521             AuthMethodV1 = 11    // ECDSA with SHA-512 on the P-521 curve (RFC 4754)
	AuthV1HybridInitRSA         AuthMethodV1 = 64221 // HybridInitRSA
	AuthV1HybridRespRSA         AuthMethodV1 = 64222 // HybridRespRSA
	AuthV1HybridInitDSS         AuthMethodV1 = 64223 // HybridInitDSS
	AuthV1HybridRespDSS         AuthMethodV1 = 64224 // HybridRespDSS
	AuthV1XAUTHInitPSK          AuthMethodV1 = 65001 // XAUTHInitPreShared
	AuthV1XAUTHRespPSK          AuthMethodV1 = 65002 // XAUTHRespPreShared
	AuthV1XAUTHInitDSS          AuthMethodV1 = 65003 // XAUTHInitDSS
	AuthV1XAUTHRespDSS          AuthMethodV1 = 65004 // XAUTHRespDSS
	AuthV1XAUTHInitRSA          AuthMethodV1 = 65005 // XAUTHInitRSA
	AuthV1XAUTHRespRSA          AuthMethodV1 = 65006 // XAUTHRespRSA
	AuthV1XAUTHInitRSAEnc       AuthMethodV1 = 65007 // XAUTHInitRSAEncryption
	AuthV1XAUTHRespRSAEnc       AuthMethodV1 = 65008 // XAUTHRespRSAEncryption
	AuthV1XAUTHInitRSARevisedEn AuthMethodV1 = 65009 // XAUTHInitRSARevisedEncryption
	AuthV1XAUTHRespRSARevisedEn AuthMethodV1 = 65010 // XAUTHRespRSARevisedEncryption
)

// String returns the method name ("Pre-shared key", "XAUTHInitPreShared")
// or the number with its range.
func (a AuthMethodV1) String() string { return authMethodV1Registry.name(a) }

// MarshalText encodes the method as its name.
func (a AuthMethodV1) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

var authMethodV1Registry = registry[AuthMethodV1]{
	names: map[AuthMethodV1]string{
		0:                           "RESERVED",
		AuthV1PSK:                   "Pre-shared key",
		AuthV1DSS:                   "DSS signatures",
		AuthV1RSASig:                "RSA signatures",
		AuthV1RSAEnc:                "Encryption with RSA",
		AuthV1RSARevEnc:             "Revised encryption with RSA",
		6:                           "Encryption with El-Gamal",
		7:                           "Revised encryption with El-Gamal",
		8:                           "ECDSA signatures",
		AuthV1ECDSAP256:             "ECDSA with SHA-256 on the P-256 curve",
		AuthV1ECDSAP384:             "ECDSA with SHA-384 on the P-384 curve",
		AuthV1ECDSAP521:             "ECDSA with SHA-512 on the P-521 curve",
		AuthV1HybridInitRSA:         "HybridInitRSA",
		AuthV1HybridRespRSA:         "HybridRespRSA",
		AuthV1HybridInitDSS:         "HybridInitDSS",
		AuthV1HybridRespDSS:         "HybridRespDSS",
		AuthV1XAUTHInitPSK:          "XAUTHInitPreShared",
		AuthV1XAUTHRespPSK:          "XAUTHRespPreShared",
		AuthV1XAUTHInitDSS:          "XAUTHInitDSS",
		AuthV1XAUTHRespDSS:          "XAUTHRespDSS",
		AuthV1XAUTHInitRSA:          "XAUTHInitRSA",
		AuthV1XAUTHRespRSA:          "XAUTHRespRSA",
		AuthV1XAUTHInitRSAEnc:       "XAUTHInitRSAEncryption",
		AuthV1XAUTHRespRSAEnc:       "XAUTHRespRSAEncryption",
		AuthV1XAUTHInitRSARevisedEn: "XAUTHInitRSARevisedEncryption",
		AuthV1XAUTHRespRSARevisedEn: "XAUTHRespRSARevisedEncryption",
	},
	ranges: ikeValueRanges(12),
}

// IsXAUTH reports whether a is one of the XAUTH methods (65001–65010).
func (a AuthMethodV1) IsXAUTH() bool {
	return a >= AuthV1XAUTHInitPSK && a <= AuthV1XAUTHRespRSARevisedEn
}

// IsHybrid reports whether a is one of the hybrid methods (64221–64224).
func (a AuthMethodV1) IsHybrid() bool { return a >= AuthV1HybridInitRSA && a <= AuthV1HybridRespDSS }

// GroupTypeV1 is a value of the IKE Group Type attribute ([RFC 2409] Appendix A).
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
type GroupTypeV1 uint16

// IKE group types.
const (
	GroupTypeV1MODP GroupTypeV1 = 1 // MODP (modular exponentiation group)
	GroupTypeV1ECP  GroupTypeV1 = 2 // ECP (elliptic curve group over GF[P])
	GroupTypeV1EC2N GroupTypeV1 = 3 // EC2N (elliptic curve group over GF[2^N])
)

// String returns "MODP", "ECP", "EC2N" or the number with its range.
func (g GroupTypeV1) String() string { return groupTypeV1Registry.name(g) }

// MarshalText encodes the group type as its name.
func (g GroupTypeV1) MarshalText() ([]byte, error) { return []byte(g.String()), nil }

var groupTypeV1Registry = registry[GroupTypeV1]{
	names:  map[GroupTypeV1]string{0: "RESERVED", 1: "MODP", 2: "ECP", 3: "EC2N"},
	ranges: ikeValueRanges(4),
}

// LifeTypeV1 is a value of the IKE Life Type attribute and of the IPsec DOI
// SA Life Type attribute ([RFC 2409] Appendix A, [RFC 2407] §4.5); both
// registries assign 1 = seconds and 2 = kilobytes.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5
type LifeTypeV1 uint16

// Life types.
const (
	LifeV1Seconds   LifeTypeV1 = 1 // seconds
	LifeV1Kilobytes LifeTypeV1 = 2 // kilobytes
)

// String returns "seconds", "kilobytes" or the number with its range (the
// IKE registry's ranges: private use from 65001).
func (l LifeTypeV1) String() string { return lifeTypeV1Registry.name(l) }

// MarshalText encodes the life type as its name.
func (l LifeTypeV1) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

var lifeTypeV1Registry = registry[LifeTypeV1]{
	names:  map[LifeTypeV1]string{0: "RESERVED", 1: "seconds", 2: "kilobytes"},
	ranges: ikeValueRanges(3),
}

// IPsecAttrType is an IPsec DOI SA attribute class, used in the transforms
// of AH, ESP and IPComp proposals and in RESPONDER-LIFETIME notifications
// ([RFC 2407] §4.5, [RFC 3168], [RFC 4304], [RFC 6407]).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5
// [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168#section-9.2.1.1
// [RFC 4304]: https://www.rfc-editor.org/rfc/rfc4304
// [RFC 6407]: https://www.rfc-editor.org/rfc/rfc6407
type IPsecAttrType uint16

// IPsec DOI SA attribute classes.
const (
	IPsecAttrLifeType      IPsecAttrType = 1  // SA Life Type (B)
	IPsecAttrLifeDuration  IPsecAttrType = 2  // SA Life Duration (V)
	IPsecAttrGroupDesc     IPsecAttrType = 3  // Group Description (B)
	IPsecAttrEncapMode     IPsecAttrType = 4  // Encapsulation Mode (B)
	IPsecAttrAuthAlg       IPsecAttrType = 5  // Authentication Algorithm (B)
	IPsecAttrKeyLength     IPsecAttrType = 6  // Key Length (B)
	IPsecAttrKeyRounds     IPsecAttrType = 7  // Key Rounds (B)
	IPsecAttrCompDictSize  IPsecAttrType = 8  // Compress Dictionary Size (B)
	IPsecAttrCompPrivAlg   IPsecAttrType = 9  // Compress Private Algorithm (V)
	IPsecAttrECNTunnel     IPsecAttrType = 10 // ECN Tunnel (B), RFC 3168
	IPsecAttrESN           IPsecAttrType = 11 // Extended (64-bit) Sequence Number (B), RFC 4304
	IPsecAttrAuthKeyLength IPsecAttrType = 12 // Authentication Key Length (B), RFC 4868
	IPsecAttrSigEncoding   IPsecAttrType = 13 // Signature Encoding Algorithm (B), RFC 4359
	IPsecAttrAddrPreserve  IPsecAttrType = 14 // Address Preservation (B), RFC 6407
	IPsecAttrSADirection   IPsecAttrType = 15 // SA Direction (B), RFC 6407
)

// String returns the attribute class name of RFC 2407 §4.5 ("Encapsulation
// Mode") or the number with its range.
func (t IPsecAttrType) String() string { return ipsecAttrRegistry.name(t) }

// MarshalText encodes the class as its name.
func (t IPsecAttrType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var ipsecAttrRegistry = registry[IPsecAttrType]{
	names: map[IPsecAttrType]string{
		0:                      "RESERVED",
		IPsecAttrLifeType:      "SA Life Type",
		IPsecAttrLifeDuration:  "SA Life Duration",
		IPsecAttrGroupDesc:     "Group Description",
		IPsecAttrEncapMode:     "Encapsulation Mode",
		IPsecAttrAuthAlg:       "Authentication Algorithm",
		IPsecAttrKeyLength:     "Key Length",
		IPsecAttrKeyRounds:     "Key Rounds",
		IPsecAttrCompDictSize:  "Compress Dictionary Size",
		IPsecAttrCompPrivAlg:   "Compress Private Algorithm",
		IPsecAttrECNTunnel:     "ECN Tunnel",
		IPsecAttrESN:           "Extended (64-bit) Sequence Number",
		IPsecAttrAuthKeyLength: "Authentication Key Length",
		IPsecAttrSigEncoding:   "Signature Encoding Algorithm",
		IPsecAttrAddrPreserve:  "Address Preservation",
		IPsecAttrSADirection:   "SA Direction",
	},
	ranges: []valueRange{{16, 32000, "unassigned"}, {32001, 32767, "private use"}},
}

// EncapModeV1 is a value of the IPsec DOI Encapsulation Mode attribute
// ([RFC 2407] §4.5, [RFC 3947] §5, and the values 61443/61444 that
// draft-ietf-ipsec-nat-t-ike-00..03 implementations still send).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5
// [RFC 3947]: https://www.rfc-editor.org/rfc/rfc3947#section-5
type EncapModeV1 uint16

// Encapsulation modes.
const (
	EncapV1Tunnel            EncapModeV1 = 1     // Tunnel
	EncapV1Transport         EncapModeV1 = 2     // Transport
	EncapV1UDPTunnel         EncapModeV1 = 3     // UDP-Encapsulated-Tunnel (RFC 3947)
	EncapV1UDPTransport      EncapModeV1 = 4     // UDP-Encapsulated-Transport (RFC 3947)
	EncapV1UDPTunnelDraft    EncapModeV1 = 61443 // UDP-Encapsulated-Tunnel (draft)
	EncapV1UDPTransportDraft EncapModeV1 = 61444 // UDP-Encapsulated-Transport (draft)
)

// String returns the mode name ("UDP-Encapsulated-Tunnel") or the number
// with its range.
func (m EncapModeV1) String() string { return encapModeV1Registry.name(m) }

// MarshalText encodes the mode as its name.
func (m EncapModeV1) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

var encapModeV1Registry = registry[EncapModeV1]{
	names: map[EncapModeV1]string{
		0:                        "RESERVED",
		EncapV1Tunnel:            "Tunnel",
		EncapV1Transport:         "Transport",
		EncapV1UDPTunnel:         "UDP-Encapsulated-Tunnel",
		EncapV1UDPTransport:      "UDP-Encapsulated-Transport",
		EncapV1UDPTunnelDraft:    "UDP-Encapsulated-Tunnel (draft)",
		EncapV1UDPTransportDraft: "UDP-Encapsulated-Transport (draft)",
	},
	ranges: ipsecValueRanges(5),
}

// AuthAlgV1 is a value of the IPsec DOI Authentication Algorithm attribute
// ([RFC 2407] §4.5, [RFC 4868], [RFC 3566], [RFC 4543]).
//
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5
// [RFC 4868]: https://www.rfc-editor.org/rfc/rfc4868
// [RFC 3566]: https://www.rfc-editor.org/rfc/rfc3566
// [RFC 4543]: https://www.rfc-editor.org/rfc/rfc4543
type AuthAlgV1 uint16

// IPsec authentication algorithms.
const (
	AuthAlgV1HMACMD5     AuthAlgV1 = 1  // HMAC-MD5
	AuthAlgV1HMACSHA     AuthAlgV1 = 2  // HMAC-SHA
	AuthAlgV1DESMAC      AuthAlgV1 = 3  // DES-MAC
	AuthAlgV1KPDK        AuthAlgV1 = 4  // KPDK
	AuthAlgV1HMACSHA2256 AuthAlgV1 = 5  // HMAC-SHA2-256
	AuthAlgV1HMACSHA2384 AuthAlgV1 = 6  // HMAC-SHA2-384
	AuthAlgV1HMACSHA2512 AuthAlgV1 = 7  // HMAC-SHA2-512
	AuthAlgV1HMACRIPEMD  AuthAlgV1 = 8  // HMAC-RIPEMD
	AuthAlgV1AESXCBCMAC  AuthAlgV1 = 9  // AES-XCBC-MAC
	AuthAlgV1SIGRSA      AuthAlgV1 = 10 // SIG-RSA
	AuthAlgV1AES128GMAC  AuthAlgV1 = 11 // AES-128-GMAC
	AuthAlgV1AES192GMAC  AuthAlgV1 = 12 // AES-192-GMAC
	AuthAlgV1AES256GMAC  AuthAlgV1 = 13 // AES-256-GMAC
)

// String returns the algorithm name ("HMAC-SHA2-256") or the number with its range.
func (a AuthAlgV1) String() string { return authAlgV1Registry.name(a) }

// MarshalText encodes the algorithm as its name.
func (a AuthAlgV1) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

var authAlgV1Registry = registry[AuthAlgV1]{
	names: map[AuthAlgV1]string{
		0:                    "RESERVED",
		AuthAlgV1HMACMD5:     "HMAC-MD5",
		AuthAlgV1HMACSHA:     "HMAC-SHA",
		AuthAlgV1DESMAC:      "DES-MAC",
		AuthAlgV1KPDK:        "KPDK",
		AuthAlgV1HMACSHA2256: "HMAC-SHA2-256",
		AuthAlgV1HMACSHA2384: "HMAC-SHA2-384",
		AuthAlgV1HMACSHA2512: "HMAC-SHA2-512",
		AuthAlgV1HMACRIPEMD:  "HMAC-RIPEMD",
		AuthAlgV1AESXCBCMAC:  "AES-XCBC-MAC",
		AuthAlgV1SIGRSA:      "SIG-RSA",
		AuthAlgV1AES128GMAC:  "AES-128-GMAC",
		AuthAlgV1AES192GMAC:  "AES-192-GMAC",
		AuthAlgV1AES256GMAC:  "AES-256-GMAC",
	},
	ranges: ipsecValueRanges(14),
}

// ecnTunnelV1Names are the values of the ECN Tunnel attribute ([RFC 3168] §9.2.1.1).
//
// [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168#section-9.2.1.1
var ecnTunnelV1Names = map[uint16]string{0: "RESERVED", 1: "Allowed", 2: "Forbidden"}

// esnV1Names are the values of the Extended Sequence Number attribute ([RFC 4304] §2).
//
// [RFC 4304]: https://www.rfc-editor.org/rfc/rfc4304#section-2
var esnV1Names = map[uint16]string{0: "RESERVED", 1: "64-bit Sequence Number"}

// ikeValueRanges are the unnamed ranges of the IKE attribute value
// registries ([RFC 2409] Appendix A): unassigned from firstFree, private use
// from 65001.
func ikeValueRanges(firstFree uint32) []valueRange {
	return []valueRange{{firstFree, 65000, "unassigned"}, {65001, 65535, "private use"}}
}

// ipsecValueRanges are the unnamed ranges of the IPsec DOI attribute value
// registries ([RFC 2407] §4.5): unassigned from firstFree, private use from
// 61440.
func ipsecValueRanges(firstFree uint32) []valueRange {
	return []valueRange{{firstFree, 61439, "unassigned"}, {61440, 65535, "private use"}}
}
