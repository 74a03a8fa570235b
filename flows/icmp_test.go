package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestICMPUnreachable: ikev1-dpd-dead-peer (strongSwan; the responder's
// daemon killed with SIGKILL, its host left up): each of the initiator's
// eight R-U-THERE draws an ICMP port unreachable from the responder's
// host (frames 13, 15, …, 27), which says why they go unanswered: nothing
// listens on UDP 4500 there. Variants of the same capture: the errors from
// a firewall on the path (administratively prohibited), and quoted too
// short to name the SA.
func TestICMPUnreachable(t *testing.T) {
	pk := corpusPackets(t, "ikev1-dpd-dead-peer")
	sa := analyze(pk, Options{}).SAs[0]
	f := finding(sa, KindICMPUnreachable)
	if f == nil || !slices.Equal(f.Frames, []int{13, 15, 17, 19, 21, 23, 25, 27}) ||
		!strings.Contains(f.Message, "The responder's host (203.0.113.10) answered 8 IKE datagrams of this SA with ICMP port unreachable") ||
		!strings.Contains(f.Message, "nothing listens on UDP 4500") {
		t.Fatalf("icmp_unreachable %+v", f)
	}

	fw := clonePackets(pk)
	for i := range fw {
		if fw[i].Kind == KindICMP {
			fw[i].ICMP = &ICMPInfo{From: netip.MustParseAddr("192.0.2.254"), Code: 13}
		}
	}
	f = finding(analyze(fw, Options{}).SAs[0], KindICMPUnreachable)
	if f == nil || !strings.Contains(f.Message, "192.0.2.254, on the path to the responder (203.0.113.10), answered 8 IKE datagrams") ||
		!strings.Contains(f.Message, "a firewall rejects UDP 4500") {
		t.Errorf("from a firewall: %+v", f)
	}

	short := clonePackets(pk)
	for i := range short {
		if short[i].Kind == KindICMP {
			short[i].Data = short[i].Data[:8] // the initiator's SPI alone
		}
	}
	if f := finding(analyze(short, Options{}).SAs[0], KindICMPUnreachable); f != nil {
		t.Errorf("quoted too short to name the SA: %s", f.Message)
	}
}

// TestUnansweredICMPCause: the real openiked-ikev2-rekey-ike-then-dead-peer
// capture (iked killed: the initiator's CREATE_CHILD_SA request resent six
// times, each copy drawing ICMP port unreachable from the responder's
// host) cut as captures are: stopped after the second copy (frames 1-12),
// or begun at the fifth (frames 17-20). Each holds a request unanswered
// within the grace period, a generic unanswered_request, which listed
// packet loss, a firewall on the path and a silent peer as its causes,
// while the capture shows the request got to the host and nothing listened.
// The text now gives that cause; a request the ICMP errors came before is
// left with the generic causes.
func TestUnansweredICMPCause(t *testing.T) {
	pk := corpusPackets(t, "openiked-ikev2-rekey-ike-then-dead-peer")
	if len(pk) != 20 {
		t.Fatalf("%d packets, want 20", len(pk))
	}
	for _, c := range []struct {
		name  string
		pk    []Packet
		frame string
	}{
		{"stopped after the second copy", pk[:12], "frame 10"},
		{"begun at the fifth copy", pk[16:], "frame 18"},
	} {
		var u *Finding
		for _, sa := range analyze(c.pk, Options{}).SAs {
			if f := finding(sa, KindUnanswered); f != nil {
				u = f
			}
		}
		if u == nil {
			t.Errorf("%s: no unanswered_request", c.name)
			continue
		}
		if !strings.Contains(u.Message, "The responder's host answered with ICMP port unreachable (icmp_unreachable, from "+c.frame+
			"): the request got to the host and found nothing listening on UDP 4500") || strings.Contains(u.Message, "packet loss") {
			t.Errorf("%s: %s", c.name, u.Message)
		}
	}

	// The same errors before the request was sent: not its answer.
	early := slices.Clone(pk[:12])
	for i := range early {
		if early[i].Kind == KindICMP {
			early[i].Time = early[8].Time.Add(-time.Second)
		}
	}
	slices.SortStableFunc(early, func(x, y Packet) int { return x.Time.Compare(y.Time) })
	var u *Finding
	for _, sa := range analyze(early, Options{}).SAs {
		if f := finding(sa, KindUnanswered); f != nil {
			u = f
		}
	}
	if u == nil || strings.Contains(u.Message, "ICMP") || !strings.Contains(u.Message, "packet loss") {
		t.Errorf("errors before the request: %+v", u)
	}
}
