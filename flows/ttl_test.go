package flows

import (
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestCapturePoint checks the inference from the TTLs noted per side:
// one side with starting values and the other lowered puts the capture on
// the first one's side, both lowered between them; both starting values,
// a side with both kinds, or a side not seen, tell nothing. swapTTL swaps
// the sides (an IKEv1 SA whose roles turn out the other way round).
func TestCapturePoint(t *testing.T) {
	cases := []struct {
		i, r []uint8
		want capturePoint
	}{
		{[]uint8{64, 64}, []uint8{57}, pointAtI},
		{[]uint8{128}, []uint8{54, 54}, pointAtI},
		{[]uint8{250}, []uint8{255}, pointAtR},
		{[]uint8{63}, []uint8{60}, pointBetween},
		{[]uint8{64}, []uint8{64}, pointUnknown},     // one segment (a lab)
		{[]uint8{64, 63}, []uint8{57}, pointUnknown}, // the initiator's TTLs differ
		{[]uint8{64}, nil, pointUnknown},
		{[]uint8{0}, []uint8{57}, pointUnknown}, // over TCP: unknown
	}
	for _, c := range cases {
		var st saState
		for _, v := range c.i {
			st.noteTTL(sideI, v)
		}
		for _, v := range c.r {
			st.noteTTL(sideR, v)
		}
		if got := st.capturePoint(); got != c.want {
			t.Errorf("initiator %v, responder %v: %d, want %d", c.i, c.r, got, c.want)
		}
		before := st.out
		st.swapTTL()
		swapped := map[capturePoint]capturePoint{pointAtI: pointAtR, pointAtR: pointAtI}[c.want]
		if c.want == pointBetween || c.want == pointUnknown {
			swapped = c.want
		}
		if got := st.capturePoint(); got != swapped {
			t.Errorf("initiator %v, responder %v, swapped: %d, want %d", c.i, c.r, got, swapped)
		}
		if st.swapTTL(); st.out != before {
			t.Errorf("swapping twice: %b, want %b", st.out, before)
		}
	}
}

// TestCapturePointFindings reads what the capture point adds on real
// captures. The corpus captures are taken on the lab router's interface
// towards one peer (testdata/gen: tcpdump in the router namespace), so
// that peer's packets come with TTL 64 and the other's with 63:
// libreswan-ikev2-two-ike-sas-same-hosts on the initiator's side, whose
// pluto (it cannot carry ESP here) sends nothing back; and, its IKE_AUTH
// request left unanswered, ikev2-child-temporary-failure on the
// responder's side; openiked-ikev2-dpd-dead-peer on the side of the peer
// that was killed. The zeek client capture (a Windows host, TTL 128;
// the gateway's come with 54) is taken on the initiator's host.
func TestCapturePointFindings(t *testing.T) {
	find := func(pkts []Packet, kind FindingKind) string {
		t.Helper()
		for _, f := range analyze(pkts, Options{}).Findings {
			if f.Kind == kind && f.Severity >= SeverityWarning {
				return f.Message
			}
		}
		t.Fatalf("no %s warning or error", kind)
		return ""
	}
	msg := find(loadPackets(t, testutil.Corpus("libreswan-ikev2-two-ike-sas-same-hosts", "capture.pcap")), KindOneWayESP)
	if !strings.HasSuffix(msg, " The capture was taken on the initiator's side (the initiator's IKE messages carry the TTL hosts"+
		" start with, 64, 128 or 255; the responder's come lower, counted down by the routers between): the responder's ESP got"+
		" there, and no ESP from the initiator passed here: it drops what arrives, sends nothing into the tunnel, or sends it"+
		" by another path.") {
		t.Errorf("one_way_esp: %s", msg)
	}

	// Its IKE_AUTH request (frame 3) sent again 1, 3, 7 and 15 s later,
	// as strongSwan retransmits, and nothing after: unanswered.
	pkts := loadPackets(t, testutil.Corpus("ikev2-child-temporary-failure", "capture.pcap"))[:3]
	for i, after := range []time.Duration{1, 3, 7, 15} {
		p := pkts[2]
		p.Frame, p.Time = 4+i, p.Time.Add(after*time.Second)
		pkts = append(pkts, p)
	}
	msg = find(pkts, KindUnanswered)
	if !strings.Contains(msg, " The capture was taken on the responder's side (the responder's IKE messages carry the TTL"+
		" hosts start with, 64, 128 or 255; the initiator's come lower, counted down by the routers between): the request got"+
		" there, and no answer left it in this capture: the responder dropped or ignored the request") {
		t.Errorf("unanswered_request: %s", msg)
	}

	// iked, the initiator, killed: strongSwan's liveness checks reach the
	// initiator's side of the capture, and nothing answers them there.
	msg = find(loadPackets(t, testutil.Corpus("openiked-ikev2-dpd-dead-peer", "capture.pcap")), KindDeadPeer)
	if !strings.HasSuffix(msg, ": the request got there, and no answer left it in this capture: the initiator dropped or"+
		" ignored the request (its IKE daemon not running, or without this IKE SA after a restart or an HA failover; a"+
		" firewall on its host: its log says which).") {
		t.Errorf("dead_peer: %s", msg)
	}

	// IKEv1: the responder killed, its R-U-THEREs unanswered, captured on
	// the initiator's side.
	msg = find(loadPackets(t, testutil.Corpus("ikev1-dpd-dead-peer", "capture.pcap")), KindDeadPeer)
	if !strings.HasSuffix(msg, " The capture was taken on the initiator's side (the initiator's IKE messages carry the TTL"+
		" hosts start with, 64, 128 or 255; the responder's come lower, counted down by the routers between): the request left"+
		" it and no answer came back to it in this capture: the request or its answer was lost on the way, or the responder"+
		" did not answer.") {
		t.Errorf("dead_peer, IKEv1: %s", msg)
	}

	client := loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec_client.pcap"))
	msg = find(client, KindUnanswered)
	if !strings.Contains(msg, " The capture was taken on the initiator's side (") ||
		!strings.Contains(msg, "): the request left it and no answer came back to it in this capture: the request or its answer was lost on"+
			" the way, or the responder did not answer.") {
		t.Errorf("unanswered_request, zeek client: %s", msg)
	}
}

// TestHalfOpenCapturePoint: an IKE SA whose IKE_SA_INIT completed and
// nothing followed. Captured on the initiator's side (ikev2-psk-success's
// first two messages: the lab router's interface towards the initiator),
// the initiator did not send IKE_AUTH; on the responder's side
// (ikev2-child-temporary-failure's), it may also have been lost on the
// way. Each is followed, a minute later, by the rest of the other
// capture (another IKE SA between the same peers), so that the capture
// goes on past the grace period.
func TestHalfOpenCapturePoint(t *testing.T) {
	for _, c := range []struct{ first, rest, want string }{
		{"ikev2-psk-success", "ikev2-child-temporary-failure", "The capture was taken on the initiator's side (the" +
			" initiator's IKE messages carry the TTL hosts start with, 64, 128 or 255; the responder's come lower, counted" +
			" down by the routers between): the initiator did not send one. The initiator may have failed"},
		{"ikev2-child-temporary-failure", "ikev2-psk-success", "The capture was taken on the responder's side (the" +
			" responder's IKE messages carry the TTL hosts start with, 64, 128 or 255; the initiator's come lower, counted" +
			" down by the routers between): the initiator did not send one, or it was lost on the way (a firewall or NAT" +
			" that drops IP fragments loses a large IKE_AUTH request"},
	} {
		pkts := loadPackets(t, testutil.Corpus(c.first, "capture.pcap"))[:2]
		rest := loadPackets(t, testutil.Corpus(c.rest, "capture.pcap"))
		shift := pkts[1].Time.Sub(rest[0].Time) + time.Minute
		for i, p := range rest {
			p.Frame, p.Time = 3+i, p.Time.Add(shift)
			pkts = append(pkts, p)
		}
		var got string
		for _, f := range analyze(pkts, Options{}).Findings {
			if f.Kind == KindHalfOpen {
				got = f.Message
			}
		}
		if !strings.HasPrefix(got, "IKE_SA_INIT completed but no IKE_AUTH request follows in this capture: the IKE SA"+
			" stayed half-open. ") || !strings.Contains(got, c.want) {
			t.Errorf("%s: half_open %q", c.first, got)
		}
	}
}
