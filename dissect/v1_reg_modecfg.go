package dissect

// ModeCfgTypeV1 is the Type field of an IKEv1 Attributes (Mode Config)
// payload (draft-dukes-ike-mode-cfg-02 §3.2).
type ModeCfgTypeV1 uint8

// Mode Config message types (draft-dukes-ike-mode-cfg-02 §3.2).
const (
	ModeCfgV1Request ModeCfgTypeV1 = 1 // ISAKMP_CFG_REQUEST
	ModeCfgV1Reply   ModeCfgTypeV1 = 2 // ISAKMP_CFG_REPLY
	ModeCfgV1Set     ModeCfgTypeV1 = 3 // ISAKMP_CFG_SET
	ModeCfgV1Ack     ModeCfgTypeV1 = 4 // ISAKMP_CFG_ACK
)

// String returns the draft's name ("ISAKMP_CFG_REPLY") or the number with its range.
func (t ModeCfgTypeV1) String() string { return modeCfgTypeV1Registry.name(t) }

// MarshalText encodes the type as its name.
func (t ModeCfgTypeV1) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var modeCfgTypeV1Registry = registry[ModeCfgTypeV1]{
	names: map[ModeCfgTypeV1]string{
		0:                "RESERVED",
		ModeCfgV1Request: "ISAKMP_CFG_REQUEST",
		ModeCfgV1Reply:   "ISAKMP_CFG_REPLY",
		ModeCfgV1Set:     "ISAKMP_CFG_SET",
		ModeCfgV1Ack:     "ISAKMP_CFG_ACK",
	},
	ranges: []valueRange{{5, 127, "reserved"}, {128, 255, "private use"}},
}

// ModeCfgAttrTypeV1 is an attribute type of an IKEv1 Mode Config payload:
// draft-dukes-ike-mode-cfg-02 §3.3 (1–15), XAUTH attributes of
// draft-beaulieu-ike-xauth-02 §4.1 (16520–16529) and Cisco Unity attributes
// (28672–28683, private use).
type ModeCfgAttrTypeV1 uint16

// Mode Config attribute types.
const (
	CfgV1InternalIP4Address  ModeCfgAttrTypeV1 = 1     // INTERNAL_IP4_ADDRESS
	CfgV1InternalIP4Netmask  ModeCfgAttrTypeV1 = 2     // INTERNAL_IP4_NETMASK
	CfgV1InternalIP4DNS      ModeCfgAttrTypeV1 = 3     // INTERNAL_IP4_DNS
	CfgV1InternalIP4NBNS     ModeCfgAttrTypeV1 = 4     // INTERNAL_IP4_NBNS
	CfgV1InternalAddrExpiry  ModeCfgAttrTypeV1 = 5     // INTERNAL_ADDRESS_EXPIRY
	CfgV1InternalIP4DHCP     ModeCfgAttrTypeV1 = 6     // INTERNAL_IP4_DHCP
	CfgV1ApplicationVersion  ModeCfgAttrTypeV1 = 7     // APPLICATION_VERSION
	CfgV1InternalIP6Address  ModeCfgAttrTypeV1 = 8     // INTERNAL_IP6_ADDRESS
	CfgV1InternalIP6Netmask  ModeCfgAttrTypeV1 = 9     // INTERNAL_IP6_NETMASK
	CfgV1InternalIP6DNS      ModeCfgAttrTypeV1 = 10    // INTERNAL_IP6_DNS
	CfgV1InternalIP6NBNS     ModeCfgAttrTypeV1 = 11    // INTERNAL_IP6_NBNS
	CfgV1InternalIP6DHCP     ModeCfgAttrTypeV1 = 12    // INTERNAL_IP6_DHCP
	CfgV1InternalIP4Subnet   ModeCfgAttrTypeV1 = 13    // INTERNAL_IP4_SUBNET
	CfgV1SupportedAttributes ModeCfgAttrTypeV1 = 14    // SUPPORTED_ATTRIBUTES
	CfgV1InternalIP6Subnet   ModeCfgAttrTypeV1 = 15    // INTERNAL_IP6_SUBNET
	CfgV1XAUTHType           ModeCfgAttrTypeV1 = 16520 // XAUTH-TYPE
	CfgV1XAUTHUserName       ModeCfgAttrTypeV1 = 16521 // XAUTH-USER-NAME
	CfgV1XAUTHUserPassword   ModeCfgAttrTypeV1 = 16522 // XAUTH-USER-PASSWORD
	CfgV1XAUTHPasscode       ModeCfgAttrTypeV1 = 16523 // XAUTH-PASSCODE
	CfgV1XAUTHMessage        ModeCfgAttrTypeV1 = 16524 // XAUTH-MESSAGE
	CfgV1XAUTHChallenge      ModeCfgAttrTypeV1 = 16525 // XAUTH-CHALLENGE
	CfgV1XAUTHDomain         ModeCfgAttrTypeV1 = 16526 // XAUTH-DOMAIN
	CfgV1XAUTHStatus         ModeCfgAttrTypeV1 = 16527 // XAUTH-STATUS
	CfgV1XAUTHNextPIN        ModeCfgAttrTypeV1 = 16528 // XAUTH-NEXT-PIN
	CfgV1XAUTHAnswer         ModeCfgAttrTypeV1 = 16529 // XAUTH-ANSWER
	CfgV1UnityBanner         ModeCfgAttrTypeV1 = 28672 // UNITY_BANNER
	CfgV1UnitySavePasswd     ModeCfgAttrTypeV1 = 28673 // UNITY_SAVE_PASSWD
	CfgV1UnityDefDomain      ModeCfgAttrTypeV1 = 28674 // UNITY_DEF_DOMAIN
	CfgV1UnitySplitDNSName   ModeCfgAttrTypeV1 = 28675 // UNITY_SPLITDNS_NAME
	CfgV1UnitySplitInclude   ModeCfgAttrTypeV1 = 28676 // UNITY_SPLIT_INCLUDE
	CfgV1UnityNATTPort       ModeCfgAttrTypeV1 = 28677 // UNITY_NATT_PORT
	CfgV1UnityLocalLAN       ModeCfgAttrTypeV1 = 28678 // UNITY_LOCAL_LAN
	CfgV1UnityPFS            ModeCfgAttrTypeV1 = 28679 // UNITY_PFS
	CfgV1UnityFWType         ModeCfgAttrTypeV1 = 28680 // UNITY_FW_TYPE
	CfgV1UnityBackupServers  ModeCfgAttrTypeV1 = 28681 // UNITY_BACKUP_SERVERS
	CfgV1UnityDDNSHostname   ModeCfgAttrTypeV1 = 28682 // UNITY_DDNS_HOSTNAME
)

// String returns the draft's name ("INTERNAL_IP4_ADDRESS", "XAUTH-USER-NAME")
// or the number with its range.
func (t ModeCfgAttrTypeV1) String() string { return modeCfgAttrV1Registry.name(t) }

// MarshalText encodes the type as its name.
func (t ModeCfgAttrTypeV1) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

var modeCfgAttrV1Registry = registry[ModeCfgAttrTypeV1]{
	names: map[ModeCfgAttrTypeV1]string{
		0:                        "RESERVED",
		CfgV1InternalIP4Address:  "INTERNAL_IP4_ADDRESS",
		CfgV1InternalIP4Netmask:  "INTERNAL_IP4_NETMASK",
		CfgV1InternalIP4DNS:      "INTERNAL_IP4_DNS",
		CfgV1InternalIP4NBNS:     "INTERNAL_IP4_NBNS",
		CfgV1InternalAddrExpiry:  "INTERNAL_ADDRESS_EXPIRY",
		CfgV1InternalIP4DHCP:     "INTERNAL_IP4_DHCP",
		CfgV1ApplicationVersion:  "APPLICATION_VERSION",
		CfgV1InternalIP6Address:  "INTERNAL_IP6_ADDRESS",
		CfgV1InternalIP6Netmask:  "INTERNAL_IP6_NETMASK",
		CfgV1InternalIP6DNS:      "INTERNAL_IP6_DNS",
		CfgV1InternalIP6NBNS:     "INTERNAL_IP6_NBNS",
		CfgV1InternalIP6DHCP:     "INTERNAL_IP6_DHCP",
		CfgV1InternalIP4Subnet:   "INTERNAL_IP4_SUBNET",
		CfgV1SupportedAttributes: "SUPPORTED_ATTRIBUTES",
		CfgV1InternalIP6Subnet:   "INTERNAL_IP6_SUBNET",
		CfgV1XAUTHType:           "XAUTH-TYPE",
		CfgV1XAUTHUserName:       "XAUTH-USER-NAME",
		CfgV1XAUTHUserPassword:   "XAUTH-USER-PASSWORD",
		CfgV1XAUTHPasscode:       "XAUTH-PASSCODE",
		CfgV1XAUTHMessage:        "XAUTH-MESSAGE",
		CfgV1XAUTHChallenge:      "XAUTH-CHALLENGE",
		CfgV1XAUTHDomain:         "XAUTH-DOMAIN",
		CfgV1XAUTHStatus:         "XAUTH-STATUS",
		CfgV1XAUTHNextPIN:        "XAUTH-NEXT-PIN",
		CfgV1XAUTHAnswer:         "XAUTH-ANSWER",
		CfgV1UnityBanner:         "UNITY_BANNER",
		CfgV1UnitySavePasswd:     "UNITY_SAVE_PASSWD",
		CfgV1UnityDefDomain:      "UNITY_DEF_DOMAIN",
		CfgV1UnitySplitDNSName:   "UNITY_SPLITDNS_NAME",
		CfgV1UnitySplitInclude:   "UNITY_SPLIT_INCLUDE",
		CfgV1UnityNATTPort:       "UNITY_NATT_PORT",
		CfgV1UnityLocalLAN:       "UNITY_LOCAL_LAN",
		CfgV1UnityPFS:            "UNITY_PFS",
		CfgV1UnityFWType:         "UNITY_FW_TYPE",
		CfgV1UnityBackupServers:  "UNITY_BACKUP_SERVERS",
		CfgV1UnityDDNSHostname:   "UNITY_DDNS_HOSTNAME",
	},
	ranges: []valueRange{{16, 16383, "reserved"}, {16384, 32767, "private use"}},
}

// xauthTypeV1Names are the values of XAUTH-TYPE (draft-beaulieu-ike-xauth-02 §4.1).
var xauthTypeV1Names = map[uint16]string{0: "Generic", 1: "RADIUS-CHAP", 2: "OTP", 3: "S/KEY"}

// xauthStatusV1Names are the values of XAUTH-STATUS (draft-beaulieu-ike-xauth-02 §4.1).
var xauthStatusV1Names = map[uint16]string{0: "FAIL", 1: "OK"}
