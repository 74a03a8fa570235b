package flows

// deletesElsewhereV1 applies an IKEv1 Delete that came on ISAKMP SA st to
// the IPsec SAs it names that another ISAKMP SA between the same peers
// negotiated. IKEv1 IPsec SAs are not bound to the ISAKMP SA that
// negotiated them (RFC 2409 §5.5: an ISAKMP SA protects the quick modes,
// nothing more): after a re-authentication, a peer deletes the old IPsec
// SAs on the new ISAKMP SA (ikev1-rekey: frames 35, 43, 47;
// libreswan-ikev1-rekey: frame 21), and they would otherwise stay
// "established" under the old one. The SPIs are the sender's inbound
// SPIs, found in the ESP index by SPI and the sender's address (one
// lookup per SPI: the work is bounded by the message's size). A child SA
// of an SA already concluded (done) is left as it was reported.
func (a *Analyzer) deletesElsewhereV1(st *saState, p *Packet, spis []ESPSPI, replace int) {
	src, dst := p.Src.Addr().Unmap(), p.Dst.Addr().Unmap()
	for _, spi := range spis {
		c := a.esp.get(uint32(spi), src)
		if c == nil || c.owner == nil || c.owner == st || c.owner.done || c.owner.v1() == nil || c.State != ChildEstablished {
			continue
		}
		o := c.owner
		oi, or := o.initiator().Addr().Unmap(), o.responder().Addr().Unmap()
		sender := sideI
		switch {
		case oi == src && or == dst:
		case or == src && oi == dst:
			sender = sideR
		default:
			continue // not between the same peers
		}
		if childHasSPI(c, sender, spi) {
			deleteChild(c, p.Frame, replace)
		}
	}
}
