package decrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/binary"
	"hash"
	"slices"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
)

// Bounds on IKEv1 session state (attacker-controlled message IDs).
const (
	maxV1Exchanges = 256 // message IDs with CBC chain state
	maxV1Seen      = 16  // distinct ciphertexts remembered per message ID
)

// V1Session decrypts the messages of one IKEv1 ISAKMP SA ([RFC 2409]
// Appendix B). IKEv1 CBC IVs are not sent: they chain from message to
// message, so the session must see every message of the SA in capture
// order through [V1Session.Feed]:
//
//   - the plaintext SA payload of the responder (main mode 2, aggressive
//     mode 2) gives the cipher, key length and hash;
//   - the KE payloads (main mode 3 and 4, aggressive mode 1 and 2) give the
//     phase-1 IV, hash(g^xi | g^xr) truncated to the block size;
//   - each encrypted message of an exchange uses the last ciphertext block
//     of the previous one as its IV; phase 2 and informational exchanges
//     start from hash(last phase-1 CBC block | message ID).
//
// A retransmitted message (identical ciphertext) decrypts with the IV its
// first copy used and does not advance the chain. IKEv1 has no ICV on
// encrypted messages, so a result counts as decrypted only if the plaintext
// walks as a payload chain of known IKEv1 payloads; otherwise the error
// wraps ErrAuth ("no valid payload chain (wrong key?)").
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-B
type V1Session struct {
	keys    []*Key // candidates until one decrypts
	key     *Key
	capture Suite // from the responder's (or lone initiator's) SA payload
	initSA  Suite
	gxi     []byte
	gxr     []byte
	chains  map[uint32]*v1Chain
	p1hist  [][]byte // phase-1 chain values, oldest first (up to maxP1Hist)
	order   []uint32
	onMatch func(*Key, SAID, Suite)
	msg     dissect.Message
}

type v1Chain struct {
	next []byte   // IV for the next new ciphertext
	alts [][]byte // other IVs to try for the exchange's first message
	seen []v1Seen
}

type v1Seen struct {
	digest [32]byte
	iv     []byte // the IV that opened it, or the first tried
	opened bool   // a key and iv opened it
}

// V1Result is what Feed found in one message.
type V1Result struct {
	// Encrypted is set when the message had the E flag.
	Encrypted bool
	// Retransmit is set when an identical encrypted message was fed before.
	Retransmit bool
	// Plain is the decrypted payload chain (padding after the last payload
	// removed); Payloads indexes it, with offsets relative to Plain. The
	// first payload's type is the header's Next Payload.
	Plain    []byte
	Payloads []dissect.Payload
	// Key is the key that decrypted the message.
	Key *Key
	// Suite is the suite used.
	Suite Suite
}

// NewV1Session returns a session that decrypts with key k. Prefer
// [Keyring.V1Session], which also records matches.
func NewV1Session(k *Key) *V1Session { return newV1Session([]*Key{k}) }

func newV1Session(keys []*Key) *V1Session {
	return &V1Session{keys: keys, chains: map[uint32]*v1Chain{}}
}

// Suite returns the suite learned so far (the capture's choice merged with
// the key file's).
func (s *V1Session) Suite() Suite {
	c := s.capture
	if c.Encr == EncrUnknown {
		c = s.initSA
	}
	k := s.key
	if k == nil && len(s.keys) > 0 {
		k = s.keys[0]
	}
	if k != nil {
		return k.Suite.Merge(c)
	}
	return c
}

// Feed processes the next message of the SA. msg is the raw IKEv1 message
// from its header; fromInitiator says whether the ISAKMP SA's initiator
// sent it. Plaintext messages update the session (SA, KE) and return a
// result with Encrypted false. Encrypted messages are decrypted; errors
// wrap ErrAuth (no valid payload chain), ErrMalformed (ciphertext not a
// whole number of blocks, truncated), ErrUnsupported (cipher or hash not
// implemented), ErrIncomplete (the cipher or the IV cannot be known
// because the capture lacks the responder's SA payload or the KE
// payloads; it wraps ErrUnsupported) or ErrNoKey.
func (s *V1Session) Feed(msg []byte, fromInitiator bool) (V1Result, error) {
	var r V1Result
	m := &s.msg
	if err := m.DecodeFromBytes(msg); err != nil && !m.Header.IsEncrypted() {
		// A plaintext message we cannot walk teaches nothing; not our error.
		return r, nil
	}
	h := &m.Header
	if h.MajorVersion != 1 {
		return r, unsupported("not an IKEv1 message")
	}
	if !h.IsEncrypted() {
		s.learn(m, fromInitiator)
		return r, nil
	}
	r.Encrypted = true
	if m.Truncated {
		return r, malformed("encrypted message truncated")
	}
	ct := m.Ciphertext
	suite := s.Suite()
	if suite.Encr == EncrUnknown {
		return r, incomplete("cipher not known: the capture lacks the responder's SA payload and the key file does not name it")
	}
	bs, err := v1CBCBlock(suite)
	if err != nil {
		return r, err
	}
	if len(ct) == 0 || len(ct)%bs != 0 {
		return r, malformed("ciphertext of " + strconv.Itoa(len(ct)) + " octets is not a whole number of " + strconv.Itoa(bs) + "-octet blocks")
	}
	ch, err := s.chain(h.MessageID, suite, bs)
	if err != nil {
		return r, err
	}
	digest := sha256.Sum256(ct)
	var ivs [][]byte
	seen := -1
	for i, e := range ch.seen {
		if e.digest == digest {
			ivs, r.Retransmit, seen = [][]byte{e.iv}, true, i
			break
		}
	}
	if seen < 0 {
		ivs = [][]byte{ch.next}
		if len(ch.seen) == 0 {
			ivs = append(ivs, ch.alts...)
		}
		// The IVs that earlier messages of this exchange were tried with
		// and did not open: a message the capture puts after its answer
		// (frames out of time order beyond the analyzer's reorder
		// window) takes the IV its answer was tried with, the last block
		// of the message before it (QM2 after QM3: QM1's). Without this,
		// QM2 failed too and read as a key that does not verify.
		for _, e := range ch.seen {
			if !e.opened && !slices.ContainsFunc(ivs, func(v []byte) bool { return bytes.Equal(v, e.iv) }) {
				ivs = append(ivs, e.iv)
			}
		}
		if len(ch.seen) < maxV1Seen {
			ch.seen = append(ch.seen, v1Seen{digest: digest, iv: ch.next})
			seen = len(ch.seen) - 1
		}
		// The next IV is this message's last ciphertext block whether or
		// not it decrypts: the chain depends only on ciphertext.
		s.advance(ch, h.MessageID, ct[len(ct)-bs:])
	}
	// Try the key that last decrypted first. All candidates stay in play:
	// with a wrong PSK each peer derives its own key, and both are in the
	// logs under the same cookie.
	keys := s.keys
	if s.key != nil && len(keys) > 1 && keys[0] != s.key {
		keys = append([]*Key{s.key}, slices.DeleteFunc(slices.Clone(keys), func(k *Key) bool { return k == s.key })...)
	}
	plain := make([]byte, len(ct))
	var lastErr error = errNoChain
	for _, iv := range ivs {
		for _, k := range keys {
			ks := k.Suite.Merge(s.captureSuite())
			block, err := v1Block(ks, k)
			if err != nil {
				lastErr = err
				continue
			}
			cbcDecrypt(block, iv, plain, ct)
			var pls []dissect.Payload
			end, ok := v1Walk(plain, h.NextPayload, &pls)
			if !ok {
				continue
			}
			if s.key != k && s.onMatch != nil {
				s.onMatch(k, SAID{Version: 1, SPIi: h.SPIi, SPIr: h.SPIr}, ks)
			}
			s.key = k
			if seen >= 0 {
				ch.seen[seen].iv, ch.seen[seen].opened = iv, true
			}
			r.Plain, r.Payloads, r.Key, r.Suite = plain[:end], pls, k, ks
			return r, nil
		}
	}
	clear(plain)
	return r, lastErr
}

// captureSuite is the SA negotiated in the capture.
func (s *V1Session) captureSuite() Suite {
	if s.capture.Encr != EncrUnknown {
		return s.capture
	}
	return s.initSA
}

// learn records the SA and KE payloads of a plaintext phase-1 message.
func (s *V1Session) learn(m *dissect.Message, fromInitiator bool) {
	if m.Header.MessageID != 0 {
		return
	}
	for _, p := range m.Payloads {
		switch p.Type {
		case dissect.PayloadSAV1:
			if st, ok := v1Phase1Suite(p.Body); ok {
				if fromInitiator {
					s.initSA = st
				} else {
					s.capture = st
				}
			}
		case dissect.PayloadKEV1:
			if fromInitiator {
				s.gxi = append(s.gxi[:0], p.Body...)
			} else {
				s.gxr = append(s.gxr[:0], p.Body...)
			}
		}
	}
}

// chain returns the CBC chain state for message ID mid, creating it from
// the phase-1 IV (mid 0) or from the last phase-1 block (phase 2).
func (s *V1Session) chain(mid uint32, suite Suite, bs int) (*v1Chain, error) {
	if c, ok := s.chains[mid]; ok {
		return c, nil
	}
	hf := v1Hash(suite.Hash)
	if hf == nil {
		return nil, unsupported("cannot compute the IV: hash algorithm " + suite.Hash.String() + " not known")
	}
	p1, ok := s.chains[0]
	if !ok {
		if len(s.gxi) == 0 || len(s.gxr) == 0 {
			return nil, incomplete("cannot compute the IV: the capture lacks the phase-1 KE payloads")
		}
		h := hf()
		h.Write(s.gxi)
		h.Write(s.gxr)
		iv := h.Sum(nil)
		if len(iv) < bs {
			return nil, unsupported("hash shorter than the cipher block")
		}
		p1 = &v1Chain{next: iv[:bs]}
		s.chains[0] = p1
		s.p1hist = append(s.p1hist[:0], p1.next)
		s.order = append(s.order, 0)
	}
	if mid == 0 {
		return p1, nil
	}
	// The IV of a new exchange is hash(last phase-1 CBC block | M-ID). A
	// peer that rejected a phase-1 message (wrong PSK: it cannot parse the
	// peer's MM5) never advanced its phase-1 IV, so the older phase-1
	// values are kept as alternatives for the exchange's first message.
	derive := func(base []byte) []byte {
		h := hf()
		h.Write(base)
		var m [4]byte
		binary.BigEndian.PutUint32(m[:], mid)
		h.Write(m[:])
		return h.Sum(nil)[:bs]
	}
	iv := derive(p1.next)
	var alts [][]byte
	for i := len(s.p1hist) - 1; i >= 0; i-- {
		if string(s.p1hist[i]) != string(p1.next) {
			alts = append(alts, derive(s.p1hist[i]))
		}
	}
	if len(s.order) >= maxV1Exchanges {
		// Forget the oldest phase-2 exchange (never phase 1).
		for i, o := range s.order {
			if o != 0 {
				delete(s.chains, o)
				s.order = append(s.order[:i], s.order[i+1:]...)
				break
			}
		}
	}
	c := &v1Chain{next: iv, alts: alts}
	s.chains[mid] = c
	s.order = append(s.order, mid)
	return c, nil
}

func v1Hash(h HashAlg) func() hash.Hash {
	switch h {
	case HashMD5:
		return md5.New
	case HashSHA1:
		return sha1.New
	case HashSHA256:
		return sha256.New
	case HashSHA384:
		return sha512.New384
	case HashSHA512:
		return sha512.New
	}
	return nil
}

// v1Block builds the CBC cipher for an IKEv1 key and suite. Key files may
// hold more octets than the cipher uses (the expanded SKEYID_e); the
// leading octets are the key.
func v1Block(s Suite, k *Key) (cipher.Block, error) {
	key := k.EncrI.Reveal()
	need := 0
	switch s.Encr {
	case EncrDES:
		need = 8
	case Encr3DES:
		need = 24
	case EncrAESCBC:
		need = s.KeyBits / 8
		if need == 0 {
			need = len(key)
		}
	default:
		return nil, unsupported("IKEv1 cipher " + s.Encr.String())
	}
	if len(key) < need {
		return nil, malformed("IKEv1 key is " + strconv.Itoa(len(key)) + " octets, " + s.Encr.String() + " needs " + strconv.Itoa(need))
	}
	key = key[:need]
	var b cipher.Block
	var err error
	switch s.Encr {
	case EncrDES:
		b, err = des.NewCipher(key)
	case Encr3DES:
		b, err = des.NewTripleDESCipher(key)
	default:
		b, err = aes.NewCipher(key)
	}
	if err != nil {
		return nil, malformed("IKEv1 key: " + err.Error())
	}
	return b, nil
}

// v1Walk walks decrypted IKEv1 plaintext and reports whether it is a
// plausible payload chain: every payload of a known IKEv1 type with a zero
// reserved octet, lengths inside the plaintext, and at most 255 octets of
// padding after the last payload.
func v1Walk(plain []byte, first dissect.PayloadType, out *[]dissect.Payload) (int, bool) {
	if !v1Known(first) {
		return 0, false
	}
	end, err := dissect.WalkPayloads(plain, 0, first, 1, out)
	if err != nil || len(*out) == 0 || len(plain)-end > 255+16 {
		return 0, false
	}
	for _, p := range *out {
		if plain[p.Offset+1] != 0 || !v1Known(p.Next) && p.Next != dissect.PayloadNone {
			return 0, false
		}
	}
	return end, true
}

func v1Known(t dissect.PayloadType) bool {
	return (t >= dissect.PayloadSAV1 && t <= dissect.PayloadGAPV1) || (t >= dissect.PayloadNATDDraftV1 && t <= dissect.PayloadFragmentV1)
}

// Skip continues the CBC chain of exchange mid past a message the capture
// does not hold whole, given the message's last octets (at least one
// cipher block; an IKEv1 message whose fragments were not all captured,
// but whose last one was): the IV of the exchange's next message is that
// message's last ciphertext block ([RFC 2409] Appendix B), so the
// messages after it still decrypt.
//
// [RFC 2409]: https://www.rfc-editor.org/rfc/rfc2409#appendix-B
func (s *V1Session) Skip(mid uint32, tail []byte) error {
	suite := s.Suite()
	bs, err := v1CBCBlock(suite)
	if err != nil {
		return err
	}
	if len(tail) < bs {
		return malformed("fewer octets than a cipher block")
	}
	ch, err := s.chain(mid, suite, bs)
	if err != nil {
		return err
	}
	s.advance(ch, mid, tail[len(tail)-bs:])
	return nil
}

// v1CBCBlock returns the cipher block size of suite's encryption, one of
// the CBC ciphers IKEv1 decryption supports, or the error that says it is
// not.
func v1CBCBlock(suite Suite) (int, error) {
	switch suite.Encr {
	case EncrDES, Encr3DES, EncrAESCBC:
		return encrInfos[suite.Encr].block, nil
	}
	return 0, unsupported("IKEv1 cipher " + suite.Encr.String())
}

// maxP1Hist bounds the phase-1 IVs kept in V1Session.p1hist.
const maxP1Hist = 8

// advance moves ch, the CBC chain of exchange mid, past a message whose
// last ciphertext block is last: that block is the IV of the exchange's
// next message (a copy), and phase 1 keeps it in p1hist (up to
// maxP1Hist).
func (s *V1Session) advance(ch *v1Chain, mid uint32, last []byte) {
	ch.next = append([]byte(nil), last...)
	if mid == 0 && len(s.p1hist) < maxP1Hist {
		s.p1hist = append(s.p1hist, ch.next)
	}
}
