package flows

import (
	"net/netip"
	"testing"
)

// mapAddrPort returns ap with its address in the IPv4-mapped IPv6 form
// (::ffff:a.b.c.d), as an IPv6 header carrying an IPv4 peer gives it.
func mapAddrPort(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()), ap.Port())
}

// TestInferredChildMappedPeers feeds the keyless ikev2-psk-success capture
// with its IKE messages rewritten to IPv4-mapped IPv6 addresses while its
// ESP stays IPv4 (the same peers: one pair for the analyzer): the report
// must be that of the unedited capture, one inferred child SA carrying
// the capture's ESP both ways and no finding about ESP in one direction.
// The direction of an inferred child SA's ESP was decided by comparing
// the ESP destination with the responder's address as they were, so every
// packet counted as sent by the responder: two half child SAs and two
// false one-way findings.
func TestInferredChildMappedPeers(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	var iToR, rToI uint64
	ini := base[0].Src.Addr()
	for _, p := range base {
		if p.Kind == KindESP {
			if p.Src.Addr() == ini {
				iToR++
			} else {
				rToI++
			}
		}
	}
	if iToR == 0 || rToI == 0 {
		t.Fatalf("capture has ESP %d/%d, want both ways", iToR, rToI)
	}
	for _, mapIKE := range []bool{false, true} {
		pk := clonePackets(base)
		for i := range pk {
			if (pk[i].Kind == KindIKE) == mapIKE {
				pk[i].Src, pk[i].Dst = mapAddrPort(pk[i].Src), mapAddrPort(pk[i].Dst)
			}
		}
		r := analyze(pk, Options{})
		if len(r.SAs) != 1 {
			t.Fatalf("IKE mapped %v: %d SAs", mapIKE, len(r.SAs))
		}
		sa := r.SAs[0]
		if len(sa.ChildSAs) != 1 {
			t.Fatalf("IKE mapped %v: %d child SAs, want 1", mapIKE, len(sa.ChildSAs))
		}
		c := sa.ChildSAs[0]
		if !c.Inferred || c.SPIi == 0 || c.SPIr == 0 || c.ESPPackets != (ESPCount{iToR, rToI}) {
			t.Errorf("IKE mapped %v: child SA inferred %v %s/%s esp %d/%d, want inferred, both SPIs, esp %d/%d",
				mapIKE, c.Inferred, c.SPIi, c.SPIr, c.ESPPackets.IToR, c.ESPPackets.RToI, iToR, rToI)
		}
		for _, f := range sa.Findings {
			if f.Kind == KindOneWayESP {
				t.Errorf("IKE mapped %v: finding %s: %s", mapIKE, f.Kind, f.Message)
			}
		}
	}
}
