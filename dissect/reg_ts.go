package dissect

// TSType is the TS Type of an IKEv2 traffic selector ([RFC 7296] §3.13.1;
// IANA "IKEv2 Traffic Selector Types"). Values 241–255 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.13.1
type TSType uint8

// Traffic selector types ([RFC 7296], [RFC 4595], [RFC 9478]).
const (
	TSIPv4AddrRange TSType = 7  // TS_IPV4_ADDR_RANGE
	TSIPv6AddrRange TSType = 8  // TS_IPV6_ADDR_RANGE
	TSFCAddrRange   TSType = 9  // TS_FC_ADDR_RANGE (RFC 4595)
	TSSecLabel      TSType = 10 // TS_SECLABEL (RFC 9478)
)

// String returns the IANA name ("TS_IPV4_ADDR_RANGE") or the number with its range.
func (t TSType) String() string { return tsRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t TSType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var tsRegistry = registry[TSType]{
	names: map[TSType]string{
		TSIPv4AddrRange: "TS_IPV4_ADDR_RANGE",
		TSIPv6AddrRange: "TS_IPV6_ADDR_RANGE",
		TSFCAddrRange:   "TS_FC_ADDR_RANGE",
		TSSecLabel:      "TS_SECLABEL",
	},
	ranges: []valueRange{{0, 6, "reserved"}, {11, 240, "unassigned"}, {241, 255, "private use"}},
}
