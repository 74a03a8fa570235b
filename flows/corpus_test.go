package flows

import (
	"cmp"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// corpusDir holds the real-peer scenarios (strongSwan captures with an
// expected.json derived from the daemons' logs).
// corpusDir is the committed real-peer corpus; IKEFLOW_CORPUS points the
// test at another one (make interop uses it for freshly generated scenarios).
var corpusDir = cmp.Or(os.Getenv("IKEFLOW_CORPUS"), "../testdata/corpus")

// expectedScenario is the part of expected.json the flow analysis checks.
type expectedScenario struct {
	Scenario string `json:"scenario"`
	// KnownWrong lists check failures today's ikeflow is known to get wrong
	// on this scenario (interop captures, see testdata/corpus/INTEROP.md):
	// a failure whose message contains one of them is logged as
	// "KNOWN WRONG: …" instead of failing; everything else is asserted.
	KnownWrong    []string `json:"known_wrong"`
	Outcome       string   `json:"outcome"`
	ErrorNotifies []string `json:"error_notifies"`
	IKESAs        []expectedSA
	ChildSAs      []expectedChild `json:"child_sas"`
	// Collisions are the rekey collisions the daemons logged (postprocess.py:
	// "detected IKE_REKEY|CHILD_REKEY collision with …").
	Collisions []struct {
		Type string `json:"type"`
		With string `json:"with"`
	} `json:"collisions"`
	Messages []struct {
		Exchange string   `json:"exchange"`
		Type     string   `json:"type"`
		Payloads []string `json:"payloads"`
	} `json:"messages"`
	Retransmits []struct {
		Exchange  int    `json:"exchange"`
		Name      string `json:"name"`
		MID       uint32 `json:"mid"`
		Requester string `json:"requester"`
		Count     int    `json:"count"`
	} `json:"retransmits"`
}

type expectedSA struct {
	Version int    `json:"version"`
	SPIi    string `json:"spi_i"`
	SPIr    string `json:"spi_r"`
	// Initiator is the host that initiated this IKE SA: for an IKE SA
	// created by a rekey, the host that requested the rekey (RFC 7296 §2.18).
	Initiator string  `json:"initiator"`
	Proposal  *string `json:"proposal"`
	Outcome   string  `json:"outcome"`
	Ended     *string `json:"ended"`
	RekeyOf   *int    `json:"rekey_of"`
	// RedirectedTo is the gateway the responder's REDIRECT sent the
	// initiator to (RFC 5685), from the logs.
	RedirectedTo *string `json:"redirected_to"`
	// ReplacedBy is set (interop captures) when the initiator abandoned
	// this SA without a Delete and started IKE SA ReplacedBy instead.
	ReplacedBy *int `json:"replaced_by"`
	// PeerView is the other daemon's own view of the SA (interop captures):
	// whether it established it, and its error lines.
	PeerView *struct {
		Established bool     `json:"established"`
		Errors      []string `json:"errors"`
	} `json:"peer_view"`
	// XAUTH has each side's logged XAUTH result (IKEv1), by host.
	XAUTH map[string]struct {
		User   string `json:"user"`
		Result string `json:"result"`
	} `json:"xauth"`
}

type expectedChild struct {
	IKESA int `json:"ike_sa"`
	// ESPFlows is false when a peer could not carry ESP (interop captures:
	// no kernel ESP); absent means true.
	ESPFlows *bool `json:"esp_flows"`
	// ESPSentBy names the one host whose ESP the capture holds (interop
	// captures of scenarios_samepeers2.sh: strongSwan pings a peer that
	// cannot carry ESP); absent when ESP flows both ways or not at all.
	ESPSentBy  string            `json:"esp_sent_by"`
	Proposal   string            `json:"proposal"`
	InboundSPI map[string]string `json:"inbound_spi"`
	TSi        []string          `json:"ts_initiator"`
	TSr        []string          `json:"ts_responder"`
}

// notifyKinds maps the error notify names of expected.json to the finding
// kinds that report them (an encrypted IKEv1 notify is reported from its
// effect).
var notifyKinds = map[string][]FindingKind{
	"NO_PROPOSAL_CHOSEN":     {KindNoProposalChosen},
	"TS_UNACCEPTABLE":        {KindTSUnacceptable},
	"AUTHENTICATION_FAILED":  {KindAuthFailed},
	"INVALID_KE_PAYLOAD":     {KindInvalidKE},
	"INVALID_ID_INFORMATION": {KindInvalidIDInfo},
	"PAYLOAD_MALFORMED":      {KindPayloadMalformed, KindAuthFailed},
	// IKEv1 phase 1: the peer could not verify HASH_I/HASH_R (pluto sends it, unprotected)
	"INVALID_HASH_INFORMATION": {KindAuthFailed},
}

// infoAllowed are informational kinds any scenario may show: strongSwan's
// kernel-libipsec fakes NAT detection, and timing notes depend on the run.
var infoAllowed = []FindingKind{KindNATDetected, KindSlowResponse, KindTSNarrowed}

// corpusKeys returns a decryptor for the scenario: the Wireshark UAT table,
// or the charon log when the suite has no UAT name (ChaCha20-Poly1305).
func corpusKeys(t *testing.T, dir string) Decryptor {
	for _, k := range []string{"ikev2_decryption_table", "ikev1_decryption_table", "charon-initiator.log"} {
		f, err := os.Open(filepath.Join(dir, k))
		if err != nil {
			continue
		}
		keys, err := decrypt.ParseKeyFile(k, f)
		f.Close()
		if err == nil && len(keys) > 0 {
			return NewDecryptor(decrypt.NewKeyring(keys...))
		}
	}
	return nil
}

// TestCorpus checks every real-peer scenario: the IKE SAs and their states,
// the negotiated proposals, the child SAs (SPIs both ways, traffic
// selectors) and the findings — the expected ones must be there and no
// unexplained warning or error may appear.
func TestCorpus(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpusDir, "*", "expected.json"))
	if len(dirs) == 0 {
		t.Fatal("no corpus scenarios in " + corpusDir)
	}
	for _, ej := range dirs {
		dir := filepath.Dir(ej)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			raw := testutil.ReadFile(t, ej)
			var exp expectedScenario
			var withSAs struct {
				IKESAs []expectedSA `json:"ike_sas"`
			}
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(raw, &withSAs)
			exp.IKESAs = withSAs.IKESAs
			r := analyze(loadPackets(t, filepath.Join(dir, "capture.pcap")), Options{Decryptor: corpusKeys(t, dir)})
			kt := &knownWrongT{T: t, known: exp.KnownWrong}
			checkScenario(kt, &exp, r)
			kt.report()
			if t.Failed() {
				for _, sa := range r.SAs {
					t.Log("\n" + Ladder(sa))
				}
			}
		})
	}
}

// checker is the part of testing.T that checkScenario uses.
type checker interface {
	Helper()
	Errorf(format string, args ...any)
}

// knownWrongT turns failures matching a scenario's known_wrong entries into
// t.Log lines; all other failures fail the test.
type knownWrongT struct {
	*testing.T
	known []string
	hit   map[string]bool
}

// Errorf fails the test unless the message contains a known_wrong entry.
func (k *knownWrongT) Errorf(format string, args ...any) {
	k.T.Helper()
	msg := fmt.Sprintf(format, args...)
	for _, w := range k.known {
		if w != "" && strings.Contains(msg, w) {
			if k.hit == nil {
				k.hit = map[string]bool{}
			}
			k.hit[w] = true
			k.T.Log("KNOWN WRONG: " + msg)
			return
		}
	}
	k.T.Error(msg)
}

// report logs the known_wrong entries that matched no failure of this test
// (TestCorpus and TestCertCorpus share the list): when neither test matches
// one, ikeflow gets it right now; remove it from testdata/gen/known_wrong.json
// and run testdata/gen/postprocess_interop.py --refresh-known-wrong on the
// scenario.
func (k *knownWrongT) report() {
	for _, w := range k.known {
		if !k.hit[w] {
			k.T.Logf("known_wrong entry matched no failure of this test (no longer needed if no other test matches it): %q", w)
		}
	}
}

// checkScenario compares a report with a scenario's expectations.
func checkScenario(t checker, exp *expectedScenario, r *Report) {
	t.Helper()
	if len(r.SAs) != len(exp.IKESAs) {
		t.Errorf("got %d IKE SAs, want %d", len(r.SAs), len(exp.IKESAs))
	}
	var sas []*SA
	abandoned := false     // an IKE SA the logs say its initiator abandoned (interop)
	refusedByPeer := false // the non-strongSwan peer logged that it refused the other's authentication
	for i, e := range exp.IKESAs {
		var got *SA
		for _, sa := range r.SAs {
			if sa.SPIi.String() == e.SPIi && (sa.SPIr.String() == e.SPIr || strings.Trim(e.SPIr, "0") == "") {
				got = sa
			}
		}
		sas = append(sas, got)
		if got == nil {
			t.Errorf("IKE SA %d %s/%s not found", i, e.SPIi, e.SPIr)
			continue
		}
		if deref(e.Ended) == "abandoned" {
			// no Delete on the wire: any state is fine as long as ikeflow
			// does not present a replaced SA as simply up
			if e.ReplacedBy != nil && !hasKind(got.Findings, KindAbandoned) {
				t.Errorf("IKE SA %s: no %s finding, but its initiator abandoned it without a Delete right after IKE_AUTH and started IKE SA %d instead", got.Name(), KindAbandoned, *e.ReplacedBy)
			}
			if e.ReplacedBy != nil {
				abandoned = true
			}
		} else if want := wantState(e); got.State != want && !(e.Outcome == "not_established" && deref(e.Ended) == "" && got.State == StateIncomplete) {
			// (An SA its daemon never established and never ended, whose
			// IKE_AUTH is not in the capture: "incomplete" says so.)
			t.Errorf("IKE SA %s: state %s, want %s (outcome %s, ended %v)", got.Name(), got.State, want, e.Outcome, deref(e.Ended))
		}
		if pv := e.PeerView; pv != nil && !pv.Established && e.Outcome == "established" {
			// strongSwan established it, the other daemon refused its peer's
			// AUTH (e.g. pluto: "authentication failed: no certificate matched
			// …", then a Delete instead of an AUTHENTICATION_FAILED notify)
			for _, x := range pv.Errors {
				if strings.Contains(x, "authentication failed") {
					refusedByPeer = true
				}
				if strings.Contains(x, "authentication failed") &&
					!slices.ContainsFunc(got.Findings, func(f Finding) bool { return f.Severity >= SeverityError }) {
					t.Errorf("IKE SA %s: no error finding, but the non-strongSwan peer refused the other's authentication on this SA (%q) while strongSwan logged it established", got.Name(), x)
				}
			}
		}
		if e.Proposal != nil && e.Version == 2 && normProposal(got.Proposal) != normProposal(*e.Proposal) {
			t.Errorf("IKE SA %s: proposal %q, want %q", got.Name(), got.Proposal, *e.Proposal)
		}
		if e.Proposal != nil && got.Proposal == "" {
			t.Errorf("IKE SA %s: no proposal, want %q", got.Name(), *e.Proposal)
		}
		if e.RekeyOf != nil && *e.RekeyOf < len(sas) && sas[*e.RekeyOf] != nil && got.RekeyedFrom != sas[*e.RekeyOf].Name() {
			t.Errorf("IKE SA %s: rekeyed_from %q, want %q", got.Name(), got.RekeyedFrom, sas[*e.RekeyOf].Name())
		}
	}
	// Child SAs: SPIs both ways and traffic selectors.
	nGot := 0
	for _, sa := range r.SAs {
		for _, c := range sa.ChildSAs {
			if c.State != ChildFailed { // never installed (cert_findings.go): the logs list none
				nGot++
			}
		}
	}
	if nGot != len(exp.ChildSAs) {
		t.Errorf("got %d child SAs, want %d", nGot, len(exp.ChildSAs))
	}
	espOneWay := false
	for _, e := range exp.ChildSAs {
		// ikeflow names a child by the inbound SPIs of the initiator and
		// the responder of the IKE SA it was negotiated on; expected.json
		// names them by host. The IKE SA's initiator is the original
		// initiator, or for an IKE SA created by a rekey the host that
		// requested it (the original responder, when it rekeyed).
		var spiI, spiR string
		ini := ""
		if e.IKESA >= 0 && e.IKESA < len(exp.IKESAs) {
			ini = exp.IKESAs[e.IKESA].Initiator
		}
		for host, spi := range e.InboundSPI {
			if ini != "" && host == ini || ini == "" && host != "responder" {
				spiI = spi
			} else {
				spiR = spi
			}
		}
		var got *ChildSA
		for _, sa := range r.SAs {
			for _, c := range sa.ChildSAs {
				if c.SPIi.String() == spiI && c.SPIr.String() == spiR {
					got = c
				}
			}
		}
		if got == nil {
			t.Errorf("child SA %s/%s not found", spiI, spiR)
			continue
		}
		if e.IKESA < len(sas) && sas[e.IKESA] != nil && !slices.Contains(sas[e.IKESA].ChildSAs, got) {
			t.Errorf("child SA %s/%s not under IKE SA %d", spiI, spiR, e.IKESA)
		}
		if !got.Inferred && (!slices.Equal(got.TSi, e.TSi) || !slices.Equal(got.TSr, e.TSr)) {
			t.Errorf("child SA %s/%s: TS %v/%v, want %v/%v", spiI, spiR, got.TSi, got.TSr, e.TSi, e.TSr)
		}
		if e.ESPSentBy != "" {
			// one way only: from the IKE SA's initiator or responder
			from, to := got.ESPPackets.IToR, got.ESPPackets.RToI
			if e.ESPSentBy != ini {
				from, to = to, from
			}
			if from == 0 || to != 0 {
				t.Errorf("child SA %s/%s: ESP %+v, want it from the %s only", spiI, spiR, got.ESPPackets, e.ESPSentBy)
			}
			espOneWay = true
		} else if e.ESPFlows != nil && !*e.ESPFlows {
			if got.ESPPackets.IToR != 0 || got.ESPPackets.RToI != 0 {
				t.Errorf("child SA %s/%s: ESP %+v, want none (a peer could not carry ESP)", spiI, spiR, got.ESPPackets)
			}
		} else if got.ESPPackets.IToR == 0 || got.ESPPackets.RToI == 0 {
			t.Errorf("child SA %s/%s: ESP %+v, want traffic both ways", spiI, spiR, got.ESPPackets)
		}
	}
	// Findings: every expected one present, nothing unexplained.
	var all []Finding
	for _, sa := range r.SAs {
		all = append(all, sa.Findings...)
	}
	all = append(all, r.Findings...)
	want := map[FindingKind]bool{}
	allowed := map[FindingKind]bool{KindAbandoned: abandoned, KindDeletedAfterAuth: refusedByPeer,
		KindOneWayESP: espOneWay}
	for _, k := range infoAllowed {
		allowed[k] = true
	}
	for _, k := range certKindsFor(exp.Scenario) { // cert_test.go
		allowed[k] = true
	}
	for _, n := range exp.ErrorNotifies {
		ks, ok := notifyKinds[n]
		if !ok {
			ks = []FindingKind{FindingKind(strings.ToLower(n))}
		}
		found := false
		for _, k := range ks {
			allowed[k] = true
			found = found || hasKind(all, k)
		}
		if !found {
			t.Errorf("no finding for error notify %s (want one of %v); got %v", n, ks, kinds(all))
		}
		if n == "PAYLOAD_MALFORMED" {
			// IKEv1 PSK mismatch: each peer derived its own key, so the
			// logged key cannot open the other side's messages (noted).
			allowed[KindKeyFailed] = true
		}
	}
	for _, m := range exp.Messages {
		if m.Exchange == "IKE_SA_INIT" && m.Type == "response" && slices.Equal(m.Payloads, []string{"N(COOKIE)"}) {
			want[KindCookie] = true // the responder's COOKIE challenge (RFC 7296 §2.6)
		}
	}
	for _, rt := range exp.Retransmits {
		if why, ok := retransmitsNotCaptured[exp.Scenario]; ok && rt.Requester == why[0] {
			continue // why[1]
		}
		want[KindRetransmit] = true
		ok := false
		for _, f := range all {
			ok = ok || f.Kind == KindRetransmit && strings.Contains(f.Message, "message ID "+u32(rt.MID)+")")
		}
		if !ok {
			t.Errorf("no retransmit finding for %s MID %d; got %v", rt.Name, rt.MID, kinds(all))
		}
	}
	// Simultaneous rekeys of the same SA by both peers (RFC 7296 §2.8.1,
	// §2.8.2) that both logs report: a rekey_collision finding is expected
	// exactly then (and not allowed otherwise).
	for _, c := range exp.Collisions {
		if c.With == c.Type+"_REKEY" {
			want[KindRekeyCollision] = true
		}
	}
	for _, e := range exp.IKESAs {
		if deref(e.Ended) == "peer_dead" {
			want[KindDeadPeer] = true
			// The peer's daemon gone (killed in the dead-peer scenarios),
			// its host answers the probes with ICMP port unreachable.
			allowed[KindICMPUnreachable] = true
		}
		if e.Outcome == "failed_timeout" {
			allowed[KindUnanswered] = true
		}
		if e.RedirectedTo != nil {
			want[KindRedirect] = true // ikev2-redirect: "redirecting peer to ..."
		}
		for _, x := range e.XAUTH {
			if x.Result == "failed" {
				want[KindAuthFailed] = true // XAUTH-STATUS FAIL: no notify, an authentication failure all the same
			}
		}
	}
	for k := range want {
		allowed[k] = true
		if !hasKind(all, k) {
			t.Errorf("missing finding %s; got %v", k, kinds(all))
		}
	}
	var extra []string
	for _, f := range all {
		if !allowed[f.Kind] {
			extra = append(extra, string(f.Kind)+":"+f.Severity.String()+" "+f.Message)
		}
	}
	for _, x := range extra { // one failure each, so known_wrong can name one
		t.Errorf("unexpected finding: %s", x)
	}
}

// retransmitsNotCaptured names, per scenario, the requester whose logged
// retransmits the capture cannot hold, and why (the scenario's notes).
var retransmitsNotCaptured = map[string][2]string{
	"ikev2-cookie": {"initiator2", "the router drops the second initiator's UDP 4500 packets (its IKE_AUTH and their retransmits) before the capture point"},
}

// wantState maps the outcome of expected.json to a State.
func wantState(e expectedSA) State {
	switch e.Outcome {
	case "failed", "failed_timeout":
		return StateFailed
	case "half_open":
		return StateHalfOpen
	}
	switch deref(e.Ended) {
	case "rekeyed":
		return StateRekeyed
	case "deleted", "peer_dead":
		return StateDeleted
	}
	return StateEstablished
}

// normProposal reduces a proposal to a sorted set of comparable tokens:
// "ENCR_AES_CBC-128" and strongSwan's "AES_CBC_128" both become "AES_CBC_128".
func normProposal(s string) string {
	var toks []string
	for _, t := range strings.Split(s, "/") {
		t = strings.TrimPrefix(t, "ENCR_")
		t = strings.TrimPrefix(t, "AUTH_")
		t = strings.ReplaceAll(t, "-", "_")
		t = strings.ToUpper(t)
		switch t {
		case "CURVE25519":
			t = "CURVE_25519"
		case "NO_EXT_SEQ", "":
			continue
		}
		if strings.HasPrefix(t, "AES_GCM_16_") || t == "CHACHA20_POLY1305_256" {
			t = strings.TrimSuffix(t, "_256")
			if strings.HasPrefix(t, "AES_GCM_16") {
				t = "AES_GCM_16_256"
			}
		}
		toks = append(toks, t)
	}
	sort.Strings(toks)
	return strings.Join(toks, "/")
}

// hasKind reports whether a finding of kind k is present.
func hasKind(fs []Finding, k FindingKind) bool {
	for _, f := range fs {
		if f.Kind == k {
			return true
		}
	}
	return false
}

// deref returns *s or "".
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
