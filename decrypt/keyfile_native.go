package decrypt

import (
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// native parses ikeflow's own format (docs/keys.md): one SA per line, the
// version first, then key=value fields in any order.
//
//	ikev2 spi_i=… spi_r=… encr=aes-cbc-256 integ=hmac-sha2-256-128 sk_ei=… sk_er=… sk_ai=… sk_ar=…
//	ikev1 cookie_i=… [cookie_r=…] [encr=3des] [hash=md5] key=…
func (p *parser) native(lines []line) []Key {
	var keys []Key
next:
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue next
		}
		fields := strings.Fields(t)
		k := Key{Source: p.source(l.n)}
		switch fields[0] {
		case "ikev2":
			k.Version = 2
		case "ikev1":
			k.Version = 1
		default:
			p.skip(l.n, "line must start with ikev1 or ikev2, got "+strconv.Quote(fields[0]))
			continue next
		}
		var encrName string
		seen := map[string]bool{}
		for _, f := range fields[1:] {
			name, val, ok := strings.Cut(f, "=")
			if !ok {
				p.skip(l.n, "field "+strconv.Quote(f)+" is not name=value")
				continue next
			}
			if seen[name] {
				p.skip(l.n, "field "+name+" given twice")
				continue next
			}
			seen[name] = true
			if err := p.nativeField(&k, name, val, &encrName); err != nil {
				p.skip(l.n, err.Error())
				continue next
			}
		}
		if encrName != "" {
			a, bits, ok := looseEncr(encrName, k.EncrI.Len())
			if !ok {
				p.skip(l.n, "unknown encryption algorithm "+strconv.Quote(encrName))
				continue next
			}
			k.Suite.Encr, k.Suite.KeyBits = a, bits
		}
		if !k.SPIKnown() && !seen[map[uint8]string{1: "cookie_i", 2: "spi_i"}[k.Version]] {
			p.skip(l.n, "missing "+map[uint8]string{1: "cookie_i", 2: "spi_i"}[k.Version]+" (write =* for a key of unknown SA)")
			continue next
		}
		if k.EncrI.IsZero() && k.EncrR.IsZero() && !(k.Suite.Encr == EncrNULL) {
			p.skip(l.n, "no key material")
			continue next
		}
		if err := k.checkLengths(); err != nil {
			p.skip(l.n, err.Error())
			continue next
		}
		keys = append(keys, k)
	}
	return keys
}

func (p *parser) nativeField(k *Key, name, val string, encrName *string) error {
	secret := func(dst *Secret) error {
		b, ok := parseHex(val)
		if !ok {
			return errString(name + ": not hex")
		}
		*dst = NewSecret(b)
		return nil
	}
	spi := func(dst *[8]byte) error {
		if val == "*" { // any: a key whose SA the source did not name
			*dst = [8]byte{}
			return nil
		}
		s, ok := parseSPI(val)
		if !ok {
			return errString(name + ": want 16 hex digits")
		}
		*dst = s
		return nil
	}
	v2 := k.Version == 2
	switch {
	case name == "spi_i" && v2, name == "cookie_i" && !v2:
		return spi((*[8]byte)(&k.SPIi))
	case name == "spi_r" && v2, name == "cookie_r" && !v2:
		return spi((*[8]byte)(&k.SPIr))
	case name == "encr":
		*encrName = val
	case name == "integ" && v2:
		a, ok := looseInteg(val)
		if !ok {
			return errString("unknown integrity algorithm " + strconv.Quote(val))
		}
		k.Suite.Integ = a
	case name == "hash" && !v2:
		h, ok := looseHash(val)
		if !ok {
			return errString("unknown hash algorithm " + strconv.Quote(val))
		}
		k.Suite.Hash = h
	case name == "sk_ei" && v2, name == "key" && !v2:
		return secret(&k.EncrI)
	case name == "sk_er" && v2:
		return secret(&k.EncrR)
	case name == "sk_ai" && v2:
		return secret(&k.IntegI)
	case name == "sk_ar" && v2:
		return secret(&k.IntegR)
	default:
		return errString("unknown field " + strconv.Quote(name) + " for " + map[bool]string{true: "ikev2", false: "ikev1"}[v2])
	}
	return nil
}

// formatNative writes k as one native line with secrets in full.
func formatNative(k *Key) string {
	var b strings.Builder
	if k.Version == 1 {
		b.WriteString("ikev1 cookie_i=" + nativeSPI(k.SPIi))
		if !k.SPIr.IsZero() {
			b.WriteString(" cookie_r=" + k.SPIr.String())
		}
		if k.Suite.Encr != EncrUnknown {
			b.WriteString(" encr=" + nativeEncrName(k.Suite.Encr, k.Suite.KeyBits))
		}
		if k.Suite.Hash != HashUnknown {
			b.WriteString(" hash=" + strings.ToLower(k.Suite.Hash.String()))
		}
		b.WriteString(" key=" + k.EncrI.RevealHex())
		return b.String()
	}
	b.WriteString("ikev2 spi_i=" + nativeSPI(k.SPIi) + " spi_r=" + nativeSPI(k.SPIr))
	if k.Suite.Encr != EncrUnknown {
		b.WriteString(" encr=" + nativeEncrName(k.Suite.Encr, k.Suite.KeyBits))
		if !k.Suite.Encr.IsAEAD() && k.Suite.Integ != IntegNone {
			b.WriteString(" integ=" + nativeIntegName(k.Suite.Integ))
		}
	}
	for _, e := range []struct {
		n string
		s Secret
	}{{"sk_ei", k.EncrI}, {"sk_er", k.EncrR}, {"sk_ai", k.IntegI}, {"sk_ar", k.IntegR}} {
		if !e.s.IsZero() {
			b.WriteString(" " + e.n + "=" + e.s.RevealHex())
		}
	}
	return b.String()
}

// nativeSPI writes an SPI, or "*" for a zero (unknown) one.
func nativeSPI(s dissect.SPI) string {
	if s.IsZero() {
		return "*"
	}
	return s.String()
}
