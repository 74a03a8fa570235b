package flows

import (
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// spi4 converts a 4-octet SPI.
func spi4(b []byte) ESPSPI {
	if len(b) != 4 {
		return 0
	}
	return ESPSPI(uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]))
}

// childOffer records the child SA (or IKE SA rekey) offer of a decrypted
// IKE_AUTH or CREATE_CHILD_SA request.
func (a *Analyzer) childOffer(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	prev := ex.pendOf()
	pd := &pending{}
	if len(f.sas) > 0 {
		props := decodeProposals(2, f.sas[0])
		for i := range props {
			props[i].spi = slices.Clone(props[i].spi)
		}
		pd.offered = props
		if len(props) > 0 {
			pd.proto = props[0].proto
			if props[0].proto == 1 && len(props[0].spi) == 8 {
				pd.ikeRekey = true
				pd.newSPI = dissect.SPI(props[0].spi)
			} else {
				pd.spi = spi4(props[0].spi)
			}
		}
		a.rememberOffer(p.Src.Addr(), pd.ikeRekey, summaries(2, props), p.Frame)
	}
	pd.tsi, pd.tsr = ikeTS(side, f, pd.tsi, pd.tsr)
	if n, ok := f.notify(uint16(dissect.NotifyRekeySA)); ok {
		pd.rekeyOf = spi4(n.spi)
	}
	pd.anotherAuth = f.hasNotify(uint16(dissect.NotifyAnotherAuthFollows))
	if ex.Type == dissect.ExchangeIKEAuth && side == sideI {
		if f.hasNotify(uint16(dissect.NotifyInitialContact)) {
			pd.initialContact = p.Frame
		}
		for _, id := range f.ids {
			if id.Type == dissect.PayloadIDi {
				pd.idi = max(a.hash(id.Body), 1) // 0 is "none read"
			}
		}
	}
	ex.extra().pend = pd
	switch {
	case pd.ikeRekey:
		ex.kind = exIKERekey
	case pd.rekeyOf != 0:
		ex.kind = exChildRekey
	case len(f.sas) > 0:
		ex.kind = exChildCreate
	}
	if prev != nil && prev.answered {
		a.completeChild(st, p, ex, pd, prev)
	}
}

// authOffer returns the child SA offer of an IKE_AUTH request of st other
// than ex's, one seen before its answer: with EAP, that of the first
// IKE_AUTH exchange, which the last one answers.
func authOffer(st *saState, ex *exRec) *pending {
	for i := range st.nexs() {
		x := st.exAt(i)
		if x == ex || x.Type != dissect.ExchangeIKEAuth {
			continue
		}
		if pd := x.pendOf(); pd != nil && !pd.answered && len(pd.offered) > 0 {
			return pd
		}
	}
	return nil
}

// ikeTS appends the traffic selectors of a CREATE_CHILD_SA or IKE_AUTH
// message (f) whose exchange requester is side to tsi and tsr, in the IKE
// SA's orientation: tsi the IKE SA initiator's, as ChildSA.SPIi is. On the
// wire TSi is the exchange requester's (RFC 7296 §2.9), which is the IKE
// SA's responder when that one rekeys or creates a child SA.
func ikeTS(side saSide, f *facts, tsi, tsr []string) ([]string, []string) {
	ini, resp := f.tsi, f.tsr
	if side == sideR {
		ini, resp = f.tsr, f.tsi
	}
	for _, t := range ini {
		tsi = append(tsi, tsStrings(t)...)
	}
	for _, t := range resp {
		tsr = append(tsr, tsStrings(t)...)
	}
	return tsi, tsr
}

// completeChild completes, from the offer pd of a request analysed after
// its answer (the capture has it timestamped later: files from two
// capture points whose clocks differ, merged), what childAnswer could not
// learn from the answer alone (ans, its record): the requester's SPI of
// the child SA (without it the ESP to the requester is not counted), the
// narrowing of the traffic selectors, the child SA a rekey replaces, and
// the new SPIs of an IKE SA rekey.
func (a *Analyzer) completeChild(st *saState, p *Packet, ex *exRec, pd, ans *pending) {
	if pd.ikeRekey {
		if !ans.ansIKE {
			return
		}
		k := saKey{pd.newSPI, ans.ansSPI, 2}
		if nw, _ := a.ix.find(2, k.i, k.r); nw != nil {
			// The new IKE SA is there already (the request came later
			// still): link it now, as its first message would have.
			if nw != st && !nw.rareOrEmpty().hasFrom && !st.out.has(outRekeyed) {
				a.linkRekey(st, nw, false, ans.ansTime, flipCode(ex.side == sideR))
			}
			return
		}
		a.expectRekey(k, st, ans.ansTime, ex.side)
		return
	}
	c := ex.childOf()
	if c == nil {
		return
	}
	if ex.side == sideI && c.SPIi == 0 {
		c.SPIi = pd.spi
	} else if ex.side == sideR && c.SPIr == 0 {
		c.SPIr = pd.spi
	}
	a.indexChild(st, c)
	a.narrowedFinding(st, c, pd, ex, p.Time, p.Frame)
	if pd.rekeyOf != 0 && c.RekeyOf == 0 {
		c.RekeyOf = pd.rekeyOf
		st.materialise(&a.infs)
		a.markRekeyed(st, ex.side, pd.rekeyOf, c)
	}
}

// markRekeyed marks rekeyed the child SA whose SPI of side (the
// requester's, as REKEY_SA names it) is spi: one of st's, else one that an
// IKE rekey moved to st (movedChildren). nw, the child SA that replaces
// it, is left alone.
func (a *Analyzer) markRekeyed(st *saState, side saSide, spi ESPSPI, nw *ChildSA) {
	found := false
	for _, old := range st.childSAs() {
		if old != nw && childHasSPI(old, side, spi) {
			old.State = ChildRekeyed
			found = true
		}
	}
	if found {
		return
	}
	a.movedChildren(st, func(old *ChildSA, flip bool) {
		if childHasSPI(old, side.flipIf(flip), spi) {
			old.State = ChildRekeyed
		}
	})
}

// narrowedFinding notes that the responder narrowed the traffic selectors
// of child SA c from the offer pd (RFC 7296 §2.9), unless it only put a
// virtual IP in (virtualIPNarrowing); frame is the message that completes
// the picture, at t.
func (a *Analyzer) narrowedFinding(st *saState, c *ChildSA, pd *pending, ex *exRec, t time.Time, frame int) {
	if !((len(pd.tsi) > 0 && !slices.Equal(pd.tsi, c.TSi)) || (len(pd.tsr) > 0 && !slices.Equal(pd.tsr, c.TSr))) ||
		virtualIPNarrowing(pd.tsi, c.TSi, pd.tsr, c.TSr) {
		return
	}
	c.TSiOffered, c.TSrOffered = pd.tsi, pd.tsr
	frames := []int{ex.frame(0), frame}
	if frames[0] == frame {
		frames = frames[:1]
	}
	st.addFinding(KindTSNarrowed, SeverityInfo, t,
		"The responder narrowed the traffic selectors of child SA "+c.SPIi.String()+"/"+c.SPIr.String()+
			": offered TSi "+listOr(pd.tsi, "-")+", TSr "+listOr(pd.tsr, "-")+"; accepted TSi "+listOr(c.TSi, "-")+
			", TSr "+listOr(c.TSr, "-")+". Traffic outside the accepted selectors is not protected by this SA:"+
			" if some hosts cannot reach each other, align the encryption domains on both sides.",
		frames...)
}

// childAnswer completes a child SA (or IKE SA rekey) from a decrypted
// response.
func (a *Analyzer) childAnswer(st *saState, p *Packet, side saSide, ex *exRec, f *facts) {
	if _, bad := f.firstError(2); bad || len(f.sas) == 0 || ex.childOf() != nil {
		return
	}
	props := decodeProposals(2, f.sas[0])
	if len(props) == 0 {
		return
	}
	chosen := props[0]
	pd := ex.pendOf()
	if (pd == nil || len(pd.offered) == 0) && ex.Type == dissect.ExchangeIKEAuth {
		// EAP (eap.go): the child SA offered in the first IKE_AUTH
		// request is answered in the last IKE_AUTH response.
		if o := authOffer(st, ex); o != nil {
			pd = o
		}
	}
	if pd == nil {
		// No offer yet: its request comes later, or the capture lacks it
		// (or could not open it). The request completes it if it comes
		// (completeChild).
		pd = &pending{answered: true}
		ex.extra().pend = pd
	}
	if chosen.proto == 1 {
		if pd.answered && len(chosen.spi) == 8 {
			pd.ansIKE, pd.ansSPI, pd.ansTime = true, dissect.SPI(chosen.spi), p.Time
		}
		if pd.ikeRekey && len(chosen.spi) == 8 {
			// The requester becomes the initiator of the new IKE SA.
			k := saKey{pd.newSPI, dissect.SPI(chosen.spi), 2}
			a.expectRekey(k, st, p.Time, ex.side)
			ex.kind = exIKERekey
			if st.prop == textNone { // the SA's own proposal, when known, stays
				st.setProposal(chosen.summary, &a.texts)
			}
		}
		return
	}
	c := &ChildSA{Protocol: protoName(2, chosen.proto), Proposal: chosen.summary, State: ChildEstablished,
		Created: p.Time, CreatedFrame: ex.frame(0), owner: st, initSide: ex.side,
		TSi: []string{}, TSr: []string{}}
	respSPI := spi4(chosen.spi)
	if ex.side == sideI {
		c.SPIi, c.SPIr = pd.spi, respSPI
	} else {
		c.SPIi, c.SPIr = respSPI, pd.spi
	}
	c.TSi, c.TSr = ikeTS(ex.side, f, c.TSi, c.TSr)
	a.narrowedFinding(st, c, pd, ex, p.Time, p.Frame)
	st.materialise(&a.infs) // markRekeyed and the append see every child SA
	if pd.rekeyOf != 0 {
		c.RekeyOf = pd.rekeyOf
		a.markRekeyed(st, ex.side, pd.rekeyOf, nil)
	}
	st.noteWeak(chosen.weak, p.Frame, "child SA")
	a.rememberAccept(p.Src.Addr(), p.Dst.Addr(), false, chosen.summary, p.Frame)
	st.addChild(c, &a.infs)
	a.indexChild(st, c)
	ex.extra().child = c
	if c.SPIi == 0 || c.SPIr == 0 {
		a.noteHalfChild(st)
	}
}

// halfChild gives ESP packet p, whose SPI no child SA holds, to the child
// SA of the IKE SA between p's peers that was answered without its
// request read (childAnswer: the requester's SPI unknown, 0: the request
// is not in the capture, or was not decrypted),
// when p goes to that requester: a peer's inbound SPI is what its request
// named, and ESP to it carries that SPI. With two such child SAs waiting
// for ESP to the same side, which one p belongs to is not known, and p is
// left alone. It returns the child SA given p, nil when none.
// (ikev2-psk-success with its keys, without the IKE_AUTH request: the child
// SA 00000000/2120fc6c with ESP "one way only", its ESP back
// esp_without_ike.)
func (a *Analyzer) halfChild(p *Packet) *ChildSA {
	pk := makePairKey(p.Src.Addr(), p.Dst.Addr())
	st := a.ownerByPorts(a.latest.get(pk), pk, p)
	if st == nil || st.done || !st.flags.has(flHalfChild) || p.ESPSPI == 0 {
		return nil
	}
	toI := p.Dst.Addr() == st.initiator().Addr()
	if !toI && p.Dst.Addr() != st.responder().Addr() {
		return nil
	}
	found, one := waitingChild(st, toI)
	if !one || a.otherMayOwnESP(st, pk, p) {
		return nil
	}
	who := "initiator"
	if toI {
		found.SPIi = ESPSPI(p.ESPSPI)
	} else {
		found.SPIr = ESPSPI(p.ESPSPI)
		who = "responder"
	}
	a.indexChild(st, found)
	a.adoptOrphan(found, p.ESPSPI, p.Src.Addr(), p.Dst.Addr())
	st.addFinding(KindCaptureGap, SeverityInfo, p.Time,
		"Child SA "+found.SPIi.String()+"/"+found.SPIr.String()+": the "+who+"'s SPI ("+ESPSPI(p.ESPSPI).String()+") is read"+
			" from the ESP sent to it (frame "+a.frames.one(p.Frame)+"), as the request that named it was not read (not in this"+
			" capture, or not decrypted)."+
			" A peer's ESP arrives with the SPI it chose for its inbound SA, and no other child SA of this IKE SA was"+
			" waiting for one.", p.Frame)
	return found
}

// waitingChild returns the child SA of st answered without its request
// read whose SPI on the initiator's side (toI) or the responder's is not
// known, and whether it is the only one (nil, false when there is none or
// several).
func waitingChild(st *saState, toI bool) (*ChildSA, bool) {
	var found *ChildSA
	for _, c := range st.childSAs() {
		if c.State != ChildEstablished || c.Inferred {
			continue
		}
		if toI && c.SPIi == 0 && c.SPIr != 0 || !toI && c.SPIr == 0 && c.SPIi != 0 {
			if found != nil {
				return nil, false
			}
			found = c
		}
	}
	return found, found != nil
}

// otherMayOwnESP reports whether an IKE SA between the peers of pk other
// than st may own ESP packet p as well: one whose child SAs are out of
// sight (couldOwnESP), or one with a child SA waiting for the SPI p
// carries, as st's is (waitingChild). Two IKE SAs between the same hosts
// (libreswan-ikev2-two-ike-sas-same-hosts with its keys and a snap length
// of 300, which cut both IKE_AUTH requests): the ESP to the initiator of
// the one went to the half-known child SA of the other, which then read
// "one way only".
func (a *Analyzer) otherMayOwnESP(st *saState, pk pairKey, p *Packet) bool {
	may := func(o *saState) bool {
		if o == nil || o == st || o.done {
			return false
		}
		if couldOwnESP(o, p) {
			return true
		}
		if !o.flags.has(flHalfChild) {
			return false
		}
		c, _ := waitingChild(o, p.Dst.Addr() == o.initiator().Addr())
		return c != nil
	}
	if may(a.latest.get(pk)) {
		return true
	}
	return slices.ContainsFunc(a.sharers[pk], may)
}

// applyDeletes handles the Delete payloads of a decrypted message sent by
// side. Each SPI listed is the sender's inbound SPI (RFC 7296 §3.11).
// replace, when not 0, is a deleted frame this message's frame replaces:
// the answer of a request analysed after it (its peers' clocks differ),
// which deleted the child SAs first but only in answer to this request.
//
// A message may list thousands of SPIs and an SA may have tens of
// thousands of child SAs (inferred from ESP), so matching every SPI against
// every child SA would take their product, message after message, on a
// crafted capture. The SPIs of all the message's Delete payloads are
// gathered first; few are matched directly, more through a set, in one
// pass over the child SAs. Marking a child SA deleted does not depend on
// which SPI or payload named it, so both ways give the same result.
func (a *Analyzer) applyDeletes(st *saState, p *Packet, side saSide, f *facts, replace int) {
	v := st.Version
	spis := a.spiBuf[:0]
	children := false // a Delete of child SAs (not of the IKE SA) is present
	for _, d := range f.deletes {
		var proto uint8
		n := len(spis)
		proto, spis = deleteSPIs(v, d, spis)
		if proto == 1 {
			spis = spis[:n] // the IKE SA's own SPIs, not a child SA's
			if !st.out.has(outDeleted) {
				st.out.set(outDeleted)
				if v == 2 && !st.out.has(outRekeyed) && len(st.rareOrEmpty().rekeyKeys) == 0 {
					// Deleting an IKE SA closes the child SAs negotiated
					// under it (RFC 7296 §1.4.1), unless a rekey of the
					// IKE SA moved them to its successor (§2.18): linked
					// (outRekeyed), or negotiated and its successor not
					// seen yet (rekeyKeys, expectRekey). An IKEv1 ISAKMP
					// SA's IPsec SAs outlive it.
					st.materialise(&a.infs)
					for _, c := range st.childSAs() {
						if c.State == ChildEstablished {
							deleteChild(c, p.Frame, replace)
						}
					}
					// And those that rekeys of the IKE SAs st replaced
					// moved to it.
					a.movedChildren(st, func(c *ChildSA, _ bool) {
						if c.State == ChildEstablished {
							deleteChild(c, p.Frame, replace)
						}
					})
				}
			}
			continue
		}
		children = true
	}
	a.spiBuf = spis
	if !children {
		return
	}
	st.materialise(&a.infs) // inferred child SAs can be deleted too
	if v == 1 {
		a.deletesElsewhereV1(st, p, spis, replace) // IKEv1 IPsec SAs outlive their ISAKMP SA (delete_v1.go)
	}
	named := func(spi ESPSPI) bool { return slices.Contains(spis, spi) }
	if len(spis) > directDeletes {
		if a.delSet == nil {
			a.delSet = make(map[ESPSPI]struct{}, len(spis))
		}
		for _, spi := range spis {
			a.delSet[spi] = struct{}{}
		}
		defer clear(a.delSet)
		named = func(spi ESPSPI) bool { _, ok := a.delSet[spi]; return ok }
	}
	for _, c := range st.childSAs() {
		if named(childSPI(c, side)) {
			deleteChild(c, p.Frame, replace)
		}
	}
	a.movedChildren(st, func(c *ChildSA, flip bool) {
		if named(childSPI(c, side.flipIf(flip))) {
			deleteChild(c, p.Frame, replace)
		}
	})
}

// childSPI returns the inbound SPI of side's peer (of the IKE SA that
// negotiated c) in child SA c: the SPI that peer's Deletes and REKEY_SA
// notifies name (RFC 7296 §3.11, §3.10.1).
func childSPI(c *ChildSA, side saSide) ESPSPI {
	if side == sideI {
		return c.SPIi
	}
	return c.SPIr
}

// childHasSPI reports whether side's inbound SPI in c is spi.
func childHasSPI(c *ChildSA, side saSide, spi ESPSPI) bool { return childSPI(c, side) == spi }

// movedChildren calls fn with each child SA of the IKE SAs that IKEv2 SA
// st replaced: the established ones were moved to st by the IKE rekeys
// (RFC 7296 §2.18), the others ended before (rekeyed, perhaps without
// their Delete seen yet), so fn checks the state or the SPIs. Those of
// the SA st replaced, of the SA that one replaced, and so on, at most
// maxRekeyChain back. They stay listed under the IKE SA that negotiated
// them, and st's child rekeys, Deletes and its own Delete (§1.4.1) end
// them. flip tells that the predecessor's initiator is st's responder
// (the requester of an IKE rekey becomes the new SA's initiator, §2.18,
// as the rekey showed: saLinks.fromFlip; for an inferred rekey, by the
// initiators' addresses), so that a side of st is the other side of the
// SA that lists the child.
//
// The walk stops at a predecessor that is no longer open (finalised with
// Options.IdleTimeout: it has been handed on already), and at one whose
// successor is not st's chain (its rekeyedTo names another SA), and, on
// one on which two IKE rekeys were negotiated (a simultaneous rekey,
// §2.8.2: one new IKE SA is deleted at once and the other takes the child
// SAs), until one of the two new IKE SAs is deleted (wonCollision): the
// walk of predecessors.
func (a *Analyzer) movedChildren(st *saState, fn func(c *ChildSA, flip bool)) {
	a.predecessors(st, func(old *saState, flip bool) {
		old.materialise(&a.infs)
		for _, c := range old.childSAs() {
			fn(c, flip)
		}
	})
}

// predecessors calls fn with each open IKE SA whose child SAs an IKE rekey
// moved to IKEv2 SA st, newest first, and whether its sides are flipped
// against st's (movedChildren says which and when the walk stops).
func (a *Analyzer) predecessors(st *saState, fn func(old *saState, flip bool)) {
	if st.Version != 2 {
		return
	}
	cur, flip := st, false
	for range maxRekeyChain {
		l := cur.rareOrEmpty()
		if !l.hasFrom {
			return
		}
		old, _ := a.ix.find(2, l.rekeyedFrom[0], l.rekeyedFrom[1])
		if old == nil || old == cur || old.done {
			return
		}
		ol := old.rareOrEmpty()
		switch {
		case len(ol.rekeyKeys) > 1:
			// A simultaneous rekey (§2.8.2): cur took the children if it
			// is the one kept, known once the other is deleted.
			if !a.wonCollision(old, cur) {
				return
			}
		case !ol.hasTo || ol.rekeyedTo != [2]dissect.SPI{cur.SPIi, cur.SPIr}:
			return
		}
		switch l.fromFlip {
		case 2:
			flip = !flip
		case 1:
		default: // an inferred rekey: by the initiators' addresses
			if old.initiator().Addr() != cur.initiator().Addr() {
				flip = !flip
			}
		}
		fn(old, flip)
		cur = old
	}
}

// flipCode is saLinks.fromFlip for a rekey whose requester is (flip) or
// is not the old SA's responder.
func flipCode(flip bool) uint8 {
	if flip {
		return 2
	}
	return 1
}

// wonCollision reports whether cur is the IKE SA kept from a simultaneous
// rekey of old (RFC 7296 §2.8.2): of the new IKE SAs, the redundant one is
// deleted by the peer that created it as soon as the rekeys are done, so
// cur is the one kept when another of old's new IKE SAs is deleted already
// (the Delete of cur itself, or a Delete or child SA rekey on it, comes
// later). Until then, or with a third rekey, it is not known.
func (a *Analyzer) wonCollision(old, cur *saState) bool {
	keys := old.rareOrEmpty().rekeyKeys
	if len(keys) != 2 || !slices.ContainsFunc(keys, func(k saKey) bool { return k.i == cur.SPIi && k.r == cur.SPIr }) {
		return false // cur must be one of the two
	}
	lost := 0
	for _, k := range keys {
		if k.i == cur.SPIi && k.r == cur.SPIr {
			continue
		}
		if other, _ := a.ix.find(2, k.i, k.r); other != nil && other != cur && other.out.has(outDeleted) {
			lost++
		}
	}
	return lost == 1
}

// maxRekeyChain bounds the IKE SAs movedChildren follows back: a crafted
// capture could chain an IKE rekey per message.
const maxRekeyChain = 16

// directDeletes is the number of SPIs in a message up to which
// applyDeletes compares each with every child SA instead of building a
// set: a Delete usually names one or two.
const directDeletes = 4

// deleteChild marks c deleted by the message in frame (which replaces
// the frame replace; see applyDeletes).
func deleteChild(c *ChildSA, frame, replace int) {
	if c.State == ChildEstablished {
		c.State = ChildDeleted
	}
	if c.DeletedFrame == 0 || (replace != 0 && c.DeletedFrame == replace) {
		c.DeletedFrame = frame
	}
}

// espIndex finds a value (a child SA, an inferred record's index) by
// inbound SPI and receiving address; the zero V is none. IPv4 addresses
// (and IPv4-mapped IPv6 ones, the same address) key a map of their own
// whose entries take 16 octets instead of 32: a capture can hold hundreds
// of thousands of child SAs open, each indexed twice.
type espIndex[V comparable] struct {
	v4 map[espKey4]V
	v6 map[espKey]V
}

// espKey is the key of an IPv6 receiving address.
type espKey struct {
	spi uint32
	dst [16]byte
}

// espKey4 is the key of an IPv4 receiving address.
type espKey4 struct {
	spi uint32
	dst [4]byte
}

// newESPIndex returns an empty index.
func newESPIndex[V comparable]() espIndex[V] {
	return espIndex[V]{v4: make(map[espKey4]V), v6: make(map[espKey]V)}
}

// reset empties the index and lets its storage go (see saIndex.reset).
func (x *espIndex[V]) reset() { *x = newESPIndex[V]() }

// get returns the value of inbound SPI spi at dst, the zero V when none.
func (x *espIndex[V]) get(spi uint32, dst netip.Addr) V {
	if dst = dst.Unmap(); dst.Is4() {
		return x.v4[espKey4{spi, dst.As4()}]
	}
	return x.v6[espKey{spi, dst.As16()}]
}

// set makes spi at dst find v.
func (x *espIndex[V]) set(spi uint32, dst netip.Addr, v V) {
	if dst = dst.Unmap(); dst.Is4() {
		x.v4[espKey4{spi, dst.As4()}] = v
		return
	}
	x.v6[espKey{spi, dst.As16()}] = v
}

// drop removes spi at dst when it finds v (any entry when v is zero).
func (x *espIndex[V]) drop(spi uint32, dst netip.Addr, v V) {
	var zero V
	if dst = dst.Unmap(); dst.Is4() {
		k := espKey4{spi, dst.As4()}
		if v == zero || x.v4[k] == v {
			delete(x.v4, k)
		}
		return
	}
	k := espKey{spi, dst.As16()}
	if v == zero || x.v6[k] == v {
		delete(x.v6, k)
	}
}

// indexChild makes the ESP index find c, a negotiated child SA. An
// inferred child SA indexed under the same SPI and address no longer
// gets its packets (as when one index held both).
func (a *Analyzer) indexChild(st *saState, c *ChildSA) {
	if c.SPIi != 0 {
		a.esp.set(uint32(c.SPIi), st.initiator().Addr(), c)
		a.inferred.drop(&a.infs, uint32(c.SPIi), st.initiator().Addr(), 0)
	}
	if c.SPIr != 0 {
		a.esp.set(uint32(c.SPIr), st.responder().Addr(), c)
		a.inferred.drop(&a.infs, uint32(c.SPIr), st.responder().Addr(), 0)
	}
	a.indexMoved(st, c)
}

// unindexChild removes c from the ESP index.
func (a *Analyzer) unindexChild(st *saState, c *ChildSA) {
	a.esp.drop(uint32(c.SPIi), st.initiator().Addr(), c)
	a.esp.drop(uint32(c.SPIr), st.responder().Addr(), c)
	a.unindexMoved(st, c)
}

// unindexInferred removes st's inferred child SAs from the ESP index and
// frees their records (materialise has built their ChildSAs), which the
// index must then no longer lead to. A record is indexed under its SPIs at
// the SA's two addresses (inferChild), and under SPI 0 too when ESP came
// with SPI 0 before pairing gave that direction another: SPI 0 is dropped
// as well, and so are the entries at its peers' new addresses (MOBIKE).
func (a *Analyzer) unindexInferred(st *saState) {
	ini, rsp := st.initiator().Addr(), st.responder().Addr()
	for i := st.lastInf; i != 0; {
		spiI, spiR := a.infs.at(i).spis()
		a.inferred.drop(&a.infs, uint32(spiI), ini, i)
		a.inferred.drop(&a.infs, uint32(spiR), rsp, i)
		a.inferred.drop(&a.infs, 0, ini, i)
		a.inferred.drop(&a.infs, 0, rsp, i)
		for _, m := range st.rareOrEmpty().moved {
			// ESP to a peer's new address (peerMoved): either SPI, or 0.
			a.inferred.drop(&a.infs, uint32(spiI), m.addr, i)
			a.inferred.drop(&a.infs, uint32(spiR), m.addr, i)
			a.inferred.drop(&a.infs, 0, m.addr, i)
		}
		prev := a.infs.prevOf(i)
		a.infs.release(i)
		i = prev
	}
	st.lastInf = 0
}

// virtualIPNarrowing reports the remote-access pattern where the initiator
// offers any address as TSi and the responder narrows it to the single
// virtual IP it assigned (RFC 7296 §2.23.1): expected, not worth a finding.
func virtualIPNarrowing(offI, gotI, offR, gotR []string) bool {
	if len(offI) != 1 || (offI[0] != "0.0.0.0/0" && offI[0] != "::/0") || len(gotI) == 0 {
		return false
	}
	for _, g := range gotI {
		if !strings.HasSuffix(g, "/32") && !strings.HasSuffix(g, "/128") {
			return false
		}
	}
	return len(offR) == 0 || slices.Equal(offR, gotR) || len(offR) == 1 && (offR[0] == "0.0.0.0/0" || offR[0] == "::/0")
}

// offeredChild gives ESP packet p, whose SPI no child SA holds, to the
// child SA that a CREATE_CHILD_SA request of the IKE SA between p's peers
// offered when p goes to the requester with the SPI that request offered
// for it, and the request's answer is not in the capture (with keys: the
// request was read). A peer's ESP arrives with the SPI it chose for its
// inbound SA, so the other peer accepted the offer and sends on the child
// SA; the proposal it chose and the traffic selectors it accepted were in
// the answer and are not known. The other SPI comes from the ESP back
// (halfChild). It returns the child SA made, nil when none.
// (ikev2-rekey with its keys, without a CREATE_CHILD_SA answer: the ESP
// of the new child SA esp_without_ike, "negotiated before the capture
// started …", and the request "got no answer".)
func (a *Analyzer) offeredChild(p *Packet) *ChildSA {
	if a.opt.Decryptor == nil || p.ESPSPI == 0 {
		return nil
	}
	pk := makePairKey(p.Src.Addr(), p.Dst.Addr())
	st := a.ownerByPorts(a.latest.get(pk), pk, p)
	if st == nil {
		// No SA between the peers is up (plain ESP has no ports to
		// tell): the one whose IKE_AUTH answer was not read, if any;
		// the SPI it offered must match.
		st = a.authWait.get(pk)
	}
	if st == nil || st.done || st.Version != 2 {
		return nil
	}
	for i := range st.nexs() {
		ex := st.exAt(i)
		pd := ex.pendOf()
		if ex.Type != dissect.ExchangeCreateChildSA && (ex.Type != dissect.ExchangeIKEAuth || !ex.Answered) ||
			ex.Answered && !answerUnread(st, ex) ||
			ex.nmsgs() == 0 || ex.msg(0).response() || pd == nil ||
			pd.answered || pd.ikeRekey || pd.spi == 0 || uint32(pd.spi) != p.ESPSPI || ex.childOf() != nil ||
			p.Dst.Addr() != st.peer(ex.side).Addr() || !p.Time.After(ex.start()) {
			continue
		}
		last := ex.msgTime(ex.nmsgs() - 1)
		head := "The answer to the " + ex.side.String() + "'s " + ex.Type.String() + " request (message ID " + u32(ex.MID) + ", frame " +
			a.frames.one(ex.frame(0)) + ") is "
		gap := head + "not in this capture"
		if ex.Answered {
			// Its answer is here but was not read: it did not decode (cut
			// short by the capture's snap length, damaged), or fragments
			// of it are missing.
			gap = head + "in this capture from frame " + a.frames.one(ex.respFrame()) +
				" and could not be read (malformed, or fragments of it missing)"
			if ex.Type == dissect.ExchangeIKEAuth && !st.out.has(outAuthOK) {
				// The responder sends on a child SA of IKE_AUTH only once
				// it has authenticated the initiator: up, unverified.
				st.out.set(outAuthUnverified)
				a.established(st, p)
			}
			last = ex.respTime()
		}
		c := &ChildSA{Protocol: protoName(2, pd.proto), State: ChildEstablished, Created: last, CreatedFrame: ex.frame(0),
			owner: st, initSide: ex.side, TSi: []string{}, TSr: []string{}}
		if ex.side == sideI {
			c.SPIi = pd.spi
		} else {
			c.SPIr = pd.spi
		}
		st.materialise(&a.infs)
		if pd.rekeyOf != 0 {
			c.RekeyOf = pd.rekeyOf
			a.markRekeyed(st, ex.side, pd.rekeyOf, nil)
		}
		st.addChild(c, &a.infs)
		a.indexChild(st, c)
		ex.extra().child = c
		back := a.orphanBack(c, st, ex.side.other(), ex.start())
		a.noteHalfChild(st)
		st.addFinding(KindCaptureGap, SeverityInfo, last,
			gap+", but ESP then came to the "+ex.side.String()+" with the SPI"+
				" it offered there ("+pd.spi.String()+", frame "+a.frames.one(p.Frame)+"): the "+ex.side.other().String()+
				" accepted the child SA. The proposal it chose and the traffic selectors"+
				" it accepted were in that answer and are not known."+back, ex.frame(0), p.Frame)
		return c
	}
	return nil
}

// answerUnread reports whether ex has its answer in the capture and the
// analysis could not read it: a message of it did not decode (cut short
// by the capture's snap length, damaged), or it came in IKEv2 fragments
// (RFC 7383) some of which are missing; and no error notify was read from
// it.
func answerUnread(st *saState, ex *exRec) bool {
	if !ex.Answered || ex.errorOf() != "" {
		return false
	}
	var seen uint64
	var total uint16
	for i := range ex.nmsgs() {
		if !ex.msg(i).response() {
			continue
		}
		if st.wasMalformed(ex.frame(i)) {
			return true
		}
		if num, tot := ex.frag(i); num > 0 && tot > 0 && tot <= 64 && num <= tot {
			total = max(total, tot)
			seen |= 1 << (num - 1)
		}
	}
	return total > 0 && seen != 1<<total-1
}

// adoptOrphan moves to c the ESP with SPI spi from src to dst counted
// as without IKE SA before c was known to hold that SPI (halfChild: the
// ESP one way came before the ESP the other way that made the child SA;
// orphanBack). The address pair stays noted as having ESP without IKE SA
// only while other such ESP between the two remains.
func (a *Analyzer) adoptOrphan(c *ChildSA, spi uint32, src, dst netip.Addr) {
	o := a.orphans[spi]
	if o == nil || o.src != src || o.dst != dst {
		return
	}
	delete(a.orphans, spi)
	a.report.Stats.UnmatchedESP -= o.n
	if dst == c.owner.initiator().Addr() {
		c.ESPPackets.RToI += uint64(o.n)
	} else {
		c.ESPPackets.IToR += uint64(o.n)
	}
	if c.firstESP == 0 || o.first < c.firstESP {
		c.firstESP = o.first
	}
	c.lastESP = max(c.lastESP, o.last)
	pk := makePairKey(o.src, o.dst)
	var dirs uint8 // the ways the ESP without IKE SA left between the two goes
	for _, x := range a.orphans {
		if makePairKey(x.src, x.dst) == pk {
			dirs |= orphanDir(pk, x.src)
		}
	}
	if dirs == 0 {
		delete(a.orphanPairs, pk)
	} else if _, ok := a.orphanPairs[pk]; ok {
		a.orphanPairs[pk] = dirs
	}
}

// orphanBack completes c, a child SA made from ESP one way (offeredChild)
// whose SPI on side to is not known, with the ESP the other way counted
// as without IKE SA before c was known: the one SPI of ESP from the other
// peer to to's peer first seen after since. With none, or several, c
// waits for that ESP (halfChild). It returns a sentence for the finding
// that made c, "" when it took no SPI.
func (a *Analyzer) orphanBack(c *ChildSA, st *saState, to saSide, since time.Time) string {
	src, dst := st.peer(to.other()).Addr(), st.peer(to).Addr()
	var spi uint32
	for k, o := range a.orphans {
		if o.src == src && o.dst == dst && o.t.After(since) {
			if spi != 0 {
				return "" // several: which one is c's is not known
			}
			spi = k
		}
	}
	if spi == 0 {
		return ""
	}
	if to == sideI {
		c.SPIi = ESPSPI(spi)
	} else {
		c.SPIr = ESPSPI(spi)
	}
	a.indexChild(st, c)
	first := a.orphans[spi].first
	a.adoptOrphan(c, spi, src, dst)
	return " The " + to.String() + "'s SPI (" + ESPSPI(spi).String() + ") is read from the ESP sent to it from frame " +
		a.frames.one(first) + ", the only ESP the other way between these peers that no SA held."
}

// noteHalfChild marks st as holding a child SA with one SPI not known
// (halfChild looks for ESP to complete it only while some SA is marked).
func (a *Analyzer) noteHalfChild(st *saState) {
	if !st.flags.has(flHalfChild) {
		st.flags.set(flHalfChild)
		a.halfChildren++
	}
}
