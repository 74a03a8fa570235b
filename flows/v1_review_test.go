package flows

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// Review of IKEv1 verdicts against the daemons' logs on the real captures
// of strongSwan 5.9.8 and libreswan 4.10 (testdata/corpus): dead peers,
// XAUTH failures, Deletes of IPsec SAs on a newer ISAKMP SA, and the
// informational messages that end an SA.

// corpusV1 analyses a corpus capture (pk) with its IKEv1 keys, or
// without keys.
func corpusV1(t *testing.T, scenario string, pk []Packet, keys bool) *Report {
	t.Helper()
	opt := Options{}
	if keys {
		opt.Decryptor = keyringFor(t, filepath.Join(corpusDir, scenario, "ikev1_decryption_table"))
	}
	return analyze(pk, opt)
}

// goneOn returns pk followed by one ESP packet between two other hosts
// d after the last packet: the capture went on, with nothing more of
// pk's SAs (an orphan SPI, counted apart).
func goneOn(pk []Packet, d time.Duration) []Packet {
	pk = clonePackets(pk)
	last := pk[len(pk)-1]
	pk = append(pk, Packet{Frame: last.Frame + 1, Time: last.Time.Add(d), Kind: KindESP, ESPSPI: 0x0badc0de, ESPSeq: 1,
		Src: netip.MustParseAddrPort("192.0.2.1:0"), Dst: netip.MustParseAddrPort("192.0.2.2:0")})
	return pk
}

// ofKind returns the findings of kind k of sa.
func ofKind(sa *SA, k FindingKind) []Finding {
	var out []Finding
	for _, f := range sa.Findings {
		if f.Kind == k {
			out = append(out, f)
		}
	}
	return out
}

// rUThereFrames returns, from a keyed analysis, the frames of sa's
// messages that carry N(R-U-THERE) from side from, and the frames of the
// messages of the other side.
func rUThereFrames(sa *SA) (probes []int, from string) {
	for _, ex := range sa.Exchanges {
		for _, m := range ex.Messages {
			if strings.Contains(m.Payloads, "N(R-U-THERE)") {
				probes = append(probes, m.Frame)
				from = m.From
			}
		}
	}
	return probes, from
}

// TestV1DeadPeerReal: ikev1-dpd-dead-peer, whose responder is killed
// after quick mode (the logs: "DPD check timed out, enforcing DPD
// action", ended peer_dead). With keys, the R-U-THEREs (one sequence
// number, a new exchange each) are all unanswered and one dead_peer error
// names every one of them; without keys the same run of informationals is
// a dead_peer warning. Both end the SA (deleted). DPD answered both ways
// (ikev1-dpd, libreswan-ikev1-dpd) gives no such finding, and the capture
// cut after the second probe (it simply ends) gives none without keys.
func TestV1DeadPeerReal(t *testing.T) {
	const sc = "ikev1-dpd-dead-peer"
	pk := corpusPackets(t, sc)
	keyed := oneSA(t, corpusV1(t, sc, pk, true))
	probes, from := rUThereFrames(keyed)
	if len(probes) < 3 {
		t.Fatalf("keyed: %d R-U-THEREs read", len(probes))
	}
	for _, keys := range []bool{true, false} {
		sa := oneSA(t, corpusV1(t, sc, pk, keys))
		dp := ofKind(sa, KindDeadPeer)
		if len(dp) != 1 || !slices.Equal(dp[0].Frames, probes) || !strings.Contains(dp[0].Message, "The "+from+" sent") {
			t.Errorf("keys %v: dead_peer %+v, want one naming frames %v\n%s", keys, dp, probes, Ladder(sa))
		}
		wantSev := SeverityError
		if !keys {
			wantSev = SeverityWarning
		}
		if len(dp) == 1 && dp[0].Severity != wantSev {
			t.Errorf("keys %v: dead_peer severity %s, want %s", keys, dp[0].Severity, wantSev)
		}
		if sa.State != StateDeleted {
			t.Errorf("keys %v: state %s, want deleted (the log: peer dead, SA destroyed)", keys, sa.State)
		}
		for _, f := range probes {
			// Without keys a one-way informational stays "answered"
			// (docs/json.md): its content is not known.
			if ex := exchangeAt(t, sa, f); keys && ex.Answered {
				t.Errorf("keys %v: unacknowledged R-U-THERE at frame %d answered", keys, f)
			}
		}
		if hasKind(sa.Findings, KindEndUnknown) {
			t.Errorf("keys %v: end_unknown beside dead_peer", keys)
		}
	}
	// Cut after the second probe: the capture ends, nothing to judge.
	cut := clonePackets(pk[:byFrame(t, pk, probes[1])+1])
	if sa := oneSA(t, corpusV1(t, sc, cut, false)); hasKind(sa.Findings, KindDeadPeer) || sa.State == StateDeleted {
		t.Errorf("cut after frame %d: %v, state %s", probes[1], kinds(sa.Findings), sa.State)
	}
	// The responder's ESP copied after the third probe: it was alive.
	i := byFrame(t, pk, probes[2])
	var esp Packet
	for _, p := range pk {
		if p.Kind == KindESP && p.Src.Addr() != pk[i].Src.Addr() {
			esp = p
		}
	}
	esp.Time, esp.ESPSeq = pk[i].Time.Add(10*time.Millisecond), esp.ESPSeq+1
	alive := append(append(clonePackets(pk[:i+1]), esp), clonePackets(pk[i+1:])...)
	renumber(alive)
	if sa := oneSA(t, corpusV1(t, sc, alive, false)); hasKind(sa.Findings, KindDeadPeer) {
		t.Errorf("responder's ESP after the probes began: dead_peer %v", ofKind(sa, KindDeadPeer))
	}
	for _, ok := range []string{"ikev1-dpd", "libreswan-ikev1-dpd"} {
		for _, keys := range []bool{true, false} {
			sa := oneSA(t, corpusV1(t, ok, corpusPackets(t, ok), keys))
			if hasKind(sa.Findings, KindDeadPeer) {
				t.Errorf("%s keys %v: dead_peer %v", ok, keys, ofKind(sa, KindDeadPeer))
			}
		}
	}
}

// xauthUser returns the XAUTH user the initiator's log names
// (expected.json ike_sas[0].xauth), "" if none.
func xauthUser(t *testing.T, scenario string) (user, result string) {
	var e struct {
		IKESAs []struct {
			XAUTH map[string]struct{ User, Result string } `json:"xauth"`
		} `json:"ike_sas"`
	}
	if err := json.Unmarshal(testutil.ReadFile(t, filepath.Join(corpusDir, scenario, "expected.json")), &e); err != nil {
		t.Fatal(err)
	}
	if len(e.IKESAs) == 0 {
		return "", ""
	}
	x := e.IKESAs[0].XAUTH["initiator"]
	return x.User, x.Result
}

// TestV1XAUTHFailed: ikev1-xauth-wrong-password (main mode succeeds, the
// XAUTH server answers with XAUTH-STATUS FAIL, the SA is destroyed without
// a Delete). With keys: an authentication_failed error naming the user of
// the log, state failed, no established time. Without keys, once the
// capture goes on past Options.Grace with nothing more of the SA: a
// hedged authentication_failed warning, not "established". The
// successful XAUTH captures stay clean, and with keys they are
// established at their XAUTH status exchange, after phase 1.
func TestV1XAUTHFailed(t *testing.T) {
	const sc = "ikev1-xauth-wrong-password"
	user, result := xauthUser(t, sc)
	if result != "failed" || user == "" {
		t.Fatalf("expected.json: xauth %q %q", user, result)
	}
	pk := corpusPackets(t, sc)
	sa := oneSA(t, corpusV1(t, sc, pk, true))
	af := ofKind(sa, KindAuthFailed)
	if len(af) != 1 || af[0].Severity != SeverityError || !strings.Contains(af[0].Message, "XAUTH-STATUS FAIL") ||
		!strings.Contains(af[0].Message, `"`+user+`"`) {
		t.Errorf("keyed: authentication_failed %+v\n%s", af, Ladder(sa))
	}
	if sa.State != StateFailed || !sa.Established.IsZero() {
		t.Errorf("keyed: state %s, established %v; want failed, none", sa.State, sa.Established)
	}
	on := goneOn(pk, 10*time.Second)
	r := corpusV1(t, sc, on, false)
	sa = r.SAs[0]
	af = ofKind(sa, KindAuthFailed)
	if len(af) != 1 || af[0].Severity != SeverityWarning || sa.State == StateEstablished || !sa.Established.IsZero() {
		t.Errorf("keyless, capture going on: auth %+v, state %s, established %v\n%s", af, sa.State, sa.Established, Ladder(sa))
	}
	for _, ok := range []string{"ikev1-xauth-modecfg", "ikev1-aggressive-xauth"} {
		for _, keys := range []bool{true, false} {
			sa := corpusV1(t, ok, goneOn(corpusPackets(t, ok), 10*time.Second), keys).SAs[0]
			if hasKind(sa.Findings, KindAuthFailed) {
				t.Errorf("%s keys %v: %v", ok, keys, ofKind(sa, KindAuthFailed))
			}
			if !keys {
				continue
			}
			// Established at the last message of the second Transaction
			// exchange (XAUTH: the request for the credentials, then
			// the status), after phase 1.
			var txs []*Exchange
			for _, ex := range sa.Exchanges {
				if ex.Type == dissect.ExchangeTransaction {
					txs = append(txs, ex)
				}
			}
			if len(txs) < 2 {
				t.Fatalf("%s: %d transactions", ok, len(txs))
			}
			want := txs[1].Messages[len(txs[1].Messages)-1].Time // request, then status (XAUTH order)
			if !sa.Established.Equal(want) {
				t.Errorf("%s: established %v, want %v (the XAUTH status exchange)", ok, sa.Established, want)
			}
		}
	}
}

// TestV1DeleteOnNewISAKMPSA: after a re-authentication, the Deletes of the
// old IPsec SAs come on the new ISAKMP SA (ikev1-rekey,
// libreswan-ikev1-rekey). Every IPsec SA whose SPI a Delete names, on any
// ISAKMP SA between the two peers, is deleted at that frame.
func TestV1DeleteOnNewISAKMPSA(t *testing.T) {
	for _, sc := range []string{"ikev1-rekey", "libreswan-ikev1-rekey"} {
		r := corpusV1(t, sc, corpusPackets(t, sc), true)
		deleted := map[ESPSPI]int{} // SPI → frame of its Delete
		for _, sa := range r.SAs {
			for _, ex := range sa.Exchanges {
				for _, m := range ex.Messages {
					for _, part := range strings.Split(m.Payloads, "D(ESP ")[1:] {
						if v, err := strconv.ParseUint(strings.TrimRight(strings.Fields(part)[0], ")"), 16, 32); err == nil {
							deleted[ESPSPI(v)] = m.Frame
						}
					}
				}
			}
		}
		if len(deleted) == 0 {
			t.Fatalf("%s: no Delete read", sc)
		}
		n := 0
		for _, sa := range r.SAs {
			for _, c := range sa.ChildSAs {
				f, ok := deleted[c.SPIi]
				if g, ok2 := deleted[c.SPIr]; ok2 && (!ok || g < f) {
					f, ok = g, true
				}
				if !ok {
					continue
				}
				n++
				if c.State != ChildDeleted || c.DeletedFrame != f {
					t.Errorf("%s: child %s/%s under %s: %s, deleted frame %d; want deleted at frame %d", sc, c.SPIi, c.SPIr, sa.Name(), c.State, c.DeletedFrame, f)
				}
			}
		}
		if n != len(deleted) {
			t.Errorf("%s: %d child SAs named by Deletes, %d Deletes", sc, n, len(deleted))
		}
	}
}

// TestV1EndUnknownTrailing: without keys, end_unknown lists only the
// informational messages that end the SA. Checked against the keyed
// analysis of the same capture: every frame listed is a Delete, not a
// DPD message answered while ESP or other messages followed.
func TestV1EndUnknownTrailing(t *testing.T) {
	for _, sc := range []string{"ikev1-dpd", "libreswan-ikev1-dpd", "ikev1-xauth-modecfg"} {
		pk := corpusPackets(t, sc)
		keyed := oneSA(t, corpusV1(t, sc, pk, true))
		dels := map[int]bool{}
		for _, ex := range keyed.Exchanges {
			for _, m := range ex.Messages {
				if strings.Contains(m.Payloads, "D(") {
					dels[m.Frame] = true
				}
			}
		}
		sa := oneSA(t, corpusV1(t, sc, pk, false))
		eu := ofKind(sa, KindEndUnknown)
		if len(eu) != 1 {
			t.Errorf("%s: end_unknown %+v", sc, eu)
			continue
		}
		for _, f := range eu[0].Frames {
			if !dels[f] {
				t.Errorf("%s: end_unknown lists frame %d, which the keys show is no Delete (frames %v)", sc, f, eu[0].Frames)
			}
		}
		if len(eu[0].Frames) != len(dels) {
			t.Errorf("%s: end_unknown frames %v, Deletes %v", sc, eu[0].Frames, dels)
		}
	}
}

// TestV1EndUnknownESPAfter: in IKEv1 an IPsec SA outlives the ISAKMP SA
// that negotiated it, so ESP after an ISAKMP SA's last encrypted
// informational does not show that SA alive. ikev1-xauth-reauth: the
// initiator re-authenticates (a new ISAKMP SA, which adopts the IPsec
// SA: charon "adopting 1 children"), deletes the old ISAKMP SA at frame
// 34, and pings go on through the IPsec SA. Without keys the old SA was
// "established" with no hedge, the keys show frame 34 is its Delete.
func TestV1EndUnknownESPAfter(t *testing.T) {
	sc := "ikev1-xauth-reauth"
	pk := corpusPackets(t, sc)
	keyed := corpusV1(t, sc, pk, true)
	if len(keyed.SAs) != 2 {
		t.Fatalf("%d SAs with keys", len(keyed.SAs))
	}
	var del []int
	for _, ex := range keyed.SAs[0].Exchanges {
		for _, m := range ex.Messages {
			if strings.Contains(m.Payloads, "D(ISAKMP") {
				del = append(del, m.Frame)
			}
		}
	}
	if len(del) != 1 || keyed.SAs[0].State != StateDeleted || keyed.SAs[0].LastFrame <= del[0] {
		t.Fatalf("with keys: %s, ISAKMP Delete in frames %v, last frame %d: not the capture this test is about", keyed.SAs[0].State, del, keyed.SAs[0].LastFrame)
	}
	sa := corpusV1(t, sc, pk, false).SAs[0]
	eu := ofKind(sa, KindEndUnknown)
	if sa.State != StateEstablished || len(eu) != 1 || !slices.Equal(eu[0].Frames, del) || !strings.Contains(eu[0].Message, "IPsec SA can outlive") {
		t.Errorf("without keys: %s, end_unknown %+v; want it on frame %v", sa.State, eu, del)
	}
}

// TestUnreadQuickModes: without keys and without ESP (libreswan through
// the shim), an IKEv1 SA whose quick mode completed showed "-" under its
// child SAs, as if none had been set up. unread_quick_modes counts such
// quick modes: as many as the logs' IPsec SAs of each ISAKMP SA
// (expected.json child_sas), none where the quick mode was refused, none
// with the keys (the child SAs are known then).
func TestUnreadQuickModes(t *testing.T) {
	for _, c := range []struct {
		sc   string
		want []int // per SA, without keys
	}{
		{"libreswan-ikev1-main-quick", []int{1}},
		{"libreswan-ikev1-rekey", []int{1, 1}},
		{"libreswan-ikev1-quick-refused", []int{0}},
		{"libreswan-ikev1-quick-pfs-mismatch", []int{0}},
	} {
		raw, err := os.ReadFile(filepath.Join(corpusDir, c.sc, "expected.json"))
		if err != nil {
			t.Fatal(err)
		}
		var exp expectedScenario
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatal(err)
		}
		perSA := map[int]int{}
		for _, ch := range exp.ChildSAs {
			perSA[ch.IKESA]++
		}
		pk := corpusPackets(t, c.sc)
		r := corpusV1(t, c.sc, pk, false)
		if len(r.SAs) != len(c.want) {
			t.Fatalf("%s: %d SAs", c.sc, len(r.SAs))
		}
		for i, sa := range r.SAs {
			if sa.UnreadQuickModes != c.want[i] || c.want[i] > 0 && (len(sa.ChildSAs) != 0 || perSA[i] != c.want[i]) {
				t.Errorf("%s SA %d: unread_quick_modes %d, %d child SAs; want %d (the logs: %d IPsec SAs)", c.sc, i, sa.UnreadQuickModes, len(sa.ChildSAs), c.want[i], perSA[i])
			}
		}
		for i, sa := range corpusV1(t, c.sc, pk, true).SAs {
			if sa.UnreadQuickModes != 0 {
				t.Errorf("%s SA %d with keys: unread_quick_modes %d", c.sc, i, sa.UnreadQuickModes)
			}
		}
	}
}

// TestV1DeadPeerThenDeletes: libreswan-ikev1-dpd-dead-peer, pluto's
// R-U-THEREs unanswered after charon is killed, then "DPD action -
// clearing connection ... and sending notification": a Delete of the
// IPsec SA and one of the ISAKMP SA. With keys the dead_peer error said
// "usually without a Delete" beside the two Deletes it had read; without
// keys there was no dead_peer at all (the two Deletes, sent at once, broke
// the regular run). Now both name the unacknowledged probes (those the
// keys read as R-U-THEREs without ACK) and the Deletes.
func TestV1DeadPeerThenDeletes(t *testing.T) {
	const sc = "libreswan-ikev1-dpd-dead-peer"
	pk := corpusPackets(t, sc)
	keyed := oneSA(t, corpusV1(t, sc, pk, true))
	var dels []int
	for _, ex := range keyed.Exchanges {
		for _, m := range ex.Messages {
			if strings.Contains(m.Payloads, "D(") {
				dels = append(dels, m.Frame)
			}
		}
	}
	probes, _ := rUThereFrames(keyed)
	if len(dels) != 2 || len(probes) < 4 {
		t.Fatalf("with keys: Deletes %v, R-U-THEREs %v", dels, probes)
	}
	unacked := probes[1:] // the first was acknowledged (the logs)
	for _, keys := range []bool{true, false} {
		sa := oneSA(t, corpusV1(t, sc, pk, keys))
		dp := ofKind(sa, KindDeadPeer)
		if len(dp) != 1 || !slices.Equal(dp[0].Frames, unacked) || sa.State != StateDeleted {
			t.Fatalf("keys %v: %s, dead_peer %+v; want one naming frames %v", keys, sa.State, dp, unacked)
		}
		want := fmt.Sprintf("frames %d, %d", dels[0], dels[1])
		if !strings.Contains(dp[0].Message, want) || strings.Contains(dp[0].Message, "usually without a Delete") {
			t.Errorf("keys %v: %q does not name the Deletes (%s)", keys, dp[0].Message, want)
		}
	}
}

// TestV1EndUnknownESPAfterAlive: ESP after an IKEv1 SA's last
// informationals does not hedge its state unless a newer ISAKMP SA
// between the same peers exists (TestV1EndUnknownESPAfter). ikev1-dpd cut
// after an R-U-THERE and its ACK (frames 22, 23), then ten minutes of the
// child SA's ESP both ways: a healthy tunnel, which got end_unknown ("may
// have been deleted there") from a first version of that change.
func TestV1EndUnknownESPAfterAlive(t *testing.T) {
	const sc = "ikev1-dpd"
	pk := corpusPackets(t, sc)
	cut := clonePackets(pk[:byFrame(t, pk, 25)+1])
	esp := []Packet{pk[byFrame(t, pk, 24)], pk[byFrame(t, pk, 25)]}
	if esp[0].Kind != KindESP || esp[1].Kind != KindESP {
		t.Fatal("frames 24, 25 are not ESP")
	}
	last := cut[len(cut)-1].Time
	for i := 1; i <= 60; i++ {
		for _, e := range esp {
			e.Time = last.Add(time.Duration(i) * 10 * time.Second)
			e.ESPSeq += uint32(i)
			cut = append(cut, e)
		}
	}
	renumber(cut)
	sa := oneSA(t, corpusV1(t, sc, cut, false))
	if eu := ofKind(sa, KindEndUnknown); len(eu) != 0 {
		t.Errorf("end_unknown on a tunnel whose ESP went on: %s", eu[0].Message)
	}
}
