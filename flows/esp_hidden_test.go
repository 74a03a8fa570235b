package flows

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// TestESPHiddenByFilter: a gateway's capture taken with a filter on UDP
// ports ("udp port 500 or udp port 4500") keeps the ESP of its NAT-T
// peers, inside UDP, and leaves out the ESP of the others, directly over
// IP. ikev2-reauth moved to UDP 500 throughout (no NAT traversal) with its
// ESP left out, beside ikev2-psk-success between two other hosts on UDP
// 4500 with its ESP: the first SA read "established but no ESP packet
// between these peers was seen in 12.0 s, although the capture contains
// ESP. Either no traffic matched the traffic selectors or the child SA was
// never installed" (a warning), which the capture cannot show. With the
// plain ESP in the capture too, it is told as before.
func TestESPHiddenByFilter(t *testing.T) {
	build := func(withPlainESP bool) []Packet {
		var pk []Packet
		for _, p := range corpusPackets(t, "ikev2-reauth") {
			switch p.Kind {
			case KindIKE:
				p.Src, p.Dst = netip.AddrPortFrom(p.Src.Addr(), 500), netip.AddrPortFrom(p.Dst.Addr(), 500)
			case KindESP:
				if !withPlainESP {
					continue
				}
				p.Src, p.Dst = netip.AddrPortFrom(p.Src.Addr(), 0), netip.AddrPortFrom(p.Dst.Addr(), 0)
			}
			pk = append(pk, p)
		}
		other := corpusPackets(t, "ikev2-psk-success")
		ai, ar := other[0].Src.Addr(), other[0].Dst.Addr()
		move := func(ap netip.AddrPort) netip.AddrPort {
			switch ap.Addr() {
			case ai:
				return netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), ap.Port())
			case ar:
				return netip.AddrPortFrom(netip.MustParseAddr("192.0.2.20"), ap.Port())
			}
			return ap
		}
		shift := pk[0].Time.Sub(other[0].Time)
		for _, p := range other {
			p.Src, p.Dst, p.Time = move(p.Src), move(p.Dst), p.Time.Add(shift)
			pk = append(pk, p)
		}
		slices.SortStableFunc(pk, func(a, b Packet) int { return a.Time.Compare(b.Time) })
		for i := range pk {
			pk[i].Frame = i + 1
		}
		return pk
	}
	noESP := func(r *Report) *Finding {
		for _, sa := range r.SAs {
			if f := finding(sa, KindNoESP); f != nil {
				return f
			}
		}
		return nil
	}
	f := noESP(analyze(build(false), Options{}))
	if f == nil || f.Severity != SeverityInfo || !strings.Contains(f.Message, "no ESP directly over IP (protocol 50) at all") {
		t.Errorf("plain ESP filtered out: %+v", f)
	}
	if f := noESP(analyze(build(true), Options{})); f != nil {
		t.Errorf("plain ESP in the capture: %+v", f)
	}
}
