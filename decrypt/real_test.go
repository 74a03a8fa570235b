package decrypt

import (
	"errors"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestWiresharkWikiIKEv2 decrypts every SK payload of the Wireshark wiki
// capture (AES-GCM-256/16, AES-CTR-256 + HMAC-SHA2-256-128, AES-CBC-256 +
// HMAC-SHA2-256-128) with its published ikev2_decryption_table and compares
// the decrypted payloads with what tshark shows with the same keys.
func TestWiresharkWikiIKEv2(t *testing.T) {
	kr := NewKeyring(loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")...)
	want := loadTshark(t, "ikev2-wiki.tshark")
	var m dissect.Message
	decrypted := 0
	for _, cm := range loadHexMessages(t, "ikev2-wiki.hex") {
		if err := m.DecodeFromBytes(cm.raw); err != nil {
			t.Fatalf("frame %d: %v", cm.frame, err)
		}
		var s summary
		s.add(2, m.Payloads)
		for _, p := range m.Payloads {
			if p.Type != dissect.PayloadSK {
				continue
			}
			plain, key, err := kr.OpenV2(nil, m.Raw, p, Suite{})
			if err != nil {
				t.Fatalf("frame %d: %v", cm.frame, err)
			}
			if key.SPIi != m.Header.SPIi {
				t.Errorf("frame %d: matched key %v", cm.frame, key)
			}
			var inner []dissect.Payload
			end, err := dissect.WalkPayloads(plain, 0, p.Next, 2, &inner)
			if err != nil || end != len(plain) {
				t.Fatalf("frame %d: inner walk: end %d of %d, %v", cm.frame, end, len(plain), err)
			}
			s.add(2, inner)
			decrypted++
		}
		if got := s.row(); got != want[cm.frame] {
			t.Errorf("frame %d:\n got %+v\nwant %+v (tshark)", cm.frame, got, want[cm.frame])
		}
	}
	if decrypted != 24 { // 3 SAs x (2 IKE_AUTH + 6 INFORMATIONAL)
		t.Errorf("decrypted %d SK payloads, want 24", decrypted)
	}
	// Every key matched exactly its own SA.
	for _, u := range kr.Uses() {
		if len(u.Matched) != 1 || u.Matched[0].SPIi != u.Key.SPIi || u.Matched[0].SPIr != u.Key.SPIr {
			t.Errorf("key %v matched %v", &u.Key, u.Matched)
		}
	}
}

// TestWiresharkWikiIDi checks decrypted content beyond types: the IDi of
// the first IKE_AUTH is RFC822 "ikev2-cert", as tshark shows.
func TestWiresharkWikiIDi(t *testing.T) {
	kr := NewKeyring(loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")...)
	msgs := loadHexMessages(t, "ikev2-wiki.hex")
	for _, frame := range []int{3, 21, 39} { // GCM, CTR, CBC
		var cm capMsg
		for _, c := range msgs {
			if c.frame == frame {
				cm = c
			}
		}
		sk, plain := openMsg(t, kr, cm)
		var inner []dissect.Payload
		if _, err := dissect.WalkPayloads(plain, 0, sk.Next, 2, &inner); err != nil {
			t.Fatal(err)
		}
		id := inner[0]
		if id.Type != dissect.PayloadIDi || id.Body[0] != 3 || string(id.Body[4:]) != "ikev2-cert" {
			t.Errorf("frame %d: IDi = %v %q", frame, id.Type, id.Body)
		}
	}
}

// TestZeekIKEv1Certs decrypts the IKEv1 main mode (3DES/MD5) and quick
// mode of the zeek/spicy-ipsec capture with its ikev1_decryption_table.
// Frame 8 is a retransmission of frame 7: it must decrypt with frame 7's IV
// and not advance the chain (tshark gets this wrong: it shows frame 8 as
// malformed), so frame 9 still decrypts.
func TestZeekIKEv1Certs(t *testing.T) {
	kr := NewKeyring(loadKeys(t, "testdata/ikev1-certs.ikev1_decryption_table")...)
	want := loadTshark(t, "ikev1-certs.tshark")
	want[8] = want[7] // see above
	msgs := loadHexMessages(t, "ikev1-certs.hex")
	var sess *V1Session
	for i, cm := range msgs {
		if sess == nil {
			var err error
			sess, err = kr.V1Session(dissect.SPI(cm.raw[0:8]), dissect.SPI{})
			if err != nil {
				t.Fatal(err)
			}
		}
		// The capture alternates initiator and responder, except frame 8
		// (initiator retransmission) and frame 10 (initiator, QM3).
		fromInit := map[int]bool{1: true, 3: true, 5: true, 7: true, 8: true, 10: true}[cm.frame]
		res, err := sess.Feed(cm.raw, fromInit)
		if err != nil {
			t.Fatalf("frame %d: %v", cm.frame, err)
		}
		var s summary
		if res.Encrypted {
			s.add(1, res.Payloads)
		} else {
			var m dissect.Message
			if err := m.DecodeFromBytes(cm.raw); err != nil {
				t.Fatal(err)
			}
			s.add(1, m.Payloads)
		}
		if res.Retransmit != (cm.frame == 8) {
			t.Errorf("frame %d: Retransmit = %v", cm.frame, res.Retransmit)
		}
		if got := s.row(); got != want[cm.frame] {
			t.Errorf("frame %d (msg %d):\n got %+v\nwant %+v", cm.frame, i, got, want[cm.frame])
		}
		if cm.frame == 5 && !strings.Contains(string(res.Plain), "OpenSwan") {
			t.Errorf("frame 5: decrypted certificate does not mention OpenSwan")
		}
	}
	if got := sess.Suite().String(); got != "3DES/MD5" {
		t.Errorf("suite %s", got)
	}
	uses := kr.Uses()
	if len(uses[0].Matched) != 1 {
		t.Errorf("matches %v", uses[0].Matched)
	}
}

// TestZeekIKEv1WrongKey: a wrong key gives the ErrAuth-like state, never
// garbage payloads.
func TestZeekIKEv1WrongKey(t *testing.T) {
	keys := loadKeys(t, "testdata/ikev1-certs.ikev1_decryption_table")
	b := append([]byte(nil), keys[0].EncrI.Reveal()...)
	b[0] ^= 0x80 // not bit 0: DES ignores the parity bits
	keys[0].EncrI = NewSecret(b)
	sess := NewV1Session(&keys[0])
	for _, cm := range loadHexMessages(t, "ikev1-certs.hex") {
		fromInit := map[int]bool{1: true, 3: true, 5: true, 7: true, 8: true, 10: true}[cm.frame]
		res, err := sess.Feed(cm.raw, fromInit)
		if !res.Encrypted {
			continue
		}
		if !errors.Is(err, ErrAuth) || StateOf(err) != StateAuthFailed || res.Plain != nil {
			t.Errorf("frame %d: err %v, plain %d octets", cm.frame, err, len(res.Plain))
		}
	}
}
