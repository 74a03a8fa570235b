package flows

import (
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// v1MissedMiddleFinding says (capture_gap) which messages inside st's
// main-mode, aggressive-mode and quick-mode exchanges the capture lacks
// although a later message of the same exchange shows they were sent.
// In these exchanges every message after the first answers the one
// before it (RFC 2409: MM3 carries the responder's cookie and needs MM2's
// choice, MM5 needs MM4's key exchange, AM3 AM2's, QM3 hashes QM2's
// nonce), so message n+1 seen means that message n reached its
// receiver. The ladder numbers such a message past the gap already (a
// message from the side that spoke last, v1 in v1.go); this names the gap.
//
// Left out: the first message of an exchange (an exchange the capture
// joined late has no message before the first it shows), phase 1 whose
// roles were guessed (lateFinding says so), and phase 1's last message,
// which v1LastMissedFinding names from the exchange that followed.
func (a *Analyzer) v1MissedMiddleFinding(st *saState) {
	v := st.v1()
	var eb exBuf
	var parts []string
	var frames []int
	var at time.Time // when the first message that proves a gap came
	for _, ex := range st.exSlice(&eb) {
		if ex.Type != dissect.ExchangeIdentityProtect && ex.Type != dissect.ExchangeAggressive && ex.Type != dissect.ExchangeQuickMode {
			continue
		}
		if v.late && ex == v.phase1 {
			continue
		}
		var seen [8]bool // by message number; the exchanges have 3 or 6
		hi := uint8(0)
		for j := range ex.nmsgs() {
			c := ex.msg(j)
			if c.flags&cmsgLabeled == 0 || c.label == 0 || int(c.label) >= len(seen) {
				continue
			}
			seen[c.label] = true
			hi = max(hi, c.label)
		}
		lo := uint8(0)
		for n := uint8(1); n < hi; n++ {
			if seen[n] {
				lo = n
				break
			}
		}
		if lo == 0 {
			continue
		}
		for n := lo + 1; n < hi; n++ {
			if seen[n] {
				continue
			}
			// The gap runs from n to the next message seen, which
			// answers its last message.
			next := n + 1
			for !seen[next] {
				next++
			}
			var missed []string
			for m := n; m < next; m++ {
				missed = append(missed, "the "+v1Sender(ex, m).String()+"'s "+v1Label(ex.Type, m))
			}
			where := exchangeName(ex.Type)
			if ex.Type == dissect.ExchangeQuickMode {
				where += ", message ID " + u32(ex.MID)
			}
			j := firstLabelled(ex, next)
			if at.IsZero() {
				at = ex.msgTime(j)
			}
			frames = append(frames, ex.frame(j))
			fr := "frame " + a.frames.one(ex.frame(j))
			if a.opt.Decryptor != nil && ex.text(j, &a.texts) == "encrypted" {
				// Keys were given and the answer stayed encrypted: its IV
				// came from what the capture lacks (RFC 2409, appendix B:
				// MM5's from MM4's key exchange, QM3's is QM2's last
				// ciphertext block).
				fr += ", not decrypted: its IV comes from the messages before it, RFC 2409 appendix B"
			}
			part := andList(missed) + " (" + where + "), answered by the " + v1Sender(ex, next).String() + "'s " +
				v1Label(ex.Type, next) + " (" + fr + ")"
			parts = append(parts, part)
			n = next
		}
	}
	if len(parts) == 0 {
		return
	}
	msg := "The capture lacks " + parts[0] + ". A message is answered only once received, so it was sent and" +
		" received, and the capture missed it (taken on another path, or a packet dropped at the capture point)." +
		" The SA's state is read from the messages around the gap."
	if len(parts) > 1 {
		msg = "The capture lacks messages that were sent and received, since the message after each answers it: " +
			strings.Join(parts, "; ") + ". The capture missed them (taken on another path, or packets dropped at the" +
			" capture point); the SA's state is read from the messages around the gaps."
	}
	st.addFinding(KindCaptureGap, SeverityInfo, at, msg, frames...)
}

// v1Sender returns the side that sends message n (1-based) of ex: the
// sides take turns, odd-numbered messages coming from the side that
// began the exchange.
func v1Sender(ex *exRec, n uint8) saSide {
	if n%2 == 0 {
		return ex.side.other()
	}
	return ex.side
}

// firstLabelled returns the index of the first message of ex numbered n
// (one is: the caller saw it).
func firstLabelled(ex *exRec, n uint8) int {
	for j := range ex.nmsgs() {
		if c := ex.msg(j); c.flags&cmsgLabeled != 0 && c.label == n {
			return j
		}
	}
	return 0
}

// exchangeName names an IKEv1 exchange type in prose.
func exchangeName(t dissect.ExchangeType) string {
	switch t {
	case dissect.ExchangeIdentityProtect:
		return "main mode"
	case dissect.ExchangeAggressive:
		return "aggressive mode"
	case dissect.ExchangeQuickMode:
		return "quick mode"
	}
	return t.String()
}

// andList joins items as prose: "a", "a and b", "a, b and c".
func andList(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
