package decrypt

import (
	"strconv"
	"strings"
)

// fortigate parses FortiGate "diagnose vpn ike gateway list" / "get vpn ike
// gateway" output. Each IKE SA is a block:
//
//	version: 2
//	id/spi: 1169 e870277e2268318c/acb0001b24748673
//	proposal: aes256-sha512
//	SK_ei: 3a83d24fab8f492e-ad914b1c46678cf5-…
//	SK_er: …
//	SK_ai: …
//	SK_ar: …
//
// The secrets are dash-separated hex. A block ends at the next id/spi line.
func (p *parser) fortigate(lines []line) []Key {
	var keys []Key
	var cur *Key
	var curLine int
	version := uint8(2)
	var proposal string
	var propLine int
	bad := false // the current block's id/spi or a secret was bad: its lines are skipped quietly
	// finish closes the current block; a bad block is a warning and
	// the next block still loads.
	finish := func() {
		if cur == nil {
			return
		}
		k := cur
		cur = nil
		if k.EncrI.IsZero() && k.EncrR.IsZero() {
			return // a gateway without keys printed (e.g. not established)
		}
		if proposal != "" {
			s, ok := fortiProposal(proposal, k.EncrI.Len())
			if !ok {
				p.warn(propLine, "unknown proposal "+strconv.Quote(proposal)+": the keys of id/spi line "+strconv.Itoa(curLine)+" are skipped")
				return
			}
			k.Suite = s
		}
		if k.Version == 1 {
			// IKEv1 gateways print the phase-1 key as SK_e… only when the
			// firmware has it; use SK_ei as the encryption key.
			k.EncrR, k.IntegI, k.IntegR = Secret{}, Secret{}, Secret{}
			k.Suite.Integ = IntegNone
		}
		if err := k.checkLengths(); err != nil {
			p.warn(curLine, err.Error())
			return
		}
		keys = append(keys, *k)
	}
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		name, val, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch name {
		case "version":
			finish()
			v, err := strconv.Atoi(val)
			if err != nil || (v != 1 && v != 2) {
				p.warn(l.n, "version: want 1 or 2, got "+strconv.Quote(val))
				v = 2
			}
			version = uint8(v)
			proposal = ""
		case "id/spi":
			finish()
			bad = true
			f := strings.Fields(val)
			if len(f) == 0 {
				p.warn(l.n, "id/spi: missing SPIs")
				continue
			}
			a, b, ok := strings.Cut(f[len(f)-1], "/")
			spii, ok1 := parseSPI(a)
			spir, ok2 := parseSPI(b)
			if !ok || !ok1 || !ok2 {
				p.warn(l.n, "id/spi: want '<id> <16 hex>/<16 hex>', got "+strconv.Quote(val))
				continue
			}
			if spii == ([8]byte{}) {
				p.warn(l.n, "id/spi: initiator SPI is zero")
				continue
			}
			bad = false
			cur = &Key{Version: version, SPIi: spii, SPIr: spir, Source: p.source(l.n)}
			curLine = l.n
		case "proposal":
			proposal, propLine = val, l.n
		case "SK_ei", "SK_er", "SK_ai", "SK_ar":
			if cur == nil {
				if !bad {
					p.warn(l.n, name+" before any id/spi line")
				}
				continue
			}
			b, ok := parseHex(val)
			if !ok {
				p.warn(l.n, name+": not hex: the keys of id/spi line "+strconv.Itoa(curLine)+" are skipped")
				cur, bad = nil, true
				continue
			}
			*map[string]*Secret{"SK_ei": &cur.EncrI, "SK_er": &cur.EncrR, "SK_ai": &cur.IntegI, "SK_ar": &cur.IntegR}[name] = NewSecret(b)
		}
	}
	finish()
	return keys
}

// fortiProposal parses FortiGate proposal names: "aes256-sha512",
// "aes-256-sha512", "aes128gcm-prfsha256", "chacha20poly1305-prfsha256",
// "3des-md5".
func fortiProposal(s string, keyLen int) (Suite, bool) {
	q := squash(s)
	for _, suf := range []string{"prfsha512", "prfsha384", "prfsha256", "prfsha1", "sha512", "sha384", "sha256", "sha1", "md5"} {
		if !strings.HasSuffix(q, suf) {
			continue
		}
		enc, bits, ok := looseEncr(strings.TrimSuffix(q, suf), keyLen)
		if !ok {
			return Suite{}, false
		}
		st := Suite{Encr: enc, KeyBits: bits}
		if !strings.HasPrefix(suf, "prf") && !enc.IsAEAD() {
			st.Integ, _ = looseInteg(suf)
		}
		return st, true
	}
	return Suite{}, false
}
