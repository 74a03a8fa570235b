package flows

import (
	"strings"
	"testing"
	"time"
)

// TestCrowdedExchange piles 3000 copies of the real IKE_SA_INIT request of
// ikev2-psk-success into its first exchange (a peer retransmitting for
// hours, or a hostile capture): the exchange keeps MaxExchangeMessages
// messages and counts the rest, Retransmits still counts every copy, and
// the SA still comes up.
func TestCrowdedExchange(t *testing.T) {
	pkts := corpusPackets(t, "ikev2-psk-success")
	const copies = 3000
	var in []Packet
	for k := range copies {
		p := pkts[0]
		p.Time = p.Time.Add(time.Duration(k) * time.Second) // apart: not capture duplicates
		in = append(in, p)
	}
	for _, p := range pkts[1:] {
		p.Time = p.Time.Add(copies * time.Second)
		in = append(in, p)
	}
	for i := range in {
		in[i].Frame = i + 1
	}
	r := analyze(in, Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs, want 1", len(r.SAs))
	}
	sa := r.SAs[0]
	if sa.State != StateEstablished {
		t.Errorf("state %v, want established", sa.State)
	}
	ex := sa.Exchanges[0]
	if got, want := len(ex.Messages), MaxExchangeMessages; got != want {
		t.Errorf("%d messages kept, want %d", got, want)
	}
	if got, want := ex.MessagesOmitted, copies+1-MaxExchangeMessages; got != want { // the copies and the response
		t.Errorf("messages_omitted %d, want %d", got, want)
	}
	if ex.Retransmits != copies-1 {
		t.Errorf("retransmits %d, want %d", ex.Retransmits, copies-1)
	}
	var retr *Finding
	for i := range sa.Findings {
		if sa.Findings[i].Kind == KindRetransmit {
			retr = &sa.Findings[i]
		}
	}
	// The finding must not present the kept copies as all of them.
	if retr == nil || !strings.Contains(retr.Message, "at least 1024 times") ||
		!strings.Contains(retr.Message, "1977 more messages") || !strings.Contains(retr.Message, "2999 request retransmissions in all") ||
		!strings.Contains(retr.Message, "delayed by at least") {
		t.Errorf("retransmit finding does not say the count is partial: %+v", retr)
	}
	b, err := sa.AppendJSON(nil)
	if err != nil || !strings.Contains(string(b), `"messages_omitted":1977`) {
		t.Errorf("JSON lacks messages_omitted (%v)", err)
	}
	if l := Ladder(sa); !strings.Contains(l, "1977 more messages") {
		t.Errorf("ladder does not say what it left out:\n%s", l)
	}
}
