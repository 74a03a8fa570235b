package flows

import (
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestV1NotifyAnswersMM1: a responder that refuses MM1 with an
// unencrypted NO-PROPOSAL-CHOSEN did answer it. The real
// ikev1-main-no-proposal capture (strongSwan) ends 2 ms after the
// notify, so MM1 used to escape the unanswered finding only by being sent
// within Grace of the end; in a longer capture (Grace of 1 ns here, as in
// a big capture built from it) it was reported as 'never answered'. With
// the notify taken out (and MM1 sent again a second later, so that it is
// not the capture's last word), MM1 is unanswered and says so.
func TestV1NotifyAnswersMM1(t *testing.T) {
	pk := corpusPackets(t, "ikev1-main-no-proposal")
	opt := Options{Grace: time.Nanosecond}
	sa := analyze(pk, opt).SAs[0]
	if f := finding(sa, KindNoProposalChosen); f == nil {
		t.Fatalf("no no_proposal_chosen finding: %+v", sa.Findings)
	}
	if f := finding(sa, KindUnanswered); f != nil {
		t.Fatalf("MM1 answered by NO-PROPOSAL-CHOSEN reported as unanswered: %s", f.Message)
	}
	if sa.State != StateFailed {
		t.Fatalf("state %s, want failed", sa.State)
	}
	var mm1 []Packet
	for _, p := range pk {
		if p.Src == pk[0].Src {
			mm1 = append(mm1, p)
		}
	}
	if len(mm1) == len(pk) {
		t.Fatal("the capture has no answer to remove")
	}
	again := mm1[0]
	again.Time = again.Time.Add(time.Second)
	mm1 = append(mm1, again)
	sa = analyze(mm1, opt).SAs[0]
	f := finding(sa, KindUnanswered)
	if f == nil || !strings.Contains(f.Message, "never answered the first message") {
		t.Fatalf("MM1 alone: %+v", sa.Findings)
	}
}

// TestV1NotifyBeforeResentMM2: in the Zeek spicy-ipsec trace ipsec.cap
// (a third-party IKEv1 capture), the initiator answers MM2 with
// NO-PROPOSAL-CHOSEN, the responder sends MM2 again 10 s later and the
// initiator then goes on with MM3. The responder's resent MM2 was answered
// by that notify: the retransmit text says so, not that the initiator's
// next message was lost.
func TestV1NotifyBeforeResentMM2(t *testing.T) {
	sa := analyze(loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap")), Options{}).SAs[0]
	f := finding(sa, KindRetransmit)
	if f == nil {
		t.Fatalf("no retransmit finding: %+v", sa.Findings)
	}
	for _, want := range []string{"The responder sent MM2", "The initiator answered it with an error notify (frame 3, reported as no_proposal_chosen)", "The exchange then continued."} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("missing %q in: %s", want, f.Message)
		}
	}
	if strings.Contains(f.Message, "lost or ignored") {
		t.Errorf("says the initiator's next message was lost: %s", f.Message)
	}
}

// TestV1LateFromMM2JoinsNotify: the same trace without its first frame
// (MM1), as a capture begun a moment late is. The SA is first seen at the
// responder's MM2, and the initiator's NO-PROPOSAL-CHOSEN that follows
// carries a zero responder cookie: it belongs to that SA, as in the whole
// trace, not to a second SA reported failed with an error (before).
func TestV1LateFromMM2JoinsNotify(t *testing.T) {
	pk := loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap"))
	whole := analyze(pk, Options{})
	cut := analyze(pk[1:], Options{})
	if len(cut.SAs) != len(whole.SAs) {
		t.Fatalf("%d SAs from MM2 on, %d in the whole trace", len(cut.SAs), len(whole.SAs))
	}
	sa := cut.SAs[0]
	if sa.State != whole.SAs[0].State || finding(sa, KindRetransmit) == nil {
		t.Errorf("from MM2: %s %+v", sa.State, sa.Findings)
	}
	f := finding(sa, FindingKind("no_proposal_chosen"))
	if f == nil || f.Severity == SeverityError {
		t.Errorf("from MM2: no_proposal_chosen %+v", f)
	}
}

// TestV1RefusedChoiceAcceptedLater: in ipsec.cap the initiator refuses
// the responder's MM2 with NO-PROPOSAL-CHOSEN, then goes on when the same
// MM2 comes again, and main mode completes with that very choice. The
// finding must not say the ISAKMP policies do not match (they do: the
// choice came from the offer and was accepted); it says the refusal had
// another cause.
func TestV1RefusedChoiceAcceptedLater(t *testing.T) {
	sa := analyze(loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap")), Options{}).SAs[0]
	f := finding(sa, KindNoProposalChosen)
	if f == nil {
		t.Fatalf("no no_proposal_chosen finding: %+v", sa.Findings)
	}
	if strings.Contains(f.Message, "policies do not match") {
		t.Errorf("says the policies do not match, though the refused choice was accepted: %s", f.Message)
	}
	for _, want := range []string{"it refused the responder's choice from the offer, " + sa.Proposal,
		"with that same choice, so the policies match"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("missing %q in: %s", want, f.Message)
		}
	}
}
