package decrypt

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// Key is the key material of one IKE SA as loaded from a key file.
//
// For IKEv2, SPIi/SPIr are the IKE SA SPIs, EncrI/EncrR are SK_ei/SK_er
// (including any salt octets at the end, as key files print them) and
// IntegI/IntegR are SK_ai/SK_ar. For IKEv1, SPIi is the initiator cookie,
// SPIr the responder cookie when known (zero = any), and EncrI is the
// phase-1 encryption key (Ka or SKEYID_e expanded); the other secrets are
// unset.
//
// A zero SPIi means the key file did not say which SA the key belongs to;
// [Keyring] then tries the key on SAs that no other key matches and accepts
// it only when the integrity check passes.
//
// Key never prints or marshals its secrets: String and MarshalJSON mask
// them. [Key.Reveal] is the explicit way to get them in text.
type Key struct {
	Version uint8       // 1 or 2
	SPIi    dissect.SPI // IKEv2 initiator SPI / IKEv1 initiator cookie
	SPIr    dissect.SPI // IKEv2 responder SPI / IKEv1 responder cookie (zero = any)
	EncrI   Secret      // SK_ei (IKEv1: encryption key)
	EncrR   Secret      // SK_er
	IntegI  Secret      // SK_ai
	IntegR  Secret      // SK_ar
	Suite   Suite       // algorithms when the key file names them; zero fields come from the capture
	Source  string      // "file:line" where the key was read
}

// SPIKnown reports whether the key file named the SA (initiator SPI or
// cookie) this key belongs to.
func (k Key) SPIKnown() bool { return !k.SPIi.IsZero() }

// String describes the key with secrets masked, e.g.
// "IKEv2 SA 89922c915f35570e/98d56d32e2a04742 AES-GCM-16-256 SK_ei=<36 bytes> SK_er=<36 bytes> (keys.txt:1)".
func (k Key) String() string {
	var b strings.Builder
	if k.Version == 1 {
		b.WriteString("IKEv1 SA ")
	} else {
		b.WriteString("IKEv2 SA ")
	}
	b.WriteString(k.spiString())
	b.WriteString(" " + k.Suite.String())
	k.eachSecret(func(name string, s Secret) {
		b.WriteString(" " + name + "=" + s.String())
	})
	if k.Source != "" {
		b.WriteString(" (" + k.Source + ")")
	}
	return b.String()
}

func (k Key) spiString() string {
	switch {
	case !k.SPIKnown():
		return "?/?"
	case k.SPIr.IsZero():
		return k.SPIi.String() + "/*"
	}
	return k.SPIi.String() + "/" + k.SPIr.String()
}

// eachSecret calls f for each set secret with its conventional name.
func (k Key) eachSecret(f func(name string, s Secret)) {
	if k.Version == 1 {
		if !k.EncrI.IsZero() {
			f("key", k.EncrI)
		}
		return
	}
	for _, e := range []struct {
		n string
		s Secret
	}{{"SK_ei", k.EncrI}, {"SK_er", k.EncrR}, {"SK_ai", k.IntegI}, {"SK_ar", k.IntegR}} {
		if !e.s.IsZero() {
			f(e.n, e.s)
		}
	}
}

// Reveal returns the key in ikeflow's native one-line format (docs/keys.md)
// with the secrets in full. Only call it when the user asked for secrets
// (--show-secrets) or to write a key file.
func (k Key) Reveal() string { return formatNative(&k) }

// keyJSON is the masked JSON form of a Key.
type keyJSON struct {
	Version uint8             `json:"version"`
	SPIi    string            `json:"spi_i,omitempty"`
	SPIr    string            `json:"spi_r,omitempty"`
	Suite   string            `json:"suite"`
	Secrets map[string]Secret `json:"secrets"`
	Source  string            `json:"source,omitempty"`
}

// MarshalJSON writes the key's metadata with every secret masked
// ("<32 bytes>"). Key material never reaches JSON output.
func (k Key) MarshalJSON() ([]byte, error) {
	j := keyJSON{Version: k.Version, Suite: k.Suite.String(), Secrets: map[string]Secret{}, Source: k.Source}
	if k.SPIKnown() {
		j.SPIi = k.SPIi.String()
	}
	if !k.SPIr.IsZero() {
		j.SPIr = k.SPIr.String()
	}
	k.eachSecret(func(name string, s Secret) { j.Secrets[name] = s })
	return json.Marshal(j)
}

// checkLengths verifies that the key lengths fit the suite where the suite
// is known, and fills Suite.KeyBits from the key length when it is not.
func (k *Key) checkLengths() error {
	if k.Version == 1 {
		if k.EncrI.IsZero() {
			return errString("no encryption key")
		}
		if n := k.EncrI.Len(); n < 8 {
			return errString("encryption key of " + strconv.Itoa(n) + " octets is too short for any IKEv1 cipher")
		}
		return nil
	}
	// One direction may be missing (a log that printed only one side's
	// keys): that direction stays encrypted.
	eName, ek, aName, ak := "SK_ei", k.EncrI, "SK_ai", k.IntegI
	if k.EncrI.IsZero() && k.IntegI.IsZero() {
		eName, ek, aName, ak = "SK_er", k.EncrR, "SK_ar", k.IntegR
	} else if !(k.EncrR.IsZero() && k.IntegR.IsZero()) {
		if k.EncrI.Len() != k.EncrR.Len() {
			return errString("SK_ei and SK_er differ in length (" + strconv.Itoa(k.EncrI.Len()) + " and " + strconv.Itoa(k.EncrR.Len()) + " octets)")
		}
		if k.IntegI.Len() != k.IntegR.Len() {
			return errString("SK_ai and SK_ar differ in length")
		}
	}
	s := k.Suite
	if s.Encr == EncrUnknown {
		return nil
	}
	info, ok := encrInfos[s.Encr]
	if !ok {
		return errString("unsupported encryption algorithm " + s.Encr.String())
	}
	n := ek.Len() - info.salt
	switch {
	case info.fixed > 0:
		if n != info.fixed {
			return errString(eName + " is " + strconv.Itoa(ek.Len()) + " octets, " + s.Encr.String() + " needs " + strconv.Itoa(info.fixed+info.salt))
		}
	case info.fixed < 0: // NULL
		if n != 0 {
			return errString("NULL encryption takes no key")
		}
	default:
		if n != 16 && n != 24 && n != 32 {
			return errString(eName + " is " + strconv.Itoa(ek.Len()) + " octets, not an AES key (16, 24 or 32) plus " + strconv.Itoa(info.salt) + " salt octets")
		}
		if s.KeyBits != 0 && s.KeyBits != n*8 {
			return errString(eName + " is " + strconv.Itoa(ek.Len()) + " octets, " + s.String() + " needs " + strconv.Itoa(s.KeyBits/8+info.salt))
		}
		k.Suite.KeyBits = n * 8
	}
	if s.Encr.IsAEAD() {
		return nil
	}
	if s.Integ != IntegNone {
		ii, ok := integInfos[s.Integ]
		if !ok {
			return errString("unsupported integrity algorithm " + s.Integ.String())
		}
		if ak.Len() != ii.key {
			return errString(aName + " is " + strconv.Itoa(ak.Len()) + " octets, " + s.Integ.String() + " needs " + strconv.Itoa(ii.key))
		}
	}
	return nil
}

// errString is a plain error used for key-file reasons.
type errString string

func (e errString) Error() string { return string(e) }
