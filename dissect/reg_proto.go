package dissect

// ProtocolID is an IKEv2 Security Protocol Identifier, used in proposals,
// Notify and Delete payloads ([RFC 7296] §3.3.1, §3.10, §3.11; IANA "IKEv2
// Security Protocol Identifiers"). Values 201–255 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3.1
type ProtocolID uint8

// Security protocol identifiers ([RFC 7296], [RFC 4595], [RFC 9838]).
const (
	ProtocolNone     ProtocolID = 0 // no SPI / not applicable (Notify, §3.10)
	ProtocolIKE      ProtocolID = 1
	ProtocolAH       ProtocolID = 2
	ProtocolESP      ProtocolID = 3
	ProtocolFCESP    ProtocolID = 4 // FC_ESP_HEADER (RFC 4595)
	ProtocolFCCTAuth ProtocolID = 5 // FC_CT_AUTHENTICATION (RFC 4595)
	ProtocolGIKE     ProtocolID = 6 // GIKE_UPDATE (RFC 9838)
)

// String returns "IKE", "AH", "ESP", … or the number with its range.
func (p ProtocolID) String() string { return protocolRegistry.name(p) }

// MarshalText encodes the protocol as its name.
func (p ProtocolID) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

var protocolRegistry = registry[ProtocolID]{
	names: map[ProtocolID]string{
		ProtocolNone:     "NONE",
		ProtocolIKE:      "IKE",
		ProtocolAH:       "AH",
		ProtocolESP:      "ESP",
		ProtocolFCESP:    "FC_ESP_HEADER",
		ProtocolFCCTAuth: "FC_CT_AUTHENTICATION",
		ProtocolGIKE:     "GIKE_UPDATE",
	},
	ranges: []valueRange{{7, 200, "unassigned"}, {201, 255, "private use"}},
}
