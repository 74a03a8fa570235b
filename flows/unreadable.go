package flows

import (
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// Messages on IKE ports that cannot be read as IKE: the capture layer
// hands on everything UDP 500 carries (and what follows a non-ESP marker
// on UDP 4500 or in an RFC 8229 stream) as an IKE message, and the
// dissector judges it. When not even the header can be read (too short,
// a major version other than 1 or 2, a length field below the header's
// own size) the message joins no SA and is not analysed. It was counted
// in Stats.Malformed alone, so a capture of such packets read as "0 IKE
// SAs: no errors or warnings". The frames and why are kept here and told
// in a capture-wide malformed finding.

// maxUnreadableWhy is how many of the unreadable messages the finding
// gives a reason for (the others are listed by frame).
const maxUnreadableWhy = 3

// unreadable records the messages on IKE ports whose header could not be
// read (addIKE).
type unreadable struct {
	n    int         // all of them
	msgs []unreadMsg // the first maxNoted
	why  []string    // why, for the first maxUnreadableWhy of msgs
}

// unreadMsg is one message of unreadable: its frame, its addresses
// (makePairKey) and time, for gapNote.
type unreadMsg struct {
	frame int
	pair  pairKey
	t     time.Time
}

// note records p, whose header could not be read as an IKE header.
func (u *unreadable) note(p *Packet, h *dissect.Header) {
	u.n++
	if len(u.msgs) < maxNoted {
		u.msgs = append(u.msgs, unreadMsg{p.Frame, makePairKey(p.Src.Addr(), p.Dst.Addr()), p.Time})
	}
	if len(u.why) < maxUnreadableWhy {
		u.why = append(u.why, unreadableWhy(p.Data, h))
	}
}

// frames returns the frames of the messages u lists.
func (u *unreadable) frames() []int {
	fr := make([]int, len(u.msgs))
	for i, m := range u.msgs {
		fr[i] = m.frame
	}
	return fr
}

// unreadableWhy says why data, whose header (decoded as far as it goes)
// is h, cannot be an IKE message. Octets are counted from the message's
// first (after a non-ESP marker, when one came before it).
func unreadableWhy(data []byte, h *dissect.Header) string {
	switch {
	case len(data) < dissect.HeaderLen:
		return "it holds " + words.Count(len(data), "octet", "octets") + ", fewer than the 28 of an IKE header"
	case h.MajorVersion != 1 && h.MajorVersion != 2:
		return "its version octet (octet 17) is 0x" + strconv.FormatUint(uint64(data[17])|0x100, 16)[1:] +
			": major version " + strconv.Itoa(int(h.MajorVersion)) + ", where IKE has 1 (IKEv1) or 2 (IKEv2)"
	default:
		return "the length field of its header (octets 24-27) says " + strconv.FormatUint(uint64(h.Length), 10) +
			", less than the 28 octets of the header itself"
	}
}

// finding returns the capture-wide finding about the messages u holds (ok
// false when none). fn names the frames.
func (u *unreadable) finding(fn frameNamer) (Finding, bool) {
	if u.n == 0 {
		return Finding{}, false
	}
	frames := u.frames()
	f := Finding{Kind: KindMalformed, Severity: SeverityWarning, Time: u.msgs[0].t, Frames: sortedFrames(frames)}
	if u.n == 1 {
		f.Message = "Frame " + fn.one(frames[0]) + " on an IKE port could not be read as an IKE message: " + u.why[0] +
			". The packet is damaged (or is not IKE) and was not analysed."
		return f, true
	}
	why := ""
	for i, w := range u.why {
		if i > 0 {
			why += "; "
		}
		why += "frame " + fn.one(frames[i]) + ": " + w
	}
	if u.n > len(u.why) {
		why += "; …"
	}
	list := fn.join(frames)
	if u.n > len(frames) {
		list += " and " + strconv.Itoa(u.n-len(frames)) + " more"
	}
	f.Message = strconv.Itoa(u.n) + " messages on IKE ports (frames " + list + ") could not be read as IKE messages (" + why +
		"). The packets are damaged (or are not IKE) and were not analysed."
	return f, true
}

// gapNote is what a capture_gap finding of st adds when messages between
// st's peers, from time from to time to (a zero time: no bound), could
// not be read as IKE: the message the finding says the capture missed may
// be one of them, in the capture but damaged. "" when there is none.
func (a *Analyzer) gapNote(st *saState, from, to time.Time) string {
	u := &a.unread
	if u.n == 0 {
		return ""
	}
	pk := makePairKey(st.initiator().Addr(), st.responder().Addr())
	var fr []int
	for _, m := range u.msgs {
		if m.pair == pk && (from.IsZero() || !m.t.Before(from)) && (to.IsZero() || !m.t.After(to)) {
			fr = append(fr, m.frame)
		}
	}
	if len(fr) == 0 {
		return ""
	}
	return " Or the capture holds it damaged: " + words.Pick(len(fr), "frame ", "frames ") + a.frames.join(fr) +
		", between these peers, could not be read as IKE (the capture-wide malformed finding)."
}
