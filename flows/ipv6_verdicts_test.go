package flows

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
)

// v6of maps an IPv4 address into 2001:db8::/96 (the documentation
// prefix), keeping the port; other addresses are returned as they are.
func v6of(ap netip.AddrPort) netip.AddrPort {
	a := ap.Addr()
	if !a.Is4() {
		return ap
	}
	b := a.As4()
	return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, b[0], b[1], b[2], b[3]}), ap.Port())
}

// verdictSummary lists, SA by SA in report order, each SA's state, its
// child SAs' states and ESP counts, and its findings by kind and severity
// (nat_detected aside; sorted within the SA).
func verdictSummary(r *Report) []string {
	var out []string
	for i, sa := range r.SAs {
		var fs []string
		for _, f := range sa.Findings {
			if f.Kind != KindNATDetected {
				fs = append(fs, fmt.Sprintf("%s:%s", f.Kind, f.Severity))
			}
		}
		slices.Sort(fs)
		out = append(out, fmt.Sprintf("SA %d %s %d children %v", i, sa.State, len(sa.ChildSAs), fs))
		for _, c := range sa.ChildSAs {
			out = append(out, fmt.Sprintf(" SA %d child %s %v", i, c.State, c.ESPPackets))
		}
	}
	return out
}

// TestIPv6SameVerdicts: every corpus capture with its IPv4 addresses
// moved into IPv6 gives the same SAs, child SAs, ESP counts and findings.
// The analyzer keeps IPv4 and IPv6 peers in indexes of their own (pair,
// ESP and half-open lookups); the corpus has IPv4 only. NAT detection is
// left out: its hashes cover the addresses the peers saw.
func TestIPv6SameVerdicts(t *testing.T) {
	for _, name := range corpusScenarios(t) {
		pk := corpusPackets(t, name)
		want := verdictSummary(analyze(pk, Options{}))
		v6 := clonePackets(pk)
		for i := range v6 {
			v6[i].Src, v6[i].Dst = v6of(v6[i].Src), v6of(v6[i].Dst)
		}
		got := verdictSummary(analyze(v6, Options{}))
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, want)
		}
	}
}
