package flows

import (
	"strconv"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Captures that see one direction only.
//
// A capture filtered on one address ("src host A"), or taken where the
// two directions of a path part (asymmetric routing), holds only one
// peer's messages. IKEv1 messages carry no request or response flag, so
// such a capture showed the initiator's quick modes, Transaction
// exchanges and DPD probes as requests "not answered", and the probes as
// a dead peer (every corpus capture filtered with tshark -Y
// "ip.src==198.51.100.10" gave 14 such warnings, none in the whole
// captures). When nothing at all of an SA comes from one peer although it
// took part (it began the SA, or its cookie is in the other peer's
// messages: it answered the first one), what it sent is simply not in the
// capture, and the analysis says so instead (unseenPeer). The same holds
// for a half-open IKEv1 or IKEv2 SA whose initiator the capture holds
// nothing of (the responder's side only).

// unseenPeer returns, when the capture holds no message of st from side
// although side took part in it, why that side took part (for the text);
// "" otherwise. (IKEv1 and IKEv2 alike: the responder's SPI, or cookie,
// is known only from its answer.)
func unseenPeer(st *saState, side saSide) string {
	switch {
	case heardFrom(st, side):
		return ""
	case side == sideI:
		return "it began this SA"
	case !st.SPIr.IsZero():
		return "its SPI, " + st.SPIr.String() + ", is in the initiator's messages: it answered the first one"
	}
	return ""
}

// oneWayV1Text is the info on messages (what) of the other side of side
// that the capture shows no answer to, in an SA whose side the capture
// holds nothing of (unseenPeer gave why).
func oneWayV1Text(side saSide, why, what string, n int) string {
	return "The capture holds no message of this SA from the " + side.String() + " at all, though the " + side.String() +
		" took part in it (" + why + "): it sees one direction only (a capture filter on one address, asymmetric" +
		" routing). So whether the " + side.other().String() + "'s " + what + " (" + strconv.Itoa(n) + " " +
		words.Pick(n, "transmission", "transmissions") + ") got an answer is not in this capture: capture both directions to know."
}
