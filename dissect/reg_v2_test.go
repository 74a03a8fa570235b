package dissect

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestV2RegistryNames checks names and range fallbacks at every boundary of
// the IKEv2 registries.
func TestV2RegistryNames(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		// DHGroup
		{DHGroup(0).String(), "NONE"},
		{DHGroup(2).String(), "MODP_1024"},
		{DHGroup(5).String(), "MODP_1536"},
		{DHGroup(6).String(), "unassigned 6"},
		{DHGroup(13).String(), "unassigned 13"},
		{DHGroup(14).String(), "MODP_2048"},
		{DHGroup(19).String(), "ECP_256"},
		{DHGroup(21).String(), "ECP_521"},
		{DHGroup(24).String(), "MODP_2048_256"},
		{DHGroup(28).String(), "brainpoolP256r1"},
		{DHGroup(31).String(), "Curve25519"},
		{DHGroup(32).String(), "Curve448"},
		{DHGroup(34).String(), "GOST3410_2012_512"},
		{DHGroup(35).String(), "ML-KEM-512"},
		{DHGroup(36).String(), "ML-KEM-768"},
		{DHGroup(37).String(), "ML-KEM-1024"},
		{DHGroup(38).String(), "unassigned 38"},
		{DHGroup(1023).String(), "unassigned 1023"},
		{DHGroup(1024).String(), "private use 1024"},
		{DHGroup(1025).String(), "private use 1025"},
		{DHGroup(65535).String(), "private use 65535"},
		{DHModp2048.Description(), "2048-bit MODP Group"},
		// TransformType
		{TransformType(0).String(), "RESERVED"},
		{TransformType(1).String(), "ENCR"},
		{TransformType(4).String(), "KE"},
		{TransformType(5).String(), "ESN"},
		{TransformType(6).String(), "ADDKE1"},
		{TransformType(12).String(), "ADDKE7"},
		{TransformType(14).String(), "GCAUTH"},
		{TransformType(15).String(), "unassigned 15"},
		{TransformType(240).String(), "unassigned 240"},
		{TransformType(241).String(), "private use 241"},
		{TransformType(255).String(), "private use 255"},
		// EncrID
		{EncrID(0).String(), "reserved 0"},
		{EncrID(3).String(), "ENCR_3DES"},
		{EncrID(10).String(), "reserved 10"},
		{EncrID(12).String(), "ENCR_AES_CBC"},
		{EncrID(17).String(), "unassigned 17"},
		{EncrID(20).String(), "ENCR_AES_GCM_16"},
		{EncrID(22).String(), "reserved (IEEE P1619 XTS-AES) 22"},
		{EncrID(28).String(), "ENCR_CHACHA20_POLY1305"},
		{EncrID(35).String(), "ENCR_MAGMA_MGM_MAC_KTREE"},
		{EncrID(36).String(), "unassigned 36"},
		{EncrID(1023).String(), "unassigned 1023"},
		{EncrID(1024).String(), "private use 1024"},
		// PRFID
		{PRFID(0).String(), "reserved 0"},
		{PRFID(5).String(), "PRF_HMAC_SHA2_256"},
		{PRFID(9).String(), "PRF_HMAC_STREEBOG_512"},
		{PRFID(10).String(), "unassigned 10"},
		{PRFID(1024).String(), "private use 1024"},
		// IntegID
		{IntegID(0).String(), "NONE"},
		{IntegID(12).String(), "AUTH_HMAC_SHA2_256_128"},
		{IntegID(14).String(), "AUTH_HMAC_SHA2_512_256"},
		{IntegID(15).String(), "unassigned 15"},
		{IntegID(1023).String(), "unassigned 1023"},
		{IntegID(1024).String(), "private use 1024"},
		// ESN
		{ESNID(0).String(), "NO_ESN"},
		{ESNID(1).String(), "ESN"},
		{ESNID(2).String(), "UNSPECIFIED_32"},
		{ESNID(3).String(), "unassigned 3"},
		{ESNID(1024).String(), "private use 1024"},
		// Transform IDs resolved through the type
		{TransformENCR.IDName(20), "ENCR_AES_GCM_16"},
		{TransformPRF.IDName(5), "PRF_HMAC_SHA2_256"},
		{TransformINTEG.IDName(12), "AUTH_HMAC_SHA2_256_128"},
		{TransformKE.IDName(19), "ECP_256"},
		{TransformADDKE3.IDName(36), "ML-KEM-768"},
		{TransformESN.IDName(0), "NO_ESN"},
		{TransformType(200).IDName(7), "id 7"},
		// NotifyType
		{NotifyType(0).String(), "reserved 0"},
		{NotifyType(1).String(), "UNSUPPORTED_CRITICAL_PAYLOAD"},
		{NotifyType(2).String(), "reserved 2"},
		{NotifyType(14).String(), "NO_PROPOSAL_CHOSEN"},
		{NotifyType(17).String(), "INVALID_KE_PAYLOAD"},
		{NotifyType(49).String(), "REGISTRATION_FAILED"},
		{NotifyType(50).String(), "unassigned error 50"},
		{NotifyType(8191).String(), "unassigned error 8191"},
		{NotifyType(8192).String(), "private use error 8192"},
		{NotifyType(16383).String(), "private use error 16383"},
		{NotifyType(16384).String(), "INITIAL_CONTACT"},
		{NotifyType(16388).String(), "NAT_DETECTION_SOURCE_IP"},
		{NotifyType(16406).String(), "REDIRECT_SUPPORTED"},
		{NotifyType(16420).String(), "IKEV2_MESSAGE_ID_SYNC_SUPPORTED"},
		{NotifyType(16422).String(), "IKEV2_MESSAGE_ID_SYNC"},
		{NotifyType(16430).String(), "IKEV2_FRAGMENTATION_SUPPORTED"},
		{NotifyType(16431).String(), "SIGNATURE_HASH_ALGORITHMS"},
		{NotifyType(16435).String(), "USE_PPK"},
		{NotifyType(16447).String(), "IKE_SA_INIT_FULL_TRANSCRIPT_AUTH"},
		{NotifyType(16448).String(), "unassigned status 16448"},
		{NotifyType(40959).String(), "unassigned status 40959"},
		{NotifyType(40960).String(), "private use status 40960"},
		{NotifyType(65535).String(), "private use status 65535"},
		// ProtocolID
		{ProtocolID(0).String(), "NONE"},
		{ProtocolID(1).String(), "IKE"},
		{ProtocolID(3).String(), "ESP"},
		{ProtocolID(6).String(), "GIKE_UPDATE"},
		{ProtocolID(7).String(), "unassigned 7"},
		{ProtocolID(200).String(), "unassigned 200"},
		{ProtocolID(201).String(), "private use 201"},
		// AuthMethod
		{AuthMethod(0).String(), "reserved 0"},
		{AuthMethod(1).String(), "RSA_SIG"},
		{AuthMethod(2).String(), "PSK"},
		{AuthMethod(4).String(), "unassigned 4"},
		{AuthMethod(8).String(), "unassigned 8"},
		{AuthMethod(9).String(), "ECDSA_SHA256_P256"},
		{AuthMethod(14).String(), "DIGITAL_SIGNATURE"},
		{AuthMethod(15).String(), "unassigned 15"},
		{AuthMethod(200).String(), "unassigned 200"},
		{AuthMethod(201).String(), "private use 201"},
		{AuthPSK.Description(), "Shared Key Message Integrity Code"},
		// IDType
		{IDType(0).String(), "reserved 0"},
		{IDType(1).String(), "ID_IPV4_ADDR"},
		{IDType(4).String(), "unassigned 4"},
		{IDType(5).String(), "ID_IPV6_ADDR"},
		{IDType(6).String(), "unassigned 6"},
		{IDType(8).String(), "unassigned 8"},
		{IDType(9).String(), "ID_DER_ASN1_DN"},
		{IDType(13).String(), "ID_NULL"},
		{IDType(14).String(), "unassigned 14"},
		{IDType(201).String(), "private use 201"},
		// CertEncoding
		{CertEncoding(0).String(), "reserved 0"},
		{CertEncoding(4).String(), "X509_SIGNATURE"},
		{CertEncoding(5).String(), "reserved 5"},
		{CertEncoding(15).String(), "RAW_PUBLIC_KEY"},
		{CertEncoding(16).String(), "unassigned 16"},
		{CertEncoding(201).String(), "private use 201"},
		// TSType
		{TSType(0).String(), "reserved 0"},
		{TSType(6).String(), "reserved 6"},
		{TSType(7).String(), "TS_IPV4_ADDR_RANGE"},
		{TSType(10).String(), "TS_SECLABEL"},
		{TSType(11).String(), "unassigned 11"},
		{TSType(240).String(), "unassigned 240"},
		{TSType(241).String(), "private use 241"},
		// HashAlgorithm
		{HashAlgorithm(0).String(), "reserved 0"},
		{HashAlgorithm(2).String(), "SHA2_256"},
		{HashAlgorithm(5).String(), "IDENTITY"},
		{HashAlgorithm(7).String(), "STREEBOG_512"},
		{HashAlgorithm(8).String(), "unassigned 8"},
		{HashAlgorithm(1024).String(), "private use 1024"},
		// GatewayIDType
		{GatewayIDType(0).String(), "reserved 0"},
		{GatewayIDType(3).String(), "FQDN"},
		{GatewayIDType(4).String(), "unassigned 4"},
		{GatewayIDType(241).String(), "private use 241"},
		// CPType / CPAttributeType
		{CPType(0).String(), "reserved 0"},
		{CPType(1).String(), "CFG_REQUEST"},
		{CPType(4).String(), "CFG_ACK"},
		{CPType(5).String(), "unassigned 5"},
		{CPType(127).String(), "unassigned 127"},
		{CPType(128).String(), "private use 128"},
		{CPAttributeType(0).String(), "reserved 0"},
		{CPAttributeType(1).String(), "INTERNAL_IP4_ADDRESS"},
		{CPAttributeType(5).String(), "reserved 5"},
		{CPAttributeType(9).String(), "reserved 9"},
		{CPAttributeType(11).String(), "reserved 11"},
		{CPAttributeType(29).String(), "ENCDNS_DIGEST_INFO"},
		{CPAttributeType(30).String(), "unassigned 30"},
		{CPAttributeType(16383).String(), "unassigned 16383"},
		{CPAttributeType(16384).String(), "private use 16384"},
		{CPAttributeType(32767).String(), "private use 32767"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

// TestNotifyTypeRanges checks IsError/IsStatus/IsPrivateUse at the
// boundaries (the ipsec-parser off-by-one: 16384 is a status).
func TestNotifyTypeRanges(t *testing.T) {
	tests := []struct {
		v                    NotifyType
		isErr, isStat, isPri bool
	}{
		{0, false, false, false},
		{1, true, false, false},
		{8191, true, false, false},
		{8192, true, false, true},
		{16383, true, false, true},
		{16384, false, true, false},
		{40959, false, true, false},
		{40960, false, true, true},
		{65535, false, true, true},
	}
	for _, tt := range tests {
		if tt.v.IsError() != tt.isErr || tt.v.IsStatus() != tt.isStat || tt.v.IsPrivateUse() != tt.isPri {
			t.Errorf("%d: IsError=%v IsStatus=%v IsPrivateUse=%v, want %v %v %v", tt.v,
				tt.v.IsError(), tt.v.IsStatus(), tt.v.IsPrivateUse(), tt.isErr, tt.isStat, tt.isPri)
		}
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
