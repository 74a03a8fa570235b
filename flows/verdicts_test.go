package flows

import (
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// Verdicts that were false on real captures (issue 9 §2–§3): each test
// edits a real corpus capture the way the field produced the situation and
// checks what ikeflow says about it.

// findingsOf returns the findings of kind k in a report.
func findingsOf(r *Report, k FindingKind) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// logReport logs every SA's ladder, for failures.
func logReport(t *testing.T, r *Report) {
	t.Helper()
	for _, sa := range r.SAs {
		t.Log("\n" + Ladder(sa))
	}
	for _, f := range r.Findings {
		t.Logf("%s %s %v %s", f.Kind, f.Severity, f.Frames, f.Message)
	}
}

// TestErrorAnsweredEveryCopy: the responder answered each copy of the
// IKE_SA_INIT request at once with NO_PROPOSAL_CHOSEN and the initiator
// kept retransmitting. That is an ignored error, not packet loss.
func TestErrorAnsweredEveryCopy(t *testing.T) {
	base := corpusPackets(t, "ikev2-init-no-proposal")
	req, resp := base[0], base[1]
	var pk []Packet
	for i, d := range []time.Duration{0, 2 * time.Second, 6 * time.Second} {
		q, s := req, resp
		q.Data, s.Data = slices.Clone(req.Data), slices.Clone(resp.Data)
		q.Time, s.Time = req.Time.Add(d), resp.Time.Add(d)
		q.Frame, s.Frame = 2*i+1, 2*i+2
		pk = append(pk, q, s)
	}
	r := analyze(pk, Options{})
	rt := findingsOf(r, KindRetransmit)
	if len(rt) != 1 {
		logReport(t, r)
		t.Fatalf("%d retransmit findings, want 1", len(rt))
	}
	m := rt[0].Message
	for _, want := range []string{"Every copy was answered at once (responses in frames 2, 4, 6)",
		"NO_PROPOSAL_CHOSEN, which the initiator ignored", "not packet loss"} {
		if !strings.Contains(m, want) {
			t.Errorf("retransmit finding lacks %q:\n%s", want, m)
		}
	}
	if strings.Contains(m, "look for packet loss") || strings.Contains(m, "eventually answered") {
		t.Errorf("retransmit finding still blames loss:\n%s", m)
	}
	if rt[0].Severity != SeverityError {
		t.Errorf("severity %s, want error", rt[0].Severity)
	}
}

// TestSingleUnansweredInformational: the capture's last INFORMATIONAL
// request (sent once, the capture going on for 10 s more) is not a dead
// peer.
func TestSingleUnansweredInformational(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	pk := clonePackets(base)
	i := byFrame(t, pk, 14)
	pk = slices.Delete(pk, i, i+1)
	pk = append(pk, strayESP(pk[len(pk)-1].Time.Add(10*time.Second)))
	renumber(pk)
	r := analyze(pk, Options{})
	if d := findingsOf(r, KindDeadPeer); len(d) != 0 {
		t.Errorf("dead_peer on a single unanswered request: %s", d[0].Message)
	}
	u := findingsOf(r, KindUnanswered)
	if len(u) != 1 || u[0].Severity != SeverityInfo || !strings.Contains(u[0].Message, "does not show a dead peer") {
		logReport(t, r)
		t.Fatalf("want one informational unanswered_request, got %v", kinds(r.Findings))
	}

	// Sent three times and never answered: that is a dead peer.
	q := pk[byFrame(t, pk, 13)]
	for k, d := range []time.Duration{2 * time.Second, 6 * time.Second} {
		c := q
		c.Data, c.Time, c.Frame = slices.Clone(q.Data), q.Time.Add(d), 100+k
		pk = append(pk, c)
	}
	slices.SortStableFunc(pk, func(x, y Packet) int { return x.Time.Compare(y.Time) })
	r = analyze(pk, Options{})
	if d := findingsOf(r, KindDeadPeer); len(d) != 1 || d[0].Severity != SeverityError {
		logReport(t, r)
		t.Errorf("retransmitted and unanswered: want one dead_peer error, got %v", kinds(r.Findings))
	}
}

// TestOneWayESPText: ESP seen one way only; the capture cannot tell
// whether the receiver decrypts it, and the text must not claim it does.
func TestOneWayESPText(t *testing.T) {
	pk := corpusPackets(t, "ikev2-psk-success")
	resp := pk[1].Src.Addr()
	pk = slices.DeleteFunc(pk, func(p Packet) bool { return p.Kind == KindESP && p.Src.Addr() == resp })
	r := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/ikev2-psk-success")})
	f := countFindings(t, r, KindOneWayESP, 1)
	m := f[0].Message
	if strings.Contains(m, "the responder decrypts the traffic") || strings.Contains(m, "Good phase 1, good phase 2") {
		t.Errorf("one-way text asserts what the capture cannot show:\n%s", m)
	}
	c := r.SAs[0].ChildSAs[0]
	for _, want := range []string{"receives and decrypts them but its replies", "drops them before decryption",
		"SPI " + c.SPIr.String()} {
		if !strings.Contains(m, want) {
			t.Errorf("one-way text lacks %q:\n%s", want, m)
		}
	}
}

// v2Payloads splits an IKEv2 payload chain into (type, whole payload)
// pairs.
func v2Payloads(t *testing.T, first dissect.PayloadType, chain []byte) (types []dissect.PayloadType, parts [][]byte) {
	t.Helper()
	next := first
	for len(chain) > 0 {
		if len(chain) < 4 {
			t.Fatal("truncated payload chain")
		}
		n := int(binary.BigEndian.Uint16(chain[2:4]))
		if n < 4 || n > len(chain) {
			t.Fatalf("payload length %d", n)
		}
		types = append(types, next)
		parts = append(parts, chain[:n])
		next = dissect.PayloadType(chain[0])
		chain = chain[n:]
	}
	return types, parts
}

// addESNTransform returns a copy of an IKEv2 SA payload whose first
// proposal also offers the ESN transform with the given ID.
func addESNTransform(t *testing.T, sa []byte, id uint16) []byte {
	t.Helper()
	body := sa[4:]
	plen := int(binary.BigEndian.Uint16(body[2:4]))
	spiSize := int(body[6])
	ntr := int(body[7])
	off := 8 + spiSize
	last := -1
	for range ntr {
		last = off
		off += int(binary.BigEndian.Uint16(body[off+2 : off+4]))
	}
	if off != plen || last < 0 {
		t.Fatalf("proposal layout: transforms end at %d, proposal length %d", off, plen)
	}
	out := slices.Clone(sa[:4+plen])
	out[4+last] = 3 // more transforms follow
	out = append(out, 0, 0, 0, 8, byte(dissect.TransformESN), 0, byte(id>>8), byte(id))
	out = append(out, sa[4+plen:]...)
	binary.BigEndian.PutUint16(out[4+2:4+4], uint16(plen+8))
	out[4+7] = byte(ntr + 1)
	binary.BigEndian.PutUint16(out[2:4], uint16(len(out)))
	return out
}

// TestOfferESNAndNoESN: a child SA offer listing both ESN and NO_ESN (as
// libreswan and Cisco send) shows both, not "ESN".
func TestOfferESNAndNoESN(t *testing.T) {
	const sc = "ikev2-auth-child-no-proposal"
	pk := corpusPackets(t, sc)
	key := loadV2Key(t, sc)
	i := byFrame(t, pk, 3)
	first, inner := openSK(t, pk[i].Data, key.ei, key.ai)
	types, parts := v2Payloads(t, first, inner)
	var edited []byte
	found := false
	for j, p := range parts {
		if types[j] == dissect.PayloadSA {
			p = addESNTransform(t, p, 1) // strongSwan offered NO_ESN only
			found = true
		}
		edited = append(edited, p...)
	}
	if !found {
		t.Fatal("no SA payload in the IKE_AUTH request")
	}
	pk[i].Data = sealSK(t, pk[i].Data, pk[i].Data[19], 1, first, edited, key.ei, key.ai, 1)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	f := countFindings(t, r, KindNoProposalChosen, 1)
	if !strings.Contains(f[0].Message, "NO_ESN/ESN") {
		t.Errorf("offer with ESN and NO_ESN not shown as both:\n%s", f[0].Message)
	}
}

// refusedAnswer returns base, the packets of the corpus scenario sc, up to
// frame, a responder's IKEv2 answer, which it replaces with an answer of
// the same exchange holding N(NO_PROPOSAL_CHOSEN) only, encrypted with the
// responder's keys.
func refusedAnswer(t *testing.T, sc string, base []Packet, frame int) []Packet {
	t.Helper()
	key := loadV2Key(t, sc)
	pk := clonePackets(base[:byFrame(t, base, frame)+1])
	i := byFrame(t, pk, frame)
	mid := binary.BigEndian.Uint32(pk[i].Data[20:24])
	pk[i].Data = sealSK(t, pk[i].Data, pk[i].Data[19], mid, dissect.PayloadNotify,
		v2NotifyPayload(dissect.PayloadNone, dissect.NotifyNoProposalChosen, nil), key.er, key.ar, 2)
	return pk
}

// TestRekeyRefused: the child SA rekey (CREATE_CHILD_SA with REKEY_SA) is
// answered with NO_PROPOSAL_CHOSEN; the old child SA stays up and carries
// on. ikeflow must not say that no ESP SA exists and no traffic flows.
func TestRekeyRefused(t *testing.T) {
	const sc = "ikev2-rekey"
	base := corpusPackets(t, sc)
	pk := refusedAnswer(t, sc, base, 10)
	// The old child SA keeps carrying traffic: its ESP (frames 5–8) again
	// 2 s and 4 s later.
	var esp []Packet
	for _, p := range base {
		if p.Kind == KindESP && p.Frame < 9 {
			esp = append(esp, p)
		}
	}
	last := pk[len(pk)-1]
	for k, d := range []time.Duration{2 * time.Second, 4 * time.Second} {
		for j, e := range esp {
			e.Time = last.Time.Add(d + time.Duration(j)*time.Millisecond)
			e.ESPSeq += uint32(10 * (k + 1))
			e.Frame = 100 + 10*k + j
			pk = append(pk, e)
		}
	}
	r := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)})
	f := countFindings(t, r, KindNoProposalChosen, 1)
	m := f[0].Message
	if strings.Contains(m, "no ESP/AH SA exists") || strings.Contains(m, "no traffic flows") {
		t.Errorf("refused rekey said to leave no SA:\n%s", m)
	}
	if !strings.Contains(m, "refused the rekey of child SA") || !strings.Contains(m, "stays up") {
		t.Errorf("refused rekey not explained:\n%s", m)
	}
	c := r.SAs[0].ChildSAs
	if len(c) != 1 || c[0].State != ChildEstablished || c[0].ESPPackets.IToR != 6 {
		logReport(t, r)
		t.Errorf("old child SA: %d child SAs, want the old one established with 6 packets i→r", len(c))
	}
	if len(findingsOf(r, KindNoESP)) != 0 || len(findingsOf(r, KindOneWayESP)) != 0 {
		t.Errorf("ESP findings on a working child SA: %v", kinds(r.Findings))
	}
}

// TestQuickModeAnsweredByError: QM1 answered by an INFORMATIONAL carrying
// INVALID-ID-INFORMATION (real strongSwan capture; the initiator's Delete
// moved 5 s later so that the capture goes on). With keys that is the
// error; without keys an inferred refusal; never an unanswered request.
func TestQuickModeAnsweredByError(t *testing.T) {
	const sc = "ikev1-quick-id-mismatch"
	pk := corpusPackets(t, sc)
	shiftAfter(pk, byFrame(t, pk, 9), 5*time.Second)
	for _, keyed := range []bool{true, false} {
		var d Decryptor
		want := []string{"invalid_id_information:error"}
		if !keyed {
			want = []string{"child_sa_refused:error"}
		} else {
			d = corpusKeys(t, corpusDir+"/"+sc)
		}
		r := analyze(clonePackets(pk), Options{Decryptor: d})
		if got := sortedKinds(r); !slices.Equal(got, want) {
			logReport(t, r)
			t.Errorf("keys %v: findings %v, want %v", keyed, got, want)
		}
	}
}

// TestIKEv1OneSidedNotEstablished: six different main-mode messages, all
// from the initiator with the responder cookie zero (the real MM1, its last
// octet changed each time, as an initiator changing its offer would): the
// responder never spoke, so nothing is established.
func TestIKEv1OneSidedNotEstablished(t *testing.T) {
	base := corpusPackets(t, "ikev1-main-quick")
	mm1 := base[0]
	if mm1.Data[18] != byte(dissect.ExchangeIdentityProtect) || !dissect.SPI(mm1.Data[8:16]).IsZero() {
		t.Fatal("frame 1 is not MM1")
	}
	var pk []Packet
	for i := range 6 {
		p := mm1
		p.Data = slices.Clone(mm1.Data)
		p.Data[len(p.Data)-1] ^= byte(i)
		p.Time = mm1.Time.Add(time.Duration(i) * time.Second)
		p.Frame = i + 1
		pk = append(pk, p)
	}
	r := analyze(pk, Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	sa := r.SAs[0]
	if sa.State == StateEstablished || !sa.Established.IsZero() {
		logReport(t, r)
		t.Errorf("state %s (established %v): the responder never answered", sa.State, sa.Established)
	}
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			if m.Label != "MM1" {
				t.Errorf("frame %d labelled %s; only MM1 was ever sent", m.Frame, m.Label)
			}
		}
	}
	if u := findingsOf(r, KindUnanswered); len(u) != 1 {
		logReport(t, r)
		t.Errorf("want the unanswered MM1 reported once, got %v", kinds(r.Findings))
	}
}

// TestRedirect: the real IKE_SA_INIT response replaced by a REDIRECT to
// 192.0.2.99 (RFC 5685 §4, with the initiator's nonce echoed): a finding
// naming the new gateway, and no half-open SA.
func TestRedirect(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	req, resp := base[0], base[1]
	data := []byte{byte(dissect.GatewayIPv4), 4, 192, 0, 2, 99}
	data = append(data, make([]byte, 32)...) // the nonce (its value does not matter here)
	body := v2NotifyPayload(dissect.PayloadNone, dissect.NotifyRedirect, data)
	msg := slices.Clone(resp.Data[:28])
	clear(msg[8:16]) // no responder SPI: no IKE SA is created
	msg[16] = byte(dissect.PayloadNotify)
	binary.BigEndian.PutUint32(msg[24:28], uint32(28+len(body)))
	resp.Data = append(msg, body...)
	later := strayESP(resp.Time.Add(30 * time.Second))
	later.Frame = 3
	r := analyze([]Packet{req, resp, later}, Options{})
	f := findingsOf(r, KindRedirect)
	if len(f) != 1 || !strings.Contains(f[0].Message, "gateway 192.0.2.99") {
		logReport(t, r)
		t.Fatalf("want one redirect finding naming 192.0.2.99, got %v", kinds(r.Findings))
	}
	if len(findingsOf(r, KindHalfOpen)) != 0 || r.SAs[0].State == StateHalfOpen {
		t.Errorf("a redirected IKE_SA_INIT reported as half-open")
	}
}

// TestAlternatingSPIPairs: a second IKEv1 child SA between the same hosts
// (the real quick mode of ipsec.cap sent again with another message ID,
// and every ESP packet copied onto a second SPI pair 50 µs later, so the
// packets of the two pairs interleave: pair 1 out, pair 2 out, pair 1
// back, pair 2 back). Without keys each pair must become one child SA;
// no made-up one-way SA with a zero SPI.
func TestAlternatingSPIPairs(t *testing.T) {
	base := loadPackets(t, testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap"))
	var pk []Packet
	for _, p := range base {
		pk = append(pk, p)
		switch {
		case p.Kind == KindIKE && p.Data[18] == byte(dissect.ExchangeQuickMode):
			c := p
			c.Data = slices.Clone(p.Data)
			setMID(&c, binary.BigEndian.Uint32(p.Data[20:24])^0x5a5a5a5a)
			c.Time = p.Time.Add(300 * time.Millisecond)
			pk = append(pk, c)
		case p.Kind == KindESP:
			c := p
			c.ESPSPI ^= 0x01010101
			c.Time = p.Time.Add(50 * time.Microsecond)
			pk = append(pk, c)
		}
	}
	slices.SortStableFunc(pk, func(x, y Packet) int { return x.Time.Compare(y.Time) })
	renumber(pk)
	r := analyze(pk, Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	cs := r.SAs[0].ChildSAs
	want := map[[2]ESPSPI]bool{{0x0879355b, 0x1c0d7b38}: true, {0x0879355b ^ 0x01010101, 0x1c0d7b38 ^ 0x01010101}: true}
	for _, c := range cs {
		if !want[[2]ESPSPI{c.SPIi, c.SPIr}] {
			t.Errorf("child SA %s/%s esp %d→ %d← is not one of the real pairs", c.SPIi, c.SPIr, c.ESPPackets.IToR, c.ESPPackets.RToI)
		}
		if c.ESPPackets.IToR != 9 || c.ESPPackets.RToI != 7 {
			t.Errorf("child SA %s/%s: esp %d→ %d←, want 9→ 7←", c.SPIi, c.SPIr, c.ESPPackets.IToR, c.ESPPackets.RToI)
		}
	}
	if len(cs) != 2 || len(findingsOf(r, KindOneWayESP)) != 0 {
		logReport(t, r)
		t.Errorf("%d child SAs (want 2), findings %v", len(cs), kinds(r.Findings))
	}
}

// newSPIs gives an IKE message the SPIs of another IKE SA (the n-th copy).
func newSPIs(p *Packet, n int) {
	p.Data[0] ^= byte(n)
	if !dissect.SPI(p.Data[8:16]).IsZero() {
		p.Data[8] ^= byte(n)
	}
}

// saCopy returns copies of the given frames of base as the n-th copy of
// their IKE SA (see newSPIs), shifted by shift.
func saCopy(t *testing.T, base []Packet, frames []int, n int, shift time.Duration) []Packet {
	t.Helper()
	var out []Packet
	for _, f := range frames {
		p := base[byFrame(t, base, f)]
		p.Data = slices.Clone(p.Data)
		newSPIs(&p, n)
		p.Time = p.Time.Add(shift)
		out = append(out, p)
	}
	return out
}

// mustFindings renumbers and analyses pk and returns the report and its
// findings of kind k, failing (with every ladder logged) unless there are
// n of them.
func mustFindings(t *testing.T, pk []Packet, k FindingKind, n int) (*Report, []Finding) {
	t.Helper()
	renumber(pk)
	r := analyze(pk, Options{})
	return r, countFindings(t, r, k, n)
}

// countFindings returns the findings of kind k of r, failing (with every
// ladder logged) unless there are n of them.
func countFindings(t *testing.T, r *Report, k FindingKind, n int) []Finding {
	t.Helper()
	f := findingsOf(r, k)
	if len(f) != n {
		logReport(t, r)
		t.Fatalf("%d %s findings, want %d (findings %v)", len(f), k, n, kinds(r.Findings))
	}
	return f
}

// TestAbandonedAfterAuth: five IKE SAs between the same peers (the real
// IKE_SA_INIT and IKE_AUTH of psk-success, with new SPIs each time), each
// left right after IKE_AUTH without a Delete and followed 5 s later by a
// fresh IKE_SA_INIT from the same initiator. ikeflow must name that, not
// only call the tunnel flapping.
func TestAbandonedAfterAuth(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	var pk []Packet
	for n := range 5 {
		pk = append(pk, saCopy(t, base, []int{1, 2, 3, 4}, n+1, time.Duration(n)*5*time.Second)...)
	}
	// One on each of the 4 replaced SAs. The capture ends 12 ms after
	// the last fresh SA began: its predecessor's Delete, which a
	// make-before-break reauthentication sends once the new SA is up,
	// could have come after it (sawThrough): that one is hedged.
	r, f := mustFindings(t, pk, KindAbandoned, 4)
	for i, x := range f {
		want, sev := "abandoned this IKE SA after IKE_AUTH", SeverityWarning
		if i == 3 {
			want, sev = "Either the initiator abandoned this SA", SeverityInfo
		}
		if x.SA != r.SAs[i].Name() || !slices.Equal(x.Frames, []int{4*i + 3, 4*i + 5}) || x.Severity != sev ||
			!strings.Contains(x.Message, want) || !strings.Contains(x.Message, "(frame "+fmt.Sprint(4*i+5)+")") {
			t.Errorf("finding %d on %s frames %v: %s %s", i, x.SA, x.Frames, x.Severity, x.Message)
		}
	}
	if len(findingsOf(r, KindAbandoned)) > 0 && r.SAs[4].Findings != nil && finding(r.SAs[4], KindAbandoned) != nil {
		t.Error("the last SA, never replaced, reported as abandoned")
	}

	// The same SAs each ended with a Delete: a normal reconnect, nothing
	// abandoned.
	var del []Packet
	for n := range 5 {
		del = append(del, saCopy(t, base, []int{1, 2, 3, 4, 13, 14}, n+1, time.Duration(n)*5*time.Second)...)
	}
	mustFindings(t, del, KindAbandoned, 0)
}

// TestIgnoredCreateChildSA: the FortiGate HA pattern of seed 003. The
// initiator's CREATE_CHILD_SA request (the real encrypted INFORMATIONAL
// request of psk-success turned into a CREATE_CHILD_SA) is sent three
// times and never answered; then the initiator builds a brand-new IKE SA.
// The text says where the capture was taken (ttl.go).
func TestIgnoredCreateChildSA(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	var pk []Packet
	for _, f := range []int{1, 2, 3, 4} {
		pk = append(pk, base[byFrame(t, base, f)])
	}
	pk = clonePackets(pk)
	req := base[byFrame(t, base, 13)]
	req.Data = slices.Clone(req.Data)
	req.Data[18] = byte(dissect.ExchangeCreateChildSA)
	for _, d := range []time.Duration{0, 2 * time.Second, 6 * time.Second} {
		c := req
		c.Time = req.Time.Add(d)
		pk = append(pk, c)
	}
	pk = append(pk, saCopy(t, base, []int{1, 2, 3, 4}, 7, 20*time.Second)...)
	r, f := mustFindings(t, pk, KindIgnoredRekey, 1)
	m := f[0].Message
	// Captured on the initiator's side (the lab router's interface towards
	// it: its messages come with TTL 64, the responder's 63).
	if f[0].SA != r.SAs[0].Name() || !strings.HasPrefix(m, "203.0.113.10 never answered the CREATE_CHILD_SA request in this capture (frame 5") ||
		!strings.Contains(m, "brand-new IKE SA between the same peers followed (frame 8)") || !strings.Contains(m, "FortiGate HA") ||
		!strings.HasSuffix(m, " The capture was taken on the initiator's side (the initiator's IKE messages carry the TTL hosts"+
			" start with, 64, 128 or 255; the responder's come lower, counted down by the routers between): the request left it"+
			" and no answer came back to it in this capture: the request or its answer was lost on the way, or the responder"+
			" did not answer.") {
		t.Errorf("message: %s", m)
	}
}

// damagedKeyTable writes the scenario's real Wireshark key table with the
// given fields (0-based CSV columns) changed in their last hex digit.
func damagedKeyTable(t *testing.T, scenario string, fields ...int) Decryptor {
	t.Helper()
	raw := testutil.ReadFile(t, filepath.Join(corpusDir, scenario, "ikev2_decryption_table"))
	cols := strings.Split(strings.TrimSpace(string(raw)), ",")
	for _, f := range fields {
		c := []byte(cols[f])
		if c[len(c)-1] == '0' {
			c[len(c)-1] = '1'
		} else {
			c[len(c)-1] = '0'
		}
		cols[f] = string(c)
	}
	p := testutil.TempFile(t, "ikev2_decryption_table", []byte(strings.Join(cols, ",")+"\n"))
	return keyringFor(t, p)
}

// TestWrongKeys: the real key table of psk-success with the responder's
// keys (SK_er, SK_ar) damaged, then all four. The key that does not verify
// is named per direction; the child SA stays one SA with ESP both ways;
// the messages that could not be opened are marked so.
func TestWrongKeys(t *testing.T) {
	const sc = "ikev2-psk-success"
	pk := corpusPackets(t, sc)
	// Columns: SPIi, SPIr, SK_ei, SK_er, alg, SK_ai, SK_ar, alg.
	r := analyze(clonePackets(pk), Options{Decryptor: damagedKeyTable(t, sc, 3, 6)})
	sa := r.SAs[0]
	f := findingsOf(r, KindKeyFailed)
	if len(f) != 1 || f[0].Severity != SeverityWarning {
		logReport(t, r)
		t.Fatalf("want one key_does_not_verify warning, got %v", kinds(r.Findings))
	}
	for _, want := range []string{"The key given for SA " + sa.Name() + " does not verify on the messages from the responder",
		"wrong SK_er/SK_ar", "wrong for one direction only"} {
		if !strings.Contains(f[0].Message, want) {
			t.Errorf("finding lacks %q:\n%s", want, f[0].Message)
		}
	}
	if !slices.Equal(f[0].Frames, []int{4, 14}) {
		t.Errorf("frames %v, want the responder's encrypted messages 4, 14", f[0].Frames)
	}
	if sa.Keys == nil || sa.Keys.Initiator != KeyVerified || sa.Keys.Responder != KeyFailed {
		t.Errorf("Keys %+v, want initiator verified, responder failed", sa.Keys)
	}
	if !sa.Encrypted {
		t.Error("Encrypted false although the responder's messages could not be opened")
	}
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			if m.From == "responder" && strings.HasPrefix(m.Payloads, "SK") && m.Payloads != "SK" {
				t.Errorf("frame %d shows content %q it could not have opened", m.Frame, m.Payloads)
			}
			if m.From == "initiator" && m.Payloads == "SK" {
				t.Errorf("frame %d not opened with the right initiator key", m.Frame)
			}
		}
	}
	if len(sa.ChildSAs) != 1 || sa.ChildSAs[0].ESPPackets.IToR != 4 || sa.ChildSAs[0].ESPPackets.RToI != 4 ||
		sa.ChildSAs[0].SPIi == 0 || sa.ChildSAs[0].SPIr == 0 {
		logReport(t, r)
		t.Errorf("want one child SA with ESP 4/4 both SPIs known, got %d", len(sa.ChildSAs))
	}
	if len(findingsOf(r, KindOneWayESP)) != 0 {
		t.Errorf("one-way ESP invented: %v", kinds(r.Findings))
	}

	r = analyze(clonePackets(pk), Options{Decryptor: damagedKeyTable(t, sc, 2, 3, 5, 6)})
	f = findingsOf(r, KindKeyFailed)
	if len(f) != 1 || !strings.Contains(f[0].Message, "from the initiator and the responder") ||
		!strings.Contains(f[0].Message, "wrong SK_ai/SK_ar, or wrong algorithm?") {
		logReport(t, r)
		t.Fatalf("both directions wrong: %v", f)
	}
	if k := r.SAs[0].Keys; k == nil || k.Initiator != KeyFailed || k.Responder != KeyFailed {
		t.Errorf("Keys %+v", k)
	}

	// The right keys: verified both ways, no finding.
	r = analyze(clonePackets(pk), Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))})
	if k := r.SAs[0].Keys; k == nil || *k != (KeyCheck{KeyVerified, KeyVerified}) || len(findingsOf(r, KindKeyFailed)) != 0 {
		t.Errorf("right keys: Keys %+v, findings %v", k, kinds(r.Findings))
	}
}

// TestHiddenChildRefusal: without keys, IKE_AUTH completes and the IKE SA
// is closed right after with no ESP (the real TS_UNACCEPTABLE and
// NO_PROPOSAL_CHOSEN captures): a child SA was probably refused. The
// successful capture, where ESP flows, must not say so.
func TestHiddenChildRefusal(t *testing.T) {
	for _, sc := range []string{"ikev2-ts-unacceptable", "ikev2-auth-child-no-proposal"} {
		r := analyze(corpusPackets(t, sc), Options{})
		f := findingsOf(r, KindChildRefused)
		if len(f) != 1 || f[0].Severity != SeverityWarning || !strings.Contains(f[0].Message, "refused the child SA") ||
			!strings.Contains(f[0].Message, "most likely the Delete") {
			logReport(t, r)
			t.Errorf("%s without keys: want one child_sa_refused warning, got %v", sc, kinds(r.Findings))
		}
	}
	for _, sc := range []string{"ikev2-psk-success", "ikev2-rekey", "ikev2-dpd-dead-peer"} {
		if r := analyze(corpusPackets(t, sc), Options{}); len(findingsOf(r, KindChildRefused)) != 0 {
			t.Errorf("%s: child_sa_refused on a working tunnel", sc)
		}
	}
	// A child SA that was accepted, then the IKE SA deleted 1 s later
	// without any ESP (psk-success without its ESP, as in the interop
	// lab where no ESP can flow): not a refusal.
	pk := slices.DeleteFunc(corpusPackets(t, "ikev2-psk-success"), func(p Packet) bool { return p.Kind == KindESP })
	if r := analyze(pk, Options{}); len(findingsOf(r, KindChildRefused)) != 0 {
		t.Errorf("accepted child SA without ESP reported as refused: %s", findingsOf(r, KindChildRefused)[0].Message)
	}
	// The refusal without a Delete (OpenIKED drops the IKE SA silently):
	// ts-unacceptable cut after the IKE_AUTH response, the capture going
	// on 10 s.
	pk = corpusPackets(t, "ikev2-ts-unacceptable")
	pk = append(pk[:byFrame(t, pk, 4)+1], strayESP(pk[byFrame(t, pk, 4)].Time.Add(10*time.Second)))
	renumber(pk)
	r := analyze(pk, Options{})
	if f := findingsOf(r, KindChildRefused); len(f) != 1 || !strings.Contains(f[0].Message, "Nothing of this SA follows") {
		logReport(t, r)
		t.Errorf("refusal without a Delete: %v", kinds(r.Findings))
	}
}

// TestQuickModeRefusalIgnored: as libreswan does (pluto ignores the notify,
// libreswan-ikev1-quick-refused in the interop corpus), the initiator
// retransmits QM1 after the INVALID-ID-INFORMATION: the real QM1 of
// ikev1-quick-id-mismatch copied at +0.5, +1 and +2 s. The retransmits are
// the initiator ignoring the refusal, not an unanswered request.
func TestQuickModeRefusalIgnored(t *testing.T) {
	const sc = "ikev1-quick-id-mismatch"
	base := corpusPackets(t, sc)
	var pk []Packet
	for _, p := range base {
		if p.Frame == 9 {
			p.Time = p.Time.Add(5 * time.Second)
		}
		pk = append(pk, p)
		if p.Frame == 8 {
			qm := base[byFrame(t, base, 7)]
			for _, d := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second} {
				c := qm
				c.Data, c.Time = slices.Clone(qm.Data), qm.Time.Add(d)
				pk = append(pk, c)
			}
		}
	}
	renumber(pk) // QM1 copies are frames 9-11, the Delete 12
	for _, keyed := range []bool{true, false} {
		var d Decryptor
		want := "had answered with an encrypted informational (frame 8, most likely an error notify)"
		if keyed {
			d = corpusKeys(t, filepath.Join(corpusDir, sc))
			want = "had answered with INVALID-ID-INFORMATION (frame 8)"
		}
		r := analyze(clonePackets(pk), Options{Decryptor: d})
		rt := findingsOf(r, KindRetransmit)
		if len(rt) != 1 || !strings.Contains(rt[0].Message, want) || !strings.Contains(rt[0].Message, "ignored that answer") {
			logReport(t, r)
			t.Errorf("keys %v: retransmit finding does not say the refusal was ignored", keyed)
		}
		if len(findingsOf(r, KindUnanswered)) != 0 {
			t.Errorf("keys %v: a refused quick mode reported as unanswered", keyed)
		}
	}
}
