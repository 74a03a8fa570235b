package flows

import (
	"math"
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
// after its own response (aloneFinding), in one finding. A response
// answers a request it received, so either the capture's times are off
// (files from capture points whose clocks differ, merged), or the capture
// began after the request's first copy and holds a resend that crossed the
// answer. An exchange answered again after its late request shows the
// latter (the responder answered the resend too) and is left out: the
// capture then shows nothing wrong with its times. fn names the frames.
func lateRequestsFinding(st *saState, late []*exRec, fn frameNamer) {
	var b strings.Builder
	var frames []int
	n := 0
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for _, ex := range late {
		req, again := -1, false
		for j := range ex.nmsgs() {
			switch {
			case req < 0 && !ex.msg(j).response():
				req = j
			case req >= 0 && ex.msg(j).response():
				again = true
			}
		}
		if req < 0 || again {
			continue
		}
		d := ex.msgTime(req).Sub(ex.msgTime(0))
		lo, hi = min(lo, d), max(hi, d)
		frames = append(frames, ex.frame(0), ex.frame(req))
		if n < retxListed {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(ex.Type.String() + " message ID " + u32(ex.MID) + " (request frame " + fn.one(ex.frame(req)) + ", response frame " + fn.one(ex.frame(0)) + ")")
		} else if n == retxListed {
			b.WriteString(", …")
		}
		n++
	}
	if n == 0 {
		return
	}
	by := shortDur(lo)
	if h := shortDur(hi); h != by {
		by += " to " + h
	}
	st.addFinding(KindOutOfOrder, SeverityWarning, late[0].start(),
		words.Count(n, "request", "requests")+" of this SA "+words.Pick(n, "is", "are")+" timestamped after "+
			words.Pick(n, "its own response", "their own responses")+", by "+by+": "+b.String()+". A response"+
			" answers a request its sender received, so either the capture's timestamps are off (files from capture points"+
			" whose clocks differ, merged), or the capture began after the first copy of "+words.Pick(n, "that request", "those requests")+
			" and holds a resend that crossed the answer. Each request is analysed with its response, and the message IDs are"+
			" in step; the times between this SA's messages may be off.", frames...)
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
