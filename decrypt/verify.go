package decrypt

import (
	"errors"

	"github.com/ikeflow/ikeflow/dissect"
)

// KeyCheck says whether the key material of one direction of an IKE SA
// verified on the capture: the ICV or AEAD tag (IKEv1: the decrypted
// payload chain) of the messages that direction sent.
type KeyCheck uint8

// Outcomes of trying a key on one direction of an IKE SA.
const (
	// KeyNotTried: no encrypted message of that direction was opened with
	// a key (none was seen, no key names the SA, the key lacks that
	// direction's secrets, or the algorithm is not implemented).
	KeyNotTried KeyCheck = iota
	// KeyVerified: at least one message of that direction verified.
	KeyVerified
	// KeyFailed: messages were tried and none verified: wrong SK_ai/SK_ar
	// (SK_ei/SK_er for AEAD ciphers, the phase-1 key for IKEv1) or wrong
	// algorithm.
	KeyFailed
)

var keyCheckNames = [...]string{KeyNotTried: "not tried", KeyVerified: "verified", KeyFailed: "does not verify"}

// String returns "not tried", "verified" or "does not verify".
func (c KeyCheck) String() string { return enumName(keyCheckNames[:], int(c)) }

// MarshalText encodes the check as its String form.
func (c KeyCheck) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// DirCheck counts the encrypted messages of one direction of an IKE SA by
// outcome. Only integrity results count: malformed or truncated messages
// say nothing about the key.
type DirCheck struct {
	Verified int `json:"verified"` // messages whose ICV / tag / payload chain verified
	Failed   int `json:"failed"`   // messages where every candidate key failed the check
}

// Check sums the counts up: verified if any message verified, failed if
// messages were tried and none did, else not tried.
func (d DirCheck) Check() KeyCheck {
	switch {
	case d.Verified > 0:
		return KeyVerified
	case d.Failed > 0:
		return KeyFailed
	}
	return KeyNotTried
}

// SACheck is the key check of both directions of one IKE SA.
type SACheck struct {
	SA            SAID     `json:"sa"`
	FromInitiator DirCheck `json:"from_initiator"` // checked with SK_ai (SK_ei for AEAD; IKEv1: the phase-1 key)
	FromResponder DirCheck `json:"from_responder"` // checked with SK_ar (SK_er for AEAD; IKEv1: the phase-1 key)
}

// Dir returns the counts of one direction.
func (c *SACheck) Dir(fromInitiator bool) *DirCheck {
	if fromInitiator {
		return &c.FromInitiator
	}
	return &c.FromResponder
}

// count adds one message's outcome. Only ErrAuth and success count.
func (d *DirCheck) count(err error) {
	switch {
	case err == nil:
		d.Verified++
	case errors.Is(err, ErrAuth):
		d.Failed++
	}
}

// maxChecksPerKey bounds the SAs a Keyring records checks for per key.
const maxChecksPerKey = 4096

// checkFor returns the key entry's check record of SA id, creating it
// (nil past the bound).
func (e *keyEntry) checkFor(id SAID) *SACheck {
	for i := range e.checks {
		if e.checks[i].SA == id {
			return &e.checks[i]
		}
	}
	if len(e.checks) >= maxChecksPerKey {
		return nil
	}
	e.checks = append(e.checks, SACheck{SA: id})
	return &e.checks[len(e.checks)-1]
}

// recordCheck counts a message outcome for a key that names the SA (keys
// without SPIs are tried everywhere; their failures mean nothing).
func (e *keyEntry) recordCheck(id SAID, fromInitiator bool, err error) {
	if !e.key.SPIKnown() || err != nil && !errors.Is(err, ErrAuth) {
		return
	}
	if c := e.checkFor(id); c != nil {
		c.Dir(fromInitiator).count(err)
	}
}

// recordV1Failure counts an IKEv1 message that no candidate key could
// decrypt against every key naming the initiator cookie.
func (kr *Keyring) recordV1Failure(ci, cr dissect.SPI, fromInitiator bool, err error) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	id := SAID{Version: 1, SPIi: ci, SPIr: cr}
	for _, e := range kr.candidates(1, ci, cr) {
		e.recordCheck(id, fromInitiator, err)
	}
}

// recordV1Success counts an IKEv1 message that key k decrypted.
func (kr *Keyring) recordV1Success(k *Key, ci, cr dissect.SPI, fromInitiator bool) {
	kr.mu.Lock()
	defer kr.mu.Unlock()
	for _, e := range kr.entries {
		if &e.key == k {
			e.recordCheck(SAID{Version: 1, SPIi: ci, SPIr: cr}, fromInitiator, nil)
		}
	}
}

// KeyCheck returns what decryption found out about the keys of the IKE SA
// (IKEv2 SPIs or IKEv1 cookies) so far: per direction, how many encrypted
// messages verified and how many failed the integrity check with every
// candidate key. A direction with Failed > 0 and Verified == 0 means the
// key given for it does not verify: wrong SK_ai/SK_ar (or SK_e for AEAD),
// or a wrong algorithm. An SA the Tracker has not seen encrypted messages
// of reports KeyNotTried both ways.
//
// Query it before [Tracker.Forget], which drops the SA's record.
func (t *Tracker) KeyCheck(version uint8, spii, spir dissect.SPI) SACheck {
	c := SACheck{SA: SAID{Version: version, SPIi: spii, SPIr: spir}}
	if d, ok := t.checks[checkKey{version, saKey{spii, spir}}]; ok {
		c.FromInitiator, c.FromResponder = d[0], d[1]
	}
	return c
}

// checkKey names an SA in Tracker.checks.
type checkKey struct {
	version uint8
	sa      saKey
}

// recordCheck counts one message's decryption outcome for the SA.
func (t *Tracker) recordCheck(version uint8, spii, spir dissect.SPI, fromInitiator bool, err error) {
	if err != nil && !errors.Is(err, ErrAuth) {
		return
	}
	k := checkKey{version, saKey{spii, spir}}
	d, ok := t.checks[k]
	if !ok {
		if len(t.checks) >= MaxTrackedSAs {
			clear(t.checks)
		}
		d = new([2]DirCheck)
		t.checks[k] = d
	}
	i := 1
	if fromInitiator {
		i = 0
	}
	d[i].count(err)
}
