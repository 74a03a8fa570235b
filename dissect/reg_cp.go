package dissect

// CPType is the CFG Type of an IKEv2 Configuration payload ([RFC 7296]
// §3.15; IANA "IKEv2 Configuration Payload CFG Types"). Values 128–255 are
// private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.15
type CPType uint8

// Configuration payload types ([RFC 7296] §3.15).
const (
	CPRequest CPType = 1 // CFG_REQUEST
	CPReply   CPType = 2 // CFG_REPLY
	CPSet     CPType = 3 // CFG_SET
	CPAck     CPType = 4 // CFG_ACK
)

// String returns the IANA name ("CFG_REQUEST") or the number with its range.
func (t CPType) String() string { return cpTypeRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t CPType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var cpTypeRegistry = registry[CPType]{
	names: map[CPType]string{
		CPRequest: "CFG_REQUEST",
		CPReply:   "CFG_REPLY",
		CPSet:     "CFG_SET",
		CPAck:     "CFG_ACK",
	},
	ranges: []valueRange{{0, 0, "reserved"}, {5, 127, "unassigned"}, {128, 255, "private use"}},
}

// CPAttributeType is the 15-bit Attribute Type of a configuration
// attribute ([RFC 7296] §3.15.1; IANA "IKEv2 Configuration Payload
// Attribute Types"). Values 16384–32767 are private use.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.15.1
type CPAttributeType uint16

// Configuration attribute types ([RFC 7296] §3.15.1, [RFC 5739],
// [RFC 5026], [RFC 7651], [RFC 8598], [RFC 9464], 3GPP TS 24.302).
//
// [RFC 5739]: https://www.rfc-editor.org/rfc/rfc5739
// [RFC 5026]: https://www.rfc-editor.org/rfc/rfc5026
// [RFC 7651]: https://www.rfc-editor.org/rfc/rfc7651
// [RFC 8598]: https://www.rfc-editor.org/rfc/rfc8598
// [RFC 9464]: https://www.rfc-editor.org/rfc/rfc9464
const (
	CPInternalIP4Address         CPAttributeType = 1
	CPInternalIP4Netmask         CPAttributeType = 2
	CPInternalIP4DNS             CPAttributeType = 3
	CPInternalIP4NBNS            CPAttributeType = 4
	CPInternalIP4DHCP            CPAttributeType = 6
	CPApplicationVersion         CPAttributeType = 7
	CPInternalIP6Address         CPAttributeType = 8
	CPInternalIP6DNS             CPAttributeType = 10
	CPInternalIP6DHCP            CPAttributeType = 12
	CPInternalIP4Subnet          CPAttributeType = 13
	CPSupportedAttributes        CPAttributeType = 14
	CPInternalIP6Subnet          CPAttributeType = 15
	CPMIP6HomePrefix             CPAttributeType = 16
	CPInternalIP6Link            CPAttributeType = 17
	CPInternalIP6Prefix          CPAttributeType = 18
	CPHomeAgentAddress           CPAttributeType = 19
	CPPCSCFIP4Address            CPAttributeType = 20
	CPPCSCFIP6Address            CPAttributeType = 21
	CPFTTKAT                     CPAttributeType = 22
	CPExternalSourceIP4NATInfo   CPAttributeType = 23
	CPTimeoutPeriodLivenessCheck CPAttributeType = 24
	CPInternalDNSDomain          CPAttributeType = 25
	CPInternalDNSSECTA           CPAttributeType = 26
	CPEncDNSIP4                  CPAttributeType = 27
	CPEncDNSIP6                  CPAttributeType = 28
	CPEncDNSDigestInfo           CPAttributeType = 29
)

// String returns the IANA name ("INTERNAL_IP4_ADDRESS") or the number with
// its range.
func (t CPAttributeType) String() string { return cpAttrRegistry.name(t) }

// MarshalText encodes the type as its name.
func (t CPAttributeType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var cpAttrRegistry = registry[CPAttributeType]{
	names: map[CPAttributeType]string{
		CPInternalIP4Address:         "INTERNAL_IP4_ADDRESS",
		CPInternalIP4Netmask:         "INTERNAL_IP4_NETMASK",
		CPInternalIP4DNS:             "INTERNAL_IP4_DNS",
		CPInternalIP4NBNS:            "INTERNAL_IP4_NBNS",
		CPInternalIP4DHCP:            "INTERNAL_IP4_DHCP",
		CPApplicationVersion:         "APPLICATION_VERSION",
		CPInternalIP6Address:         "INTERNAL_IP6_ADDRESS",
		CPInternalIP6DNS:             "INTERNAL_IP6_DNS",
		CPInternalIP6DHCP:            "INTERNAL_IP6_DHCP",
		CPInternalIP4Subnet:          "INTERNAL_IP4_SUBNET",
		CPSupportedAttributes:        "SUPPORTED_ATTRIBUTES",
		CPInternalIP6Subnet:          "INTERNAL_IP6_SUBNET",
		CPMIP6HomePrefix:             "MIP6_HOME_PREFIX",
		CPInternalIP6Link:            "INTERNAL_IP6_LINK",
		CPInternalIP6Prefix:          "INTERNAL_IP6_PREFIX",
		CPHomeAgentAddress:           "HOME_AGENT_ADDRESS",
		CPPCSCFIP4Address:            "P_CSCF_IP4_ADDRESS",
		CPPCSCFIP6Address:            "P_CSCF_IP6_ADDRESS",
		CPFTTKAT:                     "FTT_KAT",
		CPExternalSourceIP4NATInfo:   "EXTERNAL_SOURCE_IP4_NAT_INFO",
		CPTimeoutPeriodLivenessCheck: "TIMEOUT_PERIOD_FOR_LIVENESS_CHECK",
		CPInternalDNSDomain:          "INTERNAL_DNS_DOMAIN",
		CPInternalDNSSECTA:           "INTERNAL_DNSSEC_TA",
		CPEncDNSIP4:                  "ENCDNS_IP4",
		CPEncDNSIP6:                  "ENCDNS_IP6",
		CPEncDNSDigestInfo:           "ENCDNS_DIGEST_INFO",
	},
	ranges: []valueRange{
		{0, 0, "reserved"},
		{5, 5, "reserved"},   // formerly INTERNAL_ADDRESS_EXPIRY (RFC 4306)
		{9, 9, "reserved"},   // formerly INTERNAL_IP6_NETMASK (RFC 4306)
		{11, 11, "reserved"}, // formerly INTERNAL_IP6_NBNS (RFC 4306)
		{30, 16383, "unassigned"},
		{16384, 32767, "private use"},
	},
}
