package flows

import (
	"net/netip"
	"slices"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// saSide is one end of an IKE SA: the direction a message or exchange
// came from, and the index of per-side state.
type saSide uint8

// Sides of an IKE SA.
const (
	sideI saSide = 0 // original initiator
	sideR saSide = 1 // original responder
)

// String returns "initiator" or "responder".
func (s saSide) String() string {
	if s == sideI {
		return "initiator"
	}
	return "responder"
}

// other returns the opposite side.
func (s saSide) other() saSide { return 1 - s }

// flipIf returns the other side when flip is true, else s.
func (s saSide) flipIf(flip bool) saSide {
	if flip {
		return s.other()
	}
	return s
}

// saKey identifies an IKE SA in the analyzer's index.
type saKey struct {
	i, r dissect.SPI
	v    uint8
}

// halfKey finds an IKE SA from a message whose responder SPI is still zero.
type halfKey struct {
	i dissect.SPI
	v uint8
}

// saFlags are the yes-or-no facts of an SA's working state, one bit each
// (saState.flags): 2 octets instead of a bool's octet for each of 12.
type saFlags uint16

// saFlags bits.
const (
	flHasEst    saFlags = 1 << iota // estNs holds SA.Established
	flWideTimes                     // the times are in saWide (widen)
	flHalf                          // registered in the half-open index
	flKeyed                         // keyR is an index entry
	flInLRU                         // in the idle list (prev, next)
	flListed                        // already collected by Finish
	// flFromStart: the first message seen was the initial request (MID 0
	// IKE_SA_INIT, MM1 or AM1), or the SA was created by a rekey, so MIDs
	// are known from zero.
	flFromStart
	// flKeyRMoved: the responder SPI of the SA's first index entry (keyR)
	// is in saMore.keyR, SPIr having changed since (setSPIr).
	flKeyRMoved
	// flSeenI and flSeenR (flSeenI << side): a request from that side of
	// an IKEv2 SA was seen (seen).
	flSeenI
	flSeenR
	// flReqFromR and flReqAny: the first request held in saRare (cert.go,
	// firstReq) was sent by the responder, and one had no authority.
	flReqFromR
	flReqAny
	// flWindow: a decrypted SET_WINDOW_SIZE above 1 (RFC 7296 §2.3): a
	// requester may have several requests outstanding, so a later one
	// does not show that an earlier one was answered (laterRequest).
	flWindow
	// flTCP: an IKE message of the SA came over TCP (RFC 8229).
	flTCP
	// flParked: idle, but out of the idle list until the IKE SA that
	// holds its child SAs is finalised (heirs.go, park).
	flParked
	// flHalfChild: a child SA was answered whose request the capture
	// lacks, its requester's SPI unknown (childAnswer; halfChild).
	flHalfChild
)

// has reports whether every bit of b is set.
func (f saFlags) has(b saFlags) bool { return f&b == b }

// set sets the bits of b.
func (f *saFlags) set(b saFlags) { *f |= b }

// clear clears the bits of b.
func (f *saFlags) clear(b saFlags) { *f &^= b }

// put sets the bits of b when v, else clears them.
func (f *saFlags) put(b saFlags, v bool) {
	if v {
		f.set(b)
	} else {
		f.clear(b)
	}
}

// seen reports whether a request from side s of an IKEv2 SA was seen.
func (st *saState) seen(s saSide) bool { return st.flags.has(flSeenI << s) }

// expectMID records a request from side s, whose next request is expected
// with message ID next.
func (st *saState) expectMID(s saSide, next uint32) {
	st.mids[s] = next
	st.flags.set(flSeenI << s)
}

// resetMIDs forgets what the sides' requests were (an RFC 6311 sync).
// What they announced in IKE_SA_INIT (hashAlgs) stays: a sync changes
// message IDs only.
func (st *saState) resetMIDs() {
	st.mids = [2]uint32{}
	st.flags.clear(flSeenI | flSeenR)
}

// recentLen is how many recent exchanges are searched when pairing.
const recentLen = 16

// saState is the analyzer's working state for one IKE SA.
//
// Why the exported model is not kept here while the SA is open: an SA
// (408 octets, with time.Time and netip.AddrPort fields and strings) is
// built only when the SA is looked up (a snapshot, Analyzer.Lookup) or
// finalised (saState.snapshot, before conclude), because a capture can hold
// hundreds of thousands of SAs open at once. Until then the fields below
// hold what the analysis writes: times in Unix nanoseconds, addresses in
// 14 octets (peerPair), the IKEv1 mode as a number, and what few SAs need (rekey
// links, exchanges omitted, times or addresses that the compact forms
// cannot hold exactly) in saRare and saWide. sawork.go has their
// accessors.
type saState struct {
	// fin holds the exported model and the findings (saFin); nil while
	// the SA has neither.
	fin *saFin

	// SPIi, SPIr and Encrypted are those of SA while it is open, prop
	// (below) its Proposal (proposal); its ChildSAs are in saAux
	// (childSAs) and its Findings in saFin (findings).
	SPIi, SPIr dissect.SPI
	// startNs, endNs and estNs are SA.Start, End and Established in Unix
	// nanoseconds (estNs only with flHasEst), unless flWideTimes: then they
	// are in saWide (see widen).
	startNs, endNs, estNs int64
	// first (with nkept), ex3 and saAux.exMore are the records of
	// SA.Exchanges (which sync builds from them): exAt, nexs (exlist.go).
	// The last recentLen exchanges are the last of them until one is
	// omitted (Options.MaxExchanges); saMore.ring holds them from then on.
	ex3 *exRec

	prev *saState
	next *saState
	// The SA's last activity (capture time), the LRU order, is end().

	// lastInf is the latest child SA inferred from ESP (inferred.go), its
	// record's index in Analyzer.infs, 0 when none.
	lastInf uint32
	// natPorts are the UDP ports (initiator's, responder's) of the SA's
	// latest IKE message off port 500 (NAT-T, RFC 3948: its ESP-in-UDP
	// uses them too); zero until one (notePorts).
	natPorts [2]uint16 // in the padding after lastInf
	// *aux holds what some open SAs need (saAux); nil until auxState is
	// called.
	aux *saAux

	// *saRare holds what most SAs never need; nil until rare() is
	// called (conclude points it at noRare when still nil).
	*saRare

	// The fields from out to done, of 4-, 2- and 1-octet alignment, come
	// after the pointers and 8-octet fields, so that no padding follows
	// them: saAlloc is 320 octets, the 320 size class, with not one octet
	// to spare: a field more takes the 352 class, 32 octets more per open
	// SA (TestSAAllocSize). flags has no bit free (out has some).

	// out is what the negotiation has shown so far (outcome.go).
	out outcome
	// firstF and lastF are SA.FirstFrame and LastFrame (firstFrame,
	// lastFrame), or frameWide and 0 when they are in saWide (setFrames).
	firstF, lastF uint32
	// mids are the message IDs of the next request expected from each
	// side of an IKEv2 SA (once seen; expectMID).
	mids      [2]uint32
	natFrames frameList // frames of the NAT detection findings (nat.go; overflow in saMore)
	keGroups  dhList    // groups of successive IKE_SA_INIT KE payloads (overflow in saMore)
	// prop is SA.Proposal in the analyzer's table of texts (proposal):
	// 2 octets, not a string's 16.
	prop textID
	// offer is the initiator's IKE proposals (latest IKE_SA_INIT request),
	// the proposal cache's entry of that number (Analyzer.offeredOf,
	// ikeOffer); 0: none, or in saMore.offered when the cache had no room.
	offer uint16
	flags saFlags
	peers peerPair // SA.Initiator and Responder (with auxExt.peer6)
	// hashAlgs are the RFC 7427 hash algorithms each side announced in
	// IKE_SA_INIT as a bit set (hashBits, cert.go), so that SAs without
	// certificates allocate nothing for them.
	hashAlgs  [2]uint8
	Version   uint8
	mode      v1Mode // SA.Mode
	Encrypted bool
	nfirst    uint8 // records of first taken (newExchange)
	nkept     uint8 // records of first kept (exlist.go)
	done      bool

	// first are the records of the SA's first exchanges (newExchange).
	first [2]exRec
}

// saFin holds an SA's exported model and its findings.
//
// Why they share one allocation: while an SA is open it has neither
// unless a Lookup built a snapshot or a finding was recorded (big100k:
// 9,091 of 99,991 open SAs had findings, none a snapshot; big1m: 11,864
// of 130,918), and finalize gives every SA its model. One pointer in
// saState instead of two is 8 octets fewer for every open SA, for 16 more
// for those with findings.
type saFin struct {
	// sa is the exported model: nil while the SA is open until a Lookup
	// builds a snapshot (refreshed by later ones, so that a live display
	// follows one *SA throughout); finalize builds it before conclude,
	// which writes the conclusion (State, NAT, Keys, Findings, ...) to it.
	sa *SA
	// *fnd is SA.Findings (findings; nil: none yet), behind a pointer
	// that conclude points at its buffer, then at SA.Findings.
	fnd *[]Finding
}

// model returns the SA's exported model (nil: none built yet).
func (st *saState) model() *SA {
	if st.fin == nil {
		return nil
	}
	return st.fin.sa
}

// finState returns st's saFin, allocating it, for writing.
func (st *saState) finState() *saFin {
	if st.fin == nil {
		st.fin = new(saFin)
	}
	return st.fin
}

// saRare is the part of an SA's working state that most SAs never use.
//
// Why it is split in three: the SAs that need some of it are not few in a
// real mix (every SA with certificates or signatures holds its certState
// here, every SA whose IKE_AUTH response was too small its frame), and
// what most of them need is a pointer or a frame number; the links of
// rekeyed and replaced SAs are in saLinks, the lists of errors and weak
// algorithms, which only SAs with such problems need, in saOdd. 48
// octets instead of 144 (336 before saOdd) for each of those SAs: 36,346
// of big100k's 100,000, of which at most 9,070 have links.
//
// reqKeys and reqFrame hold the one IKEv2 CERTREQ most SAs with
// certificate facts have seen while open (the responder's, in
// IKE_SA_INIT), so that those (big100k: 20,457) need no certState (24
// octets) and peerCerts (64) for it (cert.go, firstReq).
//
// Why it is 48 octets and not 64: the CERTREQ's flags are in saState's
// flags (flReqFromR, flReqAny), its frame and authTiny in 4 octets each,
// and saWide, which no SA read from a capture needs, hangs from saMore.
// Of big100k's 36,346 open SAs with an saRare 20,457 hold a CERTREQ, 9,092
// an authTiny, 9,070 links, 2,273 an saMore, 0 an saWide (big1m: 47,536
// with an saRare): 16 octets fewer each.
type saRare struct {
	more *saMore    // index and exchange overflow; nil until needed
	cert *certState // identities and certificates (cert.go)
	// reqKeys and reqFrame are the SA's IKEv2 CERTREQs while they are all
	// it has of cert (cert.go, firstReq); reqFrame 0: none.
	reqKeys  *caKeys
	reqFrame uint32
	// authTiny is the frame of an encrypted IKE_AUTH response too small to
	// authenticate (authTinyFrame), frameWide when in saWide.
	authTiny uint32
	// *saOdd is never nil: &noOdd until odd() allocates one, so that its
	// fields read as those of saRare; write them only through odd().
	*saOdd
	// *saLinks is never nil: &noLinks until links() allocates one; write
	// its fields only through links().
	*saLinks
}

// saLinks is the part of an SA's rare state that rekeyed and replaced
// SAs need.
//
// The SAs it links are kept by their SPIs, their names (SA.RekeyedFrom and
// RekeyedTo, "SPIi/SPIr") built when the SA is looked up or finalised: 48
// octets fewer for each end of a rekey than the name (big100k: 4,526 open
// SAs hold one).
type saLinks struct {
	rekeyKeys  []saKey // SPIs of expected replacements
	replacedBy int     // first frame of a fresh IKE SA between the same peers started while this one was up
	replacedAt time.Time
	// replacerUp is when that fresh IKE SA was established, in Unix
	// nanoseconds (0: not yet, or not representable): sawThrough.
	replacerUp int64
	// rekeyedFrom and rekeyedTo are the SPIs (SPIi, SPIr) of the SAs of
	// SA.RekeyedFrom and RekeyedTo, when hasFrom and hasTo.
	rekeyedFrom, rekeyedTo [2]dissect.SPI
	replacedFrom           bool // the IKE SA of replacedBy was started by this SA's initiator
	hasFrom, hasTo         bool
	// fromFlip says whether this SA's initiator is the responder of the
	// SA it replaced (the requester of an IKE rekey becomes the new SA's
	// initiator, RFC 7296 §2.18): 0 unknown (an inferred rekey), 1 no,
	// 2 yes.
	fromFlip uint8
}

// setRekeyedFrom records that st replaced old (SA.RekeyedFrom).
func (st *saState) setRekeyedFrom(old *saState) {
	l := st.links()
	l.rekeyedFrom, l.hasFrom = [2]dissect.SPI{old.SPIi, old.SPIr}, true
}

// setRekeyedTo records that nw replaced st (SA.RekeyedTo).
func (st *saState) setRekeyedTo(nw *saState) {
	l := st.links()
	l.rekeyedTo, l.hasTo = [2]dissect.SPI{nw.SPIi, nw.SPIr}, true
}

// spiName returns the name of the IKE SA with these SPIs, as
// saState.name does.
func spiName(i, r dissect.SPI) string { return i.String() + "/" + r.String() }

// rekeyNames returns SA.RekeyedFrom and RekeyedTo.
func (l *saLinks) rekeyNames() (from, to string) {
	if l.hasFrom {
		from = spiName(l.rekeyedFrom[0], l.rekeyedFrom[1])
	}
	if l.hasTo {
		to = spiName(l.rekeyedTo[0], l.rekeyedTo[1])
	}
	return from, to
}

// noLinks is the shared, never modified, empty saLinks of the saRare that
// needed none.
var noLinks saLinks

// links returns st's saLinks, allocating it (and its saRare), for writing.
func (st *saState) links() *saLinks {
	r := st.rare()
	if r.saLinks == &noLinks {
		r.saLinks = new(saLinks)
	}
	return r.saLinks
}

// saOdd is the part of an SA's rare state that only SAs with errors,
// weak algorithms or many findings need.
//
// Why its lists hang from it: most SAs with an saOdd hold one thing in it,
// and that is seldom a list. Of big100k's 16,668 open SAs with one (at
// Finish), 7,248 had ambiguous child SAs, 6,520 ICMP errors, 1,450 EAP, and
// 1,450 a list (725 INVALID_KE, 725 a moved peer). With the nine lists in
// it saOdd was 280 octets (the 288 size class); without them it is 72 (the
// 80 class), and the SAs with a list pay 224 more (TestSAOddSmall). The
// live heap when Finish starts concluding (its indexes dropped) fell from
// 79.9 to 76.9 MiB there, and analyze --format json's max RSS from
// 119.2-120.6 to 115.7-117.6 MiB (10 runs of each, alternating).
type saOdd struct {
	eap     *eapState  // IKE_AUTH over several exchanges (eap.go); nil until needed
	icmp    *icmpSeen  // ICMP destination unreachables about its datagrams (icmp.go)
	cleared *clearedBy // a new IKE SA with INITIAL_CONTACT ended it (abandon.go, initialContact); nil when none
	// ambiguous are the inferred child SAs whose ESP another IKE SA
	// between the same addresses and ports could own (ambiguous.go).
	ambiguous []ambiguousChild
	// ownESPNs is the time of the latest ESP packet, from the first
	// ambiguous record on, of its child SAs without one (and before that
	// the SA's last activity), in Unix nanoseconds (ambiguousESP).
	ownESPNs int64
	// fidx indexes the findings by what makes a repeat (repeatOf), once
	// the SA has indexFindingsFrom of them; nil until then.
	fidx map[findingKey]int
	// *oddLists is never nil: &noLists until lists() allocates one, so
	// that its fields read as those of saRare; write them only through
	// lists().
	*oddLists
}

// oddLists are the lists of an saOdd: frames and values of what went
// wrong, which few SAs have.
type oddLists struct {
	invalidKE      []int             // frames of INVALID_KE_PAYLOAD responses
	invalidKEGroup []dissect.DHGroup // the groups they asked for
	malformed      []int             // frames that did not decode cleanly
	malformedWhy   string            // where the first of them stopped decoding (malformedAt)
	malformedCut   int               // how many of them the capture cut short (Packet.Cut)
	weak           []weakAlg         // weak algorithms negotiated
	weakFrames     []int
	weakWhat       []string
	badFlags       []int       // frames of messages with reserved header flags set
	badFlagVals    []uint8     // their flags octets
	moved          []movedPeer // new addresses of its peers (MOBIKE, RFC 4555), under which its child SAs are indexed too (mobike.go)
}

// noOdd is the shared, never modified, empty saOdd of the saRare that
// needed none.
var noOdd = saOdd{oddLists: &noLists}

// noLists is the shared, never modified, empty oddLists of the saOdd that
// needed none.
var noLists oddLists

// odd returns st's saOdd, allocating it (and its saRare), for writing
// its own fields; its lists are written through lists().
func (st *saState) odd() *saOdd {
	r := st.rare()
	if r.saOdd == &noOdd {
		r.saOdd = &saOdd{oddLists: &noLists}
	}
	return r.saOdd
}

// lists returns st's oddLists, allocating it (and its saOdd and saRare),
// for writing.
func (st *saState) lists() *oddLists {
	o := st.odd()
	if o.oddLists == &noLists {
		o.oddLists = new(oddLists)
	}
	return o.oddLists
}

// saWide holds an SA's times when flWideTimes, its frames when
// saState.firstF is frameWide, its authTiny when saRare.authTiny is and
// its addresses of kind peerZoned: what no SA read from a capture needs.
type saWide struct {
	start, end, established time.Time
	zoned                   [2]netip.AddrPort
	first, last             int // SA.FirstFrame and LastFrame
	authTiny                int // saRare.authTiny when frameWide
}

// noWide is the shared, never modified, empty saWide.
var noWide saWide

// wideOrEmpty returns st's saWide for reading (noWide when none).
func (st *saState) wideOrEmpty() *saWide {
	if w := st.moreOrEmpty().wide; w != nil {
		return w
	}
	return &noWide
}

// wideState returns st's saWide, allocating it (and its saMore and
// saRare).
func (st *saState) wideState() *saWide {
	m := st.moreState()
	if m.wide == nil {
		m.wide = new(saWide)
	}
	return m.wide
}

// authTinyFrame returns the frame of an encrypted IKE_AUTH response too
// small to authenticate (0: none).
func (st *saState) authTinyFrame() int {
	switch t := st.rareOrEmpty().authTiny; t {
	case frameWide:
		return st.wideOrEmpty().authTiny
	default:
		return int(t)
	}
}

// lastInTime reports whether the IKE message in frame is the last of st
// in time: none of its messages and none of its ESP came later. Frame
// numbers do not tell: a capture's frames may be out of time order
// (merged files, several capture queues), so the one with the highest
// number may have been sent before others. Reports false when st holds
// no message in frame.
func (st *saState) lastInTime(frame int) bool {
	t, ok := st.msgTimeAt(frame)
	return ok && !t.Before(st.model().End)
}

// msgTimeAt returns the time of st's IKE message in frame (false when st
// holds none there). A walk over the SA's messages, for the conclusion's
// few questions of order, which must be asked of times, not frame
// numbers: frames out of time order in the file are analysed in time
// order.
func (st *saState) msgTimeAt(frame int) (time.Time, bool) {
	for i := range st.nexs() {
		ex := st.exAt(i)
		for j := range ex.nmsgs() {
			if ex.frame(j) == frame {
				return ex.msgTime(j), true
			}
		}
	}
	return time.Time{}, false
}

// setAuthTiny sets authTinyFrame to f (in saWide unless 0 <= f <
// frameWide).
func (st *saState) setAuthTiny(f int) {
	r := st.rare()
	if f >= 0 && f < frameWide {
		r.authTiny = uint32(f)
		return
	}
	r.authTiny = frameWide
	st.wideState().authTiny = f
}

// saAux is what some open SAs need, and every open SA paid 40 octets for
// in saState: the exchange records from the fourth on (the SAs with four
// exchanges or more: one in five in a real mix), the child SAs while it is
// open (an SA without keys counts them in infChild records until it is
// looked up or finalised, and at finalisation they go to SA.ChildSAs
// directly: childSAs), an IKEv1 SA's v1State, and in auxExt the IPv6
// addresses of its peers and the tally of what the Decryptor said (keyed
// SAs). One pointer (8 octets) in saState; 64 octets (the 64 class,
// TestSAAllocSize) for the SAs that need any of it.
//
// Why v1 is here: of the open IKEv1 SAs two in three already have an
// saAux (their exchanges are many: big100k 13,638 of 20,456, big1m 17,834
// of 26,810), so the 8 octets every open SA saved in saState cost 64 for
// the third that have none (big100k: 436 kB for the 800 kB saved). peer6
// and keyTally went to auxExt to make room: none of those open SAs has
// either (their captures are IPv4 and without keys).
type saAux struct {
	exMore []*exRec   // exchange records after ex3 (exlist.go)
	kids   []*ChildSA // SA.ChildSAs while open (childSAs)
	v1     *v1State   // IKEv1 SAs: their IKEv1 state (v1.go)
	ext    *auxExt    // nil until needed (extAux)
}

// auxExt is what only IPv6 SAs and keyed SAs need of saAux.
type auxExt struct {
	peer6    *[2][16]byte // IPv6 addresses of peers (peerPair)
	keyTally *[2]keyTally // what the Decryptor said, per sending side
}

// noAux is the shared, never modified, empty saAux.
var noAux saAux

// noAuxExt is the shared, never modified, empty auxExt.
var noAuxExt auxExt

// auxOrEmpty returns st's saAux for reading (noAux when none).
func (st *saState) auxOrEmpty() *saAux {
	if st.aux == nil {
		return &noAux
	}
	return st.aux
}

// auxState returns st's saAux, allocating it, for writing.
func (st *saState) auxState() *saAux {
	if st.aux == nil {
		st.aux = new(saAux)
	}
	return st.aux
}

// extOrEmpty returns x's auxExt for reading (noAuxExt when none).
func (x *saAux) extOrEmpty() *auxExt {
	if x.ext == nil {
		return &noAuxExt
	}
	return x.ext
}

// extAux returns st's auxExt, allocating it (and its saAux), for
// writing.
func (st *saState) extAux() *auxExt {
	x := st.auxState()
	if x.ext == nil {
		x.ext = new(auxExt)
	}
	return x.ext
}

// v1 returns an IKEv1 SA's v1State (nil: an IKEv2 SA).
func (st *saState) v1() *v1State { return st.auxOrEmpty().v1 }

// saMore is the part of an SA's rare state that even fewer SAs need.
type saMore struct {
	keys []saKey // index entries after the first (saState.keyR)
	// keyR is the first entry's responder SPI once SPIr differs from it
	// (flKeyRMoved).
	keyR dissect.SPI
	// natMore and keMore are the overflow of saState.natFrames and
	// keGroups (smalllists.go).
	natMore []int
	keMore  []dissect.DHGroup
	// proposal is SA.Proposal when the analyzer's table had no room for
	// it (saState.prop textSpilled).
	proposal string
	// offered is the initiator's IKE proposals when the proposal cache
	// had no room for them (saState.offer 0).
	offered []string
	// ring holds the last recentLen exchanges once one was omitted
	// (saState.exAt), omitted counts those (SA.ExchangesOmitted).
	ring    *[recentLen]*exRec
	omitted int
	// wide holds what the compact fields of saState and saRare cannot
	// (sawork.go); nil until needed.
	wide *saWide
}

// noMore is the shared, never modified, empty saMore.
var noMore saMore

// moreOrEmpty returns st's saMore for reading (noMore when none).
func (st *saState) moreOrEmpty() *saMore {
	if m := st.rareOrEmpty().more; m != nil {
		return m
	}
	return &noMore
}

// moreState returns st's saMore, allocating it (and its saRare).
func (st *saState) moreState() *saMore {
	r := st.rare()
	if r.more == nil {
		r.more = new(saMore)
	}
	return r.more
}

// noRare is the shared, never modified, empty saRare of SAs that needed
// none, so that the conclusion can read the fields.
var noRare = saRare{saOdd: &noOdd, saLinks: &noLinks}

// rare returns st's saRare, allocating it, for writing.
func (st *saState) rare() *saRare {
	if st.saRare == nil || st.saRare == &noRare {
		st.saRare = &saRare{saOdd: &noOdd, saLinks: &noLinks}
	}
	return st.saRare
}

// rareOrEmpty returns st's saRare for reading (noRare when none).
func (st *saState) rareOrEmpty() *saRare {
	if st.saRare == nil {
		return &noRare
	}
	return st.saRare
}

// keyR returns the responder SPI of the first index entry pointing at st
// (saKey{SPIi, keyR, Version}, when keyed); retries that changed the
// responder SPI add entries to saMore.keys (eachKey).
//
// Why it is not a field of its own: the first entry is made with SPIr
// (addKey follows newSA or setSPIr), and SPIr changes on a keyed SA only
// when an IKE_SA_INIT retry brings a new responder SPI; setSPIr then keeps
// the old one in saMore. 8 octets fewer in every open SA.
func (st *saState) keyR() dissect.SPI {
	if st.flags.has(flKeyRMoved) {
		return st.moreOrEmpty().keyR
	}
	return st.SPIr
}

// setSPIr sets SPIr to r, keeping the first index entry's responder SPI
// (keyR) when it changes.
func (st *saState) setSPIr(r dissect.SPI) {
	if st.flags.has(flKeyed) && !st.flags.has(flKeyRMoved) && st.SPIr != r {
		st.moreState().keyR = st.SPIr
		st.flags.set(flKeyRMoved)
	}
	st.SPIr = r
}

// eachKey calls fn with every index entry pointing at st.
func (st *saState) eachKey(fn func(saKey)) {
	if !st.flags.has(flKeyed) {
		return
	}
	fn(saKey{st.SPIi, st.keyR(), st.Version})
	for _, k := range st.moreOrEmpty().keys {
		fn(k)
	}
}

// noteWeak remembers weak algorithms of a negotiated proposal.
func (st *saState) noteWeak(w []weakAlg, frame int, what string) {
	if len(w) == 0 {
		return
	}
	r := st.lists()
	for _, x := range w {
		dup := false
		for _, y := range r.weak {
			if y.name == x.name {
				dup = true
			}
		}
		if !dup {
			r.weak = append(r.weak, x)
			r.weakWhat = append(r.weakWhat, what)
		}
	}
	if len(r.weakFrames) < maxNoted {
		r.weakFrames = append(r.weakFrames, frame)
	}
}

// touch records activity at time t in frame f.
func (st *saState) touch(t time.Time, f int) {
	first, last := st.firstFrame(), st.lastFrame()
	if first == 0 || f < first {
		first = f
	}
	if f > last {
		last = f
	}
	st.setFrames(first, last)
	if !st.flags.has(flWideTimes) {
		// Exact capture times compare as their Unix nanoseconds; the
		// start, from the SA's first packet, is never the zero time.
		if ns, ok := unixNano(t); ok {
			st.startNs = min(st.startNs, ns)
			st.endNs = max(st.endNs, ns)
			return
		}
		st.widen()
	}
	r := st.saRare.more.wide
	if r.start.IsZero() || t.Before(r.start) {
		r.start = t
	}
	if t.After(r.end) {
		r.end = t
	}
}

// addRecent remembers ex for pairing.
func (st *saState) addRecent(ex *exRec) {
	if m := st.moreOrEmpty(); m.ring != nil {
		m.ring[(st.nrecent()-1)%recentLen] = ex
	}
}

// nrecent returns the number of exchanges added to st (kept or omitted).
func (st *saState) nrecent() int { return st.nexs() + st.exchangesOmitted() }

// startRing moves the recent exchanges, the last records kept so far,
// into a ring, before the first exchange that is not kept.
func (st *saState) startRing() {
	if st.moreOrEmpty().ring != nil {
		return
	}
	r := st.moreState()
	r.ring = new([recentLen]*exRec)
	for j := max(0, st.nrecent()-recentLen); j < st.nrecent(); j++ {
		r.ring[j%recentLen] = st.exAt(j)
	}
}

// recentEx returns the k-th most recent exchange (1 ≤ k ≤
// min(nrecent, recentLen)).
func (st *saState) recentEx(k int) *exRec {
	if m := st.moreOrEmpty(); m.ring != nil {
		return m.ring[(st.nrecent()-k)%recentLen]
	}
	return st.exAt(st.nrecent() - k)
}

// pairKey returns the key of the SA's two peers.
func (st *saState) pairKey() pairKey {
	return makePairKey(st.initiator().Addr(), st.responder().Addr())
}

// findEx returns the most recent exchange whose request came from side with
// message ID mid and type t (any type when t is 0), or nil.
func (st *saState) findEx(side saSide, mid uint32, t dissect.ExchangeType) *exRec {
	return st.findRecent(func(ex *exRec) bool {
		return ex.side == side && ex.MID == mid && (t == 0 || ex.Type == t)
	})
}

// findRecent returns the most recent of the last recentLen exchanges that
// match accepts, or nil. It works out where they are once (every IKE
// message looks its exchange up through it), where recentEx does per
// exchange.
func (st *saState) findRecent(match func(*exRec) bool) *exRec {
	total := st.nrecent()
	ring := st.moreOrEmpty().ring
	for k := 1; k <= min(total, recentLen); k++ {
		var ex *exRec
		if ring != nil {
			ex = ring[(total-k)%recentLen]
		} else {
			ex = st.exAt(total - k)
		}
		if match(ex) {
			return ex
		}
	}
	return nil
}

// addFinding appends a finding to the SA.
//
// A finding that repeats one already recorded for the SA (same kind,
// severity and text, e.g. every unanswered DPD probe or every
// PAYLOAD-MALFORMED answer to a retransmitted MM5) is merged into it: one
// row naming all the frames, not one row per packet. It returns the index
// in SA.Findings of the finding recorded or merged into.
func (st *saState) addFinding(kind FindingKind, sev Severity, t time.Time, msg string, frames ...int) int {
	fs := st.findings()
	if i, ok := st.repeatOf(fs, findingKey{kind, sev, msg}); ok {
		f := &fs[i]
		f.Frames = mergeFrames(f.Frames, frames)
		if t.Before(f.Time) {
			f.Time = t
		}
		return i
	}
	f := st.finState()
	if f.fnd == nil {
		f.fnd = new([]Finding)
	}
	*f.fnd = append(fs, Finding{
		Kind: kind, Severity: sev, Frames: sortedFrames(frames), Time: t, Message: msg,
	})
	if idx := st.rareOrEmpty().fidx; idx != nil {
		idx[findingKey{kind, sev, msg}] = len(fs)
	}
	return len(fs)
}

// hasFinding reports whether st has a finding of kind k.
func (st *saState) hasFinding(k FindingKind) bool {
	for i := range st.findings() {
		if st.findings()[i].Kind == k {
			return true
		}
	}
	return false
}

// findingKey is what makes a finding a repeat of another (addFinding).
type findingKey struct {
	kind FindingKind
	sev  Severity
	msg  string
}

// indexFindingsFrom is the number of findings from which an SA looks its
// repeats up in a map (saRare.fidx) rather than comparing every finding.
// Most SAs end with a handful of findings; a hostile capture can give one
// SA tens of thousands of different ones (an IKEv1 error notify of every
// type, each under a new message ID), and comparing each new one with all
// before it was quadratic: 1.6 s for 16,000 notifies in a 1.8 MB capture.
const indexFindingsFrom = 16

// repeatOf returns the index in fs (the SA's findings) of the first
// finding with key k.
func (st *saState) repeatOf(fs []Finding, k findingKey) (int, bool) {
	if len(fs) < indexFindingsFrom {
		for i := range fs {
			if f := &fs[i]; f.Kind == k.kind && f.Severity == k.sev && f.Message == k.msg {
				return i, true
			}
		}
		return 0, false
	}
	r := st.odd()
	if r.fidx == nil {
		r.fidx = make(map[findingKey]int, len(fs))
		for i := range fs {
			f := &fs[i]
			if _, ok := r.fidx[findingKey{f.Kind, f.Severity, f.Message}]; !ok {
				r.fidx[findingKey{f.Kind, f.Severity, f.Message}] = i
			}
		}
	}
	i, ok := r.fidx[k]
	return i, ok
}

// findingsChanged drops the index of the SA's findings (repeatOf) after
// a finding's kind, severity or text was changed; it is built again when
// next needed.
func (st *saState) findingsChanged() {
	if r := st.rareOrEmpty(); r.fidx != nil {
		r.fidx = nil
	}
}

// sortedFrames returns frames ascending without duplicates or zeros, in a
// new slice.
func sortedFrames(frames []int) []int {
	out := make([]int, 0, len(frames))
	for _, f := range frames {
		if f > 0 {
			out = append(out, f)
		}
	}
	if !slices.IsSorted(out) {
		slices.Sort(out)
	}
	return slices.Compact(out)
}

// mergeFrames adds frames to into (ascending, without duplicates or zeros,
// as sortedFrames returns it, and owned by the finding that holds it) and
// returns the result, keeping that form.
//
// A finding merges one more frame each time a peer repeats itself (every
// unanswered DPD probe, every error notify), and a hostile capture can make
// that tens of thousands of times in one SA. So a frame is placed where it
// belongs in into, which grows like any append: frames come in the order
// the analysis reaches them, nearly always ascending, and then each goes at
// the end. Copying the list and sorting it again for every repeat, as this
// did, was quadratic: 9 s for 40,000 notifies in a 4.5 MB capture.
func mergeFrames(into []int, frames []int) []int {
	for _, f := range frames {
		if f <= 0 {
			continue
		}
		n := len(into)
		if n == 0 || into[n-1] < f {
			into = append(into, f)
			continue
		}
		if i, found := slices.BinarySearch(into, f); !found {
			into = slices.Insert(into, i, f)
		}
	}
	return into
}
