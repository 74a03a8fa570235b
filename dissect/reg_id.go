package dissect

// IDType is the ID Type field of an IKEv2 IDi/IDr payload ([RFC 7296]
// §3.5; IANA "IKEv2 Identification Payload ID Types"). It is IKEv2 only:
// the IKEv1 IPsec DOI numbering ([RFC 2407] §4.6.2.1) differs. Values
// 201–255 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.5
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.6.2.1
type IDType uint8

// IKEv2 ID types ([RFC 7296] §3.5, [RFC 4595], [RFC 7619]).
const (
	IDIPv4Addr    IDType = 1  // ID_IPV4_ADDR
	IDFQDN        IDType = 2  // ID_FQDN
	IDRFC822Addr  IDType = 3  // ID_RFC822_ADDR
	IDIPv6Addr    IDType = 5  // ID_IPV6_ADDR
	IDDERASN1DN   IDType = 9  // ID_DER_ASN1_DN
	IDDERASN1GN   IDType = 10 // ID_DER_ASN1_GN
	IDKeyID       IDType = 11 // ID_KEY_ID
	IDFCName      IDType = 12 // ID_FC_NAME (RFC 4595)
	IDNull        IDType = 13 // ID_NULL (RFC 7619)
	idFirstUnused IDType = 14
)

// String returns the IANA name ("ID_FQDN") or the number with its range.
func (t IDType) String() string { return idRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t IDType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var idRegistry = registry[IDType]{
	names: map[IDType]string{
		IDIPv4Addr:   "ID_IPV4_ADDR",
		IDFQDN:       "ID_FQDN",
		IDRFC822Addr: "ID_RFC822_ADDR",
		IDIPv6Addr:   "ID_IPV6_ADDR",
		IDDERASN1DN:  "ID_DER_ASN1_DN",
		IDDERASN1GN:  "ID_DER_ASN1_GN",
		IDKeyID:      "ID_KEY_ID",
		IDFCName:     "ID_FC_NAME",
		IDNull:       "ID_NULL",
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{4, 4, "unassigned"},
		{6, 8, "unassigned"},
		{uint32(idFirstUnused), 200, "unassigned"},
		{201, 255, "private use"},
	},
}
