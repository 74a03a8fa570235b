package decrypt

import (
	"path/filepath"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// feedAll feeds a capture to a Tracker and returns it.
func feedAll(kr *Keyring, msgs []udpMsg) *Tracker {
	trk := NewTracker(kr)
	var m dissect.Message
	for _, cm := range msgs {
		if m.DecodeFromBytes(cm.ike) != nil && m.Ciphertext == nil && len(m.Payloads) == 0 {
			continue
		}
		trk.Message(m.Raw, &m, cm.src.Addr())
	}
	return trk
}

// TestKeyCheckPerDirection: on the real psk-success capture with its real
// key, both directions verify; with one octet of SK_ar changed the
// initiator's direction still verifies and the responder's does not, in
// the Tracker's KeyCheck and in the Keyring's per-key Checks. (Before
// KeyCheck existed, such a key showed as "matched" with the algorithms
// that worked.)
func TestKeyCheckPerDirection(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev2-psk-success")
	msgs := readIKEPcap(t, filepath.Join(dir, "capture.pcap"))
	good := loadKeys(t, filepath.Join(dir, "ikev2_decryption_table"))
	if len(good) != 1 {
		t.Fatalf("%d keys", len(good))
	}
	k := good[0]
	trk := feedAll(NewKeyring(k), msgs)
	c := trk.KeyCheck(2, k.SPIi, k.SPIr)
	if c.FromInitiator.Check() != KeyVerified || c.FromResponder.Check() != KeyVerified || c.FromInitiator.Failed+c.FromResponder.Failed != 0 {
		t.Errorf("right key: %+v", c)
	}

	bad := k
	bad.IntegR = flip(k.IntegR, 3)
	kr := NewKeyring(bad)
	trk = feedAll(kr, msgs)
	c = trk.KeyCheck(2, k.SPIi, k.SPIr)
	if c.FromInitiator.Check() != KeyVerified || c.FromResponder.Check() != KeyFailed {
		t.Errorf("wrong SK_ar: tracker says %v / %v (%+v)", c.FromInitiator.Check(), c.FromResponder.Check(), c)
	}
	uses := kr.Uses()
	if len(uses) != 1 || len(uses[0].Checks) != 1 {
		t.Fatalf("uses %+v", uses)
	}
	kc := uses[0].Checks[0]
	if kc.SA != c.SA || kc.FromInitiator != c.FromInitiator || kc.FromResponder != c.FromResponder {
		t.Errorf("keyring check %+v, tracker %+v", kc, c)
	}
	// An SA never seen is not tried; Forget drops the record.
	if c := trk.KeyCheck(2, dissect.SPI{1}, dissect.SPI{2}); c.FromInitiator.Check() != KeyNotTried || c.FromResponder.Check() != KeyNotTried {
		t.Errorf("unknown SA: %+v", c)
	}
	trk.Forget(2, k.SPIi, k.SPIr)
	if c := trk.KeyCheck(2, k.SPIi, k.SPIr); c.FromResponder.Check() != KeyNotTried {
		t.Errorf("after Forget: %+v", c)
	}
}

// TestKeyCheckIKEv1: the real IKEv1 main+quick capture verifies both ways
// with its key and fails both ways with one octet of the key changed.
func TestKeyCheckIKEv1(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev1-main-quick")
	msgs := readIKEPcap(t, filepath.Join(dir, "capture.pcap"))
	keys := loadKeys(t, filepath.Join(dir, "ikev1_decryption_table"))
	k := keys[0]
	trk := feedAll(NewKeyring(k), msgs)
	var c SACheck
	for _, cm := range msgs {
		var m dissect.Message
		if m.DecodeFromBytes(cm.ike) == nil && m.Header.SPIi == k.SPIi && !m.Header.SPIr.IsZero() {
			c = trk.KeyCheck(1, m.Header.SPIi, m.Header.SPIr)
			break
		}
	}
	if c.FromInitiator.Check() != KeyVerified || c.FromResponder.Check() != KeyVerified {
		t.Errorf("right key: %+v", c)
	}
	bad := k
	bad.EncrI = flip(k.EncrI, 0)
	kr := NewKeyring(bad)
	trk = feedAll(kr, msgs)
	c = trk.KeyCheck(1, c.SA.SPIi, c.SA.SPIr)
	if c.FromInitiator.Check() != KeyFailed || c.FromResponder.Check() != KeyFailed {
		t.Errorf("wrong key: %+v", c)
	}
	if u := kr.Uses(); len(u[0].Matched) != 0 || len(u[0].Checks) != 1 || u[0].Checks[0].FromInitiator.Check() != KeyFailed {
		t.Errorf("wrong key uses: %+v", u)
	}
}
