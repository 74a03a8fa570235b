package decrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/binary"
	"errors"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
	"golang.org/x/crypto/chacha20poly1305"
)

// V2 verifies and decrypts the SK and SKF payloads of one IKEv2 SA with one
// key and one algorithm suite. It holds the cipher and MAC state of both
// directions, so opening a message allocates nothing when the caller passes
// a buffer. A V2 is not safe for concurrent use.
type V2 struct {
	key   *Key
	suite Suite
	dir   [2]*dirState // [0] sent by the original initiator, [1] by the responder
}

// dirState is the per-direction crypto state.
type dirState struct {
	encr    EncrAlg
	info    encrInfo
	salt    []byte
	block   cipher.Block     // CBC, CTR, CCM, GCM-8
	cbc     cipher.BlockMode // reusable CBC decrypter (SetIV), nil if unavailable
	aead    cipher.AEAD      // GCM-12/16, ChaCha20-Poly1305; full-tag GCM for GCM-8
	mac     mac
	icvLen  int
	buf     [64]byte
	scratch []byte
	walk    []dissect.Payload // reused by the payload-chain check
}

// NewV2 prepares decryption for key k with suite s. s must be complete
// (use Key.Suite.Merge with the suite from the capture); the key lengths
// must fit it. Directions for which the key has no secret give ErrNoKey
// when used.
func NewV2(k *Key, s Suite) (*V2, error) {
	if s.Encr == EncrUnknown {
		return nil, unsupported("encryption algorithm not known (the key file does not name it and the capture has no chosen proposal)")
	}
	if !s.Encr.Known() {
		return nil, unsupported("encryption algorithm " + s.Encr.String())
	}
	if !s.Encr.IsAEAD() && s.Integ == IntegNone {
		return nil, unsupported("integrity algorithm not known for " + s.Encr.String())
	}
	d := &V2{key: k, suite: s}
	for i, ks := range [2][2]Secret{{k.EncrI, k.IntegI}, {k.EncrR, k.IntegR}} {
		if ks[0].IsZero() && s.Encr != EncrNULL {
			continue
		}
		st, err := newDirState(s, ks[0].Reveal(), ks[1].Reveal())
		if err != nil {
			return nil, err
		}
		d.dir[i] = st
	}
	return d, nil
}

// Key returns the key this decryptor uses.
func (d *V2) Key() *Key { return d.key }

// Suite returns the algorithms this decryptor uses.
func (d *V2) Suite() Suite { return d.suite }

func newDirState(s Suite, ek, ik []byte) (*dirState, error) {
	info := encrInfos[s.Encr]
	st := &dirState{encr: s.Encr, info: info}
	keyLen := len(ek) - info.salt
	if keyLen < 0 {
		return nil, keyMismatch(s, "SK_e shorter than its salt")
	}
	if s.KeyBits != 0 && info.fixed == 0 && keyLen*8 != s.KeyBits {
		return nil, keyMismatch(s, "SK_e is "+strconv.Itoa(len(ek))+" octets, needs "+strconv.Itoa(s.KeyBits/8+info.salt))
	}
	key, salt := ek[:keyLen], ek[keyLen:]
	st.salt = salt
	var err error
	switch s.Encr {
	case EncrNULL:
		if keyLen != 0 {
			return nil, keyMismatch(s, "NULL encryption takes no key")
		}
	case EncrDES:
		st.block, err = des.NewCipher(key)
	case Encr3DES:
		st.block, err = des.NewTripleDESCipher(key)
	case EncrChaCha20Poly1305:
		st.aead, err = chacha20poly1305.New(key)
	default: // AES modes
		st.block, err = aes.NewCipher(key)
		if err == nil {
			switch s.Encr {
			case EncrAESGCM12, EncrAESGCM16:
				st.aead, err = cipher.NewGCMWithTagSize(st.block, info.icv)
			case EncrAESGCM8:
				st.aead, err = cipher.NewGCM(st.block)
			}
		}
	}
	if err != nil {
		return nil, keyMismatch(s, "SK_e of "+strconv.Itoa(len(ek))+" octets: "+err.Error())
	}
	if info.block > 1 && st.block != nil {
		// The standard library's CBC decrypter uses the multi-block
		// assembly path; reset its IV per message instead of allocating
		// a new one.
		m := cipher.NewCBCDecrypter(st.block, make([]byte, info.block))
		if _, ok := m.(ivSetter); ok {
			st.cbc = m
		}
	}
	if info.icv > 0 {
		st.icvLen = info.icv
		return st, nil
	}
	st.mac, err = newMAC(s.Integ, ik)
	if errors.Is(err, ErrMalformed) {
		return nil, keyMismatch(s, "SK_a is "+strconv.Itoa(len(ik))+" octets, needs "+strconv.Itoa(s.Integ.KeyLen()))
	}
	if err != nil {
		return nil, err
	}
	st.icvLen = s.Integ.ICVLen()
	return st, nil
}

// ivSetter is implemented by the standard library's CBC modes.
type ivSetter interface{ SetIV([]byte) }

// keyMismatch is the error for key material that does not fit the suite:
// the key file's secrets belong to other algorithms than the capture
// negotiated (or than the file claims). It wraps ErrAuth: to the user it is
// the same "wrong key or algorithm".
func keyMismatch(s Suite, why string) error {
	return &wrapped{msg: "decrypt: key does not fit " + s.String() + ": " + why + " (wrong key or algorithm)", err: ErrAuth}
}

// FromInitiator reports whether an IKEv2 message was sent by the original
// initiator of its IKE SA (the I flag, [RFC 7296] §3.1), and so is
// protected with SK_ei/SK_ai.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.1
func FromInitiator(msg []byte) bool {
	return len(msg) >= dissect.HeaderLen && msg[19]&dissect.FlagInitiator != 0
}

// Open verifies and decrypts the SK or SKF payload p (as found by
// dissect.Message.DecodeFromBytes in msg, the raw IKE message starting at the
// IKE header) and returns the inner payload octets with padding removed.
// The direction comes from the I flag. The first inner payload's type is
// p.Next; walk them with
//
//	dissect.WalkPayloads(plain, 0, p.Next, 2, &payloads)
//
// For SKF the result is one fragment's content; give it to a
// [Reassembler]. The plaintext is written into dst when it has room (no
// allocation) and aliases it.
//
// Errors wrap ErrNoKey (no key for this direction), ErrAuth (ICV mismatch:
// wrong key or algorithm), ErrMalformed (truncated, bad lengths or padding)
// or ErrUnsupported.
func (d *V2) Open(dst, msg []byte, p dissect.Payload) ([]byte, error) {
	if p.Type != dissect.PayloadSK && p.Type != dissect.PayloadSKF {
		return nil, malformed("payload is not SK or SKF")
	}
	return d.OpenAt(dst, msg, p.Offset, p.Type == dissect.PayloadSKF, FromInitiator(msg))
}

// OpenAt is [V2.Open] for callers that have the offset of the SK (or, with
// fragment, SKF) generic payload header in msg and know the direction.
func (d *V2) OpenAt(dst, msg []byte, off int, fragment, fromInitiator bool) ([]byte, error) {
	if off < dissect.HeaderLen || off > len(msg)-4 {
		return nil, malformed("SK payload offset outside the message")
	}
	plen := int(binary.BigEndian.Uint16(msg[off+2:]))
	end := off + plen
	if end > len(msg) {
		return nil, malformed("SK payload truncated (" + strconv.Itoa(len(msg)-off) + " of " + strconv.Itoa(plen) + " octets captured)")
	}
	data := off + 4
	if fragment {
		data += 4
	}
	if end < data {
		return nil, malformed("SK payload length " + strconv.Itoa(plen))
	}
	st := d.dir[1]
	if fromInitiator {
		st = d.dir[0]
	}
	if st == nil {
		return nil, ErrNoKey
	}
	return st.open(dst, msg, data, end, dissect.PayloadType(msg[off]), !fragment)
}

// errBadChain is returned when the ICV verified but the plaintext is not a
// payload chain: the encryption algorithm (or SK_e) is wrong while the
// integrity algorithm and SK_a are right.
var errBadChain = &wrapped{msg: "decrypt: integrity check failed: plaintext is not a payload chain (wrong encryption algorithm or key?)", err: ErrAuth}

// open handles the payload body msg[data:end] = IV | ciphertext | ICV; the
// AEAD AAD and the MAC input both start at the IKE header. With chain set
// (SK, not SKF), the plaintext must also walk as a payload chain starting
// with first and ending exactly where the padding starts.
func (st *dirState) open(dst, msg []byte, data, end int, first dissect.PayloadType, chain bool) ([]byte, error) {
	info := st.info
	body := msg[data:end]
	if len(body) < info.iv+st.icvLen+1 {
		return nil, malformed("encrypted payload too short for IV, pad length and ICV")
	}
	iv := body[:info.iv]
	ct := body[info.iv : len(body)-st.icvLen]
	icv := body[len(body)-st.icvLen:]
	if cap(dst) < len(ct) {
		dst = make([]byte, len(ct))
	}
	dst = dst[:len(ct)]
	var pt []byte
	var err error
	switch {
	case st.mac != nil:
		if !verifyICV(st.mac, msg[:end-st.icvLen], icv, &st.buf) {
			return nil, ErrAuth
		}
		if info.block > 1 && len(ct)%info.block != 0 {
			return nil, malformed("ciphertext of " + strconv.Itoa(len(ct)) + " octets is not a multiple of the " + strconv.Itoa(info.block) + "-octet block")
		}
		switch {
		case st.encr == EncrNULL:
			copy(dst, ct)
		case info.block > 1 && st.cbc != nil:
			st.cbc.(ivSetter).SetIV(iv)
			st.cbc.CryptBlocks(dst, ct)
		case info.block > 1:
			cbcDecrypt(st.block, iv, dst, ct)
		default: // CTR
			ctrXOR(st.block, ctrBlock(st.salt, iv), dst, ct)
		}
		pt = dst
	case st.encr == EncrAESCCM8 || st.encr == EncrAESCCM12 || st.encr == EncrAESCCM16:
		var nonce [11]byte
		copy(nonce[:3], st.salt)
		copy(nonce[3:], iv)
		pt, err = ccmOpen(st.block, nonce[:], ct, icv, msg[:data], dst)
	case st.encr == EncrAESGCM8:
		var nonce [12]byte
		copy(nonce[:4], st.salt)
		copy(nonce[4:], iv)
		pt, st.scratch, err = gcmOpenShort(st.block, st.aead, nonce[:], ct, icv, msg[:data], dst, st.scratch)
	default: // GCM-12/16, ChaCha20-Poly1305: salt | IV is the 12-octet nonce
		var nonce [12]byte
		copy(nonce[:4], st.salt)
		copy(nonce[4:], iv)
		pt, err = st.aead.Open(dst[:0], nonce[:], body[info.iv:], msg[:data])
		if err != nil {
			err = ErrAuth
		}
	}
	if err != nil {
		return nil, err
	}
	if len(pt) == 0 {
		return nil, malformed("empty plaintext")
	}
	pad := int(pt[len(pt)-1])
	if chain {
		st.walk = st.walk[:0]
		cend, err := dissect.WalkPayloads(pt[:len(pt)-1], 0, first, 2, &st.walk)
		if err != nil {
			clear(pt)
			return nil, errBadChain
		}
		if cend != len(pt)-1-pad {
			clear(pt)
			return nil, malformed("pad length " + strconv.Itoa(pad) + " does not match the payload chain (" + strconv.Itoa(cend) + " of " + strconv.Itoa(len(pt)-1) + " octets)")
		}
	}
	if pad+1 > len(pt) {
		clear(pt)
		return nil, malformed("pad length " + strconv.Itoa(pad) + " exceeds the " + strconv.Itoa(len(pt)) + "-octet plaintext")
	}
	return pt[:len(pt)-1-pad], nil
}
