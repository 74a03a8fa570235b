package decrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"hash"
)

// mac is the streaming interface shared by HMAC (hash.Hash) and the AES
// MACs below. Implementations are reused across messages with Reset.
type mac interface {
	Reset()
	Write(p []byte) (int, error)
	Sum(b []byte) []byte
}

// newMAC returns a reusable MAC for integrity algorithm a with key.
func newMAC(a IntegAlg, key []byte) (mac, error) {
	info, ok := integInfos[a]
	if !ok || a == IntegNone {
		return nil, unsupported("integrity algorithm " + a.String())
	}
	if len(key) != info.key {
		return nil, malformed("integrity key length")
	}
	var h func() hash.Hash
	switch a {
	case IntegHMACMD596:
		h = md5.New
	case IntegHMACSHA196:
		h = sha1.New
	case IntegHMACSHA256128:
		h = sha256.New
	case IntegHMACSHA384192:
		h = sha512.New384
	case IntegHMACSHA512256:
		h = sha512.New
	case IntegAESXCBC96:
		return newXCBC(key)
	case IntegAESCMAC96:
		return newCMAC(key)
	}
	return hmac.New(h, key), nil
}

// verifyICV computes the MAC of data and compares its first len(icv) octets
// with icv in constant time. buf is scratch (at least 64 octets).
func verifyICV(m mac, data, icv []byte, buf *[64]byte) bool {
	m.Reset()
	_, _ = m.Write(data)
	sum := m.Sum(buf[:0])
	if len(sum) < len(icv) {
		return false
	}
	return subtle.ConstantTimeCompare(sum[:len(icv)], icv) == 1
}

// aesMAC is the shared streaming core of AES-XCBC-MAC and AES-CMAC: CBC-MAC
// with a special last block. The last (possibly full) block is held back
// until Sum, because it is treated differently.
type aesMAC struct {
	c        cipherBlock
	full     [16]byte // XORed into a complete last block (XCBC K2 / CMAC K1)
	partial  [16]byte // XORed into a padded last block (XCBC K3 / CMAC K2)
	x        [16]byte // chaining value
	pend     [16]byte // pending last block
	npend    int
	anyBlock bool
}

// cipherBlock is the subset of cipher.Block used here.
type cipherBlock interface {
	Encrypt(dst, src []byte)
}

func (m *aesMAC) Reset() {
	m.x, m.pend, m.npend, m.anyBlock = [16]byte{}, [16]byte{}, 0, false
}

func (m *aesMAC) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if m.npend == 16 {
			// The pending block is not the last: chain it.
			for i := range m.x {
				m.x[i] ^= m.pend[i]
			}
			m.c.Encrypt(m.x[:], m.x[:])
			m.npend = 0
		}
		c := copy(m.pend[m.npend:], p)
		m.npend += c
		p = p[c:]
	}
	return n, nil
}

func (m *aesMAC) Sum(b []byte) []byte {
	x := m.x
	last := m.pend
	if m.npend == 16 {
		for i := range x {
			x[i] ^= last[i] ^ m.full[i]
		}
	} else {
		clear(last[m.npend:])
		last[m.npend] = 0x80
		for i := range x {
			x[i] ^= last[i] ^ m.partial[i]
		}
	}
	m.c.Encrypt(x[:], x[:])
	return append(b, x[:]...)
}

// newXCBC returns AES-XCBC-MAC ([RFC 3566]) with a 128-bit key: K1 =
// E(K, 0x01…), K2 = E(K, 0x02…), K3 = E(K, 0x03…); blocks are chained
// under K1, a complete last block is XORed with K2, a padded one with K3.
//
// [RFC 3566]: https://www.rfc-editor.org/rfc/rfc3566#section-4
func newXCBC(key []byte) (mac, error) {
	k, err := aes128(key, "AES-XCBC")
	if err != nil {
		return nil, err
	}
	var k1, k2, k3 [16]byte
	for i := range 16 {
		k1[i], k2[i], k3[i] = 1, 2, 3
	}
	k.Encrypt(k1[:], k1[:])
	k.Encrypt(k2[:], k2[:])
	k.Encrypt(k3[:], k3[:])
	c1, err := aes.NewCipher(k1[:])
	if err != nil {
		return nil, err
	}
	return &aesMAC{c: c1, full: k2, partial: k3}, nil
}

// newCMAC returns AES-CMAC ([RFC 4493]) with a 128-bit key: L = E(K, 0),
// K1 = dbl(L), K2 = dbl(K1); a complete last block is XORed with K1, a
// padded one with K2.
//
// [RFC 4493]: https://www.rfc-editor.org/rfc/rfc4493#section-2.3
func newCMAC(key []byte) (mac, error) {
	c, err := aes128(key, "AES-CMAC")
	if err != nil {
		return nil, err
	}
	var l [16]byte
	c.Encrypt(l[:], l[:])
	k1 := dbl(l)
	return &aesMAC{c: c, full: k1, partial: dbl(k1)}, nil
}

// aes128 returns the AES block cipher of the 128-bit key of the MAC named
// name, which the errors name.
func aes128(key []byte, name string) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, malformed(name + " key length")
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, malformed(name + " key")
	}
	return c, nil
}

// dbl is doubling in GF(2^128) with the CMAC polynomial (Rb = 0x87).
func dbl(in [16]byte) [16]byte {
	var out [16]byte
	carry := in[0] >> 7
	for i := 0; i < 15; i++ {
		out[i] = in[i]<<1 | in[i+1]>>7
	}
	out[15] = in[15]<<1 ^ (0x87 & -carry)
	return out
}
