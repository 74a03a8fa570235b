package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
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
