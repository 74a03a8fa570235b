package dissect

// This file holds the bounds checks of the IKEv2 SA payload's
// substructures ([RFC 7296] §3.3) and the allocation-free view built on
// them. decodeSA and the view share these checks, so the typed decode and
// the hot paths of decrypt and flows read the same bytes the same way.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.3

// proposalAt bounds the proposal substructure at the start of b. It
// returns the proposal (8-octet header, SPI, transforms) and its SPI
// size. When a field is inconsistent, bad names it (".header",
// ".length", ".spi_size") and badOff is its offset in b; for ".spi_size"
// view still holds the proposal so its header can be reported.
func proposalAt(b []byte) (view []byte, spiSize int, badOff int, bad string) {
	if len(b) < 8 {
		return nil, 0, 0, ".header"
	}
	plen := int(be16(b[2:]))
	if plen < 8 || plen > len(b) {
		return nil, 0, 2, ".length"
	}
	view = b[:plen]
	spiSize = int(view[6])
	if spiSize > plen-8 {
		return view, 0, 6, ".spi_size"
	}
	return view, spiSize, 0, ""
}

// transformAt bounds the transform substructure at the start of b; bad
// and badOff are as for [proposalAt].
func transformAt(b []byte) (view []byte, badOff int, bad string) {
	if len(b) < 8 {
		return nil, 0, ".header"
	}
	tlen := int(be16(b[2:]))
	if tlen < 8 || tlen > len(b) {
		return nil, 2, ".length"
	}
	return b[:tlen], 0, ""
}

// attributeAt reads the transform attribute at the start of b and returns
// it with its size on the wire. ok is false when b is shorter than the
// attribute header (badOff 0) or a TLV length runs past b (badOff 2).
func attributeAt(b []byte) (a Attribute, n int, badOff int, ok bool) {
	if len(b) < 4 {
		return a, 0, 0, false
	}
	typ := be16(b)
	a = Attribute{Type: typ & 0x7fff, TV: typ&0x8000 != 0, Value: be16(b[2:])}
	if a.TV {
		return a, 4, 0, true
	}
	if int(a.Value) > len(b)-4 {
		return a, 0, 2, false
	}
	a.Data = b[4 : 4+int(a.Value)]
	return a, 4 + int(a.Value), 0, true
}

// ProposalView is an allocation-free view of one proposal of an IKEv2 SA
// payload body. Its transforms are read one at a time with
// [ProposalView.NextTransform]. SPI aliases the input.
type ProposalView struct {
	Protocol ProtocolID
	SPI      []byte
	rest     []byte // transforms not read yet
	n        int    // transforms read
	bad      bool
}

// FirstProposal returns a view of the first proposal of an IKEv2 SA
// payload body, the one a responder's SA carries as its choice. ok is
// false when the proposal header, its length or its SPI size does not fit
// the body (the cases [DecodePayload] reports as malformed).
func FirstProposal(saBody []byte) (p ProposalView, ok bool) {
	view, spiSize, _, bad := proposalAt(saBody)
	if bad != "" {
		return p, false
	}
	p.Protocol = ProtocolID(view[5])
	if spiSize > 0 {
		p.SPI = view[8 : 8+spiSize]
	}
	p.rest = view[8+spiSize:]
	return p, true
}

// NextTransform returns the next transform of the proposal with its type,
// ID and Key Length attribute; Attributes stays nil (no allocation). ok is
// false at the end of the proposal and at the first malformed transform
// (see [ProposalView.Malformed]). The limits are those of [DecodePayload]:
// 255 transforms, 64 attributes each.
func (p *ProposalView) NextTransform() (t Transform, ok bool) {
	if len(p.rest) == 0 || p.bad {
		return t, false
	}
	view, _, bad := transformAt(p.rest)
	if bad != "" || p.n == maxSATransforms {
		p.bad = true
		return t, false
	}
	p.rest = p.rest[len(view):]
	p.n++
	t = Transform{Last: view[0] == 0, Type: TransformType(view[4]), ID: be16(view[6:])}
	ab := view[8:]
	for k := 0; len(ab) > 0 && k < maxSAAttributes; k++ {
		a, n, _, ok := attributeAt(ab)
		if !ok {
			break
		}
		if a.TV && a.Type == TransformAttrKeyLength {
			t.KeyLength = a.Value
		}
		ab = ab[n:]
	}
	return t, true
}

// Malformed reports whether [ProposalView.NextTransform] stopped at a
// transform whose header or length does not fit the proposal.
func (p *ProposalView) Malformed() bool { return p.bad }
