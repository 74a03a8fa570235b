package flows

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// Why two representations of an exchange: while an SA is open the analyzer
// keeps each exchange as an exRec (80 octets), with its messages as cmsg
// values (24 octets each, two inline) and what few exchanges need in an
// exRare; the exported Exchange and Message values (120 octets each,
// strings for From, Fragment and Label) are built from them only when the
// SA is looked up (Analyzer.Lookup, live) or finalised (saState.view,
// after conclude, which reads the records; not at all with
// Options.NoExchanges), because a capture can hold hundreds of thousands
// of SAs open at once.

// exKind says what an exchange did, when the analyzer could tell.
type exKind uint8

const (
	exUnknown     exKind = iota
	exChildCreate        // CREATE_CHILD_SA creating a new child SA
	exChildRekey         // CREATE_CHILD_SA with REKEY_SA
	exIKERekey           // CREATE_CHILD_SA rekeying the IKE SA
	exDelete             // INFORMATIONAL with Delete payloads
	exLiveness           // empty INFORMATIONAL (DPD)
	exPhase1             // IKEv1 main/aggressive mode
	exQuick              // IKEv1 quick mode
)

// exRec is the analyzer's compact record of an exchange. Its Exchange is
// built by sync when the SA is looked up or finalised (saState.view keeps
// it in SA.Exchanges, at the record's index among the SA's records,
// saState.exAt; not built at finalisation with Options.NoExchanges), and
// kept up to date by later syncs.
type exRec struct {
	Type    dissect.ExchangeType
	side    saSide // side that sent the request / first message
	hasResp bool
	v1step  uint8 // IKEv1: number of distinct messages so far
	// Answered is that of Exchange.
	Answered bool
	kind     exKind // what the exchange did, when known
	bits     exBits // messages held in inline, where start and RTT are
	// retr counts Exchange.Retransmits up to 255, exOdd.retrMore the rest
	// (retransmits).
	retr uint8
	MID  uint32
	// rtt is Exchange.RTT as the wait it was computed from (millis), in
	// nanoseconds, or microseconds with exRTTMicros, or in exOdd.rtt with
	// exRTTRare (setRTT): 4 octets instead of a float64's 8, which with
	// retr in an octet and 24-octet messages makes an 80-octet record
	// (TestExRecSmall, TestSAAllocSize).
	rtt uint32
	// startNs is the start (see start) in Unix nanoseconds: 8 octets
	// instead of a time.Time's 24.
	startNs int64
	xr      *exRare // rarely needed state (and Error); nil until needed
	// The messages are kept compact (inline, then xr.more) and rendered
	// into Exchange.Messages by sync.
	inline [2]cmsg
}

// exBits packs an exRec's count of inline messages (the low two bits) and
// flags.
type exBits uint8

// exBits flags.
const (
	exInlineMask exBits = 3      // messages held in inline (0-2)
	exStartExact exBits = 1 << 2 // the start is in exOdd.times (index -1), not startNs
	exRTTMicros  exBits = 1 << 3 // rtt counts microseconds
	exRTTRare    exBits = 1 << 4 // the RTT's wait is in exOdd.rtt
	// exRefusalEarly: the quick mode's refusal (exExtra.refusal) came
	// before the first copy of its QM1 in the capture (lateRefusal).
	exRefusalEarly exBits = 1 << 5
	// exAlone: an IKEv2 exchange first seen by its response
	// (responseAlone); settled when the SA ends (aloneFinding).
	exAlone exBits = 1 << 6
	// exReqLate: the request of such an exchange came after its response.
	exReqLate exBits = 1 << 7
)

// nInline returns the number of messages held in ex.inline.
func (ex *exRec) nInline() int { return int(ex.bits & exInlineMask) }

// setRTT sets Exchange.RTT to millis(d), keeping d exactly.
func (ex *exRec) setRTT(d time.Duration) {
	d = max(d, 0) // as millis does
	ex.bits &^= exRTTMicros | exRTTRare
	switch {
	case d <= math.MaxUint32:
		ex.rtt = uint32(d)
	case d%time.Microsecond == 0 && d/time.Microsecond <= math.MaxUint32:
		ex.rtt = uint32(d / time.Microsecond)
		ex.bits |= exRTTMicros
	default:
		ex.rtt = 0
		ex.bits |= exRTTRare
		ex.oddState().rtt = d
	}
}

// rttMs returns Exchange.RTT.
func (ex *exRec) rttMs() float64 {
	d := time.Duration(ex.rtt)
	switch {
	case ex.bits&exRTTMicros != 0:
		d *= time.Microsecond
	case ex.bits&exRTTRare != 0:
		d = ex.oddOrEmpty().rtt
	}
	return millis(d)
}

// retransmits returns Exchange.Retransmits.
func (ex *exRec) retransmits() int {
	if ex.xr == nil {
		return int(ex.retr)
	}
	return int(ex.retr) + ex.oddOrEmpty().retrMore
}

// addRetransmit counts a retransmission (Exchange.Retransmits).
func (ex *exRec) addRetransmit() {
	if ex.retr < math.MaxUint8 {
		ex.retr++
		return
	}
	ex.oddState().retrMore++
}

// exRare is the part of an exchange's working state that most exchanges
// never use.
//
// Why it is split: the exchanges that need one are not few (every IKEv1
// exchange of more than two messages holds its further messages in more,
// every fragmented IKEv2 exchange its fragment numbers), and most need
// only more: 32 octets, where the fragment numbers and the pointers to
// exExtra and exOdd made it 56 (the 64 class; 120 before exOdd took the
// exact values no capture's exchange needs). big100k's open SAs hold
// 63,641: 38,000 with only more, 15,900 fragmented (32 + 48 with
// exRest, 64 before), 9,100 with an error (32 + 48, 64 + 96 before).
type exRare struct {
	more []cmsg // messages after the inline ones
	// *exRest holds the rest, which fewer exchanges need; nil until
	// rest() is called.
	*exRest
}

// exRest is the part of an exchange's rare state that fragmented
// exchanges and those with an error, an exExtra or an exOdd need.
//
// err is here rather than in exExtra because most exchanges with an error
// need nothing else from it (big100k: 9,091 refused IKE_SA_INITs and
// IKEv1 exchanges, 32 + 48 octets instead of 32 + 32 + 96); the 15,900
// fragmented exchanges pay its 16 octets.
type exRest struct {
	reqFrags uint64 // IKEv2 SKF fragment numbers seen in the request (bit n-1)
	rspFrags uint64
	err      string // Exchange.Error
	// *exExtra holds what even fewer exchanges need (an IKEv1 phase 1
	// needs more, not that); nil until extra() is called.
	*exExtra
	odd *exOdd // nil until oddState() is called
}

// exOdd is what the narrow fields of an exchange and of its messages
// cannot hold: times that are no exact offset (a start outside UTC,
// messages ±35 minutes from it), frame numbers from 2^32, sizes over
// 65535, fragment numbers from fragWide, spilled summaries, more than 255
// retransmits or MaxExchangeMessages messages, an RTT the 4-octet field
// cannot hold.
type exOdd struct {
	times    []exactTime
	frames   []exactFrame  // what the messages' narrow fields cannot hold
	omitted  int           // messages beyond MaxExchangeMessages, not kept
	retrMore int           // retransmits beyond exRec.retr's 255
	rtt      time.Duration // the RTT's wait, with exRTTRare
	// skipFrom: this IKEv2 request's message ID is past the next one its
	// sender should have used, skipFrom (0: none); whether the IDs
	// between were skipped or only not captured is settled when the SA
	// ends (midSkipFinding); skipped tells that skipFrom is set (it is 0
	// after message ID 0xffffffff).
	skipFrom uint32
	skipped  bool
	// gap: this exchange, first seen by its response (exAlone), had no
	// request in the capture though its message ID was due from the
	// requester (v2Response): a capture_gap unless the request comes later.
	gap bool
	// restartBy is the first frame of a fresh IKE SA the initiator
	// started with the same peer while this IKE_AUTH waited for its
	// answer (authWait, noteReplacement), at restartAt; restartOK: the
	// peer answered that fresh SA's IKE_SA_INIT. unansweredV2 reads them.
	restartBy int
	restartAt time.Time
	restartOK bool
}

// noExOdd is the shared, never modified, empty exOdd read by exchanges
// that have none.
var noExOdd exOdd

// oddOrEmpty returns ex's exOdd for reading (noExOdd when none).
func (ex *exRec) oddOrEmpty() *exOdd {
	if r := ex.restOrEmpty(); r.odd != nil {
		return r.odd
	}
	return &noExOdd
}

// noExRest is the shared, never modified, empty exRest read by exchanges
// that have none.
var noExRest exRest

// restOrEmpty returns ex's exRest for reading (noExRest when none).
func (ex *exRec) restOrEmpty() *exRest {
	if ex.xr == nil || ex.xr.exRest == nil {
		return &noExRest
	}
	return ex.xr.exRest
}

// oddState returns ex's exOdd, allocating it (and its exRare), for writing.
func (ex *exRec) oddState() *exOdd {
	r := ex.rest()
	if r.odd == nil {
		r.odd = new(exOdd)
	}
	return r.odd
}

// exExtra is the part of an exchange's working state that only exchanges
// with child SAs, errors, fragments or slow answers need.
type exExtra struct {
	frags [2]*fragState
	// slow is the longest wait for an answer (IKEv1: between messages),
	// kept only from slowAnswer on; slowFrom and slowTo are the frames of
	// that wait.
	slow     time.Duration
	slowFrom int
	slowTo   int
	pend     *pending
	child    *ChildSA
	// refusal is the frame of an INFORMATIONAL that refused this IKEv1
	// quick mode instead of QM2 (0: none), refusalWhat its error notify
	// ("" when encrypted); exRefusalEarly: that INFORMATIONAL came before
	// the first copy of QM1 in the capture (lateRefusal).
	refusal     int
	refusalWhat string
}

// noExtra is the shared, never modified, empty exExtra read by exchanges
// that have none.
var noExtra exExtra

// newExchange allocates an exchange with room for two messages.
func newExchange(t dissect.ExchangeType, mid uint32, side saSide, at time.Time) *exRec {
	ex := new(exRec)
	ex.init(t, mid, side, at)
	return ex
}

// newExchange returns a new exchange of st, for addExchange. The SA's
// first exchanges are the records in st.first, allocated with the SA
// (saAlloc): most SAs have two or three exchanges, and two allocations
// fewer per SA are worth the 80 octets an SA with a single exchange
// leaves unused.
func (st *saState) newExchange(t dissect.ExchangeType, mid uint32, side saSide, at time.Time) *exRec {
	if int(st.nfirst) < len(st.first) {
		ex := &st.first[st.nfirst]
		st.nfirst++
		ex.init(t, mid, side, at)
		return ex
	}
	return newExchange(t, mid, side, at)
}

// init makes ex, a zero record, a new exchange with room for two messages.
func (ex *exRec) init(t dissect.ExchangeType, mid uint32, side saSide, at time.Time) {
	ex.Type, ex.MID, ex.side = t, mid, side
	if ns, ok := unixNano(at); ok {
		ex.startNs = ns
	} else {
		ex.bits |= exStartExact
		ex.oddState().times = []exactTime{{-1, at}}
	}
}

// unixNano returns t in Unix nanoseconds, and whether t is exactly
// time.Unix(0, ns).UTC(): a capture's times are (capture reads them so),
// other times (the zero time, times beyond 2262, times in a location) are
// not and are kept as they are.
func unixNano(t time.Time) (int64, bool) {
	ns := t.UnixNano()
	return ns, time.Unix(0, ns).UTC() == t
}

// start returns the time of the exchange's first message (Exchange.Start).
func (ex *exRec) start() time.Time {
	if ex.bits&exStartExact != 0 {
		return ex.oddOrEmpty().times[0].t // newExchange put it first
	}
	return time.Unix(0, ex.startNs).UTC()
}

// extra returns ex's exExtra, allocating it (and its exRare), for writing.
func (ex *exRec) extra() *exExtra {
	r := ex.rest()
	if r.exExtra == nil {
		r.exExtra = new(exExtra)
	}
	return r.exExtra
}

// extraOrEmpty returns ex's exExtra for reading (noExtra when none).
func (ex *exRec) extraOrEmpty() *exExtra {
	if r := ex.restOrEmpty(); r.exExtra != nil {
		return r.exExtra
	}
	return &noExtra
}

// exactFrame is what the narrow fields of message i cannot hold: its
// frame number (cmsg.frame), size (cmsg.size), fragment number or total
// (cmsg.fragNum, fragTotal) in v, or its payload summary (cmsg.payloads
// textSpilled) in text.
type exactFrame struct {
	i    int
	v    int
	what exactWhat
	text string
}

// exactWhat says what an exactFrame holds.
type exactWhat uint8

// exactFrame kinds.
const (
	exactFrameNo exactWhat = iota
	exactSize
	exactFragNum
	exactFragTotal
	exactText
)

// exactTime is the time of a message that is not an exact offset (in
// nanoseconds or microseconds, see cmsg.off) from its exchange's start.
type exactTime struct {
	i int
	t time.Time
}

// rare returns ex's exRare, allocating it.
func (ex *exRec) rare() *exRare {
	if ex.xr == nil {
		ex.xr = new(exRare)
	}
	return ex.xr
}

// rest returns ex's exRest, allocating it (and its exRare).
func (ex *exRec) rest() *exRest {
	r := ex.rare()
	if r.exRest == nil {
		r.exRest = new(exRest)
	}
	return r.exRest
}

// fragBits returns the fragment numbers seen in the request or the response.
func (ex *exRec) fragBits(resp bool) uint64 {
	r := ex.restOrEmpty()
	if resp {
		return r.rspFrags
	}
	return r.reqFrags
}

// setFragBits sets the fragment numbers seen in the request or the response.
func (ex *exRec) setFragBits(resp bool, bits uint64) {
	if bits == 0 && ex.restOrEmpty() == &noExRest {
		return
	}
	if resp {
		ex.rest().rspFrags = bits
	} else {
		ex.rest().reqFrags = bits
	}
}

// noteWait records a wait of d for an answer, from frame from to frame to.
func (ex *exRec) noteWait(d time.Duration, from, to int) {
	if d < slowAnswer || d <= ex.extraOrEmpty().slow {
		return
	}
	x := ex.extra()
	x.slow, x.slowFrom, x.slowTo = d, from, to
}

// slowWait returns the longest wait noted by noteWait (zero when below
// slowAnswer) and its frames.
func (ex *exRec) slowWait() (time.Duration, int, int) {
	x := ex.extraOrEmpty()
	return x.slow, x.slowFrom, x.slowTo
}

// reqHash returns the hash of the first transmission of the request
// (IKEv2; 0 when the exchange was first seen by its response).
func (ex *exRec) reqHash() uint64 {
	if ex.nmsgs() > 0 && !ex.msg(0).response() {
		return ex.msg(0).hash
	}
	if ex.bits&exReqLate != 0 { // the request came after its response
		for i := 1; i < ex.nmsgs(); i++ {
			if m := ex.msg(i); !m.response() {
				return m.hash
			}
		}
	}
	return 0
}

// respHash returns the hash of the first response (IKEv2; 0 when none).
func (ex *exRec) respHash() uint64 {
	for i := range ex.nmsgs() {
		if m := ex.msg(i); m.response() {
			return m.hash
		}
	}
	return 0
}

// firstResp returns the index of the first response among ex's messages,
// -1 when it has none.
func (ex *exRec) firstResp() int {
	for i := range ex.nmsgs() {
		if ex.msg(i).response() {
			return i
		}
	}
	return -1
}

// respTime returns the time of the first response, the exchange's start
// when it has none.
func (ex *exRec) respTime() time.Time {
	if i := ex.firstResp(); i >= 0 {
		return ex.msgTime(i)
	}
	return ex.start()
}

// respFrame returns the frame of the first response (0 when none).
func (ex *exRec) respFrame() int {
	if i := ex.firstResp(); i >= 0 {
		return ex.frame(i)
	}
	return 0
}

// lastReqTime returns the time of the last transmission of the request of
// an exchange first seen by its request (IKEv2).
func (ex *exRec) lastReqTime() time.Time {
	for i := ex.nmsgs() - 1; i > 0; i-- {
		if m := ex.msg(i); !m.response() && m.retransmit() {
			return ex.msgTime(i)
		}
	}
	return ex.msgTime(0)
}

// pendOf returns the child SA offer of the exchange, if any.
func (ex *exRec) pendOf() *pending {
	return ex.extraOrEmpty().pend
}

// childOf returns the child SA the exchange created, if any.
func (ex *exRec) childOf() *ChildSA {
	return ex.extraOrEmpty().child
}

// cmsg is the compact form of a Message kept while its SA is open: 24
// octets, so that an exRec with two inline fits 80. What does not fit the
// narrow fields (a time offset beyond ±35 minutes or not a whole number of
// microseconds beyond ±2 seconds, a frame number from 2^32, a Length over
// 65535, which no IKE message sent over UDP or TCP has, a fragment number
// or total from fragWide on, a summary the analyzer's table had no room
// for) goes to the exchange's exOdd, flagged (or, for the last two, as
// fragWide and textSpilled).
type cmsg struct {
	hash uint64 // fingerprint for retransmit detection
	// off is the time as an offset from the exchange's start, in
	// nanoseconds, or microseconds with cmsgMicros (see cmsgExactTime).
	off      int32
	frame    uint32 // see cmsgExactFrame
	size     uint16 // Message.Size; see cmsgExactSize
	payloads textID // Message.Payloads (Analyzer.texts); see exRec.text
	flags    uint8
	label    uint8 // IKEv1: index of the message in its exchange
	// fragNum and fragTotal are the fragment's number and total (0: not a
	// fragment), up to fragWide, which stands for a value from fragWide
	// on, exact in exOdd (exRec.frag). A value saturates rather than
	// being cut, so that tests against 0 and 1 (copyKey) read them as
	// they are.
	fragNum, fragTotal uint8
}

// fragment reports whether c is a fragment: IKEv2 SKF (number and total)
// or IKEv1 (a number; a total only on the last).
func (c *cmsg) fragment() bool { return c.fragNum != 0 || c.fragTotal != 0 }

// fragWide in cmsg.fragNum or fragTotal says that the value, fragWide or
// more, is in the exchange's exOdd.
const fragWide = 0xFF

// narrowFrag returns v as cmsg.fragNum or fragTotal hold it.
func narrowFrag(v uint16) uint8 {
	return uint8(min(v, fragWide))
}

// cmsg flags.
const (
	cmsgResponder  = 1 << iota // sent by the responder of the IKE SA
	cmsgResponse               // Message.Response
	cmsgRetransmit             // Message.Retransmit
	cmsgLabeled                // IKEv1: Label is v1Label of label
	cmsgExactTime              // the time is in the exchange's exOdd.times
	cmsgExactFrame             // the frame number is in the exchange's exOdd.frames
	cmsgMicros                 // off counts microseconds
	cmsgExactSize              // the size is in the exchange's exOdd.frames
)

// side returns the side that sent m.
func (m *cmsg) side() saSide {
	if m.flags&cmsgResponder != 0 {
		return sideR
	}
	return sideI
}

// text returns the payload summary (Message.Payloads) of the i-th
// message of ex; tab is the analyzer's table of summaries.
func (ex *exRec) text(i int, tab *textTab) string {
	if id := ex.msg(i).payloads; id != textSpilled {
		return tab.texts[id]
	}
	if x, ok := ex.exact(i, exactText); ok {
		return x.text
	}
	return ""
}

// exact returns what ex's exOdd keeps of kind what for its i-th message.
func (ex *exRec) exact(i int, what exactWhat) (exactFrame, bool) {
	if ex.xr == nil {
		return exactFrame{}, false
	}
	return exactFrameOf(ex.oddOrEmpty().frames, i, what)
}

// frag returns the fragment number and total of the i-th message of ex
// (0, 0: not a fragment).
func (ex *exRec) frag(i int) (num, total uint16) {
	c := ex.msg(i)
	num, total = uint16(c.fragNum), uint16(c.fragTotal)
	if num == fragWide {
		if x, ok := ex.exact(i, exactFragNum); ok {
			num = uint16(x.v)
		}
	}
	if total == fragWide {
		if x, ok := ex.exact(i, exactFragTotal); ok {
			total = uint16(x.v)
		}
	}
	return num, total
}

// keepExact keeps in ex's exOdd what the i-th message's narrow fields
// cannot hold (before add appends the message: the caller checks that it
// will be kept).
func (ex *exRec) keepExact(i int, what exactWhat, v int, text string) {
	o := ex.oddState()
	o.frames = append(o.frames, exactFrame{i: i, v: v, what: what, text: text})
}

func (m *cmsg) response() bool   { return m.flags&cmsgResponse != 0 }
func (m *cmsg) retransmit() bool { return m.flags&cmsgRetransmit != 0 }

// nmsgs returns the number of messages of ex.
func (ex *exRec) nmsgs() int {
	if ex.xr == nil {
		return ex.nInline()
	}
	return ex.nInline() + len(ex.xr.more)
}

// msg returns the i-th message of ex in compact form.
func (ex *exRec) msg(i int) *cmsg {
	if i < len(ex.inline) {
		return &ex.inline[i]
	}
	return &ex.xr.more[i-len(ex.inline)]
}

// frame returns the frame number of the i-th message of ex.
func (ex *exRec) frame(i int) int {
	c := ex.msg(i)
	if c.flags&cmsgExactFrame != 0 {
		if x, ok := ex.exact(i, exactFrameNo); ok {
			return x.v
		}
	}
	return int(c.frame)
}

// msgTime returns the time of the i-th message of ex.
func (ex *exRec) msgTime(i int) time.Time {
	c := ex.msg(i)
	if c.flags&cmsgExactTime != 0 {
		ts := ex.oddOrEmpty().times
		// ts is in message order (add appends as messages come): a binary
		// search keeps the conclusion's walks over an exchange of many
		// messages linear, not quadratic, in those messages.
		if k, ok := slices.BinarySearchFunc(ts, i, func(x exactTime, i int) int { return cmp.Compare(x.i, i) }); ok {
			return ts[k].t
		}
	}
	d := time.Duration(c.off)
	if c.flags&cmsgMicros != 0 {
		d *= time.Microsecond
	}
	return ex.start().Add(d)
}

// msgSize returns the size (Message.Size) of the i-th message of ex.
func (ex *exRec) msgSize(i int) int {
	c := ex.msg(i)
	if c.flags&cmsgExactSize != 0 {
		if x, ok := ex.exact(i, exactSize); ok {
			return x.v
		}
	}
	return int(c.size)
}

// label returns the Label of the i-th message of ex (Message.Label),
// shared when it is in v1LabelTab.
func (ex *exRec) label(i int) string {
	if c := ex.msg(i); c.flags&cmsgLabeled != 0 {
		return sharedV1Label(ex.Type, c.label)
	}
	return ""
}

// labelKey tells the Labels of ex's messages apart without building them
// (retransmitGroups groups the messages of an exchange by it): two
// messages of ex have the same Label exactly when their keys are equal.
// 0 stands for "": no label, or an exchange type v1Label gives none;
// otherwise the key is 1 + the message number, v1Label being one-to-one
// in it for a given type.
func (ex *exRec) labelKey(c *cmsg) int {
	if c.flags&cmsgLabeled == 0 || !slices.Contains(v1LabelTypes[:], ex.Type) {
		return 0 // v1Label gives "" for the types not in v1LabelTypes
	}
	return 1 + int(c.label)
}

// add appends m, the i-th message of ex (i = ex.nmsgs()), received in frame
// at t, size octets long (its header's Length): past the inline ones in
// ex's exRare, what its narrow fields cannot hold in ex's exOdd.
func (ex *exRec) add(m *cmsg, frame int, t time.Time, size uint32) {
	i := ex.nmsgs()
	if i >= MaxExchangeMessages {
		ex.oddState().omitted++ // counted, not kept: see MaxExchangeMessages
		return
	}
	start := ex.start()
	d := tsub(t, start)
	switch {
	case start.Add(d) != t: // Sub saturated
		ex.exactTime(m, i, t)
	case d == time.Duration(int32(d)):
		m.off = int32(d)
	case d%time.Microsecond == 0 && d/time.Microsecond == time.Duration(int32(d/time.Microsecond)):
		m.off = int32(d / time.Microsecond)
		m.flags |= cmsgMicros
	default:
		ex.exactTime(m, i, t)
	}
	m.frame = uint32(frame)
	if int(m.frame) != frame {
		m.flags |= cmsgExactFrame
		ex.keepExact(i, exactFrameNo, frame, "")
	}
	m.size = uint16(size)
	if uint32(m.size) != size {
		m.flags |= cmsgExactSize
		ex.keepExact(i, exactSize, int(size), "")
	}
	if n := ex.nInline(); n < len(ex.inline) {
		ex.inline[n] = *m
		ex.bits++ // the count is the low bits
		return
	}
	r := ex.rare()
	r.more = append(r.more, *m)
}

// exactTime keeps t, the time of m, the i-th message of ex, in ex's exOdd.
func (ex *exRec) exactTime(m *cmsg, i int, t time.Time) {
	m.flags |= cmsgExactTime
	o := ex.oddState()
	o.times = append(o.times, exactTime{i, t})
}

// setError sets the Error of the exchange.
func (ex *exRec) setError(err string) { ex.rest().err = err }

// errorOf returns the Error of the exchange.
func (ex *exRec) errorOf() string { return ex.restOrEmpty().err }

// sync brings out, ex's Exchange, up to date, building it when nil, and
// returns it: the reported fields, and the messages not yet rendered.
func (ex *exRec) sync(out *Exchange, tab *textTab) *Exchange {
	if out == nil {
		out = &Exchange{}
		ex.build(out, nil, nil, tab)
		return out
	}
	out.Answered, out.RTT, out.Retransmits, out.Error = ex.Answered, ex.rttMs(), ex.retransmits(), ex.errorOf()
	out.MessagesOmitted = ex.omittedMsgs()
	n := ex.nmsgs()
	have := len(out.Messages)
	if out.Messages != nil && have == n {
		return out
	}
	if out.Messages == nil {
		out.Messages = make([]*Message, 0, n)
	}
	ex.render(out, make([]Message, n-have), tab)
	return out
}

// build fills out, a zero Exchange, with ex and all its messages, taking
// the messages from block and the pointers from ptrs when they are long
// enough (len and cap ex.nmsgs(); saState.view carves them from one
// allocation per SA), else allocating them.
func (ex *exRec) build(out *Exchange, block []Message, ptrs []*Message, tab *textTab) {
	*out = Exchange{Type: ex.Type, MID: ex.MID, From: ex.side.String(), Start: ex.start(),
		Answered: ex.Answered, RTT: ex.rttMs(), Retransmits: ex.retransmits(), Error: ex.errorOf(),
		MessagesOmitted: ex.omittedMsgs()}
	n := ex.nmsgs()
	if len(block) < n || cap(ptrs) < n {
		block, ptrs = make([]Message, n), make([]*Message, 0, n)
	}
	out.Messages = ptrs[:0:n]
	ex.render(out, block[:n], tab)
}

// omittedMsgs returns the number of messages of ex not kept
// (Exchange.MessagesOmitted).
func (ex *exRec) omittedMsgs() int {
	if ex.xr == nil {
		return 0
	}
	return ex.oddOrEmpty().omitted
}

// render appends to out.Messages the messages of ex from len(out.Messages)
// on, storing them in block (one element per message rendered); tab is
// the analyzer's table of payload summaries.
func (ex *exRec) render(out *Exchange, block []Message, tab *textTab) {
	have := len(out.Messages)
	for i := have; i < have+len(block); i++ {
		c := ex.msg(i)
		m := &block[i-have]
		*m = Message{Frame: ex.frame(i), Time: ex.msgTime(i), From: c.side().String(), Response: c.response(),
			Size: ex.msgSize(i), Payloads: ex.text(i, tab), Retransmit: c.retransmit()}
		if c.fragTotal > 0 {
			m.Fragment = sharedFragLabel(ex.frag(i))
		} else if c.fragNum > 0 { // an IKEv1 fragment other than the last: no total on the wire
			m.Fragment = v1FragLabel(ex.frag(i))
		}
		if c.flags&cmsgLabeled != 0 {
			m.Label = sharedV1Label(ex.Type, c.label)
		}
		out.Messages = append(out.Messages, m)
	}
}

// The labels of most messages ("MM3", "QM1", fragment "2/4") come from
// these tables, built once by v1Label and fragLabel, so that render hands
// out shared strings instead of building one per message when an SA is
// finalised (tens of thousands of messages in a big capture).
const (
	labelTabN = 16 // IKEv1 message numbers 0-15
	fragTabN  = 16 // fragment totals up to 16
)

var (
	v1LabelTypes = [...]dissect.ExchangeType{dissect.ExchangeIdentityProtect, dissect.ExchangeAggressive,
		dissect.ExchangeQuickMode, dissect.ExchangeTransaction}
	v1LabelTab   [len(v1LabelTypes)][labelTabN]string
	fragLabelTab [fragTabN + 1][fragTabN + 1]string // [total][num]
)

func init() {
	for i, t := range v1LabelTypes {
		for n := range labelTabN {
			v1LabelTab[i][n] = v1Label(t, uint8(n))
		}
	}
	for total := 0; total <= fragTabN; total++ {
		for num := 0; num <= total; num++ {
			fragLabelTab[total][num] = fragLabel(uint16(num), uint16(total))
		}
	}
}

// sharedV1Label returns v1Label(t, n), from v1LabelTab when it is there.
func sharedV1Label(t dissect.ExchangeType, n uint8) string {
	if n < labelTabN {
		for i, lt := range v1LabelTypes {
			if lt == t {
				return v1LabelTab[i][n]
			}
		}
	}
	return v1Label(t, n)
}

// sharedFragLabel returns fragLabel(num, total), from fragLabelTab when it
// is there.
func sharedFragLabel(num, total uint16) string {
	if total <= fragTabN && num <= total {
		return fragLabelTab[total][num]
	}
	return fragLabel(num, total)
}

// exactFrameOf returns what fs, the exchange's exOdd.frames, keeps of
// kind what for message i. add and Analyzer.appendMsg append them in
// message order (a message's before the next one's): a binary search, so
// that walks over every message of an exchange stay linear in its
// messages.
func exactFrameOf(fs []exactFrame, i int, what exactWhat) (exactFrame, bool) {
	k, _ := slices.BinarySearchFunc(fs, i, func(x exactFrame, i int) int { return cmp.Compare(x.i, i) })
	for ; k < len(fs) && fs[k].i == i; k++ {
		if fs[k].what == what {
			return fs[k], true
		}
	}
	return exactFrame{}, false
}
