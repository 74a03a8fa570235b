package decrypt

import (
	"errors"
	"sync"

	"github.com/ikeflow/ikeflow/dissect"
)

// SAID names an IKE SA: IKEv2 SPIs or IKEv1 cookies.
type SAID struct {
	Version uint8       `json:"version"`
	SPIi    dissect.SPI `json:"spi_i"`
	SPIr    dissect.SPI `json:"spi_r"`
}

// String renders "IKEv2 SA 89922c915f35570e/98d56d32e2a04742".
func (s SAID) String() string {
	return "IKEv" + string(rune('0'+s.Version)) + " SA " + s.SPIi.String() + "/" + s.SPIr.String()
}

// Keyring holds loaded keys, finds them by SPI pair (IKEv2) or initiator
// cookie (IKEv1), caches the cipher state per key and suite, and records
// which SAs each key opened. It is safe for concurrent use.
type Keyring struct {
	mu      sync.Mutex
	entries []*keyEntry
}

type keyEntry struct {
	key     Key
	matched []SAID
	suite   Suite // the suite that first opened a message
	v2      map[Suite]*V2
	checks  []SACheck // per SA this key names: messages verified / failed per direction
}

// KeyUse is one loaded key and the SAs it decrypted, for "keys list".
type KeyUse struct {
	Key     Key    `json:"key"`
	Matched []SAID `json:"matched"`
	// Suite is the complete suite that decrypted with this key (the key
	// file's algorithms merged with the capture's), zero if none did.
	Suite Suite `json:"suite"`
	// Checks lists, for each SA the key names (by SPIs) and was tried on,
	// how many messages of each direction verified and failed. A key
	// whose direction has only failures does not verify there, even if
	// the other direction did.
	Checks []SACheck `json:"checks,omitempty"`
}

// NewKeyring returns a keyring holding keys.
func NewKeyring(keys ...Key) *Keyring {
	kr := &Keyring{}
	kr.Add(keys...)
	return kr
}

// Add loads more keys. A key identical to one already loaded (the same SA
// printed twice, as FortiGate does) is skipped.
func (kr *Keyring) Add(keys ...Key) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
next:
	for _, k := range keys {
		for _, e := range kr.entries {
			if sameKey(&e.key, &k) {
				continue next
			}
		}
		kr.entries = append(kr.entries, &keyEntry{key: k})
	}
}

func sameKey(a, b *Key) bool {
	eq := func(x, y Secret) bool { return string(x.b) == string(y.b) }
	return a.Version == b.Version && a.SPIi == b.SPIi && a.SPIr == b.SPIr && a.Suite == b.Suite &&
		eq(a.EncrI, b.EncrI) && eq(a.EncrR, b.EncrR) && eq(a.IntegI, b.IntegI) && eq(a.IntegR, b.IntegR)
}

// Len returns the number of keys loaded.
func (kr *Keyring) Len() int {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	return len(kr.entries)
}

// Uses returns every loaded key, in load order, with the SAs it matched so
// far.
func (kr *Keyring) Uses() []KeyUse {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	out := make([]KeyUse, 0, len(kr.entries))
	for _, e := range kr.entries {
		out = append(out, KeyUse{Key: e.key, Matched: append([]SAID(nil), e.matched...), Suite: e.suite, Checks: append([]SACheck(nil), e.checks...)})
	}
	return out
}

// candidates returns the keys that may belong to the SA, best first: keys
// naming both SPIs, then keys naming the initiator SPI/cookie with any
// responder SPI, then keys that name no SA (tried last, accepted only when
// they verify).
func (kr *Keyring) candidates(version uint8, spiI, spiR dissect.SPI) []*keyEntry {
	var exact, half, wild []*keyEntry
	for _, e := range kr.entries {
		k := &e.key
		switch {
		case k.Version != version:
		case !k.SPIKnown():
			wild = append(wild, e)
		case k.SPIi != spiI:
		case k.SPIr == spiR:
			exact = append(exact, e)
		case k.SPIr.IsZero() || spiR.IsZero():
			half = append(half, e)
		}
	}
	return append(append(exact, half...), wild...)
}

func (kr *Keyring) recordMatch(e *keyEntry, id SAID, s Suite) {
	if e.suite.IsZero() {
		e.suite = s
	}
	for _, m := range e.matched {
		if m == id {
			return
		}
	}
	e.matched = append(e.matched, id)
}

// OpenV2 finds the key for IKEv2 message msg (raw, from the IKE header) and
// opens its SK or SKF payload p, as [V2.Open] does. capture is the suite
// the responder chose in the capture's IKE_SA_INIT (or a zero Suite if not
// seen); it fills whatever the key file left unknown. Candidate keys are
// tried in order (keys naming both SPIs, then the initiator SPI, then
// keys naming no SA) until one verifies.
//
// It returns the plaintext (in dst when it has room) and the key that
// opened it. Errors wrap ErrNoKey when no key names this SA (or none has
// the direction's secrets), ErrAuth when every candidate failed the
// integrity check, otherwise ErrMalformed or ErrUnsupported.
func (kr *Keyring) OpenV2(dst, msg []byte, p dissect.Payload, capture Suite) ([]byte, *Key, error) {
	if len(msg) < dissect.HeaderLen {
		return nil, nil, malformed("short message")
	}
	id := SAID{Version: 2, SPIi: dissect.SPI(msg[0:8]), SPIr: dissect.SPI(msg[8:16])}
	fromI := msg[19]&0x08 != 0 // Initiator flag ([RFC 7296] §3.1)
	kr.mu.Lock()
	defer kr.mu.Unlock()
	var firstErr error
	for _, e := range kr.candidates(2, id.SPIi, id.SPIr) {
		s := e.key.Suite.Merge(capture)
		d, err := e.decryptor(s)
		if err == nil {
			var pt []byte
			pt, err = d.Open(dst, msg, p)
			e.recordCheck(id, fromI, err)
			if err == nil {
				kr.recordMatch(e, id, s)
				return pt, &e.key, nil
			}
		}
		// Prefer the most telling error: auth over no-key, the exact key's
		// error over a wildcard's.
		if firstErr == nil || errors.Is(firstErr, ErrNoKey) && !errors.Is(err, ErrNoKey) {
			firstErr = err
		}
		if errors.Is(err, ErrMalformed) && e.key.SPIKnown() {
			// Structure errors do not depend on the key.
			return nil, &e.key, err
		}
	}
	if firstErr == nil {
		firstErr = ErrNoKey
	}
	return nil, nil, firstErr
}

func (e *keyEntry) decryptor(s Suite) (*V2, error) {
	if d, ok := e.v2[s]; ok {
		return d, nil
	}
	d, err := NewV2(&e.key, s)
	if err != nil {
		return nil, err
	}
	if e.v2 == nil {
		e.v2 = map[Suite]*V2{}
	}
	e.v2[s] = d
	return d, nil
}

// V1Session returns the IKEv1 decryption state for the SA with initiator
// cookie ci and responder cookie cr (zero if not known yet), or an error
// wrapping ErrNoKey when no key names it. Keep one
// session per IKE SA and feed it every message of that SA in capture order
// (see [V1Session.Feed]); the Keyring records the match when the session
// first decrypts.
func (kr *Keyring) V1Session(ci, cr dissect.SPI) (*V1Session, error) {
	kr.mu.Lock()
	es := kr.candidates(1, ci, cr)
	kr.mu.Unlock()
	var keys []*Key
	for _, e := range es {
		keys = append(keys, &e.key)
	}
	if len(keys) == 0 {
		return nil, ErrNoKey
	}
	s := newV1Session(keys)
	s.onMatch = func(k *Key, id SAID, st Suite) {
		kr.mu.Lock()
		defer kr.mu.Unlock()
		for _, e := range es {
			if &e.key == k {
				kr.recordMatch(e, id, st)
			}
		}
	}
	return s, nil
}
