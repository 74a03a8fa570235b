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
			" not see, or packets lost to it, e.g. IP fragments cut short by its snap length or dropped at the capture point).", ex.frame(0))
	return false
}

// lateRequestsFinding reports the exchanges of st whose request came
// after its own response (aloneFinding), in one finding: the capture's
// timestamps are off, not the peers' message IDs.
func lateRequestsFinding(st *saState, late []*exRec) {
	if len(late) == 0 {
		return
	}
	var b strings.Builder
	frames := make([]int, 0, 2*len(late))
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	for i, ex := range late {
		req := 0
		for j := range ex.nmsgs() {
			if !ex.msg(j).response() {
				req = j
				break
			}
		}
		d := ex.msgTime(req).Sub(ex.msgTime(0))
		lo, hi = min(lo, d), max(hi, d)
		frames = append(frames, ex.frame(0), ex.frame(req))
		if i < retxListed {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(ex.Type.String() + " message ID " + u32(ex.MID) + " (request frame " + strconv.Itoa(ex.frame(req)) + ", response frame " + strconv.Itoa(ex.frame(0)) + ")")
		} else if i == retxListed {
			b.WriteString(", …")
		}
	}
	by := shortDur(lo)
	if h := shortDur(hi); h != by {
		by += " to " + h
	}
	st.addFinding(KindOutOfOrder, SeverityWarning, late[0].start(),
		words.Count(len(late), "request", "requests")+" of this SA "+words.Pick(len(late), "is", "are")+" timestamped after "+
			words.Pick(len(late), "its own response", "their own responses")+", by "+by+": "+b.String()+". A response"+
			" follows its request, so the capture's timestamps are off (files from capture points whose clocks differ, merged),"+
			" not the peers' message IDs; each request is analysed with its response, and the times between messages of"+
			" this SA are not to be trusted.", frames...)
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
