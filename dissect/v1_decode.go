package dissect

// decodeV1 dispatches an IKEv1 payload to its decoder. Errors carry offsets
// relative to the same origin as p.Offset (the body starts at p.Offset+4).
// GDOI payloads (15–19, 22) and bare Proposal/Transform payloads outside
// an SA are returned as [Opaque].
func decodeV1(p Payload) (Body, error) {
	base := p.Offset + 4
	b := p.Body
	switch p.Type {
	case PayloadSAV1:
		return decodeSAV1(b, base)
	case PayloadKEV1:
		return &KEV1{Data: b}, nil
	case PayloadIDV1:
		return decodeIDV1(b, base)
	case PayloadCertV1:
		return decodeCertV1(p)
	case PayloadCertReqV1:
		return decodeCertReqV1(p)
	case PayloadHashV1:
		return &HashV1{Data: b}, nil
	case PayloadSigV1:
		return &SigV1{Data: b}, nil
	case PayloadNonceV1:
		return &NonceV1{Data: b}, nil
	case PayloadNotifyV1:
		return decodeNotifyV1(b, base)
	case PayloadDeleteV1:
		return decodeDeleteV1(b, base)
	case PayloadVendorIDV1:
		return decodeVendorV1(p)
	case PayloadAttrV1:
		return decodeModeCfgV1(b, base)
	case PayloadNATDV1, PayloadNATDDraftV1:
		return &NATD{Hash: b}, nil
	case PayloadNATOAV1, PayloadNATOADraftV1:
		return decodeNATOA(b, base)
	case PayloadFragmentV1:
		return decodeFragmentV1(b, base)
	default:
		return &Opaque{Data: b, Len: len(b)}, nil
	}
}
