package decrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"testing"
)

// Known-answer tests from published vectors only.

// TestCCMVectors: RFC 3610 §8 packet vector #1 (M=8, L=2) and the NIST SP
// 800-38C Appendix C examples 1-3 (Tlen 4, 6, 8; nonce 7, 8, 12 octets).
func TestCCMVectors(t *testing.T) {
	tests := []struct {
		name                  string
		key, nonce, aad, p, c string // c = ciphertext | tag
		tag                   int
	}{
		{"RFC3610 #1", "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf", "00000003020100a0a1a2a3a4a5",
			"0001020304050607", "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
			"588c979a61c663d2f066d0c2c0f989806d5f6b61dac38417e8d12cfdf926e0", 8},
		{"SP800-38C C.1", "404142434445464748494a4b4c4d4e4f", "10111213141516", "0001020304050607", "20212223", "7162015b4dac255d", 4},
		{"SP800-38C C.2", "404142434445464748494a4b4c4d4e4f", "1011121314151617", "000102030405060708090a0b0c0d0e0f",
			"202122232425262728292a2b2c2d2e2f", "d2a1f0e051ea5f62081a7792073d593d1fc64fbfaccd", 6},
		{"SP800-38C C.3", "404142434445464748494a4b4c4d4e4f", "101112131415161718191a1b", "000102030405060708090a0b0c0d0e0f10111213",
			"202122232425262728292a2b2c2d2e2f3031323334353637", "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5484392fbc1b09951", 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := aes.NewCipher(mustHex(t, tt.key))
			nonce, aad, p, c := mustHex(t, tt.nonce), mustHex(t, tt.aad), mustHex(t, tt.p), mustHex(t, tt.c)
			ct, tag := c[:len(c)-tt.tag], c[len(c)-tt.tag:]
			got, err := ccmOpen(b, nonce, ct, tag, aad, make([]byte, len(ct)))
			if err != nil || !bytes.Equal(got, p) {
				t.Fatalf("open = %x, %v; want %x", got, err, p)
			}
			if sealed := ccmSeal(b, nonce, p, aad, tt.tag, make([]byte, len(c))); !bytes.Equal(sealed, c) {
				t.Errorf("seal = %x, want %x", sealed, c)
			}
			bad := bytes.Clone(tag)
			bad[0] ^= 1
			dst := make([]byte, len(ct))
			if _, err := ccmOpen(b, nonce, ct, bad, aad, dst); !errors.Is(err, ErrAuth) || !bytes.Equal(dst, make([]byte, len(ct))) {
				t.Errorf("flipped tag: %v, dst not wiped", err)
			}
		})
	}
}

// TestGCMShortTag: GCM test case 4 of McGrew & Viega, "The Galois/Counter
// Mode of Operation" (also NIST GCM vectors), whose 16-octet tag truncated
// to 8 and 12 octets is the ENCR_AES_GCM_8 / _12 ICV.
func TestGCMShortTag(t *testing.T) {
	key := mustHex(t, "feffe9928665731c6d6a8f9467308308")
	iv := mustHex(t, "cafebabefacedbaddecaf888")
	p := mustHex(t, "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
	aad := mustHex(t, "feedfacedeadbeeffeedfacedeadbeefabaddad2")
	c := mustHex(t, "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091")
	tag := mustHex(t, "5bc94fbc3221a5db94fae95ae7121a47")
	b, _ := aes.NewCipher(key)
	full, _ := cipher.NewGCM(b)
	for _, n := range []int{8, 12, 16} {
		got, _, err := gcmOpenShort(b, full, iv, c, tag[:n], aad, make([]byte, len(c)), nil)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("ICV %d: %x, %v", n, got, err)
		}
		bad := bytes.Clone(tag[:n])
		bad[n-1] ^= 0x80
		if _, _, err := gcmOpenShort(b, full, iv, c, bad, aad, make([]byte, len(c)), nil); !errors.Is(err, ErrAuth) {
			t.Errorf("ICV %d flipped: %v", n, err)
		}
		badAAD := bytes.Clone(aad)
		badAAD[0] ^= 1
		if _, _, err := gcmOpenShort(b, full, iv, c, tag[:n], badAAD, make([]byte, len(c)), nil); !errors.Is(err, ErrAuth) {
			t.Errorf("ICV %d AAD changed: %v", n, err)
		}
	}
}

// TestCTRVector: RFC 3686 §6 test vector #2 (AES-128-CTR, 32 octets).
func TestCTRVector(t *testing.T) {
	b, _ := aes.NewCipher(mustHex(t, "7E24067817FAE0D743D6CE1F32539163"))
	ctr := ctrBlock(mustHex(t, "006CB6DB"), mustHex(t, "C0543B59DA48D90B"))
	p := mustHex(t, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	got := make([]byte, len(p))
	ctrXOR(b, ctr, got, p)
	if want := mustHex(t, "5104A106168A72D9790D41EE8EDAD388EB2E1EFC46DA57C8FCE630DF9141BE28"); !bytes.Equal(got, want) {
		t.Errorf("got %x, want %x", got, want)
	}
}

// TestCMACVectors: RFC 4493 §4 examples 1-4; AES-CMAC-96 is the first 96
// bits (RFC 4494).
func TestCMACVectors(t *testing.T) {
	m := mustHex(t, "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710")
	for _, tt := range []struct {
		n    int
		want string
	}{{0, "bb1d6929e95937287fa37d129b756746"}, {16, "070a16b46b4d4144f79bdd9dd04a287c"}, {40, "dfa66747de9ae63030ca32611497c827"}, {64, "51f0bebf7e3b9d92fc49741779363cfe"}} {
		mc, err := newCMAC(mustHex(t, "2b7e151628aed2a6abf7158809cf4f3c"))
		if err != nil {
			t.Fatal(err)
		}
		// Write in odd pieces to exercise buffering.
		for i := 0; i < tt.n; i += 7 {
			mc.Write(m[i:min(i+7, tt.n)])
		}
		if got := mc.Sum(nil); !bytes.Equal(got, mustHex(t, tt.want)) {
			t.Errorf("len %d: %x, want %s", tt.n, got, tt.want)
		}
	}
}

// TestXCBCVectors: RFC 3566 §4.6 test cases 1-7.
func TestXCBCVectors(t *testing.T) {
	seq := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		return b
	}
	for _, tt := range []struct {
		msg  []byte
		want string
	}{
		{seq(0), "75f0251d528ac01c4573dfd584d79f29"},
		{seq(3), "5b376580ae2f19afe7219ceef172756f"},
		{seq(16), "d2a246fa349b68a79998a4394ff7a263"},
		{seq(20), "47f51b4564966215b8985c63055ed308"},
		{seq(32), "f54f0ec8d2b9f3d36807734bd5283fd4"},
		{seq(34), "becbb3bccdb518a30677d5481fb6b4d8"},
		{make([]byte, 1000), "f0dafee895db30253761103b5d84528f"},
	} {
		mc, err := newXCBC(seq(16))
		if err != nil {
			t.Fatal(err)
		}
		mc.Write(tt.msg)
		if got := mc.Sum(nil); !bytes.Equal(got, mustHex(t, tt.want)) {
			t.Errorf("len %d: %x, want %s", len(tt.msg), got, tt.want)
		}
		mc.Reset()
		mc.Write(tt.msg)
		if got := mc.Sum(nil); !bytes.Equal(got, mustHex(t, tt.want)) {
			t.Errorf("len %d after Reset: %x", len(tt.msg), got)
		}
	}
}
