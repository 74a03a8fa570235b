package flows

import (
	"slices"
	"time"
)

// promptAnswer is the longest delay after which a response still counts as
// the answer to the request copy just before it.
const promptAnswer = time.Second

// everyCopyAnswered reports whether each transmission of an IKEv2 request
// (the messages g of ex, in time order) was followed by a response before
// the next copy and within promptAnswer: the responder answered every
// copy, and the requester retransmitted anyway.
func everyCopyAnswered(ex *exRec, g []int) bool {
	if len(g) < 2 {
		return false
	}
	// The responses' times, sorted once: the earliest response not before
	// a copy is the only one that can answer it (both limits are upper
	// bounds), so each copy costs a binary search instead of a walk over
	// the exchange, which a request resent thousands of times made
	// quadratic.
	var resp []time.Time
	for j := range ex.nmsgs() {
		if ex.msg(j).response() {
			resp = append(resp, ex.msgTime(j))
		}
	}
	slices.SortFunc(resp, time.Time.Compare)
	for k, i := range g {
		req := ex.msgTime(i)
		n, _ := slices.BinarySearchFunc(resp, req, time.Time.Compare)
		if n == len(resp) {
			return false
		}
		if t := resp[n]; t.Sub(req) > promptAnswer || k+1 < len(g) && !t.Before(ex.msgTime(g[k+1])) {
			return false
		}
	}
	return true
}

// ignoredAnswers explains a request (the messages g of ex) retransmitted
// although every copy was answered at once; fn names the frames.
func ignoredAnswers(ex *exRec, g []int, fn frameNamer) string {
	var resp []int
	for j := range ex.nmsgs() {
		if ex.msg(j).response() {
			resp = append(resp, ex.frame(j))
		}
	}
	from := ex.msg(g[0]).side().String()
	who := otherSide(from)
	s := "Every copy was answered at once (responses in frames " + fn.join(resp) + ")"
	if e := ex.errorOf(); e != "" {
		s += " with the error notify " + e + ", which the " + from + " ignored: it kept retransmitting" +
			" instead of giving up or changing its request. This is not packet loss: act on " + e +
			" (see the " + who + "'s logs for its reason), and check that the " + from + " receives the answers."
		return s
	}
	return s + ", yet the " + from + " kept retransmitting: this is not packet loss on the way to the " + who +
		". Either the answers are lost between this capture point and the " + from + " (asymmetric path, a" +
		" firewall or NAT dropping them), or the " + from + " discards them (it cannot verify or decrypt them, or" +
		" ignores what they say). Capture on the " + from + " side and read its logs."
}
