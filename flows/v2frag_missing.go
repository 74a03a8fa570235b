package flows

import (
	"math/bits"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/internal/words"
)

// IKEv2 fragmentation (RFC 7383) splits an encrypted message into SKF
// payloads, each with its fragment number and the total in clear: without
// the keys the capture still tells which fragments of a message it holds.
// A message whose fragments the capture lacks some of is a common field
// problem (a fragment larger than the path MTU, a firewall dropping UDP)
// and a common capture problem (another path, drops at the capture point);
// what followed tells them apart, as for IKEv1's fragments (v1frag.go).

// v2FragMissing reports the request or response of ex, an IKEv2 exchange
// of st, that came in fragments of which the capture lacks some (kind
// fragments_missing): info when what followed shows the receiver had them
// all, or the capture ended right after; a warning otherwise.
func (a *Analyzer) v2FragMissing(st *saState, ex *exRec) {
	if ex.fragBits(false)|ex.fragBits(true) == 0 {
		return // no fragment (nearly every exchange): its messages need no scan
	}
	for _, resp := range [2]bool{false, true} {
		var seen, whole uint64 // fragment numbers held, and held not cut
		var total uint16
		var frames []int
		var cutAt [][2]int // fragment number and frame of each that did not decode
		first := -1
		for i := range ex.nmsgs() {
			if ex.msg(i).response() != resp {
				continue
			}
			num, tot := ex.frag(i)
			if num == 0 || tot == 0 || tot > 64 || num > tot {
				continue
			}
			if first < 0 {
				first = i
			}
			total = max(total, tot)
			seen |= 1 << (num - 1)
			if !st.wasMalformed(ex.frame(i)) {
				whole |= 1 << (num - 1)
			} else {
				cutAt = append(cutAt, [2]int{int(num), ex.frame(i)})
			}
			frames = append(frames, ex.frame(i))
		}
		if first < 0 || total == 0 || whole == 1<<total-1 {
			continue
		}
		var missing, cutNums []int
		for n := 1; n <= int(total); n++ {
			switch {
			case seen&(1<<(n-1)) == 0:
				missing = append(missing, n)
			case whole&(1<<(n-1)) == 0:
				cutNums = append(cutNums, n) // held only cut short or damaged
			}
		}
		var cutFrames []int
		for _, c := range cutAt {
			if whole&(1<<(c[0]-1)) == 0 {
				cutFrames = append(cutFrames, c[1])
			}
		}
		early := len(missing) > 0 && missing[len(missing)-1] < bits.TrailingZeros64(seen)+1 // all before the first held
		a.v2FragText(st, ex, resp, first, int(total), bits.OnesCount64(seen), missing, cutNums, cutFrames, frames, early)
	}
}

// v2FragText adds the finding of v2FragMissing: the request (resp false)
// or response of ex came in total fragments, held of them in frames, the
// first at message index first; missing are the numbers the capture
// lacks, cut those it holds only in messages that did not decode (cut
// short by a snap length or by IP fragments the capture missed, or
// damaged), in cutFrames; early says that every missing number is lower
// than those held.
func (a *Analyzer) v2FragText(st *saState, ex *exRec, resp bool, first, total, held int, missing, cut, cutFrames, frames []int, early bool) {
	sender, receiver := ex.side, ex.side.other()
	what := "request"
	if resp {
		sender, receiver, what = receiver, sender, "response"
	}
	start := ex.msgTime(first)
	b := make([]byte, 0, 400)
	b = append(b, "The "+sender.String()+"'s "+ex.Type.String()+" "+what+" (message ID "+u32(ex.MID)+") came in "+
		strconv.Itoa(total)+" fragments (RFC 7383), "...)
	if len(missing) > 0 {
		b = append(b, "of which this capture lacks "+words.Pick(len(missing), "fragment ", "fragments ")...)
		b = appendInts(b, missing)
		b = append(b, " (it holds the other "+strconv.Itoa(held)+", in "+words.Pick(len(frames), "frame ", "frames ")...)
	} else {
		b = append(b, "all of them in this capture ("+words.Pick(len(frames), "frame ", "frames ")...)
	}
	b = a.frames.appendJoin(b, frames)
	b = append(b, ")."...)
	if len(cut) > 0 {
		b = append(b, " It holds "+words.Pick(len(cut), "fragment ", "fragments ")...)
		b = appendInts(b, cut)
		b = append(b, " only in a message that did not decode ("+words.Pick(len(cutFrames), "frame ", "frames ")...)
		b = a.frames.appendJoin(b, cutFrames)
		b = append(b, ": cut short by the capture's snap length or by IP fragments the capture missed, or damaged)."...)
	}
	gap := "the capture missed the rest (taken on another path, or packets dropped at the capture point)"
	switch {
	case len(missing) == 0:
		gap = "the capture holds part of it only cut short or damaged"
	case len(cut) > 0:
		gap = "the capture missed some (taken on another path, or packets dropped at the capture point) and holds part" +
			" only cut short or damaged"
	}
	var next *exRec
	if resp {
		next = laterRequest(st, ex)
	}
	switch {
	case !resp && ex.Answered:
		b = append(b, " The "+receiver.String()+" answered it (frame "+a.frames.one(firstResp(ex))+"), which it does only once"+
			" it has put every fragment together: "+gap+", and this message's content cannot be read from this capture."...)
	case next != nil:
		b = append(b, " The "+receiver.String()+" then went on to "+next.Type.String()+" (message ID "+u32(next.MID)+", "+
			requestRef(next, a.frames)+"), so it had put every fragment together: "+gap+", and this message's content"+
			" cannot be read from this capture."...)
	case early && len(cut) == 0 && !st.start().Before(start) && start.Sub(a.began) < fragmentSpread:
		// The SA's first message in the capture, which began just before
		// it: the lower fragments may precede the capture.
		b = append(b, " "+captureBegins(start.Sub(a.began))+": the missing fragments, which come before it, may have been"+
			" sent before the capture started."...)
	case len(missing) > 0 && len(cut) == 0 && a.now.Sub(start) < fragmentSpread:
		b = append(b, " The capture ends "+secs(a.now.Sub(start))+" after the first of them: the missing fragments may have"+
			" come after it stopped."...)
	default:
		// Lost on the path, the receiver lacks them too: a warning.
		lost, alike := "If they were lost on the path (loss, a firewall or rate limit dropping UDP, a fragment still larger"+
			" than the path MTU)", "fragments the capture point missed (another path, drops in the capture)"
		if len(missing) == 0 {
			lost, alike = "If IP fragments of it were lost on the path too (a firewall dropping IP fragments, a fragment"+
				" still larger than the path MTU)", "a capture's snap length or drops at the capture point"
		}
		b = append(b, " "+lost+", the "+receiver.String()+" cannot put the message together either, and gets it only when"+
			" the "+sender.String()+" sends the whole message again; "+alike+" look the same here."...)
		st.addFinding(KindFragmentsMissing, SeverityWarning, start, string(b), frames...)
		return
	}
	st.addFinding(KindFragmentsMissing, SeverityInfo, start, string(b), frames...)
}

// captureBegins says where the capture begins against the first of a
// message's fragments it holds, d after the capture's first packet.
func captureBegins(d time.Duration) string {
	if d <= 0 {
		return "The capture begins with the first of them it holds"
	}
	return "The capture begins " + secs(d) + " before the first of them it holds"
}
