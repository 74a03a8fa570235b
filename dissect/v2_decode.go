package dissect

// decodeV2 dispatches an IKEv2 payload to its decoder.
func decodeV2(p Payload) (Body, error) {
	switch p.Type {
	default:
		return &Opaque{Data: p.Body, Len: len(p.Body)}, nil
	}
}
