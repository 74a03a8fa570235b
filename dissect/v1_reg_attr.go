package dissect

// IKEv1 SA attribute registries: the IKE (phase 1) attribute classes of
// [RFC 2409] Appendix A and the IPsec DOI (phase 2) SA attributes of
// [RFC 2407] §4.5, with the names of their enumerated values.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-A
// [RFC 2407]: https://www.rfc-editor.org/rfc/rfc2407#section-4.5

// IsXAUTH reports whether a is one of the XAUTH methods (65001–65010).
func (a AuthMethodV1) IsXAUTH() bool {
	return a >= AuthV1XAUTHInitPSK && a <= AuthV1XAUTHRespRSARevisedEn
}

// IsHybrid reports whether a is one of the hybrid methods (64221–64224).
func (a AuthMethodV1) IsHybrid() bool { return a >= AuthV1HybridInitRSA && a <= AuthV1HybridRespDSS }

// ecnTunnelV1Names are the values of the ECN Tunnel attribute ([RFC 3168] §9.2.1.1).
//
// [RFC 3168]: https://www.rfc-editor.org/rfc/rfc3168#section-9.2.1.1
var ecnTunnelV1Names = map[uint16]string{0: "RESERVED", 1: "Allowed", 2: "Forbidden"}

// esnV1Names are the values of the Extended Sequence Number attribute ([RFC 4304] §2).
//
// [RFC 4304]: https://www.rfc-editor.org/rfc/rfc4304#section-2
var esnV1Names = map[uint16]string{0: "RESERVED", 1: "64-bit Sequence Number"}

// ikeValueRanges are the unnamed ranges of the IKE attribute value
// registries ([RFC 2409] Appendix A): unassigned from firstFree, private use
// from 65001.
func ikeValueRanges(firstFree uint32) []valueRange {
	return []valueRange{{firstFree, 65000, "unassigned"}, {65001, 65535, "private use"}}
}

// ipsecValueRanges are the unnamed ranges of the IPsec DOI attribute value
// registries ([RFC 2407] §4.5): unassigned from firstFree, private use from
// 61440.
func ipsecValueRanges(firstFree uint32) []valueRange {
	return []valueRange{{firstFree, 61439, "unassigned"}, {61440, 65535, "private use"}}
}
