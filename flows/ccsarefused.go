package flows

import (
	"slices"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// A CREATE_CHILD_SA refused, seen without the keys.
//
// RFC 7296 §1.3 leaves a CREATE_CHILD_SA responder two answers: an accepted
// one, which carries an SA payload and a nonce, and for a child SA two
// traffic selector payloads too (for an IKE SA rekey a KE payload instead),
// or an error notify. The smallest accepted answer is therefore known
// whatever the peers negotiated:
//
//   - an SA payload: its generic header (4), one proposal (8), an ESP or
//     AH SPI (4) and at least one transform (8): 24 octets;
//   - a nonce payload: its header (4) and a nonce of at least 128 bits
//     (§2.10): 20 octets;
//   - two traffic selector payloads, each with its header (8) and at least
//     one IPv4 selector (16): 48 octets; an IKE SA rekey has instead a KE
//     payload (8 and at least 32 octets of key) and a proposal with an
//     8-octet SPI and at least three transforms, more than that.
//
// That is 92 octets of plaintext. The encrypted (SK) payload around it
// adds, with every cipher IKEv2 uses: the IKE header (28), the SK payload
// header (4), an IV of at least 8 octets (3DES, AES-CTR, the AEADs; AES-CBC
// has 16), the pad length octet (1) and an integrity check value of at
// least 8 octets (the 8-octet AEAD ICVs; HMACs truncate to 12 or more).
// An encrypted answer shorter than 141 octets in all cannot be an
// accepted one: it holds an error notify (a bare notify is 8 octets) and
// nothing else. In the corpus, accepted answers have 208 octets and more,
// the refusals (NO_PROPOSAL_CHOSEN from strongSwan, libreswan and OpenIKED,
// TEMPORARY_FAILURE, INVALID_KE_PAYLOAD) 80.
const (
	minCCSAPlain    = 24 + 20 + 48
	minSKOverhead   = 28 + 4 + 8 + 1 + 8
	minCCSAAccepted = minCCSAPlain + minSKOverhead
)

// promptRetry is how soon after a refusal a CREATE_CHILD_SA of another
// size from the same peer is taken for its retry: after INVALID_KE_PAYLOAD
// daemons retry at once with another KE payload (strongSwan: 3 ms later);
// a TEMPORARY_FAILURE or a PFS refusal is retried seconds later, with a
// request of the same size.
const promptRetry = time.Second

// ccsaRefusal is one CREATE_CHILD_SA answered too small to be accepted.
type ccsaRefusal struct {
	req, resp int // frames: the last copy of the request before the answer, the answer
	size      int // the answer's IKE message length
	reqSize   int // the request's
	at        time.Time
	refuser   saSide
}

// hiddenCCSARefusals reports, without keys, the CREATE_CHILD_SA requests
// of st (an IKEv2 SA) whose encrypted answer is too small to be an accepted
// one (see above): child SA rekeys refused for a PFS group the responder
// does not have, above all, which the first child SA (in IKE_AUTH, without
// a KE payload) never shows. It is a warning unless the capture shows the
// request retried with success (from the same peer, accepted later: a
// request of the same size, after TEMPORARY_FAILURE, or one of another
// size within promptRetry, after INVALID_KE_PAYLOAD), the IKE SA rekeyed
// after it (such a request is retried on the new IKE SA, which is judged
// on its own), or a single refusal that ends the SA's exchanges (a retry
// may have come after the capture stopped): an info then. A CREATE_CHILD_SA
// of another size accepted later than that proves nothing: an IKE SA rekey
// or another child SA, not a retry. Answers read with the keys are
// reported where their notify is (settledInvalidKE).
func (a *Analyzer) hiddenCCSARefusals(st *saState) {
	sa := st.model()
	if sa.Version != 2 || sa.ExchangesOmitted > 0 {
		return
	}
	var eb exBuf
	exs := st.exSlice(&eb) // the compact records: SA.Exchanges is built after conclude
	var refused []ccsaRefusal
	// Since the last refusal: its retry accepted (retried; the retry's
	// frame, request size and delay when prompt and of another size), or
	// another request accepted (its frame).
	retried, otherFrame := false, 0
	var retry struct {
		frame, size int
		after       time.Duration
	}
	last := -1 // index in exs of the last refusal
	for k, ex := range exs {
		if ex.Type != dissect.ExchangeCreateChildSA || !ex.Answered {
			continue
		}
		resp := ex.firstResp()
		req := resp - 1 // the last copy of the request before the answer
		if resp < 0 || req < 0 || ex.text(resp, &a.texts) != "SK" {
			// Not encrypted, read with the keys, or in fragments (SKF):
			// its content is reported where it is known, or not judged.
			// Without its request, who asked what is unknown.
			continue
		}
		size, reqSize, side := ex.msgSize(resp), ex.msgSize(req), ex.msg(resp).side()
		if size >= minCCSAAccepted {
			if n := len(refused); n > 0 && !retried {
				r := refused[n-1]
				switch after := ex.msgTime(0).Sub(r.at); {
				case r.refuser == side && r.reqSize == reqSize:
					retried = true
				case r.refuser == side && after >= 0 && after <= promptRetry && otherFrame == 0:
					// Sent at once, with another size: the same request
					// with a KE payload for the group INVALID_KE_PAYLOAD
					// asked for (ikev2-child-rekey-invalid-ke: 224, then
					// 496 octets 3 ms later), most likely.
					retried = true
					retry.frame, retry.size, retry.after = ex.frame(req), reqSize, after
				case otherFrame == 0:
					otherFrame = ex.frame(req)
				}
			}
			continue
		}
		refused = append(refused, ccsaRefusal{req: ex.frame(req), resp: ex.frame(resp), size: size, reqSize: reqSize, at: ex.msgTime(resp), refuser: side})
		retried, otherFrame, last = false, 0, k
		retry.frame = 0
	}
	if len(refused) == 0 {
		return
	}
	n := len(refused)
	rekeyed := !retried && st.out.has(outRekeyed)
	// One refusal that ends the SA's exchanges in the capture may have
	// been retried with success after the capture stopped.
	endsThere := !retried && !rekeyed && n == 1 && last == len(exs)-1
	sev := SeverityWarning
	if retried || rekeyed || endsThere {
		sev = SeverityInfo
	}
	frames := make([]int, 0, 2*len(refused))
	reqs := make([]int, 0, len(refused))
	resps := make([]int, 0, len(refused))
	smallest, largest := refused[0].size, refused[0].size
	who := "The peer at " + st.peer(refused[0].refuser).Addr().String()
	for _, r := range refused {
		frames = append(frames, r.req, r.resp)
		reqs = append(reqs, r.req)
		resps = append(resps, r.resp)
		smallest, largest = min(smallest, r.size), max(largest, r.size)
		if r.refuser != refused[0].refuser {
			who = "Both peers"
		}
	}
	size := strconv.Itoa(smallest) + " octets"
	switch {
	case n > 1 && largest == smallest:
		size += " each"
	case n > 1:
		size = strconv.Itoa(smallest) + " to " + strconv.Itoa(largest) + " octets"
	}
	msg := who + " refused " + words.Pick(n, "a CREATE_CHILD_SA request (frame ", strconv.Itoa(n)+" CREATE_CHILD_SA requests (frames ") +
		a.frames.join(reqs) + "): " + words.Pick(n, "the answer (frame ", "the answers (frames ") + a.frames.join(resps) + ") " +
		words.Pick(n, "has ", "have ") + size + ", too small to hold the SA payload, nonce and traffic selectors of an accepted" +
		" answer (at least " + strconv.Itoa(minCCSAAccepted) + " octets with any IKEv2 cipher), so " + words.Pick(n, "it holds", "each holds") +
		" an encrypted error notify and nothing else."
	switch {
	case retried && retry.frame != 0:
		msg += " The " + refused[n-1].refuser.other().String() + "'s next CREATE_CHILD_SA request (frame " + a.frames.one(retry.frame) +
			"), sent " + shortDur(retry.after) + " after the refusal, was accepted. It has " + strconv.Itoa(retry.size) +
			" octets against the refused one's " + strconv.Itoa(refused[n-1].reqSize) + ": most likely the same request again with a KE payload for the DH group the" +
			" refusal asked for (INVALID_KE_PAYLOAD, RFC 7296 §1.3), which is harmless. Were it another exchange (an IKE SA" +
			" rekey, say), the refused request would still be pending."
	case retried:
		msg += " The same request (as large, from the same peer) was accepted later: most likely it was refused with" +
			" TEMPORARY_FAILURE while the peer was busy rekeying or deleting the IKE SA (RFC 7296 §2.25) and retried, which" +
			" is harmless."
	case rekeyed:
		msg += " The IKE SA was rekeyed after " + words.Pick(n, "it", "them") + ": a request refused with TEMPORARY_FAILURE" +
			" while the peer rekeyed (RFC 7296 §2.25) is retried on the new IKE SA, whose report says how that went."
	case endsThere:
		msg += " The capture holds no later exchange of this SA, so whether a retry succeeded is not known. The error is" +
			" most likely NO_PROPOSAL_CHOSEN (the phase-2 proposals; in a rekey, above all the PFS group), INVALID_KE_PAYLOAD," +
			" TS_UNACCEPTABLE, TEMPORARY_FAILURE (the peer was busy rekeying or deleting the IKE SA, harmless if retried) or" +
			" CHILD_SA_NOT_FOUND (the child SA to rekey was deleted already)."
	default:
		if otherFrame != 0 {
			msg += " The CREATE_CHILD_SA accepted after " + words.Pick(n, "it", "them") + " (frame " + a.frames.one(otherFrame) +
				") is another request (another size or peer: an IKE SA rekey or another child SA), not a retry."
		}
		msg += " No retry of " + words.Pick(n, "it", "them") + " was accepted (the SA's last packet in the capture" +
			" comes " + secs(sa.End.Sub(refused[n-1].at)) + " after the last refusal). A refused rekey leaves the old" +
			" child SA (or IKE SA) in use only until its lifetime ends; traffic stops then unless a later rekey succeeds." +
			" The most common cause is a PFS mismatch: a rekey carries a KE payload when PFS is on, the first child SA" +
			" (in IKE_AUTH) never does, so it comes up and only its rekey is refused (NO_PROPOSAL_CHOSEN, or" +
			" INVALID_KE_PAYLOAD naming another DH group). Compare the phase-2 proposals' DH groups on both peers; the" +
			" other causes are the rest of the proposals (NO_PROPOSAL_CHOSEN) and the traffic selectors (TS_UNACCEPTABLE)."
	}
	msg += a.keysOr(st, words.Pick(n, " The answer is", " The answers are")+" encrypted: give the keys to see the notify.", " ", "see the notify")
	st.addFinding(KindChildRefused, sev, refused[0].at, msg, frames...)
}

// settledInvalidKE makes info of the warning an INVALID_KE_PAYLOAD answer
// to a CREATE_CHILD_SA got (read with the keys) when the requester's next
// CREATE_CHILD_SA was accepted: the retry with the group the refusal named
// that RFC 7296 §1.3 provides for, settled (ikev2-child-rekey-invalid-ke:
// the retry 3 ms later was accepted; before, the SA read "with errors or
// warnings").
func (a *Analyzer) settledInvalidKE(st *saState) {
	fs := st.findings()
	for i := range fs {
		f := &fs[i]
		if f.Kind != KindInvalidKE || f.Severity != SeverityWarning || len(f.Frames) < 2 {
			continue
		}
		if fr := a.acceptedAfter(st, f.Frames); fr != 0 {
			f.Severity = SeverityInfo
			f.Message += " The requester's next CREATE_CHILD_SA (frame " + a.frames.one(fr) + ") was accepted: settled."
		}
	}
}

// acceptedAfter returns the request frame of the next CREATE_CHILD_SA
// from the side that sent the CREATE_CHILD_SA whose first message is one
// of frames, when it was answered without an error and made its SA (a
// child SA, or a new IKE SA: read with the keys); 0 otherwise.
func (a *Analyzer) acceptedAfter(st *saState, frames []int) int {
	var eb exBuf
	exs := st.exSlice(&eb)
	for k, ex := range exs {
		if ex.Type != dissect.ExchangeCreateChildSA || ex.nmsgs() == 0 || !slices.Contains(frames, ex.frame(0)) {
			continue
		}
		for _, next := range exs[k+1:] {
			if next.Type != dissect.ExchangeCreateChildSA || next.side != ex.side {
				continue
			}
			if pd := next.pendOf(); next.Answered && next.errorOf() == "" && (next.childOf() != nil || pd != nil && pd.ansIKE) {
				return next.frame(0)
			}
			return 0
		}
		return 0
	}
	return 0
}
