package dissect

// GatewayIDType is the Gateway Identity Type of the REDIRECT and
// REDIRECTED_FROM notifies ([RFC 5685] §9; IANA "IKEv2 Gateway Identity
// Types"). Values 241–255 are private use.
//
// [RFC 5685]: https://www.rfc-editor.org/rfc/rfc5685#section-9
type GatewayIDType uint8

// Gateway identity types ([RFC 5685] §9).
const (
	GatewayIPv4 GatewayIDType = 1 // IPv4 address of the VPN gateway
	GatewayIPv6 GatewayIDType = 2 // IPv6 address of the VPN gateway
	GatewayFQDN GatewayIDType = 3 // FQDN of the VPN gateway
)

// String returns "IPV4", "IPV6", "FQDN" or the number with its range.
func (t GatewayIDType) String() string { return gatewayRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t GatewayIDType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var gatewayRegistry = registry[GatewayIDType]{
	names: map[GatewayIDType]string{
		GatewayIPv4: "IPV4",
		GatewayIPv6: "IPV6",
		GatewayFQDN: "FQDN",
	},
	ranges: []valueRange{{0, 0, "reserved"}, {4, 240, "unassigned"}, {241, 255, "private use"}},
}
