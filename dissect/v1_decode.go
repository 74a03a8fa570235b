package dissect

// decodeV1 dispatches an IKEv1 payload to its decoder.
func decodeV1(p Payload) (Body, error) {
	switch p.Type {
	default:
		return &Opaque{Data: p.Body, Len: len(p.Body)}, nil
	}
}
