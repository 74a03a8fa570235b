package flows

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// acceptedProposal remembers proposals a peer used elsewhere in the capture.
type acceptedProposal struct {
	ike, child           string
	ikeFrame, childFrame int
}

// maxPolicies bounds the peers whose proposals are remembered for hints.
const maxPolicies = 4096

// addrFilter tells addresses that are certainly not keys of a map (the
// maps of remembered proposals, which never lose a key) from those that
// may be: one bit per hash of an address. Once such a map holds
// maxPolicies peers, each new peer's lookup only confirmed that it was
// absent, and missing in a map that large cost a cache miss or two per
// IKE SA on a concentrator's capture; with 4096 keys in 65 536 bits, the
// filter answers 94% of them from 8 KB.
type addrFilter [1 << 10]uint64

// bit returns the word and bit of addr.
func (f *addrFilter) bit(addr netip.Addr) (*uint64, uint64) {
	h := mix64(addrBits(netip.AddrPortFrom(addr, 0)))
	return &f[h>>54], 1 << (h & 63)
}

// add marks addr as possibly present.
func (f *addrFilter) add(addr netip.Addr) {
	w, b := f.bit(addr)
	*w |= b
}

// absent reports whether addr was certainly never added.
func (f *addrFilter) absent(addr netip.Addr) bool {
	w, b := f.bit(addr)
	return *w&b == 0
}

// rememberOffer records what addr offered when initiating.
func (a *Analyzer) rememberOffer(addr netip.Addr, ike bool, offered []string, frame int) {
	if len(offered) == 0 {
		return
	}
	if len(a.offers) >= maxPolicies && a.offersIn.absent(addr) {
		return // not remembered, and no room to
	}
	ap, ok := a.offers[addr]
	if !ok && len(a.offers) >= maxPolicies {
		return
	}
	joined := offered[0]
	if len(offered) > 1 {
		joined = strings.Join(offered, "; ")
	}
	if ike {
		ap.ike, ap.ikeFrame = joined, frame
	} else {
		ap.child, ap.childFrame = joined, frame
	}
	a.offers[addr] = ap
	a.offersIn.add(addr)
}

// rememberAccept records a proposal negotiated between two peers.
func (a *Analyzer) rememberAccept(x, y netip.Addr, ike bool, summary string, frame int) {
	for _, addr := range [2]netip.Addr{x, y} {
		if len(a.accepted) >= maxPolicies && a.acceptedIn.absent(addr) {
			continue // not remembered, and no room to
		}
		ap, ok := a.accepted[addr]
		if !ok && len(a.accepted) >= maxPolicies {
			continue
		}
		if ike {
			ap.ike, ap.ikeFrame = summary, frame
		} else {
			ap.child, ap.childFrame = summary, frame
		}
		a.accepted[addr] = ap
		a.acceptedIn.add(addr)
	}
}

// policyHint explains, from the rest of the capture, what the refusing peer
// accepts or offers itself and how it differs from offered.
func (a *Analyzer) policyHint(refuser, offerer netip.Addr, ike bool, offered []string) string {
	var b strings.Builder
	pick := func(ap acceptedProposal) (string, int) {
		if ike {
			return ap.ike, ap.ikeFrame
		}
		return ap.child, ap.childFrame
	}
	if s, fr := pick(a.accepted[refuser]); s != "" {
		b.WriteString("Elsewhere in this capture " + refuser.String() + " negotiated " + s + " (frame " + a.frames.one(fr) + ")")
		if d := missing(s, offered); d != "" {
			b.WriteString(", which this offer lacks: " + d)
		}
		b.WriteString(". ")
		if g := onlyDHAdded(s, offered); g != "" && !ike {
			b.WriteString(words.Pick(len(offered), "This offer", "One proposal of this offer") + " differs from it only by the DH group " + g +
				" (PFS), which that SA has not (none set up in IKE_AUTH has, RFC 7296 §1.2), so the DH group is most likely what " +
				refuser.String() + " refuses: it has no PFS group for this child SA, or another one (or the child SA falls under another" +
				" of its policies, with other proposals). ")
		}
	}
	if s, fr := pick(a.offers[refuser]); s != "" {
		b.WriteString(refuser.String() + " itself offers " + s + " (frame " + a.frames.one(fr) + ")")
		if d := missing(s, offered); d != "" {
			b.WriteString("; not in this offer: " + d)
		}
		b.WriteString(". ")
	}
	return b.String()
}

// missing lists the algorithms of want (a "/"-separated summary, possibly
// several joined by "; ") that appear in none of offered.
func missing(want string, offered []string) string {
	if len(offered) == 0 {
		return ""
	}
	have := map[string]bool{}
	for _, o := range offered {
		for _, t := range strings.Split(stripProto(o), "/") {
			have[t] = true
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, alt := range strings.Split(want, "; ") {
		for _, t := range strings.Split(stripProto(alt), "/") {
			if t != "" && !have[t] && !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	return strings.Join(out, ", ")
}

// stripProto removes a leading "ESP:" or "AH:".
func stripProto(s string) string {
	if i := strings.IndexByte(s, ':'); i >= 0 && i < 7 {
		return s[i+1:]
	}
	return s
}

// dhNames holds the names of the registered DH groups (dissect.DHGroup's
// String), the way proposal summaries spell them.
var dhNames = func() map[string]bool {
	m := map[string]bool{}
	for g := dissect.DHGroup(1); g < 1024; g++ {
		if g.Known() {
			m[g.String()] = true
		}
	}
	return m
}()

// onlyDHAdded returns the DH group of the first proposal of offered that
// holds every algorithm of want (one "/"-separated summary) and, beside
// them, a DH group and nothing else; "" when none does.
func onlyDHAdded(want string, offered []string) string {
	if strings.Contains(want, "; ") {
		return ""
	}
	need := strings.Split(stripProto(want), "/")
	for _, o := range offered {
		have := strings.Split(stripProto(o), "/")
		dh, other := "", false
		for _, t := range have {
			switch {
			case slices.Contains(need, t):
			case dhNames[t] && t != "NONE" && dh == "":
				dh = t
			default:
				other = true
			}
		}
		covered := true
		for _, t := range need {
			if t != "" && !slices.Contains(have, t) {
				covered = false
			}
		}
		if dh != "" && !other && covered {
			return dh
		}
	}
	return ""
}
