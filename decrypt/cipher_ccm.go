package decrypt

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
)

// CCM (counter with CBC-MAC) on a 128-bit block cipher, as specified in
// NIST SP 800-38C and RFC 3610, used by IKEv2 as ENCR_AES_CCM_8/12/16 with
// an 11-octet nonce (3-octet salt | 8-octet IV, [RFC 5282] / [RFC 4309]),
// hence L = 4. The standard library has no CCM; this implementation is
// written from the specification and checked against the RFC 3610 and SP
// 800-38C example vectors in ccm_test.go.
//
// [RFC 5282]: https://www.rfc-editor.org/rfc/rfc5282#section-4
// [RFC 4309]: https://www.rfc-editor.org/rfc/rfc4309#section-4

// ccmValid reports whether nonce and tag lengths are allowed by SP 800-38C:
// nonce 7..13 octets, tag 4..16 and even.
func ccmValid(nonceLen, tagLen int) bool {
	return nonceLen >= 7 && nonceLen <= 13 && tagLen >= 4 && tagLen <= 16 && tagLen%2 == 0
}

// ccmCounter returns counter block A_i = flags(L-1) | nonce | i.
func ccmCounter(nonce []byte, i uint32) [16]byte {
	var a [16]byte
	L := 15 - len(nonce)
	a[0] = byte(L - 1)
	copy(a[1:], nonce)
	// The counter occupies the last L octets; i fits in 32 bits and
	// L >= 2, so write it big-endian into the tail.
	var c [4]byte
	binary.BigEndian.PutUint32(c[:], i)
	if L >= 4 {
		copy(a[16-4:], c[:])
	} else {
		copy(a[16-L:], c[4-L:])
	}
	return a
}

// ccmMAC computes the CBC-MAC T over B0 | encoded AAD | plaintext.
func ccmMAC(b cipher.Block, nonce, aad, pt []byte, tagLen int) [16]byte {
	L := 15 - len(nonce)
	var x [16]byte
	flags := byte((tagLen-2)/2) << 3
	flags |= byte(L - 1)
	if len(aad) > 0 {
		flags |= 0x40
	}
	x[0] = flags
	copy(x[1:], nonce)
	n := uint64(len(pt))
	for i := 15; i > 15-L; i-- {
		x[i] = byte(n)
		n >>= 8
	}
	b.Encrypt(x[:], x[:])
	// absorb XORs data into the chaining value, encrypting each full block
	// and zero-padding the final partial one.
	absorb := func(data []byte, fill int) int {
		for _, c := range data {
			x[fill] ^= c
			fill++
			if fill == 16 {
				b.Encrypt(x[:], x[:])
				fill = 0
			}
		}
		return fill
	}
	if len(aad) > 0 {
		var hdr [6]byte
		var h []byte
		if len(aad) < 0xff00 {
			binary.BigEndian.PutUint16(hdr[:2], uint16(len(aad)))
			h = hdr[:2]
		} else {
			hdr[0], hdr[1] = 0xff, 0xfe
			binary.BigEndian.PutUint32(hdr[2:], uint32(len(aad)))
			h = hdr[:6]
		}
		fill := absorb(h, 0)
		fill = absorb(aad, fill)
		if fill != 0 {
			b.Encrypt(x[:], x[:])
		}
	}
	if fill := absorb(pt, 0); fill != 0 {
		b.Encrypt(x[:], x[:])
	}
	return x
}

// ccmOpen verifies and decrypts: ct is the ciphertext without tag. The
// plaintext is written to dst[:len(ct)] and returned only if the tag
// verifies; otherwise dst is wiped and ErrAuth returned.
func ccmOpen(b cipher.Block, nonce, ct, tag, aad, dst []byte) ([]byte, error) {
	if !ccmValid(len(nonce), len(tag)) || len(dst) < len(ct) || uint64(len(ct)) >= 1<<(8*min(15-len(nonce), 7)) {
		return nil, malformed("CCM parameters")
	}
	pt := dst[:len(ct)]
	ctrCCM(b, nonce, 1, pt, ct)
	t := ccmMAC(b, nonce, aad, pt, len(tag))
	s0 := ccmCounter(nonce, 0)
	b.Encrypt(s0[:], s0[:])
	for i := range tag {
		t[i] ^= s0[i]
	}
	if subtle.ConstantTimeCompare(t[:len(tag)], tag) != 1 {
		clear(pt)
		return nil, ErrAuth
	}
	return pt, nil
}

// ccmSeal encrypts pt and appends the tag: dst must have room for
// len(pt)+tagLen octets.
func ccmSeal(b cipher.Block, nonce, pt, aad []byte, tagLen int, dst []byte) []byte {
	out := dst[:len(pt)+tagLen]
	t := ccmMAC(b, nonce, aad, pt, tagLen)
	ctrCCM(b, nonce, 1, out[:len(pt)], pt)
	s0 := ccmCounter(nonce, 0)
	b.Encrypt(s0[:], s0[:])
	for i := 0; i < tagLen; i++ {
		out[len(pt)+i] = t[i] ^ s0[i]
	}
	return out
}

// ctrCCM XORs src with the CCM key stream starting at counter i.
func ctrCCM(b cipher.Block, nonce []byte, i uint32, dst, src []byte) {
	var ks [16]byte
	for off := 0; off < len(src); off += 16 {
		a := ccmCounter(nonce, i)
		b.Encrypt(ks[:], a[:])
		n := min(16, len(src)-off)
		for j := 0; j < n; j++ {
			dst[off+j] = src[off+j] ^ ks[j]
		}
		i++
	}
}
