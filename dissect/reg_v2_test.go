package dissect

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestV2RegistryNames checks names and range fallbacks at every boundary of
// the IKEv2 registries.
func TestV2RegistryNames(t *testing.T) {
	checkRegistryCases(t, []registryCases{
		{"DHGroup", valueString[DHGroup], map[uint32]string{
			0: "NONE", 2: "MODP_1024", 5: "MODP_1536", 6: "unassigned 6", 13: "unassigned 13",
			14: "MODP_2048", 19: "ECP_256", 21: "ECP_521", 24: "MODP_2048_256", 28: "brainpoolP256r1",
			31: "Curve25519", 32: "Curve448", 34: "GOST3410_2012_512", 35: "ML-KEM-512", 36: "ML-KEM-768",
			37: "ML-KEM-1024", 38: "unassigned 38", 1023: "unassigned 1023", 1024: "private use 1024",
			1025: "private use 1025", 65535: "private use 65535",
		}},
		{"TransformType", valueString[TransformType], map[uint32]string{
			0: "RESERVED", 1: "ENCR", 4: "KE", 5: "ESN", 6: "ADDKE1", 12: "ADDKE7", 14: "GCAUTH",
			15: "unassigned 15", 240: "unassigned 240", 241: "private use 241", 255: "private use 255",
		}},
		{"EncrID", valueString[EncrID], map[uint32]string{
			0: "reserved 0", 3: "ENCR_3DES", 10: "reserved 10", 12: "ENCR_AES_CBC", 17: "unassigned 17",
			20: "ENCR_AES_GCM_16", 22: "reserved (IEEE P1619 XTS-AES) 22", 28: "ENCR_CHACHA20_POLY1305",
			35: "ENCR_MAGMA_MGM_MAC_KTREE", 36: "unassigned 36", 1023: "unassigned 1023",
			1024: "private use 1024",
		}},
		{"PRFID", valueString[PRFID], map[uint32]string{
			0: "reserved 0", 5: "PRF_HMAC_SHA2_256", 9: "PRF_HMAC_STREEBOG_512", 10: "unassigned 10",
			1024: "private use 1024",
		}},
		{"IntegID", valueString[IntegID], map[uint32]string{
			0: "NONE", 12: "AUTH_HMAC_SHA2_256_128", 14: "AUTH_HMAC_SHA2_512_256", 15: "unassigned 15",
			1023: "unassigned 1023", 1024: "private use 1024",
		}},
		{"ESNID", valueString[ESNID], map[uint32]string{
			0: "NO_ESN", 1: "ESN", 2: "UNSPECIFIED_32", 3: "unassigned 3", 1024: "private use 1024",
		}},
		{"NotifyType", valueString[NotifyType], map[uint32]string{
			0: "reserved 0", 1: "UNSUPPORTED_CRITICAL_PAYLOAD", 2: "reserved 2", 14: "NO_PROPOSAL_CHOSEN",
			17: "INVALID_KE_PAYLOAD", 49: "REGISTRATION_FAILED", 50: "unassigned error 50",
			8191: "unassigned error 8191", 8192: "private use error 8192", 16383: "private use error 16383",
			16384: "INITIAL_CONTACT", 16388: "NAT_DETECTION_SOURCE_IP", 16406: "REDIRECT_SUPPORTED",
			16420: "IKEV2_MESSAGE_ID_SYNC_SUPPORTED", 16422: "IKEV2_MESSAGE_ID_SYNC",
			16430: "IKEV2_FRAGMENTATION_SUPPORTED", 16431: "SIGNATURE_HASH_ALGORITHMS", 16435: "USE_PPK",
			16447: "IKE_SA_INIT_FULL_TRANSCRIPT_AUTH", 16448: "unassigned status 16448",
			40959: "unassigned status 40959", 40960: "private use status 40960",
			65535: "private use status 65535",
		}},
		{"ProtocolID", valueString[ProtocolID], map[uint32]string{
			0: "NONE", 1: "IKE", 3: "ESP", 6: "GIKE_UPDATE", 7: "unassigned 7", 200: "unassigned 200",
			201: "private use 201",
		}},
		{"AuthMethod", valueString[AuthMethod], map[uint32]string{
			0: "reserved 0", 1: "RSA_SIG", 2: "PSK", 4: "unassigned 4", 8: "unassigned 8",
			9: "ECDSA_SHA256_P256", 14: "DIGITAL_SIGNATURE", 15: "unassigned 15", 200: "unassigned 200",
			201: "private use 201",
		}},
		{"IDType", valueString[IDType], map[uint32]string{
			0: "reserved 0", 1: "ID_IPV4_ADDR", 4: "unassigned 4", 5: "ID_IPV6_ADDR", 6: "unassigned 6",
			8: "unassigned 8", 9: "ID_DER_ASN1_DN", 13: "ID_NULL", 14: "unassigned 14",
			201: "private use 201",
		}},
		{"CertEncoding", valueString[CertEncoding], map[uint32]string{
			0: "reserved 0", 4: "X509_SIGNATURE", 5: "reserved 5", 15: "RAW_PUBLIC_KEY", 16: "unassigned 16",
			201: "private use 201",
		}},
		{"TSType", valueString[TSType], map[uint32]string{
			0: "reserved 0", 6: "reserved 6", 7: "TS_IPV4_ADDR_RANGE", 10: "TS_SECLABEL", 11: "unassigned 11",
			240: "unassigned 240", 241: "private use 241",
		}},
		{"HashAlgorithm", valueString[HashAlgorithm], map[uint32]string{
			0: "reserved 0", 2: "SHA2_256", 5: "IDENTITY", 7: "STREEBOG_512", 8: "unassigned 8",
			1024: "private use 1024",
		}},
		{"GatewayIDType", valueString[GatewayIDType], map[uint32]string{
			0: "reserved 0", 3: "FQDN", 4: "unassigned 4", 241: "private use 241",
		}},
		{"CPType", valueString[CPType], map[uint32]string{
			0: "reserved 0", 1: "CFG_REQUEST", 4: "CFG_ACK", 5: "unassigned 5", 127: "unassigned 127",
			128: "private use 128",
		}},
		{"CPAttributeType", valueString[CPAttributeType], map[uint32]string{
			0: "reserved 0", 1: "INTERNAL_IP4_ADDRESS", 5: "reserved 5", 9: "reserved 9", 11: "reserved 11",
			29: "ENCDNS_DIGEST_INFO", 30: "unassigned 30", 16383: "unassigned 16383",
			16384: "private use 16384", 32767: "private use 32767",
		}},
	})
	for _, tt := range []struct{ got, want string }{
		{DHModp2048.Description(), "2048-bit MODP Group"},
		{TransformENCR.IDName(20), "ENCR_AES_GCM_16"},
		{TransformPRF.IDName(5), "PRF_HMAC_SHA2_256"},
		{TransformINTEG.IDName(12), "AUTH_HMAC_SHA2_256_128"},
		{TransformKE.IDName(19), "ECP_256"},
		{TransformADDKE3.IDName(36), "ML-KEM-768"},
		{TransformESN.IDName(0), "NO_ESN"},
		{TransformType(200).IDName(7), "id 7"},
		{AuthPSK.Description(), "Shared Key Message Integrity Code"},
		// Descriptions and payload short forms fall back like names.
		{DHGroup(1024).Description(), "private use 1024"},
		{TransformType(15).Description(), "unassigned 15"},
		{CertEncoding(5).Description(), "reserved 5"},
		{PayloadSK.String(), "Encrypted and Authenticated"},
		{PayloadSK.Short(), "SK"},
		{PayloadType(25).String(), "reserved 25"},
		{PayloadType(55).Short(), "#55"},
		{PayloadType(200).String(), "private use 200"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestNotifyClasses checks IsError/IsStatus of both IKE versions'
// notify types, and IKEv2's IsPrivateUse, at the range boundaries (the
// ipsec-parser off-by-one: 16384 is a status).
func TestNotifyClasses(t *testing.T) {
	type class interface {
		IsError() bool
		IsStatus() bool
	}
	tests := []struct {
		v                    class
		isErr, isStat, isPri bool
	}{
		{NotifyType(0), false, false, false},
		{NotifyType(1), true, false, false},
		{NotifyType(8191), true, false, false},
		{NotifyType(8192), true, false, true},
		{NotifyType(16383), true, false, true},
		{NotifyType(16384), false, true, false},
		{NotifyType(40959), false, true, false},
		{NotifyType(40960), false, true, true},
		{NotifyType(65535), false, true, true},
		{NotifyTypeV1(0), false, false, false},
		{NotifyTypeV1(1), true, false, false},
		{NotifyTypeV1(8192), true, false, false},
		{NotifyTypeV1(16383), true, false, false},
		{NotifyTypeV1(16384), false, true, false},
		{NotifyTypeV1(24578), false, true, false},
		{NotifyTypeV1(36136), false, true, false},
		{NotifyTypeV1(65535), false, true, false},
	}
	for _, tt := range tests {
		pri := false
		if v2, ok := tt.v.(NotifyType); ok {
			pri = v2.IsPrivateUse()
		}
		if tt.v.IsError() != tt.isErr || tt.v.IsStatus() != tt.isStat || pri != tt.isPri {
			t.Errorf("%T(%v): IsError=%v IsStatus=%v IsPrivateUse=%v, want %v %v %v", tt.v, tt.v,
				tt.v.IsError(), tt.v.IsStatus(), pri, tt.isErr, tt.isStat, tt.isPri)
		}
	}
	if b, _ := NotifyV1NoProposalChosen.MarshalText(); string(b) != "NO-PROPOSAL-CHOSEN" {
		t.Errorf("MarshalText = %q", b)
	}
}

// registryTable is what TestRegistryTablesClean reads of a registry.
type registryTable struct {
	name   string
	names  map[uint32]string
	ranges []valueRange
}

func plainTable[T registryValue](name string, r *registry[T]) registryTable {
	tab := registryTable{name, map[uint32]string{}, r.ranges}
	for v, n := range r.names {
		tab.names[uint32(v)] = n
	}
	return tab
}

func describedTable[T registryValue](name string, r *describedRegistry[T]) registryTable {
	plain := registry[T]{map[T]string{}, r.ranges}
	for v, n := range r.names {
		plain.names[v] = n.name
	}
	return plainTable(name, &plain)
}

// TestRegistryTablesClean checks, for the registries of both IKE versions,
// that no named value also falls in a fallback range (a stale range would
// hide a name) and that names are unique.
func TestRegistryTablesClean(t *testing.T) {
	notify := plainTable("NotifyType", &notifyRegistry)
	notify.ranges = notify.ranges[2:] // 1–49 gaps are "reserved" by design
	// These IKEv1 registries name vendor and draft values inside their
	// private-use ranges (XAUTH, hybrid, Unity, draft NAT-T): only the
	// uniqueness of their names is checked.
	vendor := func(tab registryTable) registryTable { tab.ranges = nil; return tab }
	for _, tab := range []registryTable{
		describedTable("DHGroup", &dhRegistry), describedTable("TransformType", &transformTypeRegistry),
		describedTable("AuthMethod", &authRegistry), describedTable("CertEncoding", &certRegistry),
		plainTable("EncrID", &encrRegistry), plainTable("PRFID", &prfRegistry), notify,
		plainTable("IntegID", &integRegistry), plainTable("ESNID", &esnRegistry),
		plainTable("ProtocolID", &protocolRegistry), plainTable("IDType", &idRegistry),
		plainTable("TSType", &tsRegistry), plainTable("HashAlgorithm", &hashRegistry),
		plainTable("GatewayIDType", &gatewayRegistry), plainTable("CPType", &cpTypeRegistry),
		plainTable("CPAttributeType", &cpAttrRegistry), plainTable("ExchangeType", &exchangeRegistry),
		plainTable("DOI", &doiRegistry), plainTable("ProtocolIDV1", &protocolV1Registry),
		plainTable("ISAKMPTransformID", &isakmpTransformRegistry), plainTable("AHTransformID", &ahTransformRegistry),
		plainTable("ESPTransformID", &espTransformRegistry), plainTable("IPCompTransformID", &ipcompTransformRegistry),
		plainTable("IDTypeV1", &idTypeV1Registry), plainTable("CertEncodingV1", &certEncodingV1Registry),
		plainTable("IKEAttrType", &ikeAttrRegistry), plainTable("EncrAlgV1", &encrAlgV1Registry),
		plainTable("HashAlgV1", &hashAlgV1Registry), vendor(plainTable("AuthMethodV1", &authMethodV1Registry)),
		plainTable("GroupTypeV1", &groupTypeV1Registry), plainTable("LifeTypeV1", &lifeTypeV1Registry),
		plainTable("IPsecAttrType", &ipsecAttrRegistry), vendor(plainTable("EncapModeV1", &encapModeV1Registry)),
		plainTable("AuthAlgV1", &authAlgV1Registry), plainTable("ModeCfgTypeV1", &modeCfgTypeV1Registry),
		vendor(plainTable("ModeCfgAttrTypeV1", &modeCfgAttrV1Registry)), vendor(plainTable("NotifyTypeV1", &notifyV1Registry)),
	} {
		seen := map[string]uint32{}
		for v, n := range tab.names {
			for _, r := range tab.ranges {
				if v >= r.lo && v <= r.hi {
					t.Errorf("%s: %d (%s) is inside range %q %d-%d", tab.name, v, n, r.label, r.lo, r.hi)
				}
			}
			if w, dup := seen[n]; dup && n != "RESERVED" { // RFC 2407 names AH IDs 0 and 1 RESERVED
				t.Errorf("%s: name %q used by %d and %d", tab.name, n, v, w)
			}
			seen[n] = v
		}
	}

	// Every value of the 8-bit registries has a name or a range.
	for v := 0; v < 256; v++ {
		for _, s := range []string{ProtocolID(v).String(), AuthMethod(v).String(), IDType(v).String(),
			CertEncoding(v).String(), TSType(v).String(), GatewayIDType(v).String(), CPType(v).String(),
			TransformType(v).String()} {
			if strings.HasPrefix(s, "unknown") {
				t.Errorf("value %d has no name or range: %q", v, s)
			}
		}
	}
	for v := 0; v < 65536; v++ {
		for _, s := range []string{DHGroup(v).String(), EncrID(v).String(), PRFID(v).String(),
			IntegID(v).String(), ESNID(v).String(), NotifyType(v).String(), HashAlgorithm(v).String()} {
			if strings.HasPrefix(s, "unknown") {
				t.Errorf("value %d has no name or range: %q", v, s)
			}
		}
		if v < 32768 && strings.HasPrefix(CPAttributeType(v).String(), "unknown") {
			t.Errorf("CP attribute %d has no name or range", v)
		}
	}
}

func TestV2RegistryMarshalText(t *testing.T) {
	b, err := json.Marshal(struct {
		G DHGroup
		N NotifyType
		E EncrID
		P ProtocolID
	}{DHECP256, NotifyNoProposalChosen, EncrAESGCM16, ProtocolESP})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"G":"ECP_256","N":"NO_PROPOSAL_CHOSEN","E":"ENCR_AES_GCM_16","P":"ESP"}`
	if string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
}

func TestIntegICVLenAndAEAD(t *testing.T) {
	if IntegHMACSHA2_256_128.ICVLen() != 16 || IntegHMACSHA1_96.ICVLen() != 12 || IntegHMACSHA2_512_256.ICVLen() != 32 || IntegNone.ICVLen() != 0 {
		t.Error("ICVLen")
	}
	if !EncrAESGCM16.IsAEAD() || EncrAESCBC.IsAEAD() || !EncrChaCha20Poly1305.IsAEAD() {
		t.Error("IsAEAD")
	}
}
