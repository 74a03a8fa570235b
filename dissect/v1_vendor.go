package dissect

import "encoding/hex"

// decodeVendorV1 decodes an IKEv1 Vendor ID payload ([RFC 2408] §3.16)
// into the [VendorID] type shared with IKEv2.
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.16
func decodeVendorV1(p Payload) (Body, error) {
	return &VendorID{Data: p.Body, Vendor: recognizeVendorV1(p.Body)}, nil
}

// recognizeVendorV1 is a temporary stand-in for RecognizeVendor (owned by
// the IKEv2 side, dissect/vendorid.go) covering the IKEv1 feature VIDs.
func recognizeVendorV1(b []byte) string {
	h := hex.EncodeToString(b)
	for _, v := range v1FeatureVIDs {
		if h == v.hex || (v.prefix && len(h) > len(v.hex) && h[:len(v.hex)] == v.hex) {
			return v.name
		}
	}
	return ""
}

var v1FeatureVIDs = []struct {
	hex    string
	prefix bool
	name   string
}{
	{"4a131c81070358455c5728f20e95452f", false, "RFC 3947 NAT-T"},
	{"90cb80913ebb696e086381b5ec427b1f", false, "draft-ietf-ipsec-nat-t-ike-02\\n"},
	{"cd60464335df21f87cfdb2fc68b6a448", false, "draft-ietf-ipsec-nat-t-ike-02"},
	{"7d9419a65310ca6f2c179d9215529d56", false, "draft-ietf-ipsec-nat-t-ike-03"},
	{"4485152d18b6bbcd0be8a8469579ddcc", false, "draft-ietf-ipsec-nat-t-ike-00"},
	{"afcad71368a1f1c96b8696fc77570100", false, "Dead Peer Detection"},
	{"09002689dfd6b712", false, "XAUTH"},
	{"4048b7d56ebce88525e7de7f00d6c2d3", true, "FRAGMENTATION"},
	{"12f5f28c457168a9702d9fe274cc", true, "Cisco Unity"},
}
