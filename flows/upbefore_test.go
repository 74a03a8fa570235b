package flows

import (
	"slices"
	"strings"
	"testing"
)

// TestUpBeforeCapture: captures that begin while the tunnel is up, as most
// captures taken to debug a running VPN do. ikev2-rekey from its first
// CREATE_CHILD_SA on (frame 9): the IKE SA runs answered CREATE_CHILD_SA
// exchanges, so both peers held it: established (it read "incomplete"),
// rekeyed into the IKE SA that follows as on the whole capture, and its ESP
// from then on is its own (it read "belongs to no IKE SA"). From the last
// exchange of ikev2-psk-success on (its Delete, an INFORMATIONAL alone),
// nothing shows the SA was up: an initiator that did not accept the IKE_AUTH
// answer reports AUTHENTICATION_FAILED in an INFORMATIONAL too.
func TestUpBeforeCapture(t *testing.T) {
	pk := corpusPackets(t, "ikev2-rekey")
	i := byFrame(t, pk, 9)
	r := analyze(clonePackets(pk[i:]), Options{})
	var states []State
	for _, sa := range r.SAs {
		states = append(states, sa.State)
	}
	if !slices.Equal(states, []State{StateRekeyed, StateEstablished}) {
		t.Fatalf("states %v, want [rekeyed established]", states)
	}
	f := finding(r.SAs[0], KindLateStart)
	if f == nil || !strings.Contains(f.Message, "first message here (frame 9), a CREATE_CHILD_SA request, has message ID 2") {
		t.Errorf("started_before_capture: %v", f)
	}
	if got := r.SAs[0].Established; !got.Equal(pk[i].Time) {
		t.Errorf("established %v, want its first message's time %v", got, pk[i].Time)
	}
	if r.SAs[1].RekeyedFrom != r.SAs[0].Name() {
		t.Errorf("second SA rekeyed from %q, want %q", r.SAs[1].RekeyedFrom, r.SAs[0].Name())
	}
	for _, g := range r.Findings {
		if g.Kind == KindUnmatchedESP {
			t.Errorf("esp_without_ike: %s", g.Message)
		}
	}

	pk = corpusPackets(t, "ikev2-psk-success")
	n := len(pk)
	for n > 0 && pk[n-1].Kind == KindESP {
		n--
	}
	r = analyze(clonePackets(pk[n-2:n]), Options{})
	if len(r.SAs) != 1 || r.SAs[0].State != StateIncomplete || finding(r.SAs[0], KindLateStart) != nil {
		t.Errorf("a lone INFORMATIONAL: %d SAs, first %+v", len(r.SAs), r.SAs)
	}
}

// TestUpBeforeCaptureESP: ikev2-aes-gcm from frame 5 on holds ESP both ways
// between the peers, then one answered INFORMATIONAL (message ID 2, the
// initiator's Delete): the ESP shows a child SA was up between them, and
// the initiator's message IDs are past its IKE_AUTH. Established, as on
// the whole capture (it read "incomplete"). Without the ESP, the same
// INFORMATIONAL alone leaves it incomplete (TestUpBeforeCapture).
func TestUpBeforeCaptureESP(t *testing.T) {
	pk := corpusPackets(t, "ikev2-aes-gcm")
	r := analyze(clonePackets(pk[byFrame(t, pk, 5):]), Options{})
	if len(r.SAs) != 1 || r.SAs[0].State != StateEstablished {
		t.Fatalf("SAs %+v, want one established", r.SAs)
	}
	f := finding(r.SAs[0], KindLateStart)
	if f == nil || !strings.Contains(f.Message, "ESP ran both ways between these peers that no IKE SA in the capture claims") {
		t.Errorf("started_before_capture: %v", f)
	}
}

// TestV1UpBeforeCapture: ikev1-main-quick from its QM1 on (frame 7): a
// quick mode both peers took part in needs phase 1 complete (RFC 2409
// §5.5), so the ISAKMP SA was up: established from its first message here,
// as on the whole capture (it read "incomplete").
func TestV1UpBeforeCapture(t *testing.T) {
	pk := corpusPackets(t, "ikev1-main-quick")
	i := byFrame(t, pk, 7)
	r := analyze(clonePackets(pk[i:]), Options{})
	if len(r.SAs) != 1 || r.SAs[0].State != StateEstablished || !r.SAs[0].Established.Equal(pk[i].Time) {
		t.Fatalf("SAs %+v, want one established at frame 7's time", r.SAs)
	}
	if finding(r.SAs[0], KindLateStart) == nil {
		t.Error("no started_before_capture")
	}
}

// TestDeadPeerBeforeCapture: ikev2-dpd-dead-peer from frame 5 on: the
// initiator's liveness checks on an SA set up before the capture, never
// answered, the sender giving up: deleted (dead_peer), as on the whole
// capture (it read "incomplete").
func TestDeadPeerBeforeCapture(t *testing.T) {
	pk := corpusPackets(t, "ikev2-dpd-dead-peer")
	r := analyze(clonePackets(pk[byFrame(t, pk, 5):]), Options{})
	if len(r.SAs) != 1 || r.SAs[0].State != StateDeleted || finding(r.SAs[0], KindDeadPeer) == nil {
		t.Fatalf("SAs %+v, want one deleted with dead_peer", r.SAs)
	}

	// openiked-ikev2-rekey-ike-then-dead-peer from frame 6 on: the new IKE
	// SA's rekey (CREATE_CHILD_SA, 6 times, each drawing ICMP port
	// unreachable) on an SA whose setup, a rekey, the capture holds only
	// in part: a dead peer, as on the whole capture (it read a generic
	// unanswered_request warning, the SA "incomplete").
	pk = corpusPackets(t, "openiked-ikev2-rekey-ike-then-dead-peer")
	r = analyze(clonePackets(pk[byFrame(t, pk, 6):]), Options{})
	last := r.SAs[len(r.SAs)-1]
	if last.State != StateDeleted || finding(last, KindDeadPeer) == nil || finding(last, KindUnanswered) != nil {
		t.Errorf("last SA %s: %v", last.State, kinds(last.Findings))
	}
}
