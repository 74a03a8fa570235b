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
}

// ikeProposals decodes an IKE SA payload (no SPIs: IKE_SA_INIT, MM/AM) via
// a cache keyed by its content. The result is shared: do not modify it.
func (a *Analyzer) ikeProposals(version uint8, p dissect.Payload) ([]proposalView, []string) {
	h := a.hash(p.Body) ^ uint64(version)
	if c, ok := a.props[h]; ok && string(c.body) == string(p.Body) {
		return c.props, c.sums
	}
	props := decodeProposals(version, p)
	for i := range props {
		props[i].spi = nil
	}
	c := &cachedProps{body: append([]byte(nil), p.Body...), props: props, sums: summaries(version, props)}
	if len(a.props) < propCacheMax {
		a.props[h] = c
	}
	return c.props, c.sums
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

// weakV2 judges one IKEv2 transform (RFC 8247, RFC 8221).
func weakV2(t dissect.Transform) (weakAlg, bool) {
	name := t.Name()
	switch t.Type {
	case dissect.TransformENCR:
		switch dissect.EncrID(t.ID) {
		case dissect.EncrDESIV64, dissect.EncrDES, dissect.EncrDESIV32:
			return weakAlg{name, SeverityWarning, "56-bit DES is broken"}, true
		case dissect.Encr3DES:
			return weakAlg{name, SeverityWarning, "3DES has a 64-bit block (Sweet32) and is deprecated by RFC 8221/8247"}, true
		case dissect.EncrRC5, dissect.EncrIDEA, dissect.EncrCAST, dissect.EncrBlowfish, dissect.Encr3IDEA:
			return weakAlg{name, SeverityWarning, "legacy 64-bit block cipher"}, true
		case dissect.EncrNull:
			return weakAlg{name, SeverityWarning, "no confidentiality"}, true
		}
	case dissect.TransformINTEG:
		switch t.ID {
		case 1, 3, 4, 6: // HMAC_MD5_96, DES_MAC, KPDK_MD5, HMAC_MD5_128
			return weakAlg{name, SeverityWarning, "MD5-based integrity is deprecated"}, true
		case 2: // AUTH_HMAC_SHA1_96
			return weakAlg{name, SeverityInfo, "SHA-1 is legacy (RFC 8247: prefer SHA-2)"}, true
		}
	case dissect.TransformPRF:
		switch t.ID {
		case 1: // PRF_HMAC_MD5
			return weakAlg{name, SeverityWarning, "MD5 PRF is deprecated"}, true
		case 2: // PRF_HMAC_SHA1
			return weakAlg{name, SeverityInfo, "SHA-1 PRF is legacy (RFC 8247: prefer SHA-2)"}, true
		}
	default:
		if g, ok := t.Group(); ok {
			return weakGroup(g)
		}
	}
	return weakAlg{}, false
}

// weakGroup judges a DH group.
func weakGroup(g dissect.DHGroup) (weakAlg, bool) {
	switch g {
	case dissect.DHModp768, dissect.DHModp1024, dissect.DHModp1024S160, dissect.DHEC2N155, dissect.DHEC2N185:
		return weakAlg{g.String(), SeverityWarning, "DH group of 1024 bits or less (Logjam-class)"}, true
	case dissect.DHModp1536:
		return weakAlg{g.String(), SeverityInfo, "1536-bit MODP is below today's 2048-bit minimum"}, true
	}
	return weakAlg{}, false
}

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
			switch e {
			case dissect.EncrV1DES:
				weak = append(weak, weakAlg{enc, SeverityWarning, "56-bit DES is broken"})
			case dissect.EncrV13DES:
				weak = append(weak, weakAlg{enc, SeverityWarning, "3DES has a 64-bit block (Sweet32) and is deprecated"})
			case dissect.EncrV1IDEA, dissect.EncrV1Blowfish, dissect.EncrV1RC5, dissect.EncrV1CAST:
				weak = append(weak, weakAlg{enc, SeverityWarning, "legacy 64-bit block cipher"})
			}
		case dissect.IKEAttrHash:
			h := dissect.HashAlgV1(a.Value)
			hash = h.String()
			switch h {
			case dissect.HashV1MD5:
				weak = append(weak, weakAlg{hash, SeverityWarning, "MD5 is deprecated"})
			case dissect.HashV1SHA:
				weak = append(weak, weakAlg{hash, SeverityInfo, "SHA-1 is legacy"})
			}
		case dissect.IKEAttrAuthMethod:
			auth = dissect.AuthMethodV1(a.Value).String()
		case dissect.IKEAttrGroupDesc:
			g := dissect.DHGroup(a.Value)
			group = g.String()
			groups = append(groups, g)
			if w, ok := weakGroup(g); ok {
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
	if proto == 3 {
		switch t.ID {
		case 2, 18: // ESP_DES, ESP_DES_IV32
			weak = append(weak, weakAlg{enc, SeverityWarning, "56-bit DES is broken"})
		case 3: // ESP_3DES
			weak = append(weak, weakAlg{enc, SeverityWarning, "3DES has a 64-bit block (Sweet32) and is deprecated"})
		case 11: // ESP_NULL
			weak = append(weak, weakAlg{enc, SeverityWarning, "no confidentiality"})
		}
	}
	var auth, group, keyLen, mode string
	for _, a := range t.Attributes {
		switch dissect.IPsecAttrType(a.Type) {
		case dissect.IPsecAttrAuthAlg:
			aa := dissect.AuthAlgV1(a.Value)
			auth = aa.String()
			switch a.Value {
			case 1: // HMAC-MD5
				weak = append(weak, weakAlg{auth, SeverityWarning, "MD5-based integrity is deprecated"})
			case 2: // HMAC-SHA
				weak = append(weak, weakAlg{auth, SeverityInfo, "SHA-1 is legacy"})
			}
		case dissect.IPsecAttrGroupDesc:
			g := dissect.DHGroup(a.Value)
			group = "PFS " + g.String()
			groups = append(groups, g)
			if w, ok := weakGroup(g); ok {
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
