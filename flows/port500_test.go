package flows

import (
	"net/netip"
	"strings"
	"testing"
)

// TestPort4500Blocked: strongSwan behind a router that drops UDP 4500
// (ikev2-port-4500-blocked, ikev1-port-4500-blocked, and libreswan as the
// initiator in libreswan-ikev2-port-4500-blocked, OpenIKED in
// openiked-ikev2-port-4500-blocked; the logs: IKE_SA_INIT
// or MM1-MM4 answered on 500, IKE_AUTH or MM5 sent on 4500 four times,
// "giving up after 3 retransmits") reads as that pattern, not as a generic
// loss; with the other peer heard on 4500 as well, or with the port
// bits swapped, it does not.
func TestPort4500Blocked(t *testing.T) {
	for _, sc := range []string{"ikev2-port-4500-blocked", "ikev1-port-4500-blocked", "libreswan-ikev2-port-4500-blocked", "openiked-ikev2-port-4500-blocked"} {
		r := analyze(corpusPackets(t, sc), Options{})
		f := findingsOf(r, KindUnanswered)
		if len(f) != 1 || f[0].Severity != SeverityError || !strings.Contains(f[0].Message, "passes UDP 500 but drops UDP 4500") {
			logReport(t, r)
			t.Errorf("%s: unanswered_request %v", sc, f)
		}
	}
	st := &saState{}
	st.out.set(outInitOK | outOffPort500I)
	if !port4500Silence(st, sideI, 2) || port4500Silence(st, sideI, 1) || port4500Silence(st, sideR, 2) {
		t.Error("port4500Silence: initiator moved, responder silent")
	}
	st.swapPorts()
	if port4500Silence(st, sideI, 2) || !port4500Silence(st, sideR, 2) {
		t.Error("swapPorts did not swap the sides")
	}
	st.out.set(outOffPort500I)
	if port4500Silence(st, sideR, 2) {
		t.Error("port4500Silence with both sides off port 500")
	}
}

// TestMM5On500NotBlocked4500: the same capture with MM5 and its copies
// moved back to UDP 500 (no NAT-T): "UDP 4500 blocked" is no cause, and
// neither the pattern nor the generic list names it.
func TestMM5On500NotBlocked4500(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev1-port-4500-blocked"))
	for i := range pk {
		p := &pk[i]
		if p.Src.Port() == 4500 {
			p.Src = netip.AddrPortFrom(p.Src.Addr(), 500)
			p.Dst = netip.AddrPortFrom(p.Dst.Addr(), 500)
		}
	}
	r := analyze(pk, Options{})
	f := findingsOf(r, KindUnanswered)
	if len(f) != 1 || !strings.Contains(f[0].Message, "MM5") || strings.Contains(f[0].Message, "4500") {
		logReport(t, r)
		t.Errorf("MM5 on UDP 500: %v", f)
	}
}
