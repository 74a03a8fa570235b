package flows

import (
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// proposalView is a version-independent view of one SA proposal.
type proposalView struct {
	num     uint8
	proto   uint8  // 1 IKE/ISAKMP, 2 AH, 3 ESP, 4 IPCOMP
	spi     []byte // aliases the message
	summary string // "ENCR_AES_CBC-256/AUTH_HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
	algs    []string
	weak    []weakAlg
	groups  []dissect.DHGroup // key exchange methods offered
}

// weakAlg is an algorithm worth flagging.
type weakAlg struct {
	name string
	sev  Severity
	why  string
}

// propCacheMax bounds the proposal cache.
const propCacheMax = 1024

// cachedProps is a decoded IKE SA payload shared by every SA that sent the
// same bytes (a concentrator sees the same few offers thousands of times).
type cachedProps struct {
	body  []byte
	props []proposalView
	sums  []string
	// id is its number in Analyzer.propList, which holds props' entries by
	// number for saState.offer; 0: none.
	id uint16
}

// ikeProposals decodes an IKE SA payload (no SPIs: IKE_SA_INIT, MM/AM) via
// a cache keyed by its content. The result is shared: do not modify it.
func (a *Analyzer) ikeProposals(version uint8, p dissect.Payload) ([]proposalView, []string) {
	c := a.ikeProposalsCached(version, p)
	return c.props, c.sums
}

// ikeProposalsCached is ikeProposals, returning the decoded payload: its
// id is not 0 when the cache holds it.
func (a *Analyzer) ikeProposalsCached(version uint8, p dissect.Payload) *cachedProps {
	h := a.hash(p.Body) ^ uint64(version)
	if c, ok := a.props[h]; ok && string(c.body) == string(p.Body) {
		return c
	}
	props := decodeProposals(version, p)
	for i := range props {
		props[i].spi = nil
	}
	c := &cachedProps{body: append([]byte(nil), p.Body...), props: props, sums: summaries(version, props)}
	if len(a.propList) < propCacheMax {
		// propList keeps every entry ever cached (even one a colliding
		// hash took the place of), bounded by propCacheMax itself: the
		// entries open SAs point at by number. props holds no more.
		a.props[h] = c
		a.propList = append(a.propList, c)
		c.id = uint16(len(a.propList))
	}
	return c
}

// ikeOffer returns the proposals of an initiator's IKE SA payload
// (ikeProposals) for saState.setOffer: the number of the cache's entry when
// the cache holds it, which costs an open SA 2 octets instead of a slice
// header's 24, else 0 and the summaries (the slice alone, not the cache
// entry, which would keep the payload's bytes and views alive with the
// SA).
func (a *Analyzer) ikeOffer(version uint8, p dissect.Payload) (uint16, []string) {
	c := a.ikeProposalsCached(version, p)
	if c.id != 0 {
		return c.id, nil
	}
	return 0, c.sums
}

// decodeProposals returns the proposals of an SA payload.
func decodeProposals(version uint8, p dissect.Payload) []proposalView {
	body, _ := dissect.DecodePayload(version, p)
	switch sa := body.(type) {
	case *dissect.SA:
		out := make([]proposalView, 0, len(sa.Proposals))
		for i := range sa.Proposals {
			out = append(out, viewV2(&sa.Proposals[i]))
		}
		return out
	case *dissect.SAV1:
		out := make([]proposalView, 0, len(sa.Proposals))
		for i := range sa.Proposals {
			out = append(out, viewsV1(&sa.Proposals[i])...)
		}
		return out
	}
	return nil
}

// viewV2 summarises an IKEv2 proposal.
func viewV2(pr *dissect.Proposal) proposalView {
	v := proposalView{num: pr.Num, proto: uint8(pr.Protocol), spi: pr.SPI}
	for _, t := range pr.Transforms {
		name := t.Name()
		if t.Type == dissect.TransformENCR && t.KeyLength != 0 {
			name += "-" + strconv.Itoa(int(t.KeyLength))
		}
		if t.Type == dissect.TransformESN && t.ID == 0 && !offersESN(pr) {
			continue // NO_ESN alone is the default; keep summaries short
		}
		v.algs = append(v.algs, name)
		if g, ok := t.Group(); ok {
			v.groups = append(v.groups, g)
		}
		if w, ok := weakV2(t); ok {
			v.weak = append(v.weak, w)
		}
	}
	v.summary = strings.Join(v.algs, "/")
	return v
}

// offersESN reports whether a proposal lists the ESN transform with ID 1
// (extended sequence numbers): an offer of ESN and NO_ESN shows both.
func offersESN(pr *dissect.Proposal) bool {
	for _, t := range pr.Transforms {
		if t.Type == dissect.TransformESN && t.ID == 1 {
			return true
		}
	}
	return false
}

// weakV2 judges one IKEv2 transform (RFC 8247, RFC 8221; weakRows).
func weakV2(t dissect.Transform) (weakAlg, bool) {
	switch t.Type {
	case dissect.TransformENCR:
		return judgeWeak(weakEncrV2, t.ID, t.Name())
	case dissect.TransformINTEG:
		return judgeWeak(weakIntegV2, t.ID, t.Name())
	case dissect.TransformPRF:
		return judgeWeak(weakPRFV2, t.ID, t.Name())
	}
	if g, ok := t.Group(); ok {
		return weakGroupOf(g)
	}
	return weakAlg{}, false
}

// weakGroupOf judges a DH group.
func weakGroupOf(g dissect.DHGroup) (weakAlg, bool) { return judgeWeak(weakGroup, g, g.String()) }

// viewsV1 summarises an IKEv1 proposal: one view per transform, since each
// IKEv1 transform is a complete alternative.
func viewsV1(pr *dissect.ProposalV1) []proposalView {
	out := make([]proposalView, 0, len(pr.Transforms))
	for i := range pr.Transforms {
		t := &pr.Transforms[i]
		v := proposalView{num: pr.Num, proto: uint8(pr.Protocol), spi: pr.SPI}
		if pr.Protocol == 1 { // ISAKMP: everything is in attributes
			v.algs, v.weak, v.groups = attrsV1IKE(t.Attributes)
		} else {
			v.algs, v.weak, v.groups = attrsV1IPsec(pr.Protocol, t)
		}
		v.summary = strings.Join(v.algs, "/")
		out = append(out, v)
	}
	return out
}

// attrsV1IKE summarises a phase-1 transform.
func attrsV1IKE(attrs []dissect.AttributeV1) (algs []string, weak []weakAlg, groups []dissect.DHGroup) {
	var enc, hash, auth, group, keyLen string
	for _, a := range attrs {
		switch dissect.IKEAttrType(a.Type) {
		case dissect.IKEAttrEncryption:
			e := dissect.EncrAlgV1(a.Value)
			enc = e.String()
			weak = addWeakness(weak, weakEncrV1, e, enc)
		case dissect.IKEAttrHash:
			h := dissect.HashAlgV1(a.Value)
			hash = h.String()
			weak = addWeakness(weak, weakHashV1, h, hash)
		case dissect.IKEAttrAuthMethod:
			auth = dissect.AuthMethodV1(a.Value).String()
		case dissect.IKEAttrGroupDesc:
			g := dissect.DHGroup(a.Value)
			group = g.String()
			groups = append(groups, g)
			if w, ok := weakGroupOf(g); ok {
				weak = append(weak, w)
			}
		case dissect.IKEAttrKeyLength:
			keyLen = strconv.Itoa(int(a.Value))
		}
	}
	if keyLen != "" && enc != "" {
		enc += "-" + keyLen
	}
	for _, s := range []string{enc, hash, auth, group} {
		if s != "" {
			algs = append(algs, s)
		}
	}
	return algs, weak, groups
}

// attrsV1IPsec summarises a phase-2 (IPsec DOI) transform.
func attrsV1IPsec(proto dissect.ProtocolIDV1, t *dissect.TransformV1) (algs []string, weak []weakAlg, groups []dissect.DHGroup) {
	enc := dissect.TransformNameV1(proto, t.ID)
	if proto == dissect.ProtoESPV1 {
		weak = addWeakness(weak, weakESPV1, t.ID, enc)
	}
	var auth, group, keyLen, mode string
	for _, a := range t.Attributes {
		switch dissect.IPsecAttrType(a.Type) {
		case dissect.IPsecAttrAuthAlg:
			auth = dissect.AuthAlgV1(a.Value).String()
			weak = addWeakness(weak, weakAuthV1, a.Value, auth)
		case dissect.IPsecAttrGroupDesc:
			g := dissect.DHGroup(a.Value)
			group = "PFS " + g.String()
			groups = append(groups, g)
			if w, ok := weakGroupOf(g); ok {
				weak = append(weak, w)
			}
		case dissect.IPsecAttrKeyLength:
			keyLen = strconv.Itoa(int(a.Value))
		case dissect.IPsecAttrEncapMode:
			mode = dissect.EncapModeV1(a.Value).String()
		}
	}
	if keyLen != "" {
		enc += "-" + keyLen
	}
	for _, s := range []string{enc, auth, group, mode} {
		if s != "" {
			algs = append(algs, s)
		}
	}
	return algs, weak, groups
}

// summaries returns the summaries of the proposals, prefixed with their
// protocol when it is not the IKE SA's.
func summaries(version uint8, props []proposalView) []string {
	out := make([]string, 0, len(props))
	for _, p := range props {
		s := p.summary
		if p.proto != 1 {
			s = protoName(version, p.proto) + ":" + s
		}
		out = append(out, s)
	}
	return out
}
