package decrypt

import (
	"crypto/cipher"
	"crypto/subtle"
)

// gcmOpenShort opens AES-GCM with an ICV shorter than crypto/cipher accepts
// (ENCR_AES_GCM_8, [RFC 5282]). GCM's ciphertext is CTR mode from
// inc32(J0), with J0 = nonce | 00000001 for a 96-bit nonce; the tag is a
// prefix of the full 16-octet tag. So: decrypt into scratch with CTR, then
// re-seal that plaintext with the standard library's 16-octet GCM and
// compare the first len(icv) octets of its tag (and its ciphertext) with
// what was received, in constant time. The plaintext is only returned when
// both match; otherwise it is wiped.
//
// full is a 16-octet-tag GCM on the same block; scratch must have room for
// len(ct)+16 octets and is returned grown if it had not.
//
// [RFC 5282]: https://www.rfc-editor.org/rfc/rfc5282#section-4
func gcmOpenShort(b cipher.Block, full cipher.AEAD, nonce, ct, icv, aad, dst, scratch []byte) ([]byte, []byte, error) {
	if len(nonce) != 12 || len(icv) < 4 || len(icv) > 16 || len(dst) < len(ct) {
		return nil, scratch, malformed("GCM parameters")
	}
	var ctr [16]byte
	copy(ctr[:12], nonce)
	ctr[15] = 2 // inc32(J0)
	pt := dst[:len(ct)]
	ctrXOR(b, ctr, pt, ct)
	if cap(scratch) < len(ct)+16 {
		scratch = make([]byte, 0, len(ct)+16)
	}
	sealed := full.Seal(scratch[:0], nonce, pt, aad)
	ok := subtle.ConstantTimeCompare(sealed[len(ct):len(ct)+len(icv)], icv) &
		subtle.ConstantTimeCompare(sealed[:len(ct)], ct)
	if ok != 1 {
		clear(pt)
		return nil, scratch, ErrAuth
	}
	return pt, scratch, nil
}
