package flows

import (
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Responses seen before their requests, or without them.
//
// A responder answers only a request it received, echoing its message
// ID. An IKEv2 response first seen without its request (responseAlone,
// exAlone) therefore shows a request the capture lacks (capture_gap), or
// one it holds later: timestamped after its own answer, which only a
// capture whose times are off gives (files from capture points whose
// clocks differ, merged). Both are settled when the SA ends.

// responseAlone opens an exchange for a response whose request the
// capture lacks.
func (a *Analyzer) responseAlone(st *saState, p *Packet, side saSide, m *cmsg, f *facts) *exRec {
	ex := a.openExchange(st, p, side, m, f, true)
	ex.bits |= exAlone
	if f.content() {
		a.onV2Response(st, p, side, ex, f)
	}
	return ex
}

// answeredAlone reports whether every message ID from lo to hi of side's
// requests has a response in st whose request the capture lacks
// (responseAlone).
func answeredAlone(st *saState, side saSide, lo, hi uint32) bool {
	if hi < lo || hi-lo > 64 {
		return false
	}
	for mid := lo; ; mid++ {
		ex := st.findEx(side, mid, 0)
		if ex == nil || ex.nmsgs() == 0 || !ex.msg(0).response() {
			return false
		}
		if mid == hi {
			return true
		}
	}
}

// aloneFinding settles an exchange first seen by its response (exAlone):
// the capture lacks its request (capture_gap), or has it later, timestamped
// after its response, which it reports (true) for lateRequestsFinding.
func (a *Analyzer) aloneFinding(st *saState, ex *exRec) (late bool) {
	if ex.bits&exReqLate != 0 {
		return true
	}
	if !ex.oddOrEmpty().gap {
		return false
	}
	st.addFinding(KindCaptureGap, SeverityInfo, ex.start(),
		"The "+ex.side.other().String()+" sent "+words.Article(ex.Type.String())+" "+ex.Type.String()+" response with message ID "+u32(ex.MID)+
			" whose request from the "+ex.side.String()+" is not in this capture. A responder answers only a request it"+
			" received, echoing its message ID, so the "+ex.side.String()+" sent it: the capture missed it (a path it does"+
			" not see, or packets lost to it, e.g. IP fragments cut short by its snap length or dropped at the capture point)."+
			a.gapNote(st, time.Time{}, ex.start()), ex.frame(0))
	return false
}

// lateRequestsFinding reports the exchanges of st whose request came
// after its own response (aloneFinding), in one finding per cause. A
// request timestamped after its response shows the capture's times off
// (files from capture points whose clocks differ, merged), or a capture
// that began after the request's first copy and holds a resend that
// crossed the answer. A request timestamped before its response that
// still came after it shows the frames out of time order in the file,
// further than the reorder window puts back (the capture's own
// out_of_order note says how far): the times are right, the order read
// was not. An exchange answered again after its late request shows a
// resend answered too and is left out: the capture then shows nothing
// wrong. fn names the frames.
func lateRequestsFinding(st *saState, late []*exRec, fn frameNamer) {
	var clock, file lateList
	for _, ex := range late {
		req, again := lateRequest(ex)
		if req < 0 || again {
			continue
		}
		if d := ex.msgTime(req).Sub(ex.msgTime(0)); d > 0 {
			clock.add(ex, req, d, fn)
		} else {
			file.add(ex, req, -d, fn)
		}
	}
	if clock.n > 0 {
		st.addFinding(KindOutOfOrder, SeverityWarning, clock.at,
			words.Count(clock.n, "request", "requests")+" of this SA "+words.Pick(clock.n, "is", "are")+" timestamped after "+
				words.Pick(clock.n, "its own response", "their own responses")+", by "+clock.by()+": "+clock.b.String()+". A response"+
				" answers a request its sender received, so either the capture's timestamps are off (files from capture points"+
				" whose clocks differ, merged), or the capture began after the first copy of "+words.Pick(clock.n, "that request", "those requests")+
				" and holds a resend that crossed the answer. Each request is analysed with its response, and the message IDs are"+
				" in step; the times between this SA's messages may be off.", clock.frames...)
	}
	if file.n > 0 {
		st.addFinding(KindOutOfOrder, SeverityWarning, file.at,
			words.Count(file.n, "request", "requests")+" of this SA "+words.Pick(file.n, "comes", "come")+" in the capture after "+
				words.Pick(file.n, "its own response", "their own responses")+", although timestamped "+file.by()+" before: "+
				file.b.String()+". The frames are out of time order in the file, further than the reorder window puts back (see"+
				" the capture's out_of_order note). Each request is analysed with its response, and the message IDs are in step;"+
				" what this SA's findings say of the order of its packets (retransmits, ESP before or after a negotiation) may"+
				" be wrong. Merge the captures by time (mergecap without -a) and analyse again.", file.frames...)
	}
}

// lateRequest returns the index of the first request of ex, an exchange
// first seen by its response (-1 when none came), and whether a response
// came again after it (the resend answered too).
func lateRequest(ex *exRec) (req int, again bool) {
	req = -1
	for j := range ex.nmsgs() {
		switch {
		case req < 0 && !ex.msg(j).response():
			req = j
		case req >= 0 && ex.msg(j).response():
			again = true
		}
	}
	return req, again
}

// lateList gathers the late requests of one cause for lateRequestsFinding.
type lateList struct {
	b      strings.Builder
	frames []int
	n      int
	lo, hi time.Duration
	at     time.Time
}

// add notes ex, whose request is its req-th message, off by d from its
// response.
func (l *lateList) add(ex *exRec, req int, d time.Duration, fn frameNamer) {
	if l.n == 0 {
		l.lo, l.hi, l.at = d, d, ex.start()
	}
	l.lo, l.hi = min(l.lo, d), max(l.hi, d)
	l.frames = append(l.frames, ex.frame(0), ex.frame(req))
	if l.n < retxListed {
		if l.n > 0 {
			l.b.WriteString(", ")
		}
		l.b.WriteString(ex.Type.String() + " message ID " + u32(ex.MID) + " (request frame " + fn.one(ex.frame(req)) + ", response frame " + fn.one(ex.frame(0)) + ")")
	} else if l.n == retxListed {
		l.b.WriteString(", …")
	}
	l.n++
}

// by returns the range of the offsets ("5.0 ms", "5.0 ms to 1.5 s").
func (l *lateList) by() string {
	s := shortDur(l.lo)
	if h := shortDur(l.hi); h != s {
		s += " to " + h
	}
	return s
}

// shortDur formats d in milliseconds below a second ("0.7 ms", "35
// ms"), else as secs does.
func shortDur(d time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	}
	return secs(d)
}
