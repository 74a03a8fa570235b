package dissect

// decodeVendorV1 decodes an IKEv1 Vendor ID payload ([RFC 2408] §3.16)
// into the [VendorID] type shared with IKEv2; the vendor is recognised by
// [RecognizeVendor] (NAT-T RFC 3947 and drafts, DPD, XAUTH, FRAGMENTATION,
// Cisco Unity, Microsoft, …).
//
// [RFC 2408]: https://www.rfc-editor.org/rfc/rfc2408#section-3.16
func decodeVendorV1(p Payload) (Body, error) {
	return &VendorID{Data: p.Body, Vendor: RecognizeVendor(p.Body)}, nil
}
