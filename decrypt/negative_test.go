package decrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// wikiMessage returns frame n of the Wireshark wiki capture, decoded, and
// the key of its SA.
func wikiMessage(t *testing.T, frame int) ([]byte, dissect.Payload, Key) {
	t.Helper()
	keys := loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")
	for _, cm := range loadHexMessages(t, "ikev2-wiki.hex") {
		if cm.frame != frame {
			continue
		}
		var m dissect.Message
		if err := m.DecodeFromBytes(cm.raw); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			if k.SPIi == m.Header.SPIi {
				return bytes.Clone(cm.raw), m.Payloads[len(m.Payloads)-1], k
			}
		}
	}
	t.Fatalf("frame %d not found", frame)
	return nil, dissect.Payload{}, Key{}
}

func flip(s Secret, i int) Secret {
	b := bytes.Clone(s.Reveal())
	b[i] ^= 0x80
	return NewSecret(b)
}

// TestNegativeRealMessages: each kind of damage to a real message gives its
// explicit state, for GCM (frame 3), CTR (21) and CBC (39) SAs.
func TestNegativeRealMessages(t *testing.T) {
	for _, frame := range []int{3, 4, 21, 22, 39, 40} {
		msg, p, k := wikiMessage(t, frame)
		open := func(k Key, msg []byte, p dissect.Payload) error {
			d, err := NewV2(&k, k.Suite)
			if err != nil {
				return err
			}
			_, err = d.Open(nil, msg, p)
			return err
		}
		if err := open(k, msg, p); err != nil {
			t.Fatalf("frame %d: baseline: %v", frame, err)
		}
		fromI := FromInitiator(msg)
		tests := []struct {
			name  string
			key   func(Key) Key
			msg   func([]byte) []byte
			state State
		}{
			{"wrong SK_e", func(k Key) Key {
				if fromI {
					k.EncrI = flip(k.EncrI, 0)
				} else {
					k.EncrR = flip(k.EncrR, 0)
				}
				return k
			}, nil, StateAuthFailed},
			{"other direction's key", func(k Key) Key { k.EncrI, k.EncrR, k.IntegI, k.IntegR = k.EncrR, k.EncrI, k.IntegR, k.IntegI; return k }, nil, StateAuthFailed},
			{"flipped ICV octet", nil, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, StateAuthFailed},
			{"flipped ciphertext octet", nil, func(b []byte) []byte { b[len(b)-40] ^= 1; return b }, StateAuthFailed},
			{"flipped header octet (AAD/ICV input)", nil, func(b []byte) []byte { b[20+3] ^= 1; return b }, StateAuthFailed},
			{"truncated ciphertext", nil, func(b []byte) []byte { return b[:len(b)-10] }, StateMalformed},
			{"no direction key", func(k Key) Key {
				if fromI {
					k.EncrI, k.IntegI = Secret{}, Secret{}
				} else {
					k.EncrR, k.IntegR = Secret{}, Secret{}
				}
				return k
			}, nil, StateNoKey},
		}
		if !k.Suite.Encr.IsAEAD() {
			tests = append(tests, struct {
				name  string
				key   func(Key) Key
				msg   func([]byte) []byte
				state State
			}{"wrong SK_a", func(k Key) Key {
				k.IntegI, k.IntegR = flip(k.IntegI, 3), flip(k.IntegR, 3)
				return k
			}, nil, StateAuthFailed})
		}
		for _, tt := range tests {
			k2, m2 := k, bytes.Clone(msg)
			if tt.key != nil {
				k2 = tt.key(k)
			}
			if tt.msg != nil {
				m2 = tt.msg(m2)
			}
			err := open(k2, m2, p)
			if got := StateOf(err); got != tt.state {
				t.Errorf("frame %d %s (%s): %v (%v), want %v", frame, tt.name, k.Suite, got, err, tt.state)
			}
		}
	}
}

// TestWrongAlgorithm: the same real messages opened with a key file that
// names the wrong algorithm fail as "integrity check failed", never as
// plaintext.
func TestWrongAlgorithm(t *testing.T) {
	cases := []struct {
		frame int
		suite Suite
	}{
		{39, Suite{Encr: EncrAESCTR, KeyBits: 256, Integ: IntegHMACSHA256128}}, // CBC SA read as CTR (key lengths differ: 36 vs 32)
		{21, Suite{Encr: EncrAESGCM16, KeyBits: 256}},                          // CTR SA read as GCM
		{3, Suite{Encr: EncrAESGCM8, KeyBits: 256}},                            // GCM-16 read as GCM-8
		{3, Suite{Encr: EncrAESCCM16, KeyBits: 256}},                           // GCM read as CCM (36-octet key = 33+3: malformed key)
		{39, Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA512256}}, // wrong integrity
	}
	for _, c := range cases {
		msg, p, k := wikiMessage(t, c.frame)
		k.Suite = c.suite
		d, err := NewV2(&k, c.suite)
		if err == nil {
			var pt []byte
			pt, err = d.Open(nil, msg, p)
			if pt != nil {
				t.Errorf("frame %d as %v: returned plaintext", c.frame, c.suite)
			}
		}
		if st := StateOf(err); st != StateAuthFailed {
			t.Errorf("frame %d as %v: %v", c.frame, c.suite, err)
		}
		t.Logf("frame %d as %v: %v", c.frame, c.suite, err)
	}
	// CBC and CTR with the right integrity key: the ICV verifies, the
	// plaintext is garbage, and the chain check catches it.
	msg, p, k := wikiMessage(t, 39)
	k.Suite.Encr = EncrAESCTR
	kk := k
	// Use the first 28 octets of each SK_e as AES-192 key + CTR nonce.
	kk.EncrI = NewSecret(bytes.Clone(k.EncrI.Reveal()[:28]))
	kk.EncrR = NewSecret(bytes.Clone(k.EncrR.Reveal()[:28]))
	kk.Suite.KeyBits = 192
	d, err := NewV2(&kk, kk.Suite)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(nil, msg, p); !errors.Is(err, ErrAuth) {
		t.Errorf("CBC message as CTR with correct SK_a: %v, want ErrAuth", err)
	}
}

// TestBadPadding: a real CBC message re-encrypted (same keys) with a Pad
// Length that does not fit, and a correct ICV, is malformed.
func TestBadPadding(t *testing.T) {
	msg, p, k := wikiMessage(t, 39)
	d, _ := NewV2(&k, k.Suite)
	plain, err := d.Open(nil, msg, p)
	if err != nil {
		t.Fatal(err)
	}
	_ = plain
	// Decrypt the whole plaintext (padding included) by hand.
	body := msg[p.Offset+4 : p.Offset+p.Length]
	iv, ct := body[:16], body[16:len(body)-16]
	b, _ := aes.NewCipher(k.EncrI.Reveal())
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(pt, ct)
	for _, pad := range []byte{pt[len(pt)-1] + 1, 255} {
		pt2 := bytes.Clone(pt)
		pt2[len(pt2)-1] = pad
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, pt2)
		m2 := bytes.Clone(msg)
		copy(m2[p.Offset+4+16:], ct)
		mac, _ := newMAC(k.Suite.Integ, k.IntegI.Reveal())
		mac.Write(m2[:len(m2)-16])
		copy(m2[len(m2)-16:], mac.Sum(nil)[:16])
		if _, err := d.Open(nil, m2, p); StateOf(err) != StateMalformed {
			t.Errorf("pad length %d: %v, want malformed", pad, err)
		}
	}
}

// TestKeyringStates: the keyring gives no-key for unknown SAs and tries
// SPI-less keys last.
func TestKeyringStates(t *testing.T) {
	msg, p, k := wikiMessage(t, 39)
	kr := NewKeyring()
	if _, _, err := kr.OpenV2(nil, msg, p, Suite{}); StateOf(err) != StateNoKey {
		t.Errorf("empty keyring: %v", err)
	}
	// A key without SPIs and without algorithms: found by trial, suite from
	// the capture.
	wild := k
	wild.SPIi, wild.SPIr, wild.Suite = dissect.SPI{}, dissect.SPI{}, Suite{}
	other := k
	other.EncrI = flip(k.EncrI, 1)
	other.SPIi = dissect.SPI{1}
	kr.Add(other, wild)
	if _, _, err := kr.OpenV2(nil, msg, p, Suite{}); StateOf(err) != StateUnsupported {
		t.Errorf("no suite anywhere: %v", err)
	}
	pt, used, err := kr.OpenV2(nil, msg, p, k.Suite)
	if err != nil || used.SPIKnown() || len(pt) == 0 {
		t.Fatalf("wildcard key: %v %v", used, err)
	}
	uses := kr.Uses()
	if len(uses[0].Matched) != 0 || len(uses[1].Matched) != 1 || uses[1].Suite != k.Suite {
		t.Errorf("uses: %+v", uses)
	}
}
