package dissect

import "testing"

// Boundary tests of the IKEv1 registries: every named value next to the
// first and last value of each range.
func TestV1RegistryNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{NotifyTypeV1(0).String(), "RESERVED"},
		{NotifyTypeV1(1).String(), "INVALID-PAYLOAD-TYPE"},
		{NotifyTypeV1(14).String(), "NO-PROPOSAL-CHOSEN"},
		{NotifyTypeV1(16).String(), "PAYLOAD-MALFORMED"},
		{NotifyTypeV1(18).String(), "INVALID-ID-INFORMATION"},
		{NotifyTypeV1(30).String(), "UNEQUAL-PAYLOAD-LENGTHS"},
		{NotifyTypeV1(31).String(), "reserved 31"},
		{NotifyTypeV1(8191).String(), "reserved 8191"},
		{NotifyTypeV1(8192).String(), "private use 8192"},
		{NotifyTypeV1(16383).String(), "private use 16383"},
		{NotifyTypeV1(16384).String(), "CONNECTED"},
		{NotifyTypeV1(16385).String(), "reserved 16385"},
		{NotifyTypeV1(24575).String(), "reserved 24575"},
		{NotifyTypeV1(24576).String(), "RESPONDER-LIFETIME"},
		{NotifyTypeV1(24577).String(), "REPLAY-STATUS"},
		{NotifyTypeV1(24578).String(), "INITIAL-CONTACT"},
		{NotifyTypeV1(24579).String(), "DOI-specific 24579"},
		{NotifyTypeV1(32767).String(), "DOI-specific 32767"},
		{NotifyTypeV1(32768).String(), "private use 32768"},
		{NotifyTypeV1(36136).String(), "R-U-THERE"},
		{NotifyTypeV1(36137).String(), "R-U-THERE-ACK"},
		{NotifyTypeV1(40501).String(), "UNITY-LOAD-BALANCE"},
		{NotifyTypeV1(40959).String(), "private use 40959"},
		{NotifyTypeV1(40960).String(), "reserved 40960"},
		{NotifyTypeV1(65535).String(), "reserved 65535"},

		{ESPTransformID(12).String(), "ESP_AES"},
		{ESPTransformID(16).String(), "ESP_AES-CCM_16"},
		{ESPTransformID(17).String(), "unassigned 17"},
		{ESPTransformID(18).String(), "ESP_AES-GCM_8"},
		{ESPTransformID(23).String(), "ESP_NULL_AUTH_AES-GMAC"},
		{ESPTransformID(24).String(), "unassigned 24"},
		{ESPTransformID(248).String(), "unassigned 248"},
		{ESPTransformID(249).String(), "private use 249"},
		{AHTransformID(13).String(), "AH_AES-256-GMAC"},
		{AHTransformID(14).String(), "unassigned 14"},
		{IPCompTransformID(4).String(), "IPCOMP_LZJH"},
		{IPCompTransformID(47).String(), "unassigned 47"},
		{IPCompTransformID(48).String(), "private use 48"},
		{IPCompTransformID(63).String(), "private use 63"},
		{IPCompTransformID(64).String(), "reserved 64"},
		{ISAKMPTransformID(1).String(), "KEY_IKE"},
		{ISAKMPTransformID(2).String(), "unassigned 2"},
		{TransformNameV1(ProtoISAKMPV1, 1), "KEY_IKE"},
		{TransformNameV1(ProtoAHV1, 3), "AH_SHA"},
		{TransformNameV1(ProtoESPV1, 12), "ESP_AES"},
		{TransformNameV1(ProtoIPCompV1, 2), "IPCOMP_DEFLATE"},
		{TransformNameV1(9, 1), "transform 1"},

		{ProtocolIDV1(3).String(), "PROTO_IPSEC_ESP"},
		{ProtocolIDV1(5).String(), "PROTO_GIGABEAM_RADIO"},
		{ProtocolIDV1(6).String(), "unassigned 6"},
		{ProtocolIDV1(249).String(), "private use 249"},
		{IDTypeV1(11).String(), "ID_KEY_ID"},
		{IDTypeV1(12).String(), "ID_LIST"},
		{IDTypeV1(13).String(), "unassigned 13"},
		{IDTypeV1(249).String(), "private use 249"},
		{CertEncodingV1(10).String(), "X.509 Certificate - Attribute"},
		{CertEncodingV1(11).String(), "reserved 11"},
		{DOI(1).String(), "IPSEC"},
		{DOI(3).String(), "unassigned 3"},
		{Situation(0).String(), "0"},
		{Situation(1).String(), "SIT_IDENTITY_ONLY"},
		{Situation(7).String(), "SIT_IDENTITY_ONLY|SIT_SECRECY|SIT_INTEGRITY"},
		{Situation(0x11).String(), "SIT_IDENTITY_ONLY|0x10"},

		{IKEAttrType(16).String(), "Group Order"},
		{IKEAttrType(17).String(), "unassigned 17"},
		{IKEAttrType(16383).String(), "unassigned 16383"},
		{IKEAttrType(16384).String(), "private use 16384"},
		{IKEAttrType(32767).String(), "private use 32767"},
		{IPsecAttrType(15).String(), "SA Direction"},
		{IPsecAttrType(16).String(), "unassigned 16"},
		{IPsecAttrType(32001).String(), "private use 32001"},
		{EncrAlgV1(7).String(), "AES-CBC"},
		{EncrAlgV1(9).String(), "unassigned 9"},
		{EncrAlgV1(65000).String(), "unassigned 65000"},
		{EncrAlgV1(65001).String(), "private use 65001"},
		{HashAlgV1(6).String(), "SHA2-512"},
		{HashAlgV1(7).String(), "unassigned 7"},
		{AuthMethodV1(1).String(), "Pre-shared key"},
		{AuthMethodV1(11).String(), "ECDSA with SHA-512 on the P-521 curve"},
		{AuthMethodV1(12).String(), "unassigned 12"},
		{AuthMethodV1(64221).String(), "HybridInitRSA"},
		{AuthMethodV1(65001).String(), "XAUTHInitPreShared"},
		{AuthMethodV1(65010).String(), "XAUTHRespRSARevisedEncryption"},
		{AuthMethodV1(65011).String(), "private use 65011"},
		{EncapModeV1(3).String(), "UDP-Encapsulated-Tunnel"},
		{EncapModeV1(4).String(), "UDP-Encapsulated-Transport"},
		{EncapModeV1(5).String(), "unassigned 5"},
		{EncapModeV1(61439).String(), "unassigned 61439"},
		{EncapModeV1(61440).String(), "private use 61440"},
		{EncapModeV1(61443).String(), "UDP-Encapsulated-Tunnel (draft)"},
		{EncapModeV1(61444).String(), "UDP-Encapsulated-Transport (draft)"},
		{AuthAlgV1(13).String(), "AES-256-GMAC"},
		{AuthAlgV1(14).String(), "unassigned 14"},
		{LifeTypeV1(2).String(), "kilobytes"},
		{GroupTypeV1(3).String(), "EC2N"},
		{ModeCfgTypeV1(4).String(), "ISAKMP_CFG_ACK"},
		{ModeCfgTypeV1(5).String(), "reserved 5"},
		{ModeCfgTypeV1(128).String(), "private use 128"},
		{ModeCfgAttrTypeV1(15).String(), "INTERNAL_IP6_SUBNET"},
		{ModeCfgAttrTypeV1(16).String(), "reserved 16"},
		{ModeCfgAttrTypeV1(16520).String(), "XAUTH-TYPE"},
		{ModeCfgAttrTypeV1(16530).String(), "private use 16530"},
		{ModeCfgAttrTypeV1(28672).String(), "UNITY_BANNER"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestNotifyTypeV1Class(t *testing.T) {
	tests := []struct {
		t               NotifyTypeV1
		isErr, isStatus bool
	}{
		{0, false, false},
		{1, true, false},
		{8192, true, false},
		{16383, true, false},
		{16384, false, true},
		{24578, false, true},
		{36136, false, true},
		{65535, false, true},
	}
	for _, tt := range tests {
		if tt.t.IsError() != tt.isErr || tt.t.IsStatus() != tt.isStatus {
			t.Errorf("%d: IsError %v IsStatus %v, want %v %v", tt.t, tt.t.IsError(), tt.t.IsStatus(), tt.isErr, tt.isStatus)
		}
	}
	if b, _ := NotifyV1NoProposalChosen.MarshalText(); string(b) != "NO-PROPOSAL-CHOSEN" {
		t.Errorf("MarshalText = %q", b)
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
