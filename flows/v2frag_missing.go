package flows

import (
	"math/bits"
	"strconv"

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
		var seen uint64
		var total uint16
		var frames []int
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
			frames = append(frames, ex.frame(i))
		}
		if first < 0 || total == 0 || seen == 1<<total-1 {
			continue
		}
		var missing []int
		for n := 1; n <= int(total); n++ {
			if seen&(1<<(n-1)) == 0 {
				missing = append(missing, n)
			}
		}
		a.v2FragText(st, ex, resp, first, int(total), bits.OnesCount64(seen), missing, frames)
	}
}

// v2FragText adds the finding of v2FragMissing: the request (resp false)
// or response of ex came in total fragments, held of them in frames, the
// first at message index first; missing are the numbers the capture lacks.
func (a *Analyzer) v2FragText(st *saState, ex *exRec, resp bool, first, total, held int, missing, frames []int) {
	sender, receiver := ex.side, ex.side.other()
	what := "request"
	if resp {
		sender, receiver, what = receiver, sender, "response"
	}
	start := ex.msgTime(first)
	b := make([]byte, 0, 400)
	b = append(b, "The "+sender.String()+"'s "+ex.Type.String()+" "+what+" (message ID "+u32(ex.MID)+") came in "+
		strconv.Itoa(total)+" fragments (RFC 7383), of which this capture lacks "+words.Pick(len(missing), "fragment ", "fragments ")...)
	b = appendInts(b, missing)
	b = append(b, " (it holds "+strconv.Itoa(held)+", in "+words.Pick(len(frames), "frame ", "frames ")...)
	b = a.frames.appendJoin(b, frames)
	b = append(b, ")."...)
	var next *exRec
	if resp {
		next = laterRequest(st, ex)
	}
	switch {
	case !resp && ex.Answered:
		b = append(b, " The "+receiver.String()+" answered it (frame "+a.frames.one(firstResp(ex))+"), which it does only once"+
			" it has put every fragment together: the capture missed the rest (taken on another path, or packets dropped at"+
			" the capture point), and this message's content cannot be read from this capture."...)
	case next != nil:
		b = append(b, " The "+receiver.String()+" then went on to "+next.Type.String()+" (message ID "+u32(next.MID)+", frame "+
			a.frames.one(next.frame(0))+"), so it had put every fragment together: the capture missed the rest (taken on"+
			" another path, or packets dropped at the capture point), and this message's content cannot be read from this"+
			" capture."...)
	case a.now.Sub(start) < fragmentSpread:
		b = append(b, " The capture ends "+secs(a.now.Sub(start))+" after the first of them: the missing fragments may have"+
			" come after it stopped."...)
	default:
		b = append(b, " If they were lost on the path (loss, a firewall or rate limit dropping UDP, a fragment still larger"+
			" than the path MTU), the "+receiver.String()+" cannot put the message together either, and gets it only when"+
			" the "+sender.String()+" sends the whole message again; fragments the capture point missed (another path,"+
			" drops in the capture) look the same here."...)
		st.addFinding(KindFragmentsMissing, SeverityWarning, start, string(b), frames...)
		return
	}
	st.addFinding(KindFragmentsMissing, SeverityInfo, start, string(b), frames...)
}
