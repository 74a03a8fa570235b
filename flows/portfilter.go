package flows

// A capture filtered to UDP port 500.
//
// "udp port 500" is a common capture filter for IKE, and it keeps only
// the start of most IKE SAs. Once IKE_SA_INIT's NAT detection finds a NAT,
// both IKEv2 peers move to UDP 4500 for IKE_AUTH and everything after it
// (RFC 7296 §2.23); an initiator that supports MOBIKE moves there even
// without a NAT (RFC 4555 §3.2); IKEv1 moves from its fifth main-mode or
// third aggressive-mode message on when NAT-T finds a NAT (RFC 3947 §4).
// The filtered capture then shows IKE_SA_INIT, or MM1-MM4, and nothing
// after: read as a half-open SA whose initiator never authenticated, or as
// an MM4 that got no reply, both false (every corpus capture filtered with
// tshark -Y "udp.port==500" gave such verdicts: six half_open warnings and
// two unanswered MM4 errors on SAs that authenticated on UDP 4500).
//
// When the capture holds nothing off UDP 500 at all (no IKE on another
// port, no ESP inside UDP), the analysis cannot tell whether the SA moved
// on out of the capture's sight, and says so instead (hiddenByPort).

// movedOutOfSight reports whether st may have gone on over UDP 4500 where
// this capture, which holds nothing off UDP port 500, cannot see it: an
// IKEv2 SA (NAT found, or MOBIKE, which the capture cannot see in
// IKE_SA_INIT), or an IKEv1 SA whose NAT detection found a NAT.
func (a *Analyzer) movedOutOfSight(st *saState) bool {
	if a.sawOff500 || st.flags.has(flTCP) || st.natPorts != [2]uint16{} {
		return false
	}
	if st.Version == 2 {
		return true
	}
	return st.out.has(outNATSeenI) || st.out.has(outNATSeenR)
}

// hiddenByPortText says why what followed the first messages of st, an SA
// that may have moved to UDP 4500 (movedOutOfSight), is not in the
// capture; last names those messages ("IKE_SA_INIT", "MM4").
func hiddenByPortText(st *saState, last string) string {
	why := "NAT detection found a NAT between the peers, so they move to UDP 4500 for IKE_AUTH and all that follows (RFC 7296" +
		" §2.23; an initiator that supports MOBIKE moves there even without a NAT, RFC 4555)"
	if st.Version == 1 {
		why = "NAT-T found a NAT between the peers, so they move to UDP 4500 from the fifth main-mode (third aggressive-mode)" +
			" message on (RFC 3947)"
	} else if !st.out.has(outNATSeenI) && !st.out.has(outNATSeenR) {
		why = "an initiator that supports MOBIKE moves to UDP 4500 for IKE_AUTH and all that follows even without a NAT (RFC" +
			" 4555), as every IKEv2 pair does once NAT detection finds a NAT (RFC 7296 §2.23)"
	}
	return "Nothing of this SA follows its " + last + " in this capture, which holds nothing off UDP port 500 at all (no IKE" +
		" on port 4500, no ESP inside UDP): " + why + ". A capture filter on UDP 500 alone (\"udp port 500\") leaves that" +
		" out, so what became of this SA is not in this capture. Capture again with \"udp port 500 or udp port 4500 or esp\"."
}
