package decrypt

import "crypto/cipher"

// cbcDecrypt decrypts src (a whole number of blocks) into dst (same length)
// with iv, without allocating: crypto/cipher's CBC decrypter would be
// created per message. dst and src must not overlap partially.
func cbcDecrypt(b cipher.Block, iv, dst, src []byte) {
	bs := b.BlockSize()
	var prev, cur [16]byte
	copy(prev[:bs], iv)
	for off := 0; off < len(src); off += bs {
		copy(cur[:bs], src[off:off+bs])
		b.Decrypt(dst[off:off+bs], src[off:off+bs])
		for i := 0; i < bs; i++ {
			dst[off+i] ^= prev[i]
		}
		prev = cur
	}
}
