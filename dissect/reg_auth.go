package dissect

// AuthMethod is the Auth Method field of an IKEv2 AUTH payload
// ([RFC 7296] §3.8; IANA "IKEv2 Authentication Method"). Values 201–255
// are private use.
//
// Names: short identifiers derived from the IANA description (the
// registry has no identifier column); Description returns the IANA text.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.8
type AuthMethod uint8

// Authentication methods ([RFC 7296], [RFC 4754], [RFC 6467], [RFC 7619],
// [RFC 7427]).
//
// [RFC 4754]: https://www.rfc-editor.org/rfc/rfc4754
// [RFC 6467]: https://www.rfc-editor.org/rfc/rfc6467
// [RFC 7619]: https://www.rfc-editor.org/rfc/rfc7619
// [RFC 7427]: https://www.rfc-editor.org/rfc/rfc7427
const (
	AuthRSASig       AuthMethod = 1  // RSA Digital Signature
	AuthPSK          AuthMethod = 2  // Shared Key Message Integrity Code
	AuthDSSSig       AuthMethod = 3  // DSS Digital Signature
	AuthECDSA256     AuthMethod = 9  // ECDSA with SHA-256 on the P-256 curve (RFC 4754)
	AuthECDSA384     AuthMethod = 10 // ECDSA with SHA-384 on the P-384 curve (RFC 4754)
	AuthECDSA521     AuthMethod = 11 // ECDSA with SHA-512 on the P-521 curve (RFC 4754)
	AuthGSPAM        AuthMethod = 12 // Generic Secure Password Authentication Method (RFC 6467)
	AuthNULL         AuthMethod = 13 // NULL Authentication (RFC 7619)
	AuthDigitalSig   AuthMethod = 14 // Digital Signature (RFC 7427)
	authFirstUnknown AuthMethod = 15
)

// String returns the short name ("RSA_SIG", "PSK", "DIGITAL_SIGNATURE") or
// the number with its range.
func (m AuthMethod) String() string { return authRegistry.name(m) }

// Description returns the IANA description ("Shared Key Message Integrity Code").
func (m AuthMethod) Description() string { return authRegistry.desc(m) }

// MarshalText encodes the method as its short name.
func (m AuthMethod) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

var authRegistry = describedRegistry[AuthMethod]{
	names: map[AuthMethod]regName{
		AuthRSASig:     {"RSA_SIG", "RSA Digital Signature"},
		AuthPSK:        {"PSK", "Shared Key Message Integrity Code"},
		AuthDSSSig:     {"DSS_SIG", "DSS Digital Signature"},
		AuthECDSA256:   {"ECDSA_SHA256_P256", "ECDSA with SHA-256 on the P-256 curve"},
		AuthECDSA384:   {"ECDSA_SHA384_P384", "ECDSA with SHA-384 on the P-384 curve"},
		AuthECDSA521:   {"ECDSA_SHA512_P521", "ECDSA with SHA-512 on the P-521 curve"},
		AuthGSPAM:      {"GSPAM", "Generic Secure Password Authentication Method"},
		AuthNULL:       {"NULL", "NULL Authentication"},
		AuthDigitalSig: {"DIGITAL_SIGNATURE", "Digital Signature"},
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{4, 8, "unassigned"},
		{uint32(authFirstUnknown), 200, "unassigned"},
		{201, 255, "private use"},
	},
}
