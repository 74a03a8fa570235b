package flows

import (
	"strings"
	"testing"
)

// TestRetransmitsCountEveryGroupCopy checks, on every corpus capture, what
// retransmitFindings relies on to skip exchanges without retransmits: a
// message marked as a retransmit that could join a retransmit group (any
// IKEv1 message; an IKEv2 request, unfragmented or its first fragment) is
// counted in its exchange's Retransmits. An exchange with Retransmits 0
// and such a message would lose its retransmit finding.
func TestRetransmitsCountEveryGroupCopy(t *testing.T) {
	groups := 0
	for _, path := range corpusCaptures(t) {
		rep := analyze(loadPackets(t, path), Options{})
		for _, sa := range rep.SAs {
			for _, ex := range sa.Exchanges {
				for _, m := range ex.Messages {
					if !m.Retransmit || sa.Version == 2 && m.Response ||
						m.Fragment != "" && !strings.HasPrefix(m.Fragment, "1/") {
						continue
					}
					groups++
					if ex.Retransmits == 0 {
						t.Errorf("%s: SA %s: %s exchange (message ID %d): frame %d is a retransmit, but Retransmits is 0",
							path, sa.Name(), ex.Type, ex.MID, m.Frame)
					}
				}
			}
		}
	}
	if groups == 0 {
		t.Fatal("no retransmitted message in the corpus: the test checks nothing")
	}
}
