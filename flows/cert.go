package flows

import (
	"bytes"
	"encoding/hex"
	"math"
	"math/bits"
	"net/netip"
	"strconv"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// PeerAuth is what one peer of an IKE SA showed about who it is: the
// identity it sent, how it authenticated, the certificates it sent and the
// certification authorities it asked the other peer for.
type PeerAuth struct {
	// Role is "initiator" or "responder".
	Role string `json:"role"`
	// ID is the identity it sent (IDi/IDr, IKEv1 ID in MM5/MM6/AM),
	// e.g. "FQDN moon.example.com"; empty when not seen.
	ID string `json:"id,omitempty"`
	// WantedPeerID is the IDr the initiator asked for in its IKE_AUTH
	// request (IKEv2, optional); set on the initiator.
	WantedPeerID string `json:"wanted_peer_id,omitempty"`
	// Auth is its authentication method ("shared key", "RSA signature",
	// "digital signature (RFC 7427)", "ECDSA P-256", IKEv1 "signature").
	Auth string `json:"auth,omitempty"`
	// Certificates it sent, end entity first.
	Certificates []CertSummary `json:"certificates,omitempty"`
	// CertRequests are the CAs it asked for: SHA-1 key hashes (IKEv2) or
	// distinguished names (IKEv1); "any" for an empty request.
	CertRequests []string `json:"cert_requests,omitempty"`
	// HashAlgorithms are the RFC 7427 signature hash algorithms it
	// announced in IKE_SA_INIT.
	HashAlgorithms []string `json:"hash_algorithms,omitempty"`
}

// CertSummary is one certificate a peer sent, as decoded from its CERT
// payload.
type CertSummary struct {
	Frame              int       `json:"frame"`
	Subject            string    `json:"subject"`
	Issuer             string    `json:"issuer"`
	SANs               []string  `json:"sans,omitempty"`
	NotBefore          time.Time `json:"not_before"`
	NotAfter           time.Time `json:"not_after"`
	Key                string    `json:"key"` // "RSA 3072", "ECDSA P-256"
	SignatureAlgorithm string    `json:"signature_algorithm"`
	SPKISHA1           string    `json:"spki_sha1"`
	CA                 bool      `json:"ca,omitempty"`
}

// Bounds on what is kept per peer (a hostile capture may repeat payloads).
const (
	maxPeerCerts    = 8
	maxPeerCertReqs = 32
)

// certState is what an SA's two peers said about identities and
// certificates, indexed by side.
//
// Why it is three small pieces instead of one 512-octet block: most SAs
// with certificate facts (big100k: 22,730 of 100,000) have seen nothing
// but the responder's CERTREQ in IKE_SA_INIT (the IKE_AUTH that follows
// is encrypted). An IKEv2 one is held in saRare (firstReq) until more
// comes; an SA that needs a certState keeps this (24 octets) and a
// peerCerts (64) per side that showed something, its hashes shared
// (internTab); identities, AUTH and certificates, which need a peerCred
// (192), come with keys or IKEv1 (TestCertStateSize).
type certState struct {
	peer     [2]*peerCerts // nil: the side showed nothing (noPeerCerts)
	rejecter int8          // side that sent AUTHENTICATION_FAILED, -1 none
	used     bool          // a CERT, CERTREQ, SIG or signature AUTH was seen
}

// peerCerts is the working copy of one peer's PeerAuth facts: its
// certificate requests here, the rest in peerCred.
type peerCerts struct {
	reqFrame  int
	reqHashes caKeys   // IKEv2 CERTREQ CA key hashes (interned)
	reqDNs    []string // IKEv1 CR distinguished names (DER, interned)
	reqAny    bool     // a CERTREQ with no authority
	reqSeen   bool
	// *peerCred is never nil: &noPeerCred until cred() allocates one, so
	// that its fields read as those of peerCerts; write them only through
	// cred().
	*peerCred
}

// peerCred is what a peer showed of its identity and credentials.
//
// Its octet-wide fields come first, together, so that none is padded to
// 8 octets.
type peerCred struct {
	idType   uint8
	wantType uint8 // IKEv2 IDr in the initiator's request
	idSeen   bool
	wantSeen bool
	authSig  bool // authenticated with a signature (needs a certificate or raw key)
	// certOther counts CERT payloads of other encodings (hash and URL,
	// raw key…): at most maxPeerCerts (certSee stops counting there).
	certOther uint8
	id        []byte // copied
	want      []byte
	auth      string
	idFrame   int
	wantFrame int
	authFrame int
	certs     []*dissect.Certificate // copies, end entity first
	certFrame []int
	certAt    []time.Time
	certBad   []string // why a CERT could not be decoded, with its frame
}

// noPeerCred and noPeerCerts are the shared, never modified, empty
// peerCred and peerCerts read for a side that has none.
var (
	noPeerCred  peerCred
	noPeerCerts = peerCerts{peerCred: &noPeerCred}
)

// side returns the facts of side s for reading (noPeerCerts when none).
func (cs *certState) side(s saSide) *peerCerts {
	if pc := cs.peer[s]; pc != nil {
		return pc
	}
	return &noPeerCerts
}

// sideState returns the facts of side s, allocating them, for writing.
func (cs *certState) sideState(s saSide) *peerCerts {
	if cs.peer[s] == nil {
		cs.peer[s] = &peerCerts{peerCred: &noPeerCred}
	}
	return cs.peer[s]
}

// cred returns pc's peerCred, allocating it, for writing.
func (pc *peerCerts) cred() *peerCred {
	if pc.peerCred == &noPeerCred {
		pc.peerCred = new(peerCred)
	}
	return pc.peerCred
}

// certs returns st's certState, allocating it with what st's firstReq
// held.
func (st *saState) certs() *certState {
	r := st.rare()
	if r.cert == nil {
		r.cert = &certState{rejecter: -1}
		if r.reqFrame != 0 {
			st.moveReq(r.cert)
		}
	}
	return r.cert
}

// The first request (firstReq) is what an SA's IKEv2 CERTREQs said (one
// side's, the first at a frame number below 2^32) while they are all it
// has of certificate facts, instead of a certState and a peerCerts: a
// responder that sends a CERTREQ in IKE_SA_INIT, as a gateway with
// certificates does, gives every SA one, and without keys its IKE_AUTH
// shows nothing more (big100k: 20,457 SAs). saRare.reqFrame is the frame
// of the first CERTREQ (0: none held), saRare.reqKeys the CA key hashes
// (shared, internTab.keys; nil: none), and saState.flags tell who sent it
// (flReqFromR) and whether one had no authority (flReqAny,
// peerCerts.reqAny). Anything else certSee keeps (the other side's
// CERTREQ, an IKEv1 CR, identities, AUTH, CERT, a refusal) moves it to a
// certState first (certs), and certFindings reads it through one.

// holdsReq reports whether st holds a first request (see above).
func (st *saState) holdsReq() bool { return st.rareOrEmpty().reqFrame != 0 }

// moveReq gives cs, new, the facts of st's first request, and forgets
// them.
func (st *saState) moveReq(cs *certState) {
	r := st.saRare
	side := sideI
	if st.flags.has(flReqFromR) {
		side = sideR
	}
	cs.used = true
	pc := cs.sideState(side)
	pc.reqSeen, pc.reqFrame, pc.reqAny = true, int(r.reqFrame), st.flags.has(flReqAny)
	if r.reqKeys != nil {
		pc.reqHashes = *r.reqKeys
	}
	r.reqKeys, r.reqFrame = nil, 0
	st.flags.clear(flReqFromR | flReqAny)
}

// holdReq keeps pl, an IKEv2 CERTREQ (in an IKEv2 message: certSee reads
// the CERTREQs of IKEv1 ones as CA names) that side sent in frame, as st's
// first request when st has no certState and can hold it there, and
// reports whether it did; certSee keeps the others in a certState.
func (a *Analyzer) holdReq(st *saState, side saSide, pl *dissect.Payload, frame int) bool {
	r := st.rareOrEmpty()
	if a.msg.Header.MajorVersion != 2 || pl.Type != dissect.PayloadCertReq || len(pl.Body) < 1 || r.cert != nil ||
		r.reqFrame != 0 && st.flags.has(flReqFromR) != (side == sideR) {
		return false
	}
	if r.reqFrame == 0 {
		if frame <= 0 || frame > math.MaxUint32 {
			return false
		}
		r = st.rare()
		r.reqFrame = uint32(frame)
		st.flags.put(flReqFromR, side == sideR)
		st.flags.clear(flReqAny)
	}
	data := pl.Body[1:]
	if len(data) == 0 {
		st.flags.set(flReqAny)
		return true
	}
	var have caKeys
	if r.reqKeys != nil {
		have = *r.reqKeys
	}
	var buf [maxPeerCertReqs * caKeyLen]byte
	if b := appendCAKeys(&buf, have, data); b != nil {
		r.reqKeys = a.shared.keys(b)
	}
	return true
}

// appendCAKeys puts the hashes have and those of data, a CERTREQ's CA
// hashes, back to back in buf, up to maxPeerCertReqs of them, for sharing
// through the Analyzer's internTab; nil when data adds none.
func appendCAKeys(buf *[maxPeerCertReqs * caKeyLen]byte, have caKeys, data []byte) []byte {
	n := min(len(data)/caKeyLen, maxPeerCertReqs-have.n())
	if n <= 0 {
		return nil
	}
	k := copy(buf[:], have)
	k += copy(buf[k:], data[:n*caKeyLen])
	return buf[:k]
}

// certSee records the identity, certificate and authentication payloads of
// one first-seen message (IKEv2, or IKEv1 main/aggressive mode) sent by
// side. The payloads are the decrypted contents when f.decrypted, the
// message's own payloads otherwise.
func (a *Analyzer) certSee(st *saState, p *Packet, side saSide, f *facts) {
	ps := a.msg.Payloads
	if f.decrypted {
		ps = a.inner
	}
	version := a.msg.Header.MajorVersion
	var cs *certState
	get := func() *certState {
		if cs == nil {
			cs = st.certs()
		}
		return cs
	}
	for _, n := range f.notifies {
		switch {
		case version == 2 && n.typ == uint16(dissect.NotifySignatureHashAlgorithms):
			if st.hashAlgs[side] == 0 {
				st.hashAlgs[side] = hashBits(n.data)
			}
		case version == 2 && n.typ == uint16(dissect.NotifyAuthenticationFailed),
			version == 1 && (n.typ == uint16(dissect.NotifyV1AuthenticationFailed) ||
				n.typ == uint16(dissect.NotifyV1InvalidSignature) || n.typ == uint16(dissect.NotifyV1InvalidCertAuthority) ||
				n.typ == uint16(dissect.NotifyV1InvalidCertificate)):
			if c := get(); c.rejecter < 0 {
				c.rejecter = int8(side)
			}
		}
	}
	if r := st.rareOrEmpty(); cs == nil && r.cert == nil && r.reqFrame == 0 && !certRelevant(ps) {
		return // pre-shared keys and no certificates so far: nothing to keep
	}
	for _, pl := range ps {
		switch pl.Type {
		case dissect.PayloadIDi, dissect.PayloadIDr, dissect.PayloadIDV1:
			if len(pl.Body) < 4 || version == 1 && a.msg.Header.Exchange != dissect.ExchangeIdentityProtect &&
				a.msg.Header.Exchange != dissect.ExchangeAggressive {
				continue
			}
			pc := get().sideState(side)
			if version == 2 && side == sideI && pl.Type == dissect.PayloadIDr {
				if !pc.wantSeen {
					cr := pc.cred()
					cr.wantSeen, cr.wantType, cr.want, cr.wantFrame = true, pl.Body[0], clip(pl.Body[4:], 512), p.Frame
				}
				continue
			}
			if !pc.idSeen {
				cr := pc.cred()
				cr.idSeen, cr.idType, cr.id, cr.idFrame = true, pl.Body[0], clip(pl.Body[4:], 512), p.Frame
			}
		case dissect.PayloadCert, dissect.PayloadCertV1:
			c := get()
			c.used = true
			pc := c.sideState(side)
			if len(pc.certs)+int(pc.certOther)+len(pc.certBad) >= maxPeerCerts {
				continue // a huge chain: the first ones are what matters
			}
			body, err := dissect.DecodePayload(version, pl)
			var cert *dissect.Certificate
			switch b := body.(type) {
			case *dissect.Cert:
				cert = b.Certificate
				if b.Certificate == nil && b.HashURL == nil && err == nil {
					pc.cred().certOther++
				}
				if b.HashURL != nil {
					pc.cred().certOther++
				}
			case *dissect.CertV1:
				cert = b.Certificate
				if b.Certificate == nil && err == nil {
					pc.cred().certOther++
				}
			}
			if err != nil && len(pc.certBad) < 4 {
				cr := pc.cred()
				cr.certBad = append(cr.certBad, "frame "+a.frames.one(p.Frame)+": "+err.Error())
			}
			if cert != nil && len(pc.certs) < maxPeerCerts {
				cp := *cert
				cp.RawSubject = bytes.Clone(cert.RawSubject)
				cp.RawIssuer = bytes.Clone(cert.RawIssuer)
				cr := pc.cred()
				cr.certs = append(cr.certs, &cp)
				cr.certFrame = append(cr.certFrame, p.Frame)
				cr.certAt = append(cr.certAt, p.Time)
			}
		case dissect.PayloadCertReq, dissect.PayloadCertReqV1:
			if cs == nil && a.holdReq(st, side, &pl, p.Frame) {
				continue
			}
			c := get()
			c.used = true
			pc := c.sideState(side)
			if len(pl.Body) < 1 {
				continue
			}
			if !pc.reqSeen {
				pc.reqSeen, pc.reqFrame = true, p.Frame
			}
			data := pl.Body[1:]
			switch {
			case len(data) == 0:
				pc.reqAny = true
			case version == 1:
				if len(pc.reqDNs) < maxPeerCertReqs {
					pc.reqDNs = append(pc.reqDNs, a.shared.text(data[:min(len(data), 1024)]))
				}
			default:
				var buf [maxPeerCertReqs * caKeyLen]byte
				if b := appendCAKeys(&buf, pc.reqHashes, data); b != nil {
					pc.reqHashes = caKeys(a.shared.text(b))
				}
			}
		case dissect.PayloadAuth:
			if len(pl.Body) < 1 {
				continue
			}
			pc := get().sideState(side)
			if pc.auth == "" {
				m := dissect.AuthMethod(pl.Body[0])
				cr := pc.cred()
				cr.auth, cr.authSig, cr.authFrame = authName(m), m != dissect.AuthPSK && m != dissect.AuthNULL && m != dissect.AuthGSPAM, p.Frame
				if cr.authSig {
					cs.used = true
				}
			}
		case dissect.PayloadSigV1:
			c := get()
			c.used = true
			pc := c.sideState(side)
			if pc.auth == "" {
				cr := pc.cred()
				cr.auth, cr.authSig, cr.authFrame = "signature (SIG payload)", true, p.Frame
			}
		}
	}
}

// clip copies at most n octets of b.
func clip(b []byte, n int) []byte {
	if len(b) > n {
		b = b[:n]
	}
	return bytes.Clone(b)
}

// authName names an IKEv2 AUTH method for people.
func authName(m dissect.AuthMethod) string {
	switch m {
	case dissect.AuthRSASig:
		return "RSA signature"
	case dissect.AuthPSK:
		return "shared key"
	case dissect.AuthDSSSig:
		return "DSS signature"
	case dissect.AuthECDSA256:
		return "ECDSA P-256"
	case dissect.AuthECDSA384:
		return "ECDSA P-384"
	case dissect.AuthECDSA521:
		return "ECDSA P-521"
	case dissect.AuthDigitalSig:
		return "digital signature (RFC 7427)"
	case dissect.AuthNULL:
		return "NULL"
	}
	return m.String()
}

// idText renders an identity (IKEv1 and IKEv2 share the type numbers used
// here) as "FQDN moon.example.com".
func idText(typ uint8, data []byte) string {
	switch typ {
	case 1, 5:
		if a, ok := netip.AddrFromSlice(data); ok {
			return "IP " + a.String()
		}
	case 2:
		return "FQDN " + printable(data)
	case 3:
		return "email " + printable(data)
	case 9:
		if s := dissect.DNString(data); s != "" {
			return "DN " + s
		}
	case 11:
		return "key ID " + hex.EncodeToString(data)
	}
	return dissect.IDType(typ).String() + " " + hex.EncodeToString(clip(data, 32))
}

// printable returns b as text with anything outside printable ASCII
// escaped.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return strconv.QuoteToASCII(string(b))
		}
	}
	return string(b)
}

// peerAuths builds the exported PeerAuth of both sides; hashes are the
// sides' hashBits. memo (nil: none) holds the texts of certificate
// requests already decoded for other SAs.
func (cs *certState) peerAuths(hashes [2]uint8, memo *textMemo) []PeerAuth {
	out := make([]PeerAuth, 0, 2)
	for side := sideI; side <= sideR; side++ {
		pc := cs.side(side)
		pa := PeerAuth{Role: side.String(), Auth: pc.auth}
		if pc.idSeen {
			pa.ID = idText(pc.idType, pc.id)
		}
		if pc.wantSeen {
			pa.WantedPeerID = idText(pc.wantType, pc.want)
		}
		for i, c := range pc.certs {
			pa.Certificates = append(pa.Certificates, CertSummary{
				Frame: pc.certFrame[i], Subject: c.Subject, Issuer: c.Issuer, SANs: c.SANs,
				NotBefore: c.NotBefore, NotAfter: c.NotAfter, Key: keyText(c),
				SignatureAlgorithm: c.SignatureAlgorithm, SPKISHA1: c.SPKISHA1, CA: c.IsCA,
			})
		}
		for i := range pc.reqHashes.n() {
			pa.CertRequests = append(pa.CertRequests, memo.text(memoHex, pc.reqHashes.at(i)))
		}
		for _, d := range pc.reqDNs {
			pa.CertRequests = append(pa.CertRequests, memo.text(memoDN, d))
		}
		if pc.reqAny {
			pa.CertRequests = append(pa.CertRequests, "any")
		}
		pa.HashAlgorithms = hashNames(hashes[side])
		out = append(out, pa)
	}
	return out
}

// keyText renders a certificate's key: "RSA 3072", "ECDSA P-256".
func keyText(c *dissect.Certificate) string {
	switch {
	case c.Curve != "":
		return c.KeyType + " " + c.Curve
	case c.KeyBits > 0:
		return c.KeyType + " " + strconv.Itoa(c.KeyBits)
	}
	return c.KeyType
}

// dnOrHex renders a DER name, or hex when it does not parse.
func dnOrHex(d string) string {
	b := []byte(d)
	if s := dissect.DNString(b); s != "" {
		return s
	}
	return hex.EncodeToString(b)
}

// hashBits turns the data of a SIGNATURE_HASH_ALGORITHMS notify into a bit
// set: bit v-1 for the values 1-7 (SHA1, SHA2_256, SHA2_384, SHA2_512,
// IDENTITY, STREEBOG_256, STREEBOG_512), bit 7 for any other value, so that
// an unknown value never makes two lists look disjoint.
func hashBits(data []byte) uint8 {
	var b uint8
	for i := 0; i+2 <= len(data); i += 2 {
		v := uint16(data[i])<<8 | uint16(data[i+1])
		if v >= 1 && v <= 7 {
			b |= 1 << (v - 1)
		} else {
			b |= 1 << 7
		}
	}
	return b
}

// hashNames lists the algorithms of a hashBits set.
func hashNames(b uint8) []string {
	if b == 0 {
		return nil
	}
	out := make([]string, 0, bits.OnesCount8(b))
	for v := range 8 {
		if b&(1<<v) != 0 {
			out = append(out, hashBitNames[v])
		}
	}
	return out
}

// hashBitNames names the bits of hashBits: the names of the values 1-7,
// then "other" (a table, as hashNames runs for every SA with signatures).
var hashBitNames = [8]string{dissect.HashAlgorithm(1).String(), dissect.HashAlgorithm(2).String(),
	dissect.HashAlgorithm(3).String(), dissect.HashAlgorithm(4).String(), dissect.HashAlgorithm(5).String(),
	dissect.HashAlgorithm(6).String(), dissect.HashAlgorithm(7).String(), "other"}

// certRelevant reports whether payloads hold a certificate, a certificate
// request or a signature (AUTH with a signature method, IKEv1 SIG).
func certRelevant(ps []dissect.Payload) bool {
	for _, p := range ps {
		switch p.Type {
		case dissect.PayloadCert, dissect.PayloadCertV1, dissect.PayloadCertReq, dissect.PayloadCertReqV1, dissect.PayloadSigV1:
			return true
		case dissect.PayloadAuth:
			if len(p.Body) > 0 {
				m := dissect.AuthMethod(p.Body[0])
				if m != dissect.AuthPSK && m != dissect.AuthNULL && m != dissect.AuthGSPAM {
					return true
				}
			}
		}
	}
	return false
}
