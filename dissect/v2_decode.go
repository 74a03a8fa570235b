package dissect

// decodeV2 dispatches an IKEv2 payload to its decoder. Inner lengths that
// point outside the payload body are reported as [ErrMalformed] (the
// payload itself was already checked against the available octets by
// [WalkPayloads]); wire counts that disagree with the data are recorded,
// not reported. Types without a decoder (GSPM, IDg, GSA, KD, PS, unknown)
// return an [*Opaque] body.
func decodeV2(p Payload) (Body, error) {
	switch p.Type {
	case PayloadSA:
		return decodeSA(p)
	case PayloadKE:
		return decodeKE(p)
	case PayloadIDi, PayloadIDr:
		return decodeID(p)
	case PayloadCert:
		return decodeCert(p)
	case PayloadCertReq:
		return decodeCertReq(p)
	case PayloadAuth:
		return decodeAuth(p)
	case PayloadNonce:
		return &Nonce{Data: p.Body}, nil
	case PayloadNotify:
		return decodeNotify(p)
	case PayloadDelete:
		return decodeDelete(p)
	case PayloadVendorID:
		return &VendorID{Data: p.Body, Vendor: RecognizeVendor(p.Body)}, nil
	case PayloadTSi, PayloadTSr:
		return decodeTS(p)
	case PayloadSK:
		return &Encrypted{Data: p.Body, Len: len(p.Body), Next: p.Next}, nil
	case PayloadSKF:
		return decodeSKF(p)
	case PayloadCP:
		return decodeCP(p)
	case PayloadEAP:
		return decodeEAP(p)
	default:
		return &Opaque{Data: p.Body, Len: len(p.Body)}, nil
	}
}
