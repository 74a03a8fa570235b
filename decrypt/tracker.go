package decrypt

import (
	"errors"
	"net/netip"

	"github.com/ikeflow/ikeflow/dissect"
)

// MaxTrackedSAs bounds the per-SA state a Tracker keeps (chosen suites,
// IKEv1 sessions); past it that table is cleared (callers that finalise
// SAs call [Tracker.Forget], so a healthy analysis never gets there).
const MaxTrackedSAs = 1 << 16

// Result is the outcome of decrypting the encrypted part of one message: the
// SK or SKF payload of an IKEv2 message, or the body of an IKEv1 message with
// the E flag.
type Result struct {
	// State is the outcome; StateNotEncrypted when the message had nothing to decrypt.
	State State
	// Err gives the reason when State is not StateDecrypted.
	Err error
	// Plain is the decrypted inner payload chain and Payloads indexes it
	// (offsets relative to Plain). For an SKF fragment that did not complete
	// its message both are empty; see Fragment.
	Plain    []byte
	Payloads []dissect.Payload
	// Walk is set when the decrypted chain did not walk cleanly.
	Walk error
	// Key is the key that decrypted the message.
	Key *Key
	// Fragment describes an RFC 7383 fragment (Total is 0 otherwise).
	Fragment Fragment
	// Retransmit is set for an IKEv1 message identical to one seen before.
	Retransmit bool
}

type saKey struct{ i, r dissect.SPI }

// Tracker decrypts the messages of a capture fed to it in capture order. It
// remembers what decryption needs across messages: the proposal each IKEv2
// responder chose (for key files that do not name algorithms), the IKEv1 IV
// chains, and RFC 7383 fragments. Results alias buffers that stay valid
// until the next call. A Tracker is not safe for concurrent use.
type Tracker struct {
	kr      *Keyring
	suites  map[saKey]Suite            // IKEv2 chosen suites by SPI pair
	v1      map[saKey]*V1Session       // IKEv1 sessions by cookie pair
	v1init  map[dissect.SPI]netip.Addr // IKEv1 initiator address by initiator cookie
	reasm   Reassembler
	reasm1  ReassemblerV1
	whole   dissect.Message // the IKEv1 message reassembled last (v1Message)
	buf     []byte
	rekey   map[rekeyKey]dissect.SPI  // IKE SA rekey requests: new initiator SPI
	scratch []dissect.Payload         // DecryptV2's walk of CREATE_CHILD_SA contents
	checks  map[checkKey]*[2]DirCheck // per SA and direction: messages verified / failed (see KeyCheck)
}

// rekeyKey names a CREATE_CHILD_SA exchange of an IKE SA.
type rekeyKey struct {
	sa  saKey
	mid uint32
	dir bool // request sent by the original initiator
}

// NewTracker returns a Tracker that takes keys from kr.
func NewTracker(kr *Keyring) *Tracker {
	return &Tracker{
		kr:     kr,
		suites: map[saKey]Suite{},
		v1:     map[saKey]*V1Session{},
		v1init: map[dissect.SPI]netip.Addr{},
		rekey:  map[rekeyKey]dissect.SPI{},
		checks: map[checkKey]*[2]DirCheck{},
	}
}

// Message feeds one decoded message (m, decoded from raw) sent from src, and
// returns the decryption result of its encrypted part. Every message of the
// capture must be fed, also the clear ones: IKEv1 IVs and IKEv2 suites are
// learnt from them. It is the one-call form of [Tracker.Observe],
// [Tracker.DecryptV2] and [Tracker.DecryptV1], plus RFC 7383 reassembly and
// the walk of the decrypted payload chain.
func (t *Tracker) Message(raw []byte, m *dissect.Message, src netip.Addr) Result {
	if m.Header.MajorVersion == 1 {
		return t.v1Message(raw, m, src)
	}
	h := &m.Header
	t.Observe(m, raw, h.IsInitiator())
	var sk *dissect.Payload
	for i := range m.Payloads {
		if p := &m.Payloads[i]; p.Type == dissect.PayloadSK || p.Type == dissect.PayloadSKF {
			sk = p
		}
	}
	if sk == nil {
		return Result{State: StateNotEncrypted}
	}
	plain, key, err := t.openV2(raw, m, *sk)
	if err != nil {
		return Result{State: StateOf(err), Err: err}
	}
	r := Result{State: StateDecrypted, Key: key}
	first := sk.Next
	if sk.Type == dissect.PayloadSKF {
		f, err := t.reasm.Add(raw, *sk, plain)
		r.Fragment = f
		if err != nil {
			return Result{State: StateOf(err), Err: err, Key: key, Fragment: f}
		}
		if !f.Complete {
			return r
		}
		plain, first = f.Plain, f.First
	}
	r.Plain = plain
	_, r.Walk = dissect.WalkPayloads(plain, 0, first, 2, &r.Payloads)
	if h.Exchange == dissect.ExchangeCreateChildSA {
		t.learnRekey(h, r.Payloads)
	}
	return r
}

// Observe learns what a clear message tells about decryption: the suite
// the responder chose in an IKEv2 IKE_SA_INIT response. (With
// [Tracker.DecryptV2] and [Tracker.DecryptV1] it gives the Tracker the
// method set of flows.Decryptor.)
func (t *Tracker) Observe(m *dissect.Message, raw []byte, fromInitiator bool) {
	h := &m.Header
	if h.MajorVersion != 2 || h.Exchange != dissect.ExchangeIKESAInit || !h.IsResponse() {
		return
	}
	for _, p := range m.Payloads {
		if p.Type == dissect.PayloadSA {
			if s, ok := ChosenSuite(2, p.Body); ok {
				t.remember(saKey{h.SPIi, h.SPIr}, s)
			}
		}
	}
}

// DecryptV2 opens the SK or SKF payload sk of IKEv2 message m (raw from
// its header) and returns the plaintext payload chain (for SKF, this
// fragment's share, not reassembled). The plaintext aliases a buffer reused
// by the next call. Rekeys of the IKE SA are learnt from decrypted
// CREATE_CHILD_SA exchanges, so the new SA's suite is known.
func (t *Tracker) DecryptV2(m *dissect.Message, raw []byte, sk dissect.Payload, fromInitiator bool) ([]byte, error) {
	plain, _, err := t.openV2(raw, m, sk)
	if err != nil {
		return nil, err
	}
	if h := &m.Header; h.Exchange == dissect.ExchangeCreateChildSA && sk.Type == dissect.PayloadSK {
		t.scratch = t.scratch[:0]
		if _, err := dissect.WalkPayloads(plain, 0, sk.Next, 2, &t.scratch); err == nil {
			t.learnRekey(h, t.scratch)
		}
	}
	return plain, nil
}

// DecryptV1 feeds IKEv1 message m (raw from its header) to its ISAKMP SA's
// session; every message of the SA must be fed in capture order, clear
// ones too. It returns the decrypted payload chain of an encrypted message
// and nil for a clear one.
func (t *Tracker) DecryptV1(m *dissect.Message, raw []byte, fromInitiator bool) ([]byte, error) {
	s, err := t.v1Session(&m.Header)
	if err != nil {
		return nil, err
	}
	res, err := s.Feed(raw, fromInitiator)
	if res.Encrypted {
		t.recordV1(&m.Header, fromInitiator, res, err)
	}
	if err != nil || !res.Encrypted {
		return nil, err
	}
	return res.Plain, nil
}

// Forget drops the state kept for an IKE SA that is finished, including
// its [Tracker.KeyCheck] record.
func (t *Tracker) Forget(version uint8, spii, spir dissect.SPI) {
	delete(t.checks, checkKey{version, saKey{spii, spir}})
	if version == 1 {
		delete(t.v1, saKey{spii, spir})
		delete(t.v1, saKey{spii, dissect.SPI{}})
		delete(t.v1init, spii)
		return
	}
	delete(t.suites, saKey{spii, spir})
}

// openV2 opens an SK/SKF payload with the keyring and the learnt suite.
func (t *Tracker) openV2(raw []byte, m *dissect.Message, sk dissect.Payload) ([]byte, *Key, error) {
	if t.kr == nil || t.kr.Len() == 0 {
		return nil, nil, ErrNoKey
	}
	h := &m.Header
	plain, key, err := t.kr.OpenV2(t.buf[:0], raw, sk, t.suites[saKey{h.SPIi, h.SPIr}])
	t.recordCheck(2, h.SPIi, h.SPIr, h.IsInitiator(), err)
	if cap(plain) > cap(t.buf) {
		t.buf = plain[:0]
	}
	return plain, key, err
}

// v1Session returns the session of an ISAKMP SA, creating it on first
// use. The first message has a zero responder cookie: its session is
// carried over once the responder's cookie is known.
func (t *Tracker) v1Session(h *dissect.Header) (*V1Session, error) {
	k := saKey{h.SPIi, h.SPIr}
	if s := t.v1[k]; s != nil {
		return s, nil
	}
	if t.kr == nil || t.kr.Len() == 0 {
		return nil, ErrNoKey
	}
	s := t.v1[saKey{h.SPIi, dissect.SPI{}}]
	if s != nil && !h.SPIr.IsZero() {
		delete(t.v1, saKey{h.SPIi, dissect.SPI{}})
	} else {
		var err error
		if s, err = t.kr.V1Session(h.SPIi, h.SPIr); err != nil {
			return nil, err
		}
	}
	if len(t.v1) >= MaxTrackedSAs {
		clear(t.v1)
	}
	t.v1[k] = s
	return s, nil
}

// learnRekey remembers the suite of an IKE SA created by rekeying
// (CREATE_CHILD_SA with an SA payload for protocol IKE, [RFC 7296]
// §1.3.2): its SPIs are the proposal SPI of the request (new SPIi) and of
// the response (new SPIr), its suite the response's proposal.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-1.3.2
func (t *Tracker) learnRekey(h *dissect.Header, ps []dissect.Payload) {
	for _, p := range ps {
		if p.Type != dissect.PayloadSA {
			continue
		}
		b := p.Body
		pv, ok := dissect.FirstProposal(b)
		if !ok || pv.Protocol != dissect.ProtocolIKE || len(pv.SPI) != 8 {
			continue
		}
		spi := dissect.SPI(pv.SPI)
		fromI := h.IsInitiator()
		if !h.IsResponse() {
			if len(t.rekey) >= MaxTrackedSAs {
				clear(t.rekey)
			}
			t.rekey[rekeyKey{saKey{h.SPIi, h.SPIr}, h.MessageID, fromI}] = spi
			return
		}
		k := rekeyKey{saKey{h.SPIi, h.SPIr}, h.MessageID, !fromI}
		if newI, ok := t.rekey[k]; ok {
			delete(t.rekey, k)
			if s, ok := ChosenSuite(2, b); ok {
				t.remember(saKey{newI, spi}, s)
			}
		}
		return
	}
}

func (t *Tracker) v1Message(raw []byte, m *dissect.Message, src netip.Addr) Result {
	h := &m.Header
	// IKEv1 has no initiator flag: the sender of the first message seen
	// for an initiator cookie is the initiator.
	if _, ok := t.v1init[h.SPIi]; !ok {
		if len(t.v1init) >= MaxTrackedSAs {
			clear(t.v1init)
		}
		t.v1init[h.SPIi] = src
	}
	fromI := t.v1init[h.SPIi] == src
	s, err := t.v1Session(h)
	if IsFragmentV1(raw) {
		// Reassembled with or without a session: the whole message is
		// shown even when no key covers its SA.
		return t.v1Fragment(s, err, raw, fromI)
	}
	if err != nil {
		if h.IsEncrypted() {
			return Result{State: StateOf(err), Err: err}
		}
		return Result{State: StateNotEncrypted}
	}
	if h.IsEncrypted() {
		t.skipTails(s, h)
	}
	res, err := s.Feed(raw, fromI)
	if res.Encrypted {
		t.recordV1(h, fromI, res, err)
	}
	if !h.IsEncrypted() {
		return Result{State: StateNotEncrypted}
	}
	if err != nil {
		return Result{State: StateOf(err), Err: err, Retransmit: res.Retransmit}
	}
	return Result{State: StateDecrypted, Plain: res.Plain, Payloads: res.Payloads, Key: res.Key, Retransmit: res.Retransmit}
}

// recordV1 counts an encrypted IKEv1 message's outcome for the SA and,
// in the keyring, for the keys that name it.
func (t *Tracker) recordV1(h *dissect.Header, fromInitiator bool, res V1Result, err error) {
	t.recordCheck(1, h.SPIi, h.SPIr, fromInitiator, err)
	switch {
	case err == nil && res.Key != nil:
		t.kr.recordV1Success(res.Key, h.SPIi, h.SPIr, fromInitiator)
	case errors.Is(err, ErrAuth):
		t.kr.recordV1Failure(h.SPIi, h.SPIr, fromInitiator, err)
	}
}

func (t *Tracker) remember(k saKey, s Suite) {
	if len(t.suites) >= MaxTrackedSAs {
		clear(t.suites)
	}
	t.suites[k] = s
}

// v1Fragment adds an IKEv1 fragment to its message and, when it completes
// it, feeds the reassembled message to the session: the Result then
// carries the Fragment (Whole is the message) and the decryption of the
// whole message. A fragment that does not complete a message is clear:
// StateNotEncrypted, with its Fragment. Without a session (s nil, sessErr
// why: no key covers the SA) the whole message is not fed: an encrypted
// one has sessErr's state.
func (t *Tracker) v1Fragment(s *V1Session, sessErr error, raw []byte, fromI bool) Result {
	f, err := t.reasm1.Add(raw, fromI)
	if err != nil {
		return Result{State: StateNotEncrypted, Err: err, Fragment: f}
	}
	if !f.Complete {
		return Result{State: StateNotEncrypted, Fragment: f}
	}
	w := &t.whole
	if err := w.DecodeFromBytes(f.Whole); err != nil && !w.Header.IsEncrypted() {
		return Result{State: StateNotEncrypted, Err: err, Fragment: f}
	}
	h := &w.Header
	if s == nil {
		if h.IsEncrypted() {
			return Result{State: StateOf(sessErr), Err: sessErr, Fragment: f}
		}
		return Result{State: StateNotEncrypted, Fragment: f}
	}
	if h.IsEncrypted() {
		t.skipTails(s, h)
	}
	res, err := s.Feed(f.Whole, fromI)
	if res.Encrypted {
		t.recordV1(h, fromI, res, err)
	}
	switch {
	case !h.IsEncrypted():
		return Result{State: StateNotEncrypted, Fragment: f}
	case err != nil:
		return Result{State: StateOf(err), Err: err, Retransmit: res.Retransmit, Fragment: f}
	}
	return Result{State: StateDecrypted, Plain: res.Plain, Payloads: res.Payloads, Key: res.Key, Retransmit: res.Retransmit, Fragment: f}
}

// SkipV1 continues the IV chain of the exchange of IKEv1 message header h
// past a message the capture lacks whole, of which tail holds the last
// octets (see [V1Session.Skip]): flows calls it for a message sent in
// fragments whose last fragment, but not every other, was captured.
func (t *Tracker) SkipV1(h *dissect.Header, tail []byte) error {
	s, err := t.v1Session(h)
	if err != nil {
		return err
	}
	return s.Skip(h.MessageID, tail)
}

// skipTails continues the IV chains past the messages of h's SA that the
// capture lacks whole but whose last fragment came (ReassemblerV1.Tails),
// before a message that follows them is decrypted.
func (t *Tracker) skipTails(s *V1Session, h *dissect.Header) {
	t.reasm1.Tails(h.SPIi, h.SPIr, h.MessageID, func(mid uint32, tail []byte) {
		_ = s.Skip(mid, tail) // unsupported cipher or short tail: the next message just fails to decrypt
	})
}
