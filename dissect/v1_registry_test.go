package dissect

import "testing"

// TestV1RegistryNames checks the IKEv1 registries: every named value next
// to the first and last value of each range.
func TestV1RegistryNames(t *testing.T) {
	checkRegistryCases(t, []registryCases{
		{"NotifyTypeV1", valueString[NotifyTypeV1], map[uint32]string{
			0: "RESERVED", 1: "INVALID-PAYLOAD-TYPE", 14: "NO-PROPOSAL-CHOSEN", 16: "PAYLOAD-MALFORMED",
			18: "INVALID-ID-INFORMATION", 30: "UNEQUAL-PAYLOAD-LENGTHS", 31: "reserved 31",
			8191: "reserved 8191", 8192: "private use 8192", 16383: "private use 16383", 16384: "CONNECTED",
			16385: "reserved 16385", 24575: "reserved 24575", 24576: "RESPONDER-LIFETIME",
			24577: "REPLAY-STATUS", 24578: "INITIAL-CONTACT", 24579: "DOI-specific 24579",
			32767: "DOI-specific 32767", 32768: "private use 32768", 36136: "R-U-THERE",
			36137: "R-U-THERE-ACK", 40501: "UNITY-LOAD-BALANCE", 40959: "private use 40959",
			40960: "reserved 40960", 65535: "reserved 65535",
		}},
		{"ESPTransformID", valueString[ESPTransformID], map[uint32]string{
			12: "ESP_AES", 16: "ESP_AES-CCM_16", 17: "unassigned 17", 18: "ESP_AES-GCM_8",
			23: "ESP_NULL_AUTH_AES-GMAC", 24: "unassigned 24", 248: "unassigned 248", 249: "private use 249",
		}},
		{"AHTransformID", valueString[AHTransformID], map[uint32]string{
			13: "AH_AES-256-GMAC", 14: "unassigned 14",
		}},
		{"IPCompTransformID", valueString[IPCompTransformID], map[uint32]string{
			4: "IPCOMP_LZJH", 47: "unassigned 47", 48: "private use 48", 63: "private use 63",
			64: "reserved 64",
		}},
		{"ISAKMPTransformID", valueString[ISAKMPTransformID], map[uint32]string{
			1: "KEY_IKE", 2: "unassigned 2",
		}},
		{"ProtocolIDV1", valueString[ProtocolIDV1], map[uint32]string{
			3: "PROTO_IPSEC_ESP", 5: "PROTO_GIGABEAM_RADIO", 6: "unassigned 6", 249: "private use 249",
		}},
		{"IDTypeV1", valueString[IDTypeV1], map[uint32]string{
			11: "ID_KEY_ID", 12: "ID_LIST", 13: "unassigned 13", 249: "private use 249",
		}},
		{"CertEncodingV1", valueString[CertEncodingV1], map[uint32]string{
			10: "X.509 Certificate - Attribute", 11: "reserved 11",
		}},
		{"DOI", valueString[DOI], map[uint32]string{
			1: "IPSEC", 3: "unassigned 3",
		}},
		{"Situation", valueString[Situation], map[uint32]string{
			0: "0", 1: "SIT_IDENTITY_ONLY", 7: "SIT_IDENTITY_ONLY|SIT_SECRECY|SIT_INTEGRITY",
		}},
		{"IKEAttrType", valueString[IKEAttrType], map[uint32]string{
			16: "Group Order", 17: "unassigned 17", 16383: "unassigned 16383", 16384: "private use 16384",
			32767: "private use 32767",
		}},
		{"IPsecAttrType", valueString[IPsecAttrType], map[uint32]string{
			15: "SA Direction", 16: "unassigned 16", 32001: "private use 32001",
		}},
		{"EncrAlgV1", valueString[EncrAlgV1], map[uint32]string{
			7: "AES-CBC", 9: "unassigned 9", 65000: "unassigned 65000", 65001: "private use 65001",
		}},
		{"HashAlgV1", valueString[HashAlgV1], map[uint32]string{
			6: "SHA2-512", 7: "unassigned 7",
		}},
		{"AuthMethodV1", valueString[AuthMethodV1], map[uint32]string{
			1: "Pre-shared key", 11: "ECDSA with SHA-512 on the P-521 curve", 12: "unassigned 12",
			64221: "HybridInitRSA", 65001: "XAUTHInitPreShared", 65010: "XAUTHRespRSARevisedEncryption",
			65011: "private use 65011",
		}},
		{"EncapModeV1", valueString[EncapModeV1], map[uint32]string{
			3: "UDP-Encapsulated-Tunnel", 4: "UDP-Encapsulated-Transport", 5: "unassigned 5",
			61439: "unassigned 61439", 61440: "private use 61440", 61443: "UDP-Encapsulated-Tunnel (draft)",
			61444: "UDP-Encapsulated-Transport (draft)",
		}},
		{"AuthAlgV1", valueString[AuthAlgV1], map[uint32]string{
			13: "AES-256-GMAC", 14: "unassigned 14",
		}},
		{"LifeTypeV1", valueString[LifeTypeV1], map[uint32]string{
			2: "kilobytes",
		}},
		{"GroupTypeV1", valueString[GroupTypeV1], map[uint32]string{
			3: "EC2N",
		}},
		{"ModeCfgTypeV1", valueString[ModeCfgTypeV1], map[uint32]string{
			4: "ISAKMP_CFG_ACK", 5: "reserved 5", 128: "private use 128",
		}},
		{"ModeCfgAttrTypeV1", valueString[ModeCfgAttrTypeV1], map[uint32]string{
			15: "INTERNAL_IP6_SUBNET", 16: "reserved 16", 16520: "XAUTH-TYPE", 16530: "private use 16530",
			28672: "UNITY_BANNER",
		}},
	})
	for _, tt := range []struct{ got, want string }{
		{TransformNameV1(ProtoISAKMPV1, 1), "KEY_IKE"},
		{TransformNameV1(ProtoAHV1, 3), "AH_SHA"},
		{TransformNameV1(ProtoESPV1, 12), "ESP_AES"},
		{TransformNameV1(ProtoIPCompV1, 2), "IPCOMP_DEFLATE"},
		{TransformNameV1(9, 1), "transform 1"},
		{Situation(0x11).String(), "SIT_IDENTITY_ONLY|0x10"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestAuthMethodV1Class(t *testing.T) {
	for _, tt := range []struct {
		m             AuthMethodV1
		xauth, hybrid bool
	}{
		{1, false, false}, {64220, false, false}, {64221, false, true}, {64224, false, true},
		{64225, false, false}, {65000, false, false}, {65001, true, false}, {65010, true, false}, {65011, false, false},
	} {
		if tt.m.IsXAUTH() != tt.xauth || tt.m.IsHybrid() != tt.hybrid {
			t.Errorf("%d: IsXAUTH %v IsHybrid %v", tt.m, tt.m.IsXAUTH(), tt.m.IsHybrid())
		}
	}
}
