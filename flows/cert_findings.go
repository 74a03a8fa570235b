package flows

import (
	"bytes"
	"encoding/hex"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/words"
)

// Layout and evidence weights of the certificate findings.
const (
	certTimeLayout           = "2006-01-02 15:04:05 UTC"
	evidenceStrong, evMedium = 3, 2
	evidenceWeak             = 1
)

// certCause is one possible reason for an authentication failure, with how
// strongly the capture supports it.
type certCause struct {
	score  int
	side   saSide // whose credentials it is about
	text   string
	frames []int
	// chain marks a cause that only the ranking reports, as a
	// certificate_chain_unverifiable finding when it is kept.
	chain bool
}

// noIKEBefore is when IKE was published (RFC 2409, November 1998): a
// capture clock before it was not set (a host without a real-time clock)
// or counts from the capture's start (relative timestamps, as some
// converters of vendors' packet dumps write them).
var noIKEBefore = time.Date(1998, 11, 1, 0, 0, 0, 0, time.UTC)

// certDates words a certificate c of side who (frame fr) outside its
// validity at the time it was sent, at by the capture's clock: the text,
// its severity and advice, and whether it is evidence for a failed
// authentication. The capture's clock is only a witness of the peers':
// when it reads a time before IKE existed it says nothing of them (info),
// and when the other peer accepted the certificate (the SA came up) the
// clocks disagree or that peer does not check validity (info).
func (a *Analyzer) certDates(st *saState, who string, c *dissect.Certificate, at time.Time, fr int) (text string, sev Severity, tail string, evidence bool) {
	if at.After(c.NotAfter) {
		text = who + "'s certificate '" + c.Subject + "' (frame " + a.frames.one(fr) + ") had expired " +
			humanDur(at.Sub(c.NotAfter)) + " before it was sent: valid until " + c.NotAfter.Format(certTimeLayout) +
			", sent " + at.UTC().Format(certTimeLayout) + " (capture clock)."
		tail = " A peer that checks validity refuses it. Renew the certificate; if the dates look wrong, check the clocks of" +
			" the peers and of the capturing host."
	} else {
		text = who + "'s certificate '" + c.Subject + "' (frame " + a.frames.one(fr) + ") was not valid yet: valid from " +
			c.NotBefore.Format(certTimeLayout) + ", " + humanDur(c.NotBefore.Sub(at)) + " after it was sent (" +
			at.UTC().Format(certTimeLayout) + ", capture clock)."
		tail = " A peer that checks validity refuses it. Check the clock of the peer that issued or validates it (NTP), or wait" +
			" until the start date."
	}
	switch {
	case at.Before(noIKEBefore):
		return text, SeverityInfo, " But the capture's clock reads a time before IKE existed (RFC 2409, 1998): its timestamps" +
			" count from the start of the capture, or the capturing host's clock was not set. The certificate's dates cannot" +
			" be judged from it; compare them with the peers' clocks.", false
	case st.out.has(outAuthOK) && !st.out.has(outAuthFailed):
		return text, SeverityInfo, " The other peer accepted it all the same (the SA came up): the capturing host's clock" +
			" differs from the peers', or that peer does not check validity; a peer that does would refuse it by the" +
			" capture's clock.", false
	}
	return text, SeverityError, tail, true
}

// certFindings adds the certificate and identity findings of an SA and,
// when authentication failed, ranks their evidence. Called by conclude,
// with its scratch space cc.
func (a *Analyzer) certFindings(st *saState, cc *concluder) {
	cs := st.rareOrEmpty().cert
	if cs == nil && st.holdsReq() {
		cs = st.certs() // what firstReq held
	}
	if cs == nil || !cs.used {
		return
	}
	sa := st.model()
	hashes := st.hashAlgs
	if cc.memo == nil {
		cc.memo = &textMemo{m: make(map[string]string)}
	}
	sa.Peers = cs.peerAuths(hashes, cc.memo)
	if cs.rejecter == int8(sideI) && sa.Version == 2 {
		// The initiator refused the responder after IKE_AUTH (INFORMATIONAL
		// with AUTHENTICATION_FAILED, RFC 7296 §2.21.2): it never installed
		// the child SA that IKE_AUTH negotiated.
		for _, c := range sa.ChildSAs {
			if c.ESPPackets == (ESPCount{}) && c.State != ChildRekeyed {
				c.State = ChildFailed
			}
		}
	}
	var causes []certCause
	add := func(score int, side saSide, text string, frames ...int) {
		causes = append(causes, certCause{score: score, side: side, text: text, frames: frames})
	}
	for side := sideI; side <= sideR; side++ {
		s, o := cs.side(side), cs.side(side.other())
		who := "The " + side.String()
		if len(s.certs) > 0 {
			st.addFinding(KindCertificate, SeverityInfo, s.certAt[0], certLine(side, s), s.certFrame...)
		}
		for _, bad := range s.certBad {
			st.addFinding(KindCertDamaged, SeverityWarning, sa.Start,
				who+" sent a certificate ikeflow could not decode ("+bad+"): a truncated capture or damaged data;"+
					" a peer receiving it this way cannot use it either.")
		}
		for i, c := range s.certs {
			at, fr := s.certAt[i], s.certFrame[i]
			switch {
			case at.After(c.NotAfter) || at.Before(c.NotBefore):
				t, sev, tail, ev := a.certDates(st, who, c, at, fr)
				kind := KindCertExpired
				if at.Before(c.NotBefore) {
					kind = KindCertNotYetValid
				}
				st.addFinding(kind, sev, at, t+tail, fr)
				if ev {
					add(evidenceStrong, side, t, fr)
				}
			}
			if w := weakness(c); w != "" {
				t := who + "'s certificate '" + c.Subject + "' (frame " + a.frames.one(fr) + ") " + w + "."
				st.addFinding(KindWeakCertificate, SeverityWarning, at, t+" Peers with a minimum-strength policy"+
					" (FIPS modes; strongSwan only with signature constraints configured) refuse it; reissue it with"+
					" RSA of 2048 bits or more (or ECDSA) and a SHA-256 signature.", fr)
				add(evidenceWeak, side, t, fr)
			}
		}
		if s.idSeen && len(s.certs) > 0 {
			if ok, why := idInCert(s.idType, s.id, s.certs[0]); !ok {
				t := who + " sent the identity " + idText(s.idType, s.id) + " (frame " + a.frames.one(s.idFrame) +
					") but its certificate '" + s.certs[0].Subject + "' does not contain it (" + why + ")."
				sev, tail := SeverityError, " strongSwan, for one, requires the identity to be in the certificate's"+
					" subjectAltName (or to be its subject DN) and fails authentication otherwise: set the identity to one the"+
					" certificate holds, or reissue the certificate with that subjectAltName."
				if st.out.has(outAuthOK) && !st.out.has(outAuthFailed) && side == sideR && st.hasFinding(KindDeletedAfterAuth) {
					// The initiator ended the SA at once, in an
					// exchange whose content the capture does not give
					// (ikev2-cert-id-not-in-cert without the initiator's
					// AUTHENTICATION_FAILED: "The other peer accepted it").
					tail += " The initiator ended this SA right after IKE_AUTH (deleted_after_auth), which is what a" +
						" peer that refuses the match does."
				} else if st.out.has(outAuthOK) && !st.out.has(outAuthFailed) {
					sev, tail = SeverityInfo, " The other peer accepted it (it does not enforce the match), but strongSwan,"+
						" for one, would refuse it: set the identity to one the certificate holds before moving"+
						" to such a peer."
				}
				st.addFinding(KindIDNotInCert, sev, sa.Start, t+tail, s.idFrame, s.certFrame[0])
				add(evidenceStrong, side, t, s.idFrame, s.certFrame[0])
			}
		}
		if o.reqSeen && s.authSig && len(s.certs) == 0 && s.certOther == 0 && len(s.certBad) == 0 {
			t := who + " was asked for a certificate (CERTREQ in frame " + a.frames.one(o.reqFrame) + ") and" +
				" authenticated with " + s.auth + " (frame " + a.frames.one(s.authFrame) + "), but sent no certificate."
			st.addFinding(KindNoCertSent, SeverityWarning, sa.Start, t+" The other peer can only verify the signature"+
				" if it already has this certificate or public key. Configure the peer to send its certificate"+
				" (strongSwan: certs = …; Cisco: the trustpoint on the IKE profile), or preload it on the other side.",
				o.reqFrame, s.authFrame)
			add(evMedium, side, t, o.reqFrame, s.authFrame)
		}
		if len(s.certs) > 0 && (len(o.reqDNs) > 0 || o.reqHashes != "") {
			if text, score := chainVsRequest(side, s, o, a.frames); score == evidenceStrong {
				st.addFinding(KindCertCANotRequested, SeverityWarning, sa.Start, text+" The other peer can only"+
					" verify it if it also trusts that issuer: send the intermediate certificates, or use a"+
					" certificate from a CA the peer asks for.", o.reqFrame, s.certFrame[0])
				add(evidenceStrong, side, text, o.reqFrame, s.certFrame[0])
			} else if score > 0 {
				causes = append(causes, certCause{score: score, side: side, text: text, chain: true,
					frames: []int{o.reqFrame, s.certFrame[0]}})
			}
		}
	}
	i, r := cs.side(sideI), cs.side(sideR)
	if i.wantSeen && r.idSeen && (i.wantType != r.idType || !bytes.Equal(i.want, r.id)) {
		t := "The initiator asked for the responder identity " + idText(i.wantType, i.want) + " (IDr in its IKE_AUTH" +
			" request), but the responder answered as " + idText(r.idType, r.id) + " (frame " + a.frames.one(r.idFrame) + ")."
		sev := SeverityWarning
		if st.out.has(outAuthFailed) {
			sev = SeverityError
		}
		st.addFinding(KindIDrMismatch, sev, sa.Start, t+" strongSwan, for one, then refuses the responder"+
			" (the configured remote identity does not match; it logs \"constraint check failed: identity ... required\")."+
			" Make the initiator's remote ID equal the responder's local ID.", r.idFrame)
		add(evidenceStrong, sideR, t, r.idFrame)
	} else if i.wantSeen && !r.idSeen && cs.rejecter == int8(sideR) {
		add(evMedium, sideI, "The initiator asked for the responder identity "+idText(i.wantType, i.want)+
			" (IDr in its IKE_AUTH request) and the responder refused without saying who it is: a responder"+
			" whose own identity differs picks no configuration for the request.", i.wantFrame)
	}
	if hashes[sideI] != 0 && hashes[sideR] != 0 && hashes[sideI]&hashes[sideR] == 0 {
		t := "The peers announced RFC 7427 signature hash algorithms with nothing in common in IKE_SA_INIT: initiator " +
			strings.Join(hashNames(hashes[sideI]), ", ") + ", responder " + strings.Join(hashNames(hashes[sideR]), ", ") + "."
		// What the mismatch means depends on how the peers then
		// authenticated (RFC 7427 signatures are AUTH method 14).
		const dsig = "digital signature (RFC 7427)"
		sev, more := SeverityWarning, " A digital signature (AUTH method 14) made with a hash the other side did not"+
			" announce may be refused. Enable a common hash (SHA2-256) on both sides."
		switch {
		case st.out.has(outAuthFailed):
			sev, more = SeverityError, " Neither can make a digital signature (AUTH method 14) with a hash the other"+
				" announced, which can explain the failed authentication. Enable a common hash (SHA2-256) on both sides."
		case i.auth == "" || r.auth == "":
			// The AUTH payloads were not seen (encrypted without keys).
		case i.auth == dsig || r.auth == dsig:
			sev, more = SeverityInfo, " They authenticated with digital signatures (AUTH method 14) all the same: a"+
				" peer accepted a hash it had not been told of. A stricter peer refuses it; enable a common hash"+
				" (SHA2-256) on both sides."
		default:
			sev, more = SeverityInfo, " This SA authenticated with "+i.auth+" and "+r.auth+", which do not use them;"+
				" a move to digital signatures (AUTH method 14) may fail. Enable a common hash (SHA2-256) on both sides."
		}
		st.addFinding(KindHashAlgMismatch, sev, sa.Start, t+more, sa.FirstFrame)
		add(evidenceStrong, sideI, t, sa.FirstFrame)
	}
	if i.auth != "" && r.auth != "" && (i.auth == "shared key") != (r.auth == "shared key") {
		t := "The peers authenticated differently: initiator with " + i.auth + " (frame " + a.frames.one(i.authFrame) +
			"), responder with " + r.auth + " (frame " + a.frames.one(r.authFrame) + ")."
		if st.out.has(outAuthFailed) {
			st.addFinding(KindAuthMethodMismatch, SeverityWarning, sa.Start, t+" IKEv2 allows it, but each side must"+
				" be configured to expect the other's method.", i.authFrame, r.authFrame)
		}
		add(evMedium, sideI, t, i.authFrame, r.authFrame)
	}
	if e := st.eapOrEmpty(); st.out.has(outAuthFailed) && e.fail == 0 && !(e.rounds > 0 && (authUnansweredBefore(st, nil) != nil || eapRoundMissed(st) != nil)) {
		// (An EAP Failure refused EAP credentials, which the capture
		// does not show: its own finding says so. So when the answer to
		// the last EAP round is missing: errorNotify says what it most
		// likely held.)
		causes = keepCauses(cs, causes)
		for _, c := range causes {
			if c.chain {
				st.addFinding(KindCertChain, SeverityWarning, sa.Start, c.text, c.frames...)
			}
		}
		a.certEvidence(st, cs, causes)
	}
}

// keepCauses drops the causes the capture rules out: those about the
// credentials of a peer the other one accepted (it sent its own AUTH before
// refusing), and mere possibilities when strong evidence points at the
// refused peer.
func keepCauses(cs *certState, causes []certCause) []certCause {
	if cs.rejecter < 0 {
		return causes
	}
	refused := saSide(cs.rejecter).other()
	strong := slices.ContainsFunc(causes, func(c certCause) bool { return c.side == refused && c.score == evidenceStrong })
	return slices.DeleteFunc(causes, func(c certCause) bool {
		accepted := cs.rejecter == int8(sideI) && c.side == sideI && cs.side(sideR).auth != ""
		return accepted || strong && c.score < evidenceStrong
	})
}

// certEvidence ranks the causes of an authentication failure by evidence:
// those about the credentials the rejecting peer refused first, stronger
// before weaker.
func (a *Analyzer) certEvidence(st *saState, cs *certState, causes []certCause) {
	rejected := -1
	if cs.rejecter >= 0 {
		rejected = 1 - int(cs.rejecter)
	}
	rank := func(c certCause) int {
		r := c.score * 2
		if rejected < 0 || int(c.side) == rejected {
			r++
		}
		return r
	}
	sort.SliceStable(causes, func(x, y int) bool { return rank(causes[x]) > rank(causes[y]) })
	var b strings.Builder
	var frames []int
	var ranked []Cause
	if rejected >= 0 {
		b.WriteString("The " + saSide(cs.rejecter).String() + " refused the " + saSide(rejected).String() + "'s credentials. ")
	}
	if len(causes) == 0 {
		b.WriteString("The certificates and identities in this capture show nothing ikeflow can check that explains it" +
			" (validity at capture time, identities against certificates, requested CAs, key sizes, hash algorithms)." +
			" What the wire cannot show: whether the validating peer trusts the issuing CA, revocation (CRL/OCSP) and its" +
			" identity policy; its log names the reason.")
	} else {
		b.WriteString("Certificate and identity evidence, most likely cause first: ")
		for n, c := range causes {
			if n > 0 {
				b.WriteString(" ")
			}
			b.WriteString(strconv.Itoa(n+1) + ". [" + evidenceName(c.score) + "] " + c.text)
			frames = append(frames, c.frames...)
			ranked = append(ranked, Cause{Evidence: evidenceName(c.score), Text: c.text})
		}
	}
	i := st.addFinding(KindAuthFailedEvidence, SeverityError, st.model().Start, b.String(), frames...)
	st.findings()[i].Causes = ranked
}

func evidenceName(score int) string {
	switch score {
	case evidenceStrong:
		return "strong"
	case evMedium:
		return "possible"
	}
	return "weak"
}

// certLine is the per-peer summary: who sent which certificates, and what
// the other peer asked for.
func certLine(side saSide, s *peerCerts) string {
	var b strings.Builder
	b.WriteString("The " + side.String())
	if s.idSeen {
		b.WriteString(" (" + idText(s.idType, s.id) + ")")
	}
	b.WriteString(" sent ")
	for i, c := range s.certs {
		if i > 0 {
			b.WriteString("; then ")
		}
		b.WriteString("'" + c.Subject + "': " + keyText(c) + ", " + c.SignatureAlgorithm + ", valid " +
			c.NotBefore.Format("2006-01-02") + " to " + c.NotAfter.Format("2006-01-02") + ", issued by '" + c.Issuer + "'")
		if len(c.SANs) > 0 {
			b.WriteString(", SAN " + strings.Join(uniq(c.SANs), ", "))
		}
	}
	if s.auth != "" {
		b.WriteString("; authenticated with " + s.auth)
	}
	b.WriteString(".")
	return b.String()
}

func uniq(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// weakness says what is weak about a certificate ("" when nothing).
func weakness(c *dissect.Certificate) string {
	var w []string
	switch {
	case c.KeyType == "RSA" && c.KeyBits > 0 && c.KeyBits < 2048:
		bits := strconv.Itoa(c.KeyBits)
		w = append(w, "has "+words.Article(bits)+" "+bits+"-bit RSA key")
	case c.KeyType == "DSA":
		w = append(w, "has a DSA key")
	}
	if sig := strings.ToUpper(c.SignatureAlgorithm); strings.Contains(sig, "SHA1") || strings.Contains(sig, "MD5") || strings.Contains(sig, "MD2") {
		w = append(w, "is signed with "+c.SignatureAlgorithm)
	}
	return strings.Join(w, " and ")
}

// idInCert reports whether the identity is one the certificate holds and,
// when not, what the certificate has instead.
func idInCert(typ uint8, id []byte, c *dissect.Certificate) (bool, string) {
	has := func(prefix string, fold bool) bool {
		for _, s := range c.SANs {
			if v, ok := strings.CutPrefix(s, prefix); ok && (v == string(id) || fold && strings.EqualFold(v, string(id))) {
				return true
			}
		}
		return false
	}
	sans := "subjectAltNames: " + listOr(uniq(c.SANs), "none")
	switch typ {
	case 1, 5:
		t := idText(typ, id)
		for _, s := range c.SANs {
			if "IP "+strings.TrimPrefix(s, "IP:") == t && strings.HasPrefix(s, "IP:") {
				return true, ""
			}
		}
		return false, sans
	case 2:
		if has("DNS:", true) {
			return true, ""
		}
		if strings.Contains(c.Subject, "CN="+string(id)) {
			return false, sans + "; only the subject CN matches, which peers do not accept for an FQDN identity"
		}
		return false, sans
	case 3:
		if has("email:", true) || strings.Contains(c.Subject, "E="+string(id)) {
			return true, ""
		}
		return false, sans
	case 9:
		if bytes.Equal(id, c.RawSubject) || dissect.DNString(id) == c.Subject {
			return true, ""
		}
		for _, s := range c.SANs {
			if s == "DN:"+dissect.DNString(id) {
				return true, ""
			}
		}
		return false, "its subject is '" + c.Subject + "'"
	}
	return true, "" // key IDs and other types: nothing to compare
}

// chainVsRequest compares the certificates side sent with the CAs the
// other side asked for. definite is true when the mismatch is certain
// (IKEv1 requests name the CA); for IKEv2 hashes it is a possibility unless
// a sent certificate has a requested key. fn names the frames.
func chainVsRequest(side saSide, s, o *peerCerts, fn frameNamer) (text string, score int) {
	ee := s.certs[0]
	for _, c := range s.certs {
		for i := range o.reqHashes.n() {
			if hexIs(c.SPKISHA1, o.reqHashes.at(i)) {
				return "", 0 // a sent CA certificate has a requested key
			}
		}
		for _, d := range o.reqDNs {
			if string(c.RawIssuer) == d || string(c.RawSubject) == d {
				return "", 0
			}
		}
	}
	// Follow issuers through the certificates sent.
	top := ee
	for range s.certs {
		next := (*dissect.Certificate)(nil)
		for _, c := range s.certs {
			if c != top && bytes.Equal(c.RawSubject, top.RawIssuer) {
				next = c
			}
		}
		if next == nil {
			break
		}
		top = next
	}
	who, other := side.String(), side.other().String()
	if len(o.reqDNs) > 0 {
		var names []string
		for _, d := range o.reqDNs {
			names = append(names, "'"+dnOrHex(d)+"'")
		}
		return "The " + other + " asked for certificates from " + strings.Join(names, ", ") + " (frame " +
			fn.one(o.reqFrame) + "), but the " + who + "'s certificate '" + ee.Subject + "' chains up to '" +
			top.Issuer + "' with what it sent.", evidenceStrong
	}
	var hs []string
	for i := range o.reqHashes.n() {
		hs = append(hs, hex.EncodeToString([]byte(o.reqHashes.at(i))))
	}
	text = "The " + other + " asked for certificates from the CA " + words.Pick(len(hs), "key ", "keys ") + strings.Join(hs, ", ") + " (SHA-1 of the" +
		" CA public key, frame " + fn.one(o.reqFrame) + "); the " + who + "'s certificate '" + ee.Subject + "' is issued by '" +
		top.Issuer + "', which it did not send, so the capture cannot show whether that issuer is the requested CA."
	var extra []string
	for i := range s.reqHashes.n() {
		if h := s.reqHashes.at(i); !o.reqHashes.has(h) {
			extra = append(extra, hex.EncodeToString([]byte(h)))
		}
	}
	switch {
	case len(extra) > 0:
		return text + " The " + who + " itself asks for " + words.Pick(len(extra), "a CA key", "CA keys") + " the " + other + " does not (" + strings.Join(extra, ", ") +
			"): the peers trust different CAs, so '" + top.Issuer + "' is likely a CA the " + other + " does not trust" +
			" (unknown CA): add it to the " + other + "'s trusted CAs, or use a certificate from a CA it asks for.", evMedium
	case s.reqHashes != "" && len(o.certs) > 0 && !bytes.Equal(o.certs[0].RawIssuer, top.RawIssuer):
		return text + " Both peers ask for the same " + words.Pick(s.reqHashes.n(), "CA key", "CA keys") + ", yet the " + other + "'s own certificate is issued by '" +
			o.certs[0].Issuer + "': '" + top.Issuer + "' is either an intermediate CA below the common root, which the " +
			who + " must send with its certificate (missing intermediate), or a CA the " + other + " does not trust (unknown CA).", evMedium
	}
	return "", 0
}

// humanDur renders a duration for people: "10 days 3 hours", "5 minutes".
func humanDur(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	days := int(d / (24 * time.Hour))
	d -= time.Duration(days) * 24 * time.Hour
	h := int(d / time.Hour)
	d -= time.Duration(h) * time.Hour
	m := int(d / time.Minute)
	switch {
	case days > 0 && h == 0:
		return words.Count(days, "day", "days")
	case days > 0:
		return words.Count(days, "day", "days") + " " + words.Count(h, "hour", "hours")
	case h > 0:
		return words.Count(h, "hour", "hours") + " " + words.Count(m, "minute", "minutes")
	case m > 0:
		return words.Count(m, "minute", "minutes")
	}
	return words.Count(int(d/time.Second), "second", "seconds")
}
