package dissect

// ExchangeType is the Exchange Type octet of the ISAKMP/IKE header
// ([RFC 2408] §3.1, [RFC 2409], [RFC 7296] §3.1). IKEv1 and IKEv2 values do
// not collide, so one type serves both versions.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.1
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.1
type ExchangeType uint8

// Exchange types of IKEv1 (ISAKMP + IPsec DOI) and IKEv2.
const (
	ExchangeNone             ExchangeType = 0
	ExchangeBase             ExchangeType = 1
	ExchangeIdentityProtect  ExchangeType = 2 // Main Mode
	ExchangeAuthOnly         ExchangeType = 3
	ExchangeAggressive       ExchangeType = 4
	ExchangeInformationalV1  ExchangeType = 5
	ExchangeTransaction      ExchangeType = 6 // Mode Config
	ExchangeQuickMode        ExchangeType = 32
	ExchangeNewGroupMode     ExchangeType = 33
	ExchangeIKESAInit        ExchangeType = 34
	ExchangeIKEAuth          ExchangeType = 35
	ExchangeCreateChildSA    ExchangeType = 36
	ExchangeInformational    ExchangeType = 37
	ExchangeIKESessionResume ExchangeType = 38
	ExchangeGSAAuth          ExchangeType = 39
	ExchangeGSARegistration  ExchangeType = 40
	ExchangeGSARekey         ExchangeType = 41
	ExchangeIKEIntermediate  ExchangeType = 43
	ExchangeIKEFollowupKE    ExchangeType = 44
	ExchangeGSAInbandRekey   ExchangeType = 42
)

// String returns the IANA name, e.g. "IKE_SA_INIT", or the number with its range.
func (t ExchangeType) String() string { return exchangeRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t ExchangeType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var exchangeRegistry = registry[ExchangeType]{
	names: map[ExchangeType]string{
		ExchangeNone:             "NONE",
		ExchangeBase:             "BASE",
		ExchangeIdentityProtect:  "IDENTITY_PROTECT",
		ExchangeAuthOnly:         "AUTH_ONLY",
		ExchangeAggressive:       "AGGRESSIVE",
		ExchangeInformationalV1:  "INFORMATIONAL_V1",
		ExchangeTransaction:      "TRANSACTION",
		ExchangeQuickMode:        "QUICK_MODE",
		ExchangeNewGroupMode:     "NEW_GROUP_MODE",
		ExchangeIKESAInit:        "IKE_SA_INIT",
		ExchangeIKEAuth:          "IKE_AUTH",
		ExchangeCreateChildSA:    "CREATE_CHILD_SA",
		ExchangeInformational:    "INFORMATIONAL",
		ExchangeIKESessionResume: "IKE_SESSION_RESUME",
		ExchangeGSAAuth:          "GSA_AUTH",
		ExchangeGSARegistration:  "GSA_REGISTRATION",
		ExchangeGSARekey:         "GSA_REKEY",
		ExchangeGSAInbandRekey:   "GSA_INBAND_REKEY",
		ExchangeIKEIntermediate:  "IKE_INTERMEDIATE",
		ExchangeIKEFollowupKE:    "IKE_FOLLOWUP_KE",
	},
	ranges: []valueRange{{7, 31, "reserved"}, {45, 239, "unassigned"}, {240, 255, "private use"}},
}
