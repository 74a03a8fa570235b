package decrypt

import (
	"os"
	"path/filepath"
	"strings"
)

// ExportError lists keys ExportWireshark could not express in Wireshark's
// tables (unknown SPIs or algorithms, or algorithms Wireshark lacks). The
// other keys were written.
type ExportError struct {
	Skipped []string // one "source: reason" per key
}

// Error summarises the skipped keys.
func (e *ExportError) Error() string {
	return "decrypt: " + itoa(len(e.Skipped)) + " key(s) not exported: " + strings.Join(e.Skipped, "; ")
}

// ExportWireshark writes keys as Wireshark UAT files in dir:
// ikev2_decryption_table (SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ")
// and ikev1_decryption_table (initiator cookie,encryption key), so the same
// capture opens decrypted in Wireshark (copy them into a Wireshark profile
// directory). A file is written only when it has at least one key, with
// mode 0600. IKEv2 keys need known SPIs and algorithms: fill Key.Suite from
// [KeyUse.Suite] for keys whose file did not name them. Keys that cannot be
// expressed are reported in an *[ExportError] after the rest are written.
func ExportWireshark(dir string, keys []Key) error {
	var v1, v2 strings.Builder
	var skipped []string
	for i := range keys {
		k := &keys[i]
		skip := func(reason string) { skipped = append(skipped, k.Source+": "+reason) }
		if !k.SPIKnown() {
			skip("SPIs not known")
			continue
		}
		if k.Version == 1 {
			v1.WriteString(k.SPIi.String() + "," + k.EncrI.RevealHex() + "\n")
			continue
		}
		s := k.Suite
		enc, ok := wiresharkEncrName(s.Encr, s.KeyBits)
		if !ok || s.Encr == EncrChaCha20Poly1305 {
			skip("encryption algorithm " + s.String() + " not expressible in Wireshark")
			continue
		}
		integ := "NONE [RFC4306]"
		if !s.Encr.IsAEAD() {
			if integ, ok = wiresharkIntegName(s.Integ); !ok || s.Integ == IntegNone {
				skip("integrity algorithm " + s.Integ.String() + " not expressible in Wireshark")
				continue
			}
		}
		if k.SPIr.IsZero() {
			skip("responder SPI not known")
			continue
		}
		v2.WriteString(strings.Join([]string{
			k.SPIi.String(), k.SPIr.String(), k.EncrI.RevealHex(), k.EncrR.RevealHex(),
			`"` + enc + `"`, k.IntegI.RevealHex(), k.IntegR.RevealHex(), `"` + integ + `"`,
		}, ",") + "\n")
	}
	for _, f := range []struct {
		name string
		b    *strings.Builder
	}{{"ikev2_decryption_table", &v2}, {"ikev1_decryption_table", &v1}} {
		if f.b.Len() == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.b.String()), 0o600); err != nil {
			return err
		}
	}
	if len(skipped) > 0 {
		return &ExportError{Skipped: skipped}
	}
	return nil
}

// itoa formats a non-negative int.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
