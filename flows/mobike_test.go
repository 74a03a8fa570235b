package flows

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestMOBIKE: ikev2-mobike (strongSwan, the initiator moving from
// 198.51.100.10 to .11, UPDATE_SA_ADDRESSES at frame 15, RFC 4555; the
// child SA rekeyed after it, d627b1bc_i aeca7b66_o). With the keys, the ESP
// the responder sends to the initiator's new address (frames 22, 24, 26)
// is counted on that child SA: it belonged to no IKE SA, and the child SA
// was reported one way.
func TestMOBIKE(t *testing.T) {
	sc := "ikev2-mobike"
	sa := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))}).SAs[0]
	var c *ChildSA
	for _, x := range sa.ChildSAs {
		if x.SPIi == 0xd627b1bc {
			c = x
		}
	}
	if c == nil || c.ESPPackets != (ESPCount{IToR: 3, RToI: 3}) {
		t.Fatalf("child SA d627b1bc: %+v", c)
	}
	if f := finding(sa, KindOneWayESP); f != nil {
		t.Errorf("%s", f.Message)
	}
}

// TestMOBIKEWithoutKeys: without keys the child SAs are inferred from the
// ESP between the peers; after the initiator moved (ikev2-mobike: its
// UPDATE_SA_ADDRESSES from 198.51.100.11, answered there), the ESP between
// its new address and the responder is the SA's too. It was
// esp_without_ike, "negotiated before the capture started, manually keyed,
// or negotiated between other addresses", while the logs show the
// responder rekeying the child SA over this SA after the move.
func TestMOBIKEWithoutKeys(t *testing.T) {
	r := analyze(corpusPackets(t, "ikev2-mobike"), Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	var c *ChildSA
	for _, x := range r.SAs[0].ChildSAs {
		if x.SPIi == 0xd627b1bc {
			c = x
		}
	}
	if c == nil || c.SPIr != 0xaeca7b66 || c.ESPPackets != (ESPCount{IToR: 3, RToI: 3}) {
		t.Fatalf("child SA d627b1bc/aeca7b66: %+v", c)
	}
	for _, f := range r.Findings {
		if f.Kind == KindUnmatchedESP || f.Kind == KindOneWayESP {
			t.Errorf("%s: %s", f.Kind, f.Message)
		}
	}
}

// TestDeletedAfterAuth: an initiator that ends the IKE SA within
// milliseconds of the IKE_AUTH answer, before any ESP, refused it. Real
// captures: libreswan-ikev2-cert-no-certreq (pluto: "no certificate
// matched …", a Delete 2.4 ms after IKE_AUTH, no AUTHENTICATION_FAILED;
// was "deleted: no errors or warnings"), ikev2-cert-id-not-in-cert without
// keys (charon sends N(AUTH_FAILED) 28 ms after; was "established: no
// errors"). Not on SAs torn down seconds later (libreswan-ikev2-cert,
// openiked-ikev2-success) or after ESP (ikev2-cert-weak, 93 ms).
func TestDeletedAfterAuth(t *testing.T) {
	for _, c := range []struct {
		sc   string
		keys bool
		want bool
	}{
		{"libreswan-ikev2-cert-no-certreq", true, true},
		{"libreswan-ikev2-cert-no-certreq", false, true},
		{"ikev2-cert-id-not-in-cert", false, true},
		{"libreswan-ikev2-cert", true, false},
		{"openiked-ikev2-success", false, false},
		{"ikev2-cert-weak", false, false},
	} {
		opt := Options{}
		if c.keys {
			opt.Decryptor = corpusKeys(t, filepath.Join(corpusDir, c.sc))
		}
		sa := analyze(corpusPackets(t, c.sc), opt).SAs[0]
		if f := finding(sa, KindDeletedAfterAuth); (f != nil) != c.want || c.want && (f.Severity != SeverityError || c.keys && sa.State == StateEstablished) {
			t.Errorf("%s, keys %v: %s, deleted_after_auth %+v, want %v", c.sc, c.keys, sa.State, f, c.want)
		}
	}
}

// TestInitialContact: ikev2-initial-contact, the initiator's charon killed
// and started again; its new IKE SA's IKE_AUTH request carries
// INITIAL_CONTACT (frame 11), and the responder logs "destroying duplicate
// IKE_SA ..., received INITIAL_CONTACT" for the old one, without a Delete.
// With the keys the old SA was "established", its child SA too, and
// sa_abandoned gave a child SA install failure as the likely cause; it is
// now deleted there, with its child SA, and the finding says why. Without
// keys INITIAL_CONTACT is not visible: the old SA keeps its last state,
// and sa_abandoned names a restart among the causes.
func TestInitialContact(t *testing.T) {
	const sc = "ikev2-initial-contact"
	for _, keys := range []bool{true, false} {
		opt := Options{}
		if keys {
			opt.Decryptor = corpusKeys(t, filepath.Join(corpusDir, sc))
		}
		r := analyze(corpusPackets(t, sc), opt)
		if len(r.SAs) != 2 {
			t.Fatalf("keys %v: %d SAs", keys, len(r.SAs))
		}
		old := r.SAs[0]
		f := finding(old, KindAbandoned)
		if f == nil {
			t.Fatalf("keys %v: no sa_abandoned on the old SA: %v", keys, kinds(old.Findings))
		}
		if keys {
			if old.State != StateDeleted || !strings.Contains(f.Message, "INITIAL_CONTACT (frame 11") {
				t.Errorf("with keys: old SA %s, %q", old.State, f.Message)
			}
			for _, c := range old.ChildSAs {
				if c.State != ChildDeleted || c.DeletedFrame != 0 {
					t.Errorf("with keys: child SA %s/%s %s, deleted frame %d", c.SPIi, c.SPIr, c.State, c.DeletedFrame)
				}
			}
		} else if old.State != StateEstablished || !strings.Contains(f.Message, "restarted") {
			t.Errorf("without keys: old SA %s, %q", old.State, f.Message)
		}
		if nw := r.SAs[1]; nw.State == StateFailed || finding(nw, KindAbandoned) != nil {
			t.Errorf("keys %v: new SA %s, %v", keys, nw.State, kinds(nw.Findings))
		}
	}
	// Keys for the new SA only: the old SA's IDi is not read, so the
	// capture cannot tell that INITIAL_CONTACT was sent with its identity
	// (RFC 7296 §2.4 clears that identity's SAs; another client behind the
	// same NAT address, another identity between two gateways, is not
	// cleared), and the old SA keeps its last state.
	tab := filepath.Join(t.TempDir(), "ikev2_decryption_table")
	rows := strings.Split(strings.TrimSpace(string(testutil.ReadFile(t, filepath.Join(corpusDir, sc, "ikev2_decryption_table")))), "\n")
	var newRow []string
	for _, r := range rows {
		if strings.HasPrefix(r, "f9cc02a7a80e480b,") {
			newRow = append(newRow, r)
		}
	}
	if len(newRow) != 1 {
		t.Fatalf("no row for the new SA in %v", rows)
	}
	if err := os.WriteFile(tab, []byte(newRow[0]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if old := analyze(corpusPackets(t, sc), Options{Decryptor: keyringFor(t, tab)}).SAs[0]; old.State != StateEstablished {
		t.Errorf("old SA's IDi not read: %s, %v", old.State, kinds(old.Findings))
	}
	// The old SA's ESP (frames 5, 6) again after the answer to the
	// INITIAL_CONTACT (frame 12): that SA lives on (another identity's,
	// between the same hosts), and is not ended.
	pk := corpusPackets(t, sc)
	last := pk[len(pk)-1].Time
	for i, f := range []int{5, 6} {
		e := pk[byFrame(t, pk, f)]
		e.Time, e.ESPSeq = last.Add(time.Duration(i+1)*time.Second), e.ESPSeq+100
		pk = append(pk, e)
	}
	renumber(pk)
	r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))})
	if old := r.SAs[0]; old.State != StateEstablished || finding(old, KindAbandoned) != nil && strings.Contains(finding(old, KindAbandoned).Message, "INITIAL_CONTACT (frame") {
		t.Errorf("old SA with ESP after the INITIAL_CONTACT: %s, %v", old.State, kinds(old.Findings))
	}
}

// TestNoCollisionWithNewChild: ikev2-child-temporary-failure, the
// initiator asking for a new child SA (frame 10, no REKEY_SA) while the
// responder rekeys the IKE SA (frames 9, 12): RFC 7296 §2.25, refused with
// TEMPORARY_FAILURE, no rekey collision (neither log has "detected ...
// collision"). With the keys it was reported as one; so it was with the
// responder's rekey request left unreadable (an ICV octet flipped), the
// new child SA read.
func TestNoCollisionWithNewChild(t *testing.T) {
	const sc = "ikev2-child-temporary-failure"
	keys := func() Decryptor { return corpusKeys(t, filepath.Join(corpusDir, sc)) }
	pk := corpusPackets(t, sc)
	broken := clonePackets(pk)
	for _, f := range []int{9, 12} {
		p := &broken[byFrame(t, broken, f)]
		p.Data[len(p.Data)-1] ^= 0x55
	}
	for name, in := range map[string][]Packet{"as captured": pk, "rekey request unreadable": broken} {
		r := analyze(clonePackets(in), Options{Decryptor: keys()})
		for _, sa := range r.SAs {
			if f := finding(sa, KindRekeyCollision); f != nil {
				t.Errorf("%s: %s", name, f.Message)
			}
		}
	}
}

// TestRestartedPeerDeadPeerText: openiked-ikev2-initial-contact, iked
// killed and started again, its new IKE SA without INITIAL_CONTACT (frame
// 10) while strongSwan's liveness checks on the old SA go unanswered (the
// first drew ICMP, the later ones reached the restarted iked: "unknown
// SA"). dead_peer said the initiator "is unreachable"; the capture shows it
// reachable, on its fresh SA. Without keys, the REDIRECTED_FROM in
// ikev2-redirect's second IKE_SA_INIT (in the clear) names the gateway that
// sent the initiator there.
func TestRestartedPeerDeadPeerText(t *testing.T) {
	sa := analyze(corpusPackets(t, "openiked-ikev2-initial-contact"), Options{}).SAs[0]
	f := finding(sa, KindDeadPeer)
	if f == nil || !strings.Contains(f.Message, "started a fresh IKE SA with the responder (frame 10)") || strings.Contains(f.Message, "is unreachable") {
		t.Errorf("dead_peer %+v", f)
	}
	r := analyze(corpusPackets(t, "ikev2-redirect"), Options{})
	if len(r.SAs) != 2 {
		t.Fatalf("ikev2-redirect: %d SAs", len(r.SAs))
	}
	if f := finding(r.SAs[1], KindRedirect); f == nil || !strings.Contains(f.Message, "after gateway 203.0.113.10 redirected it here") {
		t.Errorf("ikev2-redirect without keys, second SA: %+v", f)
	}
}

// TestMobikeAuthAnswerMissed: ikev2-mobike, with its keys, without the
// IKE_AUTH answer (frame 4). The SA is taken as established at its
// conclusion (the ESP that follows needs the answer: capture_gap), so the
// initiator's UPDATE_SA_ADDRESSES from its new address came while the SA
// was not yet known to be up, and its move was not followed: the
// responder's ESP to the new address (SPI d627b1bc) belonged to no IKE SA
// (esp_without_ike), and the child SA it rekeyed to read "carries ESP one
// way only ... none back from the responder", a warning the capture
// contradicts. A move is followed from an encrypted INFORMATIONAL or
// CREATE_CHILD_SA, which only an IKE SA past IKE_AUTH carries.
func TestMobikeAuthAnswerMissed(t *testing.T) {
	const scen = "ikev2-mobike"
	pk := corpusPackets(t, scen)
	i := byFrame(t, pk, 4)
	r := analyze(slices.Delete(slices.Clone(pk), i, i+1), Options{Decryptor: keyringFor(t, filepath.Join(corpusDir, scen, "ikev2_decryption_table"))})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	sa := r.SAs[0]
	var found bool
	for _, c := range sa.ChildSAs {
		if c.SPIi.String() == "d627b1bc" {
			found = true
			if c.ESPPackets.IToR != 3 || c.ESPPackets.RToI != 3 {
				t.Errorf("child SA %s/%s: ESP %+v, want 3 each way", c.SPIi, c.SPIr, c.ESPPackets)
			}
		}
	}
	if !found {
		t.Errorf("no child SA d627b1bc: %+v", sa.ChildSAs)
	}
	if f := finding(sa, KindOneWayESP); f != nil {
		t.Errorf("%s", f.Message)
	}
	for _, f := range r.Findings {
		if f.Kind == KindUnmatchedESP {
			t.Errorf("%s", f.Message)
		}
	}
}
