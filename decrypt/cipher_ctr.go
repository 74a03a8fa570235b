package decrypt

import (
	"crypto/cipher"
	"encoding/binary"
)

// ctrXOR XORs src with the AES keystream starting at counter block ctr and
// writes dst. Only the last 32 bits of the counter increment (inc32, as in
// RFC 3686, RFC 5930 and GCM). The key stream is computed one block at a
// time; IKE messages are small.
func ctrXOR(b cipher.Block, ctr [16]byte, dst, src []byte) {
	var ks [16]byte
	for off := 0; off < len(src); off += 16 {
		b.Encrypt(ks[:], ctr[:])
		n := min(16, len(src)-off)
		for i := 0; i < n; i++ {
			dst[off+i] = src[off+i] ^ ks[i]
		}
		binary.BigEndian.PutUint32(ctr[12:], binary.BigEndian.Uint32(ctr[12:])+1)
	}
}

// ctrBlock builds the RFC 3686 / RFC 5930 counter block nonce(4) | IV(8) |
// 00000001.
func ctrBlock(nonce, iv []byte) [16]byte {
	var c [16]byte
	copy(c[:4], nonce)
	copy(c[4:12], iv)
	c[15] = 1
	return c
}
