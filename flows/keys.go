package flows

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// KeyStatus says what the keys given did for the encrypted messages of one
// direction of an IKE SA.
type KeyStatus uint8

// Key statuses.
const (
	KeyNotTried KeyStatus = iota // no encrypted message in that direction was seen
	KeyVerified                  // at least one message opened: the key is right
	KeyFailed                    // the key given does not verify (integrity check failed, nothing opened)
	KeyMissing                   // no key was given for this SA
	// KeyIncomplete: a key was given, but nothing opened because the
	// capture lacks what decrypting also needs (IKEv1: the phase-1
	// messages with the SA or KE payloads, which the cipher and the IVs
	// come from). Whether the key is right is not known.
	KeyIncomplete
)

var keyStatusNames = [...]string{"not_tried", "verified", "failed", "no_key", "capture_incomplete"}

// String returns "not_tried", "verified", "failed", "no_key" or
// "capture_incomplete".
func (k KeyStatus) String() string {
	if int(k) < len(keyStatusNames) {
		return keyStatusNames[k]
	}
	return "unknown"
}

// MarshalText encodes the status as its name.
func (k KeyStatus) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// KeyCheck is the per-direction outcome of decryption for one IKE SA:
// Initiator for the messages the initiator sent (IKEv2 SK_ei/SK_ai),
// Responder for the responder's (SK_er/SK_ar). IKEv1 uses one key both
// ways.
type KeyCheck struct {
	Initiator KeyStatus `json:"initiator"`
	Responder KeyStatus `json:"responder"`
}

// keyTally counts the Decryptor's answers for one sending side.
type keyTally struct {
	ok, failed, missing int
	incomplete          int // decrypt.ErrIncomplete: the capture lacks what the IVs or the cipher come from
	failFrames          []int
}

// keyOutcome classifies an error of the Decryptor: nil verified, an
// integrity failure (package decrypt's ErrAuth) failed, a capture that
// lacks what decrypting also needs (ErrIncomplete) incomplete, anything
// else (no key, malformed, unsupported) missing.
func keyOutcome(err error) KeyStatus {
	switch {
	case err == nil:
		return KeyVerified
	case errors.Is(err, decrypt.ErrAuth):
		return KeyFailed
	case errors.Is(err, decrypt.ErrIncomplete):
		return KeyIncomplete
	}
	return KeyMissing
}

// noteKey records the Decryptor's answer for an encrypted message sent by
// side.
func (st *saState) noteKey(side saSide, err error, frame int) {
	x := st.extAux()
	if x.keyTally == nil {
		x.keyTally = new([2]keyTally)
	}
	k := &x.keyTally[side]
	switch keyOutcome(err) {
	case KeyVerified:
		k.ok++
	case KeyFailed:
		k.failed++
		if len(k.failFrames) < maxNoted {
			k.failFrames = append(k.failFrames, frame)
		}
	case KeyIncomplete:
		k.incomplete++
	default:
		k.missing++
	}
}

// status sums up a side's tally.
func (k *keyTally) status() KeyStatus {
	switch {
	case k.ok > 0:
		return KeyVerified
	case k.failed > 0:
		return KeyFailed
	case k.incomplete > 0:
		return KeyIncomplete
	case k.missing > 0:
		return KeyMissing
	}
	return KeyNotTried
}

// keyFindings sets SA.Keys and reports keys that do not verify.
func (a *Analyzer) keyFindings(st *saState) {
	kt := st.auxOrEmpty().extOrEmpty().keyTally
	if a.opt.Decryptor == nil || kt == nil {
		return
	}
	sa := st.model()
	kc := &KeyCheck{Initiator: kt[sideI].status(), Responder: kt[sideR].status()}
	sa.Keys = kc
	var who []string
	var frames []int
	for side, s := range [2]KeyStatus{kc.Initiator, kc.Responder} {
		if s == KeyFailed {
			who = append(who, saSide(side).String())
			frames = append(frames, kt[side].failFrames...)
		}
	}
	if len(who) == 0 {
		return
	}
	fs := sortedFrames(frames) // one frame may hold two failing messages (RFC 8229)
	var which, opened string
	switch {
	case sa.Version == 1 && len(who) == 1 && (kc.Initiator == KeyVerified || kc.Responder == KeyVerified) && (v1AfterGap(st) || v1Phase2Both(st)):
		// The same pattern with the peers past phase 1 together, or
		// after a message the capture lacks: IKEv1's IVs chain through
		// the messages (ikev1-aggressive without QM1: the responder's
		// QM2, whose IV is QM1's last block, read as a pre-shared key
		// mismatch; libreswan-ikev1-quick-refused without MM6).
		why := "Both peers went on to quick mode or a Transaction exchange with each other, which peers whose" +
			" pre-shared keys differ cannot do: their keys agree."
		if v1AfterGap(st) {
			why = "The capture lacks a message of this SA before them (capture_gap)."
		}
		st.addFinding(KindKeyFailed, SeverityInfo, sa.Start,
			"The "+who[0]+"'s encrypted messages of SA "+sa.Name()+" ("+words.Pick(len(fs), "frame ", "frames ")+a.frames.join(fs)+
				") do not open with the key that opens the other side's. "+why+" IKEv1 chains its IVs through the messages"+
				" (within an exchange each message's IV is the last block of the one before it; a new exchange's first"+
				" IV comes from phase 1's last message), so a message the capture lacks, or one damaged, leaves those"+
				" after it unreadable with the right key: the key file may well be right.", frames...)
		return
	case sa.Version == 1 && len(who) == 1 && (kc.Initiator == KeyVerified || kc.Responder == KeyVerified):
		// IKEv1 keys derive from the pre-shared key: peers with different
		// PSKs compute different keys, so the key that opens one side's
		// messages cannot open the other's. That is the PSK mismatch,
		// reported by the authentication findings, not a wrong key file.
		st.addFinding(KindKeyFailed, SeverityInfo, sa.Start,
			"The "+who[0]+"'s encrypted messages of SA "+sa.Name()+" ("+words.Pick(len(fs), "frame ", "frames ")+a.frames.join(fs)+
				") do not open with the key that opens the other side's. IKEv1 derives its keys from the pre-shared key,"+
				" so this is what peers with different pre-shared keys produce (each computed its own key); the key"+
				" file itself may well be right.", frames...)
		return
	case sa.Version == 1 && v1AfterGap(st):
		// Neither side's messages open, after messages the capture lacks
		// (libreswan-ikev1-quick-refused without MM5 and MM6: the IVs of
		// phase 2 start from MM6's last block): the key cannot be judged.
		st.addFinding(KindKeyFailed, SeverityInfo, sa.Start,
			"The encrypted messages of SA "+sa.Name()+" ("+words.Pick(len(fs), "frame ", "frames ")+a.frames.join(fs)+") do not"+
				" open with the key given, from either side, and the capture lacks messages of this SA before them"+
				" (capture_gap). IKEv1 chains its IVs through the messages (within an exchange each message's IV is the"+
				" last block of the one before it; a new exchange's first IV comes from phase 1's last message), so after"+
				" a missing message they stay closed with the right key too: whether the key file is right, this capture"+
				" cannot tell.", frames...)
		return
	case sa.Version == 1:
		which = "wrong phase-1 encryption key (SKEYID_e derived), or wrong algorithm?"
	case len(who) == 2:
		which = "wrong SK_ai/SK_ar, or wrong algorithm?"
	case who[0] == "initiator":
		which = "wrong SK_ei/SK_ai, or wrong algorithm?"
		opened = " The responder's messages did open: the key is wrong for one direction only."
	default:
		which = "wrong SK_er/SK_ar, or wrong algorithm?"
		opened = " The initiator's messages did open: the key is wrong for one direction only."
	}
	st.addFinding(KindKeyFailed, SeverityWarning, sa.Start,
		"The key given for SA "+sa.Name()+" does not verify on the messages from the "+strings.Join(who, " and the ")+
			" ("+words.Pick(len(fs), "frame ", "frames ")+a.frames.join(fs)+"): "+which+opened+" Those messages are marked as not"+
			" decrypted and what they carry was not analysed; check that the key file belongs to this capture"+
			" (a rekeyed or restarted SA has new keys).", frames...)
}

// refusedAuthRatio is the largest IKE_AUTH response size, in percent of
// the request, that cannot hold the SA and traffic selector payloads of an
// accepted child SA. Measured on strongSwan, libreswan and OpenIKED: an
// accepted child SA gives 78–88 %, a refused one (IDr, AUTH and an error
// notify) 50–56 %.
const refusedAuthRatio = 65

// hiddenChildRefusal reports, without keys, the IKEv2 pattern of a child
// SA refused in IKE_AUTH: the encrypted IKE_AUTH response is too small to
// carry an accepted child SA, no ESP or child SA follows, and the SA ends
// there or with a single INFORMATIONAL (most likely its Delete). It tells
// whether it reported.
func (a *Analyzer) hiddenChildRefusal(st *saState) bool {
	sa := st.model()
	if sa.Version != 2 || !st.out.has(outAuthOK) || !st.out.has(outAuthUnverified) || st.out.has(outAuthFailed) || st.out.has(outChildFailed) || len(sa.ChildSAs) > 0 ||
		sa.RekeyedFrom != "" || st.out.has(outRekeyed) || sa.ExchangesOmitted > 0 {
		return false
	}
	var eb exBuf
	exs := st.exSlice(&eb) // the compact records: SA.Exchanges is built after conclude
	k := -1
	for i, ex := range exs {
		if ex.Type == dissect.ExchangeIKEAuth && ex.Answered {
			k = i
		}
	}
	if k < 0 || k+2 < len(exs) {
		return false
	}
	auth := exs[k]
	req, resp := -1, -1
	for i := range auth.nmsgs() {
		switch m := auth.msg(i); {
		case m.response() && resp < 0:
			resp = i
		case !m.response() && req < 0:
			req = i
		}
	}
	if req < 0 || resp < 0 {
		return false
	}
	reqSize, respSize, respFrame, respTime := auth.msgSize(req), auth.msgSize(resp), auth.frame(resp), auth.msgTime(resp)
	if auth.text(resp, &a.texts) != "SK" || respSize*100 >= reqSize*refusedAuthRatio || reqSize > certSizedAuth {
		// (A request this large carries a certificate, which the answer
		// need not: libreswan-ikev2-cert-no-certreq's accepting answer is
		// a third of its request.)
		return false
	}
	frames := []int{auth.frame(req), respFrame}
	then := " Nothing of this SA follows."
	if k+1 < len(exs) {
		info := exs[k+1]
		if info.Type != dissect.ExchangeInformational || info.nmsgs() == 0 || info.text(0, &a.texts) != "SK" {
			return false
		}
		frame := info.frame(0)
		frames = append(frames, frame)
		then = " The INFORMATIONAL " + secs(info.msgTime(0).Sub(respTime)) + " later (frame " + a.frames.one(frame) +
			"), after which nothing follows, is most likely the Delete of the IKE SA."
	}
	st.addFinding(KindChildRefused, SeverityWarning, respTime,
		"The IKE_AUTH response (frame "+a.frames.one(respFrame)+", "+strconv.Itoa(respSize)+" octets) is too small to"+
			" carry the SA and traffic selectors of an accepted child SA (the request had "+strconv.Itoa(reqSize)+
			" octets; accepting responses are about 80% of it), and no ESP follows: the responder most likely"+
			" authenticated the initiator but refused the child SA (NO_PROPOSAL_CHOSEN: the phase-2 proposals;"+
			" TS_UNACCEPTABLE: the traffic selectors; INTERNAL_ADDRESS_FAILURE or FAILED_CP_REQUIRED: a virtual IP"+
			" it could not assign, or did not get asked for)."+then+a.keysOr(st, " The messages are encrypted: give the keys to see which.", " The messages are encrypted. ", "see which"),
		frames...)
	return true
}

// certSizedAuth is the IKE_AUTH request size beyond which it most likely
// carries a certificate (an RSA-2048 one alone is about 900 octets): the
// size of its answer then says nothing about a child SA in it.
const certSizedAuth = 1000

// endUnknown notes, without keys, an established SA whose last exchange
// is an encrypted INFORMATIONAL (IKEv2: answered; IKEv1: one or more
// informational messages) after which nothing of the SA (IKE or ESP)
// appears: a Delete and a liveness check look alike on the wire, so
// "established" is only the last state ikeflow could see.
func (a *Analyzer) endUnknown(st *saState) {
	sa := st.model()
	var eb exBuf
	exs := st.exSlice(&eb) // the compact records: SA.Exchanges is built after conclude
	if sa.State != StateEstablished || sa.ExchangesOmitted > 0 || len(exs) == 0 {
		return
	}
	// The messages looked at are those of exs[k:].
	k := len(exs) - 1
	if sa.Version == 2 {
		last := exs[k]
		if last.Type != dissect.ExchangeInformational || !last.Answered || last.nmsgs() < 2 {
			return
		}
	} else {
		// IKEv1 informational messages are one-way: take the run of them
		// that ends the SA (a Delete of the IPsec SA, then of the ISAKMP SA).
		k = len(exs)
		for k > 0 && exs[k-1].Type == dissect.ExchangeInformationalV1 {
			k--
		}
	}
	// after is when the SA's other IKE messages ended, and (IKEv1) its
	// last answered-looking pair of informationals followed by more
	// (lastLiveness): only the informational messages after it end the
	// SA. Those before it were followed by other messages (DPD answered
	// while the SA lived on, ikev1-dpd and libreswan-ikev1-dpd), and
	// "after which the capture shows nothing more" would be false of them.
	// Times, not frame numbers, order them: frames read out of order and
	// put back in time order (reorder.go) keep their numbers.
	after := lastOtherTime(exs[:k])
	if sa.Version == 1 {
		if t := lastLiveness(exs[k:], after); t.After(after) {
			after = t
		}
	}
	// Two passes over the messages: the checks, then (rarely reached) the
	// frames, in a slice of the exact size.
	n := 0
	var firstT, lastT time.Time
	for _, ex := range exs[k:] {
		for i := range ex.nmsgs() {
			if !ex.msgTime(i).After(after) {
				continue
			}
			if p := ex.text(i, &a.texts); p != "SK" && p != "encrypted" { // decrypted or clear: its content is known
				return
			}
			if n == 0 {
				firstT = ex.msgTime(i)
			}
			n++
			lastT = ex.msgTime(i)
		}
	}
	espAfter := false // IKEv1: ESP went on after the SA's last IKE message
	// The ESP after them is only of child SAs that another IKE SA could
	// own (ambiguous.go): it shows nothing of this SA's life.
	ambiguousAfter := false
	switch {
	case n == 0:
		return
	case sa.Version == 1 && st.rareOrEmpty().replacedBy != 0:
		// In IKEv1 an IPsec SA outlives the ISAKMP SA that negotiated it
		// (RFC 2409 ties neither's lifetime to the other's), and a newer
		// ISAKMP SA between the same peers (phase1Done: a
		// re-authentication) may take it over: ESP after the
		// informational messages then says nothing of this ISAKMP SA.
		// (ikev1-xauth-reauth: the old ISAKMP SA's Delete at frame 34,
		// then ESP, was "established" with no hedge.) Without a newer
		// ISAKMP SA, ESP after them shows the tunnel alive as before.
		espAfter = sa.End.After(lastT)
	case sa.End.After(lastT):
		if !a.onlyAmbiguousESPAfter(st, lastT) {
			return
		}
		ambiguousAfter = true
	}
	// The frames and the text are put together in arrays on the stack
	// (addFinding copies the frames; the text is copied once into its
	// string): a keyless capture ends most of its SAs this way, and the
	// frame slice, the joined frames and the text were three allocations
	// for each.
	var frameBuf [8]int
	frames := frameBuf[:0]
	for _, ex := range exs[k:] {
		for i := range ex.nmsgs() {
			if ex.msgTime(i).After(after) {
				frames = append(frames, ex.frame(i))
			}
		}
	}
	// IKEv1 informational messages are one-way exchanges of their own: the
	// run of them is not "the last exchange".
	what, dpd := "The last exchange of this SA is an encrypted INFORMATIONAL", "a liveness check (DPD)"
	if sa.Version == 1 {
		what, dpd = "This SA ends with encrypted informational messages", "a DPD R-U-THERE"
		if len(frames) == 1 {
			what = "This SA ends with an encrypted informational message"
		}
	}
	var textBuf [512]byte
	b := append(append(textBuf[:0], what...), words.Pick(len(frames), " (frame ", " (frames ")...)
	b = a.frames.appendJoin(b, frames)
	switch {
	case ambiguousAfter:
		b = append(b, "), after which the capture shows no IKE message of it, only ESP of child SAs that may be another IKE"+
			" SA's (esp_ambiguous). "...)
	case espAfter:
		b = append(b, "), after which the capture shows no IKE message of it; the ESP that followed does not show it alive, as"+
			" an IPsec SA can outlive the ISAKMP SA that negotiated it. "...)
	default:
		b = append(b, "), after which the capture shows nothing more of it: no IKE message and no ESP. "...)
	}
	// With keys that read other messages of this SA, "without keys"
	// would not be true: these could not be read with them.
	kt := st.auxOrEmpty().extOrEmpty().keyTally
	keyed := kt != nil && (kt[0].ok > 0 || kt[1].ok > 0)
	lacking := !keyed && kt != nil && (kt[0].incomplete > 0 || kt[1].incomplete > 0)
	switch {
	case keyed:
		b = append(b, words.Pick(len(frames), "It could not be decrypted", "They could not be decrypted")...)
		b = append(b, " with the keys given (which read other messages of this SA): a Delete and "...)
	case lacking:
		// Keys were given, and the capture lacks what decrypting also
		// needs: "without keys" and "give the keys" would both be false.
		b = append(b, "The keys given could not decrypt this SA's messages, as the capture lacks the phase-1 messages their"+
			" cipher or IVs come from (capture_gap): a Delete and "...)
	case a.opt.Decryptor != nil && kt != nil && (kt[0].failed > 0 || kt[1].failed > 0):
		b = append(b, "The key given for this SA does not verify (key_does_not_verify): without one that does, a Delete and "...)
	case a.opt.Decryptor != nil:
		// Keys were given for other SAs (the Wireshark wiki's capture
		// with the first SA's line of its key table only): "without
		// keys" would not be true.
		b = append(b, "The keys given hold none for this SA: without its keys a Delete and "...)
	default:
		b = append(b, "Without keys a Delete and "...)
	}
	b = append(b, dpd...)
	kids := slices.ContainsFunc(sa.ChildSAs, func(c *ChildSA) bool { return c.State == ChildEstablished })
	switch {
	case espAfter && kids:
		// They carried ESP after it: their end is later, and just as
		// hidden.
		b = append(b, " look alike, so the SA may have been deleted there; \"established\" is only the last state the capture"+
			" shows, also for its IPsec SAs, which an encrypted message of this or another ISAKMP SA between these peers"+
			" may have deleted after their last ESP."...)
	case kids:
		// Its child SAs' Deletes are just as encrypted: one may have
		// gone before the SA's end (a child SA closed while the SA went
		// on; the old SA of a re-authentication).
		b = append(b, " look alike, so the SA may have been deleted there, and its child SAs with it or before; \"established\""+
			" is only the last state the capture shows, for them too."...)
	default:
		b = append(b, " look alike, so the SA may have been deleted there; \"established\" is only the last state the capture"+
			" shows."...)
	}
	switch {
	case keyed || lacking:
	case a.opt.Decryptor != nil:
		b = append(b, " Give this SA's keys to know."...)
	default:
		b = append(b, " Give the keys to know."...)
	}
	st.addFinding(KindEndUnknown, SeverityInfo, firstT, string(b), frames...)
}

// lastOtherTime returns the time of the last message of exs (the
// exchanges before the trailing informational ones), the zero time when
// there is none.
func lastOtherTime(exs []*exRec) time.Time {
	var last time.Time
	for _, ex := range exs {
		for i := range ex.nmsgs() {
			if t := ex.msgTime(i); t.After(last) {
				last = t
			}
		}
	}
	return last
}

// lastLiveness returns the time of the last answered-looking pair among
// the IKEv1 informational messages of exs after time after: a message,
// then within promptAnswer the next one from the other side, as an
// R-U-THERE and its R-U-THERE-ACK go (RFC 3706). Such a pair followed by
// more messages of the SA was a liveness check the peer answered, not
// the end of the SA: after a Delete of the ISAKMP SA its sender sends
// nothing more on it. A pair that is the very last of the run is not
// taken (two Deletes crossing look the same). The pairs are taken from
// the first message on, each message in one pair at most (ikev1-dpd: a
// Delete 0.7 s after an ACK from the other side is no answer to it). It
// returns the zero time when there is no such pair. The messages are taken in time order; exs
// holds one message per exchange but for retransmits, and the work is
// linear but for the sort of that run.
func lastLiveness(exs []*exRec, after time.Time) time.Time {
	type m struct {
		t    time.Time
		side saSide
	}
	var buf [16]m
	ms := buf[:0]
	for _, ex := range exs {
		for i := range ex.nmsgs() {
			if t := ex.msgTime(i); t.After(after) {
				ms = append(ms, m{t, ex.msg(i).side()})
			}
		}
	}
	slices.SortStableFunc(ms, func(x, y m) int { return x.t.Compare(y.t) })
	// Pairs from the first message on, each message in one pair at most:
	// an answer is not also the probe of the next pair.
	var last time.Time
	for j := 1; j < len(ms)-1; j++ {
		if d := ms[j].t.Sub(ms[j-1].t); ms[j].side != ms[j-1].side && d <= promptAnswer {
			last = ms[j].t
			j++
		}
	}
	return last
}

// keysOr returns the text that ends a finding about encrypted content of
// st the report could not read: keyless, as the emitter words it (the
// advice to give the keys), when no keys were given; otherwise lead and a
// sentence that says why the keys given did not read it ("give the keys"
// would then be false): the capture lacks the phase-1 messages the IVs
// come from (decrypt.ErrIncomplete), the key given does not verify, the
// keys hold none for st (the sentence then asks for them, to what), or
// they read other messages of st but not these (IKEv1 chains its IVs
// through the messages: one the capture lacks breaks the chain of those
// after it).
func (a *Analyzer) keysOr(st *saState, keyless, lead, what string) string {
	if a.opt.Decryptor == nil {
		return keyless
	}
	kt := st.auxOrEmpty().extOrEmpty().keyTally
	var ok, incomplete, failed int
	if kt != nil {
		ok = kt[sideI].ok + kt[sideR].ok
		incomplete = kt[sideI].incomplete + kt[sideR].incomplete
		failed = kt[sideI].failed + kt[sideR].failed
	}
	switch {
	case ok > 0 && st.Version == 2:
		// IKEv2 decrypts each message on its own: one the keys that read
		// the others did not read is one that did not decode.
		return lead + "The keys given read other messages of this SA, not these: they did not decode (malformed: cut" +
			" short by the capture, or damaged)."
	case ok > 0:
		return lead + "The keys given read other messages of this SA, not these: IKEv1 chains its IVs through the" +
			" messages, and one the capture lacks breaks the chain of those after it."
	case incomplete > 0:
		return lead + "The keys given could not be used: the capture lacks the phase-1 messages their IVs come from" +
			" (capture_gap)."
	case failed > 0:
		return lead + "The key given for this SA does not verify (key_failed): give the right one to " + what + "."
	}
	return lead + "The keys given hold none for this SA: give its keys to " + what + "."
}

// v1AfterGap reports whether the capture lacks a message of st, an IKEv1
// SA, that came before others (a capture_gap finding).
func v1AfterGap(st *saState) bool { return st.hasFinding(KindCaptureGap) }

// v1Phase2Both reports whether both peers of st, an IKEv1 SA, sent
// messages of one quick mode or Transaction exchange: they completed
// phase 1 with each other, so they hold the same keys.
func v1Phase2Both(st *saState) bool {
	var eb exBuf
	for _, ex := range st.exSlice(&eb) {
		if ex.Type != dissect.ExchangeQuickMode && ex.Type != dissect.ExchangeTransaction {
			continue
		}
		var from [2]bool
		for j := range ex.nmsgs() {
			from[ex.msg(j).side()] = true
		}
		if from[sideI] && from[sideR] {
			return true
		}
	}
	return false
}
