package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// everyFrameCopied returns pk with each packet followed by a copy delay
// later, its TTL lowered by hop (0: the same TTL), frames renumbered.
func everyFrameCopied(pk []Packet, delay time.Duration, hop uint8) []Packet {
	out := make([]Packet, 0, 2*len(pk))
	for _, p := range pk {
		c := p
		c.Data = slices.Clone(p.Data)
		c.Time = p.Time.Add(delay)
		if c.TTL > hop {
			c.TTL -= hop
		}
		out = append(out, p, c)
	}
	slices.SortStableFunc(out, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	renumber(out)
	return out
}

// TestCopiesTakenLater: every frame of a corpus capture recorded twice,
// the copy 8 or 30 ms later: both interfaces of a firewall mirrored to the
// capture (the copy with a TTL one lower), or a bridge captured on both
// sides (the same TTL). Past the 5 ms of the duplicate filter, every
// message read as retransmitted ("2 times at +0 s, +0.0 s (back-off: 0.0
// s)"), an unanswered DPD sent once as a dead peer (ikev2-eap-wrong-
// password), one INVALID_KE_PAYLOAD as a group loop (ikev2-invalid-ke-
// retry). The verdicts are now those of the capture taken once, with one
// capture_duplicate note that says what the copies are.
func TestCopiesTakenLater(t *testing.T) {
	for _, scen := range []string{"ikev2-eap-wrong-password", "ikev2-invalid-ke-retry", "ikev2-child-temporary-failure", "ikev1-dpd-dead-peer"} {
		pk := corpusPackets(t, scen)
		want := sortedKinds(analyze(pk, Options{}))
		for _, c := range []struct {
			delay time.Duration
			hop   uint8
			note  string
		}{
			{8 * time.Millisecond, 1, "the second copy with another IP TTL"},
			{30 * time.Millisecond, 1, "the second copy with another IP TTL"},
			{200 * time.Millisecond, 1, "the second copy with another IP TTL"},
			{8 * time.Millisecond, 0, "with no difference in IP TTL"},
			{30 * time.Millisecond, 0, "with no difference in IP TTL"},
		} {
			r := analyze(everyFrameCopied(pk, c.delay, c.hop), Options{})
			var got []string
			for _, k := range sortedKinds(r) {
				if k != "capture_duplicate:info" {
					got = append(got, k)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, copies %v later, TTL -%d: findings %v, want %v", scen, c.delay, c.hop, got, want)
			}
			if !slices.ContainsFunc(r.Findings, func(f Finding) bool {
				return f.Kind == KindCaptureDuplicate && strings.Contains(f.Message, c.note)
			}) {
				t.Errorf("%s, copies %v later, TTL -%d: no capture_duplicate saying %q", scen, c.delay, c.hop, c.note)
			}
		}
	}
	// Beyond what a copy can be: the same TTL 200 ms later is the sender
	// resending (a timer that quick is not a default, but it is the
	// sender's), and so is a request copy with the same TTL that comes
	// after the duplicate filter lost sight of the first.
	r := analyze(everyFrameCopied(corpusPackets(t, "ikev2-psk-success"), 200*time.Millisecond, 0), Options{})
	if !slices.Contains(sortedKinds(r), "retransmit:info") && !slices.Contains(sortedKinds(r), "retransmit:warning") {
		t.Errorf("copies 200 ms later with the same TTL: %v, want retransmits", sortedKinds(r))
	}
}

// TestQuickRetransmitHedged: an IKE_SA_INIT request seen again 30 ms
// later with 40 other packets between, more than the duplicate filter
// keeps in sight (dupRecent), is analysed as a retransmission; the
// finding says that no stack resends so fast and that the capture may hold
// the packet twice, and is an info.
func TestQuickRetransmitHedged(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	first := pk[byFrame(t, pk, 1)]
	var between []Packet
	src, dst := netip.MustParseAddrPort("192.0.2.7:4500"), netip.MustParseAddrPort("192.0.2.8:4500")
	for k := range 40 {
		between = append(between, Packet{Kind: KindESP, Src: src, Dst: dst, ESPSPI: 0x1234, ESPSeq: uint32(k + 1),
			Time: first.Time.Add(time.Duration(k+1) * 500 * time.Microsecond)})
	}
	c := first
	c.Data = slices.Clone(first.Data)
	c.Time = first.Time.Add(30 * time.Millisecond)
	pk = append(pk, c)
	pk = append(pk, between...)
	slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	renumber(pk)
	r := analyze(pk, Options{})
	var f *Finding
	for _, sa := range r.SAs {
		if g := finding(sa, KindRetransmit); g != nil {
			f = g
		}
	}
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "The copies came as little as 30 ms apart, quicker than the retransmission timer of any IKE stack") {
		t.Errorf("retransmit: %+v", f)
	}
}

// TestV1AnswerResentNotCopy: a slow IKEv1 responder answers MM1 480 ms
// after it; the initiator's timer sends MM1 again at 500 ms, and the
// responder, getting it, sends MM2 again at 501 ms: 21 ms after the first
// MM2, the same bytes and TTL, but an answer to the resent MM1 between
// them, not a copy the capture took. It stays a retransmission.
func TestV1AnswerResentNotCopy(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev1-main-quick"))
	t0 := pk[0].Time
	for i := 1; i < len(pk); i++ {
		pk[i].Time = pk[i].Time.Add(600 * time.Millisecond)
	}
	pk[1].Time = t0.Add(480 * time.Millisecond)
	mm1, mm2 := pk[0], pk[1]
	mm1.Data, mm2.Data = slices.Clone(mm1.Data), slices.Clone(mm2.Data)
	mm1.Time, mm2.Time = t0.Add(500*time.Millisecond), t0.Add(501*time.Millisecond)
	pk = append(pk, mm1, mm2)
	slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	renumber(pk)
	r := analyze(pk, Options{})
	for _, f := range r.Findings {
		if f.Kind == KindCaptureDuplicate {
			t.Errorf("taken for a copy: %s", f.Message)
		}
	}
	var resp bool
	for _, sa := range r.SAs {
		for _, f := range sa.Findings {
			resp = resp || f.Kind == KindRetransmit && strings.HasPrefix(f.Message, "The responder sent MM2")
		}
	}
	if !resp {
		t.Errorf("no retransmit of MM2: %v", sortedKinds(r))
	}
}
