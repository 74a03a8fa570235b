package flows

import (
	"strconv"
	"strings"
	"time"
)

// promptAnswer is the longest delay after which a response still counts as
// the answer to the request copy just before it.
const promptAnswer = time.Second

// everyCopyAnswered reports whether each transmission of an IKEv2 request
// (g, in time order) was followed by a response before the next copy and
// within promptAnswer: the responder answered every copy, and the requester
// retransmitted anyway.
func everyCopyAnswered(st *saState, ex *exRec, g []*Message) bool {
	i := indexOf(st, ex)
	if i < 0 || i >= len(st.sa.Exchanges) || len(g) < 2 {
		return false
	}
	out := st.sa.Exchanges[i]
	for i, req := range g {
		found := false
		for _, m := range out.Messages {
			if !m.Response || m.Time.Before(req.Time) || m.Time.Sub(req.Time) > promptAnswer {
				continue
			}
			if i+1 < len(g) && !m.Time.Before(g[i+1].Time) {
				continue
			}
			found = true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

// indexOf returns the index of ex in st.exs (-1 when absent).
func indexOf(st *saState, ex *exRec) int {
	for i, x := range st.exs {
		if x == ex {
			return i
		}
	}
	return -1
}

// ignoredAnswers explains a request retransmitted although every copy was
// answered at once.
func ignoredAnswers(st *saState, ex *exRec, g []*Message) string {
	out := st.sa.Exchanges[indexOf(st, ex)]
	var resp []string
	for _, m := range out.Messages {
		if m.Response {
			resp = append(resp, strconv.Itoa(m.Frame))
		}
	}
	who := otherSide(g[0].From)
	s := "Every copy was answered at once (responses in frames " + strings.Join(resp, ", ") + ")"
	if e := ex.errorOf(); e != "" {
		s += " with the error notify " + e + ", which the " + g[0].From + " ignored: it kept retransmitting" +
			" instead of giving up or changing its request. This is not packet loss: act on " + e +
			" (see the " + who + "'s logs for its reason), and check that the " + g[0].From + " receives the answers."
		return s
	}
	return s + ", yet the " + g[0].From + " kept retransmitting: this is not packet loss on the way to the " + who +
		". Either the answers are lost between this capture point and the " + g[0].From + " (asymmetric path, a" +
		" firewall or NAT dropping them), or the " + g[0].From + " discards them (it cannot verify or decrypt them, or" +
		" ignores what they say). Capture on the " + g[0].From + " side and read its logs."
}
