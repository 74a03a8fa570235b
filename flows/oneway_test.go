package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestOneDirectionCapture analyses corpus captures as a capture filter on
// one source address leaves them ("src host A": one peer's packets only).
// Every warning or error must be one the whole capture has too: before,
// the initiator's side of ikev1-xauth-reauth read six Transaction messages
// "got no reply … check that UDP 500/4500 reaches the peer", that of
// libreswan-ikev1-dpd a dead peer, and the responder's side of ikev1-rekey
// a half-open SA, all false (the logs show the SAs up). What the capture
// cannot show is said in an info instead.
func TestOneDirectionCapture(t *testing.T) {
	for _, c := range []struct {
		scenario, src string
		info          string
	}{
		{"ikev1-xauth-reauth", "198.51.100.10", "The capture holds no message of this SA from the responder at all, though" +
			" the responder took part in it (its SPI, "},
		{"libreswan-ikev1-dpd", "198.51.100.10", "So whether the initiator's encrypted informational messages at regular" +
			" intervals (most likely DPD R-U-THEREs) ("},
		{"ikev1-rekey", "203.0.113.10", "The capture holds no message of this SA from the initiator at all, though the" +
			" initiator began it: it sees one direction only"},
	} {
		all := loadPackets(t, testutil.Corpus(c.scenario, "capture.pcap"))
		whole := map[string]bool{}
		for _, f := range analyze(all, Options{}).Findings {
			whole[string(f.Kind)+":"+f.Severity.String()] = true
		}
		src := netip.MustParseAddr(c.src)
		one := slices.DeleteFunc(clonePackets(all), func(p Packet) bool { return p.Src.Addr() != src })
		found := false
		for _, f := range analyze(one, Options{}).Findings {
			if k := string(f.Kind) + ":" + f.Severity.String(); f.Severity >= SeverityWarning && !whole[k] {
				t.Errorf("%s from %s only: %s: %s", c.scenario, c.src, k, f.Message)
			}
			found = found || strings.Contains(f.Message, c.info)
		}
		if !found {
			t.Errorf("%s from %s only: no finding says %q", c.scenario, c.src, c.info)
		}
	}
}
