package dissect

// PayloadType is the Next Payload value that names a payload
// ([RFC 2408] §3.1, [RFC 3947], [RFC 7296] §3.2, [RFC 7383]). IKEv1 uses
// 1–21 (and 130–132 for draft NAT-T and vendor fragmentation), IKEv2 uses
// 33 and up, so one type serves both versions.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.1
// [RFC 3947]: https://www.rfc-editor.org/rfc/rfc3947
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.2
// [RFC 7383]: https://www.rfc-editor.org/rfc/rfc7383
type PayloadType uint8

// Payload types of IKEv1 and IKEv2.
const (
	PayloadNone PayloadType = 0

	// IKEv1 (RFC 2408 §3.1, RFC 3947, drafts, vendor).
	PayloadSAV1         PayloadType = 1
	PayloadProposalV1   PayloadType = 2
	PayloadTransformV1  PayloadType = 3
	PayloadKEV1         PayloadType = 4
	PayloadIDV1         PayloadType = 5
	PayloadCertV1       PayloadType = 6
	PayloadCertReqV1    PayloadType = 7
	PayloadHashV1       PayloadType = 8
	PayloadSigV1        PayloadType = 9
	PayloadNonceV1      PayloadType = 10
	PayloadNotifyV1     PayloadType = 11
	PayloadDeleteV1     PayloadType = 12
	PayloadVendorIDV1   PayloadType = 13
	PayloadAttrV1       PayloadType = 14 // Mode Config attributes (draft-dukes-ike-mode-cfg)
	PayloadSAKV1        PayloadType = 15 // GDOI SA KEK
	PayloadSATV1        PayloadType = 16 // GDOI SA TEK
	PayloadKDV1         PayloadType = 17 // GDOI key download
	PayloadSEQV1        PayloadType = 18 // GDOI sequence number
	PayloadPOPV1        PayloadType = 19 // GDOI proof of possession
	PayloadNATDV1       PayloadType = 20 // RFC 3947
	PayloadNATOAV1      PayloadType = 21 // RFC 3947
	PayloadGAPV1        PayloadType = 22 // GDOI
	PayloadNATDDraftV1  PayloadType = 130
	PayloadNATOADraftV1 PayloadType = 131
	PayloadFragmentV1   PayloadType = 132 // Cisco/vendor IKEv1 fragmentation

	// IKEv2 (RFC 7296 §3.2 and extensions).
	PayloadSA       PayloadType = 33
	PayloadKE       PayloadType = 34
	PayloadIDi      PayloadType = 35
	PayloadIDr      PayloadType = 36
	PayloadCert     PayloadType = 37
	PayloadCertReq  PayloadType = 38
	PayloadAuth     PayloadType = 39
	PayloadNonce    PayloadType = 40
	PayloadNotify   PayloadType = 41
	PayloadDelete   PayloadType = 42
	PayloadVendorID PayloadType = 43
	PayloadTSi      PayloadType = 44
	PayloadTSr      PayloadType = 45
	PayloadSK       PayloadType = 46
	PayloadCP       PayloadType = 47
	PayloadEAP      PayloadType = 48
	PayloadGSPM     PayloadType = 49
	PayloadIDg      PayloadType = 50
	PayloadGSA      PayloadType = 51
	PayloadKD       PayloadType = 52
	PayloadSKF      PayloadType = 53
	PayloadPS       PayloadType = 54
)

// String returns the long name, e.g. "Traffic Selector - Initiator", or the
// number with its range ("private use 200").
func (t PayloadType) String() string { return payloadRegistry.desc(t) }

// Known reports whether t has a registered name.
func (t PayloadType) Known() bool { return payloadRegistry.known(t) }

// MarshalText encodes the type as its short name.
func (t PayloadType) MarshalText() ([]byte, error) { return []byte(t.Short()), nil }

var payloadRegistry = describedRegistry[PayloadType]{
	names: map[PayloadType]regName{
		PayloadNone:         {"NONE", "No Next Payload"},
		PayloadSAV1:         {"SA", "Security Association"},
		PayloadProposalV1:   {"P", "Proposal"},
		PayloadTransformV1:  {"T", "Transform"},
		PayloadKEV1:         {"KE", "Key Exchange"},
		PayloadIDV1:         {"ID", "Identification"},
		PayloadCertV1:       {"CERT", "Certificate"},
		PayloadCertReqV1:    {"CR", "Certificate Request"},
		PayloadHashV1:       {"HASH", "Hash"},
		PayloadSigV1:        {"SIG", "Signature"},
		PayloadNonceV1:      {"NONCE", "Nonce"},
		PayloadNotifyV1:     {"N", "Notification"},
		PayloadDeleteV1:     {"D", "Delete"},
		PayloadVendorIDV1:   {"VID", "Vendor ID"},
		PayloadAttrV1:       {"ATTR", "Attributes (Mode Config)"},
		PayloadSAKV1:        {"SAK", "SA KEK"},
		PayloadSATV1:        {"SAT", "SA TEK"},
		PayloadKDV1:         {"KD", "Key Download"},
		PayloadSEQV1:        {"SEQ", "Sequence Number"},
		PayloadPOPV1:        {"POP", "Proof of Possession"},
		PayloadNATDV1:       {"NAT-D", "NAT Discovery"},
		PayloadNATOAV1:      {"NAT-OA", "NAT Original Address"},
		PayloadGAPV1:        {"GAP", "Group Associated Policy"},
		PayloadNATDDraftV1:  {"NAT-D", "NAT Discovery (draft)"},
		PayloadNATOADraftV1: {"NAT-OA", "NAT Original Address (draft)"},
		PayloadFragmentV1:   {"FRAG", "Fragment (vendor)"},
		PayloadSA:           {"SA", "Security Association"},
		PayloadKE:           {"KE", "Key Exchange"},
		PayloadIDi:          {"IDi", "Identification - Initiator"},
		PayloadIDr:          {"IDr", "Identification - Responder"},
		PayloadCert:         {"CERT", "Certificate"},
		PayloadCertReq:      {"CERTREQ", "Certificate Request"},
		PayloadAuth:         {"AUTH", "Authentication"},
		PayloadNonce:        {"Nonce", "Nonce"},
		PayloadNotify:       {"N", "Notify"},
		PayloadDelete:       {"D", "Delete"},
		PayloadVendorID:     {"V", "Vendor ID"},
		PayloadTSi:          {"TSi", "Traffic Selector - Initiator"},
		PayloadTSr:          {"TSr", "Traffic Selector - Responder"},
		PayloadSK:           {"SK", "Encrypted and Authenticated"},
		PayloadCP:           {"CP", "Configuration"},
		PayloadEAP:          {"EAP", "Extensible Authentication"},
		PayloadGSPM:         {"GSPM", "Generic Secure Password Methods"},
		PayloadIDg:          {"IDg", "Group Identification"},
		PayloadGSA:          {"GSA", "Group Security Association"},
		PayloadKD:           {"KD", "Key Download"},
		PayloadSKF:          {"SKF", "Encrypted and Authenticated Fragment"},
		PayloadPS:           {"PS", "Puzzle Solution"},
	},
	ranges: []valueRange{{23, 32, "reserved"}, {55, 127, "unassigned"}, {128, 255, "private use"}},
}

// Short returns the abbreviation used in RFC diagrams and in ikeflow's JSON
// output ("SA", "KE", "IDi", "N", "SK", "V", "NAT-D", …), or "#N" for
// values without a name.
func (t PayloadType) Short() string {
	if t.Known() {
		return payloadRegistry.name(t)
	}
	return "#" + itoa(int(t))
}
