package flows

// Which side of an SA sent IKE over UDP off port 500.
//
// IKE starts on UDP 500; after NAT detection the peers move to UDP 4500
// (RFC 7296 §2.23, RFC 3947 for IKEv1), IKEv2 for IKE_AUTH, IKEv1 for
// MM5/AM3. A firewall that knows only port 500 then passes IKE_SA_INIT
// (or MM1-MM4) and drops everything after: the first request on 4500 is
// resent and never answered. Two outcome bits, one per side, tell whether
// that side ever sent an IKE message with a port other than 500 at either
// end (notePort); port4500Silence reads them.

// notePort records that side sent p, an IKE message, off port 500 (over
// UDP; TCP, RFC 8229, has a port of its own and is left out).
func (st *saState) notePort(side saSide, p *Packet) {
	if p.TCP || p.Src.Port() == 0 || p.Dst.Port() == 0 || p.Src.Port() == 500 && p.Dst.Port() == 500 {
		return
	}
	st.out.set(offPort500(side))
}

// offPort500 returns the bit telling that side sent IKE off port 500.
func offPort500(side saSide) outcome {
	if side == sideI {
		return outOffPort500I
	}
	return outOffPort500R
}

// swapPorts swaps the port bits of the two sides (the SA's roles turned
// out the other way round; swapTTL).
func (st *saState) swapPorts() {
	i, r := st.out.has(outOffPort500I), st.out.has(outOffPort500R)
	st.out.put(outOffPort500I, r)
	st.out.put(outOffPort500R, i)
}

// port4500Silence reports, for an unanswered request of st from side
// (sent n times), the pattern of a path that passes UDP 500 and drops UDP
// 4500: the request was resent; the peers' first exchange (IKE_SA_INIT,
// or main or aggressive mode's first messages) was answered, on port 500
// (no NAT changed its ports: outNATByPort); the requester then sent off
// port 500 (after NAT detection: UDP 4500) and the other side never sent
// anything off port 500 in the capture.
func port4500Silence(st *saState, side saSide, n int) bool {
	return n >= 2 && st.out.has(outInitOK) && st.out.has(offPort500(side)) && !st.out.has(offPort500(side.other())) &&
		!st.out.has(outNATByPort) && !st.flags.has(flTCP)
}

// port4500Text explains port4500Silence for a request from side.
func port4500Text(side saSide) string {
	return "The first messages were answered on UDP 500; then the " + side.String() + " moved off port 500 (to UDP 4500 after" +
		" NAT detection, RFC 7296 §2.23, RFC 3947) and nothing came back on that port: the pattern of a firewall or" +
		" router ACL on the path that passes UDP 500 but drops UDP 4500 (or a NAT that does not forward it), unless the " +
		side.other().String() + " itself went silent right after them. Allow UDP 4500 both ways between the" +
		" peers, and ESP-in-UDP with it."
}
