package decrypt

import (
	"encoding/hex"
	"fmt"
	"strconv"
)

// Secret is key material. It never prints or marshals in full: fmt verbs,
// String, GoString, MarshalText and MarshalJSON all give a mask such as
// "<32 bytes>". Use Reveal or RevealHex only for --show-secrets.
type Secret struct {
	b []byte
}

// NewSecret wraps b (not copied).
func NewSecret(b []byte) Secret { return Secret{b: b} }

// Len returns the length in octets.
func (s Secret) Len() int { return len(s.b) }

// IsZero reports whether the secret is empty (not set).
func (s Secret) IsZero() bool { return len(s.b) == 0 }

// Reveal returns the key octets. Callers must not print them unless the
// user asked to (--show-secrets).
func (s Secret) Reveal() []byte { return s.b }

// RevealHex returns the key as lower-case hex, for --show-secrets and for
// writing key files.
func (s Secret) RevealHex() string { return hex.EncodeToString(s.b) }

// String returns a mask: "<unset>" or "<N bytes>".
func (s Secret) String() string {
	if len(s.b) == 0 {
		return "<unset>"
	}
	return "<" + strconv.Itoa(len(s.b)) + " bytes>"
}

// GoString returns the same mask as String, so %#v does not leak either.
func (s Secret) GoString() string { return "decrypt.Secret" + s.String() }

// Format implements fmt.Formatter: every verb prints the mask.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		_, _ = f.Write([]byte(s.GoString()))
		return
	}
	_, _ = f.Write([]byte(s.String()))
}

// MarshalText returns the mask.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON returns the mask as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(strconv.Quote(s.String())), nil }
