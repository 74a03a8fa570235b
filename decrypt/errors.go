package decrypt

import "errors"

// Sentinel errors. Every error returned by a decryption function wraps
// exactly one of them; test with errors.Is.
var (
	// ErrNoKey means no loaded key matches the IKE SA of the message.
	ErrNoKey = errors.New("decrypt: no key for this IKE SA")
	// ErrAuth means the integrity check failed (wrong key or wrong
	// algorithm). It deliberately does not say which check failed.
	ErrAuth = errors.New("decrypt: integrity check failed")
	// ErrMalformed means the encrypted payload cannot be valid: truncated
	// ciphertext, a length that is not a multiple of the block size, bad
	// padding, or key material of the wrong size.
	ErrMalformed = errors.New("decrypt: malformed encrypted payload")
	// ErrUnsupported means a valid algorithm or construction this package
	// does not implement.
	ErrUnsupported = errors.New("decrypt: unsupported")
	// ErrIncomplete means the key may well be right, but the capture lacks
	// what decrypting also needs: for IKEv1 the phase-1 SA payload (the
	// cipher) or KE payloads (the IVs), in messages the capture missed. It
	// wraps ErrUnsupported, which such errors were before it.
	ErrIncomplete error = &wrapped{msg: "decrypt: the capture lacks what decrypting needs besides the key", err: ErrUnsupported}
)

// errNoChain is the IKEv1 form of ErrAuth: IKEv1 has no ICV, so a wrong key
// shows up as plaintext that is not a payload chain.
var errNoChain = &wrapped{msg: "decrypt: decrypt produced no valid payload chain (wrong key?)", err: ErrAuth}

// wrapped is an error with its own text that unwraps to a sentinel.
type wrapped struct {
	msg string
	err error
}

func (w *wrapped) Error() string { return w.msg }
func (w *wrapped) Unwrap() error { return w.err }

// malformed returns an error with a reason that wraps ErrMalformed.
func malformed(reason string) error {
	return &wrapped{msg: "decrypt: malformed encrypted payload: " + reason, err: ErrMalformed}
}

// incomplete returns an error with a reason that wraps ErrIncomplete.
func incomplete(reason string) error {
	return &wrapped{msg: "decrypt: capture incomplete: " + reason, err: ErrIncomplete}
}

// unsupported returns an error with a reason that wraps ErrUnsupported.
func unsupported(reason string) error {
	return &wrapped{msg: "decrypt: unsupported: " + reason, err: ErrUnsupported}
}

// State is the outcome of decrypting one encrypted payload.
type State uint8

// States of an encrypted payload.
const (
	StateNotEncrypted State = iota // nothing to decrypt
	StateDecrypted                 // integrity verified, plaintext decoded
	StateNoKey                     // no key for the SA
	StateAuthFailed                // integrity check failed: wrong key or algorithm
	StateMalformed                 // truncated, bad length or bad padding
	StateUnsupported               // algorithm not implemented
	StateIncomplete                // the capture lacks what decrypting needs besides the key (ErrIncomplete)
)

var stateNames = [...]string{
	StateNotEncrypted: "not encrypted",
	StateDecrypted:    "decrypted",
	StateNoKey:        "no key",
	StateAuthFailed:   "integrity check failed",
	StateMalformed:    "malformed",
	StateUnsupported:  "unsupported",
	StateIncomplete:   "capture incomplete",
}

// String returns the state as shown to users, e.g. "integrity check failed".
func (s State) String() string { return enumName(stateNames[:], int(s)) }

// MarshalText encodes the state as its String form.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// StateOf maps an error returned by this package to a State: nil is
// StateDecrypted.
func StateOf(err error) State {
	switch {
	case err == nil:
		return StateDecrypted
	case errors.Is(err, ErrNoKey):
		return StateNoKey
	case errors.Is(err, ErrAuth):
		return StateAuthFailed
	case errors.Is(err, ErrIncomplete): // before ErrUnsupported, which it wraps
		return StateIncomplete
	case errors.Is(err, ErrUnsupported):
		return StateUnsupported
	default:
		return StateMalformed
	}
}
