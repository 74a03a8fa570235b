package dissect

// NotifyTypeV1 is the Notify Message Type of an IKEv1 Notification payload
// ([RFC 2408] §3.14.1, [RFC 2407] §4.6.3, [RFC 3706] §5, plus vendor
// values). IKEv2 numbers its notifications differently (16384 is CONNECTED
// here, INITIAL_CONTACT there), hence a separate type.
//
// Ranges: 1–8191 errors (31–8191 reserved), 8192–16383 private-use errors,
// 16384–24575 status (CONNECTED and reserved), 24576–32767 DOI-specific,
// 32768–40959 private-use status, 40960–65535 reserved.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14.1
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.3
// [RFC 3706]: https://www.rfc-editor.org/rfc/rfc3706#section-5
type NotifyTypeV1 uint16

// Notify message types. Names are those of the RFCs (and of Wireshark).
const (
	NotifyV1InvalidPayloadType      NotifyTypeV1 = 1     // INVALID-PAYLOAD-TYPE
	NotifyV1DOINotSupported         NotifyTypeV1 = 2     // DOI-NOT-SUPPORTED
	NotifyV1SituationNotSupported   NotifyTypeV1 = 3     // SITUATION-NOT-SUPPORTED
	NotifyV1InvalidCookie           NotifyTypeV1 = 4     // INVALID-COOKIE
	NotifyV1InvalidMajorVersion     NotifyTypeV1 = 5     // INVALID-MAJOR-VERSION
	NotifyV1InvalidMinorVersion     NotifyTypeV1 = 6     // INVALID-MINOR-VERSION
	NotifyV1InvalidExchangeType     NotifyTypeV1 = 7     // INVALID-EXCHANGE-TYPE
	NotifyV1InvalidFlags            NotifyTypeV1 = 8     // INVALID-FLAGS
	NotifyV1InvalidMessageID        NotifyTypeV1 = 9     // INVALID-MESSAGE-ID
	NotifyV1InvalidProtocolID       NotifyTypeV1 = 10    // INVALID-PROTOCOL-ID
	NotifyV1InvalidSPI              NotifyTypeV1 = 11    // INVALID-SPI
	NotifyV1InvalidTransformID      NotifyTypeV1 = 12    // INVALID-TRANSFORM-ID
	NotifyV1AttributesNotSupported  NotifyTypeV1 = 13    // ATTRIBUTES-NOT-SUPPORTED
	NotifyV1NoProposalChosen        NotifyTypeV1 = 14    // NO-PROPOSAL-CHOSEN
	NotifyV1BadProposalSyntax       NotifyTypeV1 = 15    // BAD-PROPOSAL-SYNTAX
	NotifyV1PayloadMalformed        NotifyTypeV1 = 16    // PAYLOAD-MALFORMED
	NotifyV1InvalidKeyInformation   NotifyTypeV1 = 17    // INVALID-KEY-INFORMATION
	NotifyV1InvalidIDInformation    NotifyTypeV1 = 18    // INVALID-ID-INFORMATION
	NotifyV1InvalidCertEncoding     NotifyTypeV1 = 19    // INVALID-CERT-ENCODING
	NotifyV1InvalidCertificate      NotifyTypeV1 = 20    // INVALID-CERTIFICATE
	NotifyV1CertTypeUnsupported     NotifyTypeV1 = 21    // CERT-TYPE-UNSUPPORTED
	NotifyV1InvalidCertAuthority    NotifyTypeV1 = 22    // INVALID-CERT-AUTHORITY
	NotifyV1InvalidHashInformation  NotifyTypeV1 = 23    // INVALID-HASH-INFORMATION
	NotifyV1AuthenticationFailed    NotifyTypeV1 = 24    // AUTHENTICATION-FAILED
	NotifyV1InvalidSignature        NotifyTypeV1 = 25    // INVALID-SIGNATURE
	NotifyV1AddressNotification     NotifyTypeV1 = 26    // ADDRESS-NOTIFICATION
	NotifyV1NotifySALifetime        NotifyTypeV1 = 27    // NOTIFY-SA-LIFETIME
	NotifyV1CertificateUnavailable  NotifyTypeV1 = 28    // CERTIFICATE-UNAVAILABLE
	NotifyV1UnsupportedExchangeType NotifyTypeV1 = 29    // UNSUPPORTED-EXCHANGE-TYPE
	NotifyV1UnequalPayloadLengths   NotifyTypeV1 = 30    // UNEQUAL-PAYLOAD-LENGTHS
	NotifyV1Connected               NotifyTypeV1 = 16384 // CONNECTED
	NotifyV1ResponderLifetime       NotifyTypeV1 = 24576 // RESPONDER-LIFETIME (IPsec DOI)
	NotifyV1ReplayStatus            NotifyTypeV1 = 24577 // REPLAY-STATUS (IPsec DOI)
	NotifyV1InitialContact          NotifyTypeV1 = 24578 // INITIAL-CONTACT (IPsec DOI)
	NotifyV1RUThere                 NotifyTypeV1 = 36136 // R-U-THERE (RFC 3706)
	NotifyV1RUThereAck              NotifyTypeV1 = 36137 // R-U-THERE-ACK (RFC 3706)
	NotifyV1UnityLoadBalance        NotifyTypeV1 = 40501 // UNITY-LOAD-BALANCE (Cisco)
	NotifyV1UnityGroupHash          NotifyTypeV1 = 40503 // UNITY-GROUP-HASH (Cisco)
)

// String returns the RFC name ("NO-PROPOSAL-CHOSEN") or the number with its
// range ("private use 8193", "DOI-specific 25000").
func (t NotifyTypeV1) String() string { return notifyV1Registry.name(t) }

// MarshalText encodes the type as its name.
func (t NotifyTypeV1) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var notifyV1Registry = registry[NotifyTypeV1]{
	names: map[NotifyTypeV1]string{
		0:                               "RESERVED",
		NotifyV1InvalidPayloadType:      "INVALID-PAYLOAD-TYPE",
		NotifyV1DOINotSupported:         "DOI-NOT-SUPPORTED",
		NotifyV1SituationNotSupported:   "SITUATION-NOT-SUPPORTED",
		NotifyV1InvalidCookie:           "INVALID-COOKIE",
		NotifyV1InvalidMajorVersion:     "INVALID-MAJOR-VERSION",
		NotifyV1InvalidMinorVersion:     "INVALID-MINOR-VERSION",
		NotifyV1InvalidExchangeType:     "INVALID-EXCHANGE-TYPE",
		NotifyV1InvalidFlags:            "INVALID-FLAGS",
		NotifyV1InvalidMessageID:        "INVALID-MESSAGE-ID",
		NotifyV1InvalidProtocolID:       "INVALID-PROTOCOL-ID",
		NotifyV1InvalidSPI:              "INVALID-SPI",
		NotifyV1InvalidTransformID:      "INVALID-TRANSFORM-ID",
		NotifyV1AttributesNotSupported:  "ATTRIBUTES-NOT-SUPPORTED",
		NotifyV1NoProposalChosen:        "NO-PROPOSAL-CHOSEN",
		NotifyV1BadProposalSyntax:       "BAD-PROPOSAL-SYNTAX",
		NotifyV1PayloadMalformed:        "PAYLOAD-MALFORMED",
		NotifyV1InvalidKeyInformation:   "INVALID-KEY-INFORMATION",
		NotifyV1InvalidIDInformation:    "INVALID-ID-INFORMATION",
		NotifyV1InvalidCertEncoding:     "INVALID-CERT-ENCODING",
		NotifyV1InvalidCertificate:      "INVALID-CERTIFICATE",
		NotifyV1CertTypeUnsupported:     "CERT-TYPE-UNSUPPORTED",
		NotifyV1InvalidCertAuthority:    "INVALID-CERT-AUTHORITY",
		NotifyV1InvalidHashInformation:  "INVALID-HASH-INFORMATION",
		NotifyV1AuthenticationFailed:    "AUTHENTICATION-FAILED",
		NotifyV1InvalidSignature:        "INVALID-SIGNATURE",
		NotifyV1AddressNotification:     "ADDRESS-NOTIFICATION",
		NotifyV1NotifySALifetime:        "NOTIFY-SA-LIFETIME",
		NotifyV1CertificateUnavailable:  "CERTIFICATE-UNAVAILABLE",
		NotifyV1UnsupportedExchangeType: "UNSUPPORTED-EXCHANGE-TYPE",
		NotifyV1UnequalPayloadLengths:   "UNEQUAL-PAYLOAD-LENGTHS",
		NotifyV1Connected:               "CONNECTED",
		NotifyV1ResponderLifetime:       "RESPONDER-LIFETIME",
		NotifyV1ReplayStatus:            "REPLAY-STATUS",
		NotifyV1InitialContact:          "INITIAL-CONTACT",
		NotifyV1RUThere:                 "R-U-THERE",
		NotifyV1RUThereAck:              "R-U-THERE-ACK",
		NotifyV1UnityLoadBalance:        "UNITY-LOAD-BALANCE",
		NotifyV1UnityGroupHash:          "UNITY-GROUP-HASH",
	},
	ranges: []valueRange{
		{31, 8191, "reserved"},
		{8192, 16383, "private use"},
		{16385, 24575, "reserved"},
		{24576, 32767, "DOI-specific"},
		{32768, 40959, "private use"},
		{40960, 65535, "reserved"},
	},
}

// IsError reports whether t is in one of the error ranges, 1–16383
// ([RFC 2408] §3.14.1: errors 1–8191, private-use errors 8192–16383).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14.1
func (t NotifyTypeV1) IsError() bool { return t >= 1 && t <= 16383 }

// IsStatus reports whether t is a status notification, 16384–65535
// ([RFC 2408] §3.14.1).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.14.1
func (t NotifyTypeV1) IsStatus() bool { return t >= 16384 }
