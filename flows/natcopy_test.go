package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNATCopies: ikev2-psk-success as "tcpdump -i any" on a NAT router
// in front of the initiator holds it: every packet of the initiator twice,
// on the inside with its private address and port (10.0.0.10), 40 µs
// before (outbound) or after (inbound) the copy on the outside. Each
// request read as "sent 2 times at +0 s, +0.0 s" and the ESP counts
// doubled, with nothing to say why. A capture-wide warning now names the
// copies and what they do to the counts.
func TestNATCopies(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	init := base[0].Src.Addr()
	priv := netip.MustParseAddr("10.0.0.10")
	var pk []Packet
	for _, p := range base {
		switch {
		case p.Src.Addr() == init:
			c := p
			c.Src, c.Time = netip.AddrPortFrom(priv, p.Src.Port()+1000), p.Time.Add(-40*time.Microsecond)
			pk = append(pk, c, p)
		case p.Dst.Addr() == init:
			c := p
			c.Dst, c.Time = netip.AddrPortFrom(priv, p.Dst.Port()+1000), p.Time.Add(40*time.Microsecond)
			pk = append(pk, p, c)
		default:
			pk = append(pk, p)
		}
	}
	slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r := analyze(pk, Options{})
	f := globalFinding(r, KindCaptureDuplicate)
	if f == nil || f.Severity != SeverityWarning || !strings.HasPrefix(f.Message, "14 packets appear twice in the capture with one address rewritten") {
		t.Fatalf("capture_duplicate %+v", f)
	}
	// The same copies without the rewrite are the capture's own
	// duplicates (info), left out of the analysis as before.
	for i := range pk {
		if pk[i].Src.Addr() == priv {
			pk[i].Src = netip.AddrPortFrom(init, pk[i].Src.Port()-1000)
		}
		if pk[i].Dst.Addr() == priv {
			pk[i].Dst = netip.AddrPortFrom(init, pk[i].Dst.Port()-1000)
		}
	}
	if f := globalFinding(analyze(pk, Options{}), KindCaptureDuplicate); f == nil || f.Severity != SeverityInfo || !strings.HasPrefix(f.Message, "14 packets appear twice in the capture (frames") {
		t.Errorf("plain copies: %+v", f)
	}
}
