package decrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/ikeflow/ikeflow/dissect"
)

// sealSK builds an IKE message whose SK (or SKF, when frag is non-nil:
// number, total) payload protects inner with suite s, the key k and the
// direction's secrets, using standard-library constructions where there
// are any (CBC, GCM, HMAC, ChaCha20-Poly1305) so that Open is checked
// against an independent encoder. hdr is the 28-octet IKE header to use.
func sealSK(t testing.TB, hdr []byte, s Suite, ek, ik []byte, first dissect.PayloadType, inner []byte, padLen int, frag []uint16) []byte {
	t.Helper()
	info := encrInfos[s.Encr]
	keyLen := len(ek) - info.salt
	key, salt := ek[:keyLen], ek[keyLen:]
	// Plaintext: inner | padding | pad length.
	pt := append(bytes.Clone(inner), make([]byte, padLen)...)
	pt = append(pt, byte(padLen))
	if info.block > 1 {
		for len(pt)%info.block != 0 {
			t.Fatalf("pad %d does not align to %d", padLen, info.block)
		}
	}
	icvLen := info.icv
	if icvLen == 0 {
		icvLen = s.Integ.ICVLen()
	}
	iv := make([]byte, info.iv)
	rand.Read(iv)
	hdrLen := 4
	if frag != nil {
		hdrLen = 8
	}
	plen := hdrLen + len(iv) + len(pt) + icvLen
	msg := bytes.Clone(hdr[:28])
	if frag != nil {
		msg[16] = byte(dissect.PayloadSKF)
	} else {
		msg[16] = byte(dissect.PayloadSK)
	}
	binary.BigEndian.PutUint32(msg[24:], uint32(28+plen))
	msg = append(msg, byte(first), 0, byte(plen>>8), byte(plen))
	if frag != nil {
		msg = binary.BigEndian.AppendUint16(msg, frag[0])
		msg = binary.BigEndian.AppendUint16(msg, frag[1])
	}
	aad := bytes.Clone(msg)
	msg = append(msg, iv...)
	nonce := append(bytes.Clone(salt), iv...)
	switch s.Encr {
	case EncrAESCBC, Encr3DES:
		var b cipher.Block
		if s.Encr == Encr3DES {
			b, _ = des.NewTripleDESCipher(key)
		} else {
			b, _ = aes.NewCipher(key)
		}
		ct := make([]byte, len(pt))
		cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, pt)
		msg = append(msg, ct...)
	case EncrAESCTR:
		b, _ := aes.NewCipher(key)
		ctr := ctrBlock(salt, iv)
		ct := make([]byte, len(pt))
		cipher.NewCTR(b, ctr[:]).XORKeyStream(ct, pt)
		msg = append(msg, ct...)
	case EncrNULL:
		msg = append(msg, pt...)
	case EncrAESGCM8, EncrAESGCM12, EncrAESGCM16:
		b, _ := aes.NewCipher(key)
		g, _ := cipher.NewGCM(b)
		sealed := g.Seal(nil, nonce, pt, aad)
		return append(msg, sealed[:len(pt)+icvLen]...) // truncated tag
	case EncrAESCCM8, EncrAESCCM12, EncrAESCCM16:
		b, _ := aes.NewCipher(key)
		return append(msg, ccmSeal(b, nonce, pt, aad, icvLen, make([]byte, len(pt)+icvLen))...)
	case EncrChaCha20Poly1305:
		a, _ := chacha20poly1305.New(key)
		return append(msg, a.Seal(nil, nonce, pt, aad)...)
	}
	m, err := newMAC(s.Integ, ik)
	if err != nil {
		t.Fatal(err)
	}
	m.Write(msg)
	return append(msg, m.Sum(nil)[:icvLen]...)
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// realInner returns the decrypted IKE_AUTH request of the Wireshark wiki
// capture (frame 39, AES-CBC-256) and its first payload type: real payloads
// to re-protect under other suites.
func realInner(t testing.TB) (hdr []byte, first dissect.PayloadType, inner []byte) {
	kr := NewKeyring(loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")...)
	for _, cm := range loadHexMessages(t, "ikev2-wiki.hex") {
		if cm.frame != 39 {
			continue
		}
		p, plain := openMsg(t, kr, cm)
		return cm.raw[:28], p.Next, plain
	}
	t.Fatal("frame 39 missing")
	return
}

// TestRoundTripSuites re-protects real IKE_AUTH payloads under every
// supported suite and opens them: each direction with its own key, and
// the other direction's key must fail authentication.
func TestRoundTripSuites(t *testing.T) {
	hdr, first, inner := realInner(t)
	var suites []Suite
	for _, bits := range []int{128, 192, 256} {
		for _, e := range []EncrAlg{EncrAESGCM8, EncrAESGCM12, EncrAESGCM16, EncrAESCCM8, EncrAESCCM12, EncrAESCCM16} {
			suites = append(suites, Suite{Encr: e, KeyBits: bits})
		}
		for _, i := range []IntegAlg{IntegHMACMD596, IntegHMACSHA196, IntegAESXCBC96, IntegAESCMAC96, IntegHMACSHA256128, IntegHMACSHA384192, IntegHMACSHA512256} {
			suites = append(suites, Suite{Encr: EncrAESCBC, KeyBits: bits, Integ: i}, Suite{Encr: EncrAESCTR, KeyBits: bits, Integ: i})
		}
	}
	suites = append(suites, Suite{Encr: Encr3DES, Integ: IntegHMACSHA196}, Suite{Encr: EncrChaCha20Poly1305, KeyBits: 256},
		Suite{Encr: EncrNULL, Integ: IntegHMACSHA256128})
	for _, s := range suites {
		t.Run(s.String(), func(t *testing.T) {
			kl := encrKeyLen(s)
			k := Key{Version: 2, SPIi: dissect.SPI(hdr[0:8]), SPIr: dissect.SPI(hdr[8:16]), Suite: s,
				EncrI: NewSecret(randBytes(kl)), EncrR: NewSecret(randBytes(kl))}
			if !s.Encr.IsAEAD() {
				k.IntegI, k.IntegR = NewSecret(randBytes(s.Integ.KeyLen())), NewSecret(randBytes(s.Integ.KeyLen()))
			}
			if err := k.checkLengths(); err != nil {
				t.Fatal(err)
			}
			d, err := NewV2(&k, s)
			if err != nil {
				t.Fatal(err)
			}
			pad := 3
			if info := encrInfos[s.Encr]; info.block > 1 {
				pad = (info.block - (len(inner)+1)%info.block) % info.block
			}
			for _, fromI := range []bool{true, false} {
				h := bytes.Clone(hdr)
				h[19] = 0x08
				ek, ik := k.EncrI.Reveal(), k.IntegI.Reveal()
				if !fromI {
					h[19] = 0x20
					ek, ik = k.EncrR.Reveal(), k.IntegR.Reveal()
				}
				msg := sealSK(t, h, s, ek, ik, first, inner, pad, nil)
				var m dissect.Message
				if err := m.DecodeFromBytes(msg); err != nil {
					t.Fatal(err)
				}
				got, err := d.Open(nil, msg, m.Payloads[0])
				if err != nil || !bytes.Equal(got, inner) {
					t.Fatalf("fromI=%v: %v (%d octets)", fromI, err, len(got))
				}
				// The same bytes under the other direction's flag: wrong key.
				msg[19] ^= 0x08
				if _, err := d.Open(nil, msg, m.Payloads[0]); !errors.Is(err, ErrAuth) {
					t.Errorf("fromI=%v with the other direction's key: %v, want ErrAuth", fromI, err)
				}
			}
		})
	}
}
