package flows

import (
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

// KeyringDecryptor is the [Decryptor] the CLI uses: it opens IKEv2 SK/SKF
// payloads and IKEv1 encrypted messages with the keys of a decrypt.Keyring,
// learning the IKEv2 suite from the IKE_SA_INIT responses it observes and
// keeping one IKEv1 session per ISAKMP SA.
type KeyringDecryptor struct {
	kr     *decrypt.Keyring
	suites map[saKey]decrypt.Suite
	v1     map[dissect.SPI]*v1Session
	buf    []byte
}

// v1Session is the IKEv1 decryption state of one ISAKMP SA (nil s: no key).
type v1Session struct {
	s *decrypt.V1Session
}

// NewDecryptor returns a Decryptor backed by kr.
func NewDecryptor(kr *decrypt.Keyring) *KeyringDecryptor {
	return &KeyringDecryptor{kr: kr, suites: make(map[saKey]decrypt.Suite), v1: make(map[dissect.SPI]*v1Session)}
}

// Observe learns the suite the responder chose in an IKEv2 IKE_SA_INIT
// response.
func (d *KeyringDecryptor) Observe(msg *dissect.Message, raw []byte, fromInitiator bool) {
	h := &msg.Header
	if h.MajorVersion != 2 || h.Exchange != dissect.ExchangeIKESAInit || !h.IsResponse() {
		return
	}
	for _, p := range msg.Payloads {
		if p.Type == dissect.PayloadSA {
			if s, ok := decrypt.ChosenSuite(2, p.Body); ok {
				d.suites[saKey{h.SPIi, h.SPIr, 2}] = s
			}
		}
	}
}

// DecryptV2 opens an SK or SKF payload.
func (d *KeyringDecryptor) DecryptV2(msg *dissect.Message, raw []byte, sk dissect.Payload, fromInitiator bool) ([]byte, error) {
	h := &msg.Header
	suite := d.suites[saKey{h.SPIi, h.SPIr, 2}]
	plain, _, err := d.kr.OpenV2(d.buf[:0], raw, sk, suite)
	if err != nil {
		return nil, err
	}
	if cap(plain) > cap(d.buf) {
		d.buf = plain[:0]
	}
	return plain, nil
}

// DecryptV1 feeds an IKEv1 message to its SA's session.
func (d *KeyringDecryptor) DecryptV1(msg *dissect.Message, raw []byte, fromInitiator bool) ([]byte, error) {
	h := &msg.Header
	s := d.v1[h.SPIi]
	if s == nil {
		s = &v1Session{}
		if sess, err := d.kr.V1Session(h.SPIi, h.SPIr); err == nil {
			s.s = sess
		}
		d.v1[h.SPIi] = s
	}
	if s.s == nil {
		return nil, decrypt.ErrNoKey
	}
	res, err := s.s.Feed(raw, fromInitiator)
	if err != nil {
		return nil, err
	}
	if !res.Encrypted {
		return nil, nil
	}
	return res.Plain, nil
}

// Forget drops the state kept for a finalised SA.
func (d *KeyringDecryptor) Forget(version uint8, spii, spir dissect.SPI) {
	if version == 1 {
		delete(d.v1, spii)
		return
	}
	delete(d.suites, saKey{spii, spir, 2})
}
