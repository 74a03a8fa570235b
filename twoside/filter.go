package twoside

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// peerSet returns the addresses of Options.Peers together with what they
// were translated to (or from) between the capture points; nil when no
// peer filter is set.
func (o Options) peerSet(maps []*Mapping) map[netip.Addr]bool {
	if len(o.Peers) == 0 {
		return nil
	}
	set := make(map[netip.Addr]bool, 2*len(o.Peers))
	for _, p := range o.Peers {
		set[p] = true
	}
	for _, m := range maps {
		for _, eq := range [][2]netip.Addr{{m.ASrc.Addr(), m.BSrc.Addr()}, {m.ADst.Addr(), m.BDst.Addr()}} {
			if set[eq[0]] || set[eq[1]] {
				set[eq[0]], set[eq[1]] = true, true
			}
		}
	}
	return set
}

// keep applies the Peers and SPIs filters to the flows.
func (o Options) keep(fs []Flow, maps []*Mapping) []Flow {
	peers := o.peerSet(maps)
	var spis []string
	for _, s := range o.SPIs {
		h := strings.TrimPrefix(strings.ToLower(s), "0x")
		if len(h) == 8 {
			spis = append(spis, fmt.Sprintf("ESP SPI 0x%s", h))
		} else {
			spis = append(spis, "IKE SA "+h)
		}
	}
	return slices.DeleteFunc(fs, func(f Flow) bool {
		if peers != nil && !peers[f.From.Addr()] && !peers[f.To.Addr()] {
			return true
		}
		return len(spis) > 0 && !slices.Contains(spis, f.SA)
	})
}
