package decrypt

import (
	"strconv"
	"strings"
)

// OpenIKED's iked, run with -dvvv, prints the key material of every IKE
// SA it derives (ikev2_sa_keys() in sbin/iked/ikev2.c) as a header line and
// the octets in hex, four per group, 32 per line (print_hex):
//
//	spi=0x434c73bf74c32d0c: ikev2_sa_keys: S with 80 bytes
//	6c1f… (Ni | Nr | SPIi | SPIr)
//	ikev2_sa_keys: SK_d with 32 bytes
//	…
//	ikev2_sa_keys: SK_ei with 16 bytes
//	2c05f4e1 d34b6388 48ecb212 079108a6
//
// The SPIs are the last 16 octets of S (RFC 7296 §2.14: prf+(SKEYSEED,
// Ni | Nr | SPIi | SPIr)); the algorithms come from the negotiation lines
// printed just before ("proposals_negotiate: score 1: ENCR AES_CBC 128",
// "… INTEGR HMAC_SHA2_256_128"), else from the capture. Lines may carry a
// prefix (a time stamp added by whatever recorded the output).
var (
	reIkedHead  = lazyRegexp(`ikev2_sa_keys: (S|SK_(?:d|ai|ar|ei|er|pi|pr)) with (\d+) bytes$`)
	reIkedHex   = lazyRegexp(`(?:^|\s)((?:[0-9a-f]{8} ){0,7}[0-9a-f]{2,8})$`)
	reIkedNeg   = lazyRegexp(`proposals_negotiate: score \d+: (ENCR|INTEGR) (\S+)(?: (\d+))?$`)
	reIkedSniff = lazyRegexp(`\b(?:ikev2_sa_keys|ikev2_pld_[a-z]+|ikev2_msg_[a-z_]+|proposals_negotiate|sa_stateok): `)
)

// ikedSA is the key material of one derivation.
type ikedSA struct {
	line    int // line of the S dump (or of the first SK_ dump)
	spis    []byte
	suite   Suite
	secrets map[string][]byte
	damaged bool
}

func (p *parser) openiked(lines []line) []Key {
	var keys []Key
	var cur *ikedSA
	var encr, integ string // from the last negotiation lines
	var encrBits string
	flush := func() {
		if cur == nil {
			return
		}
		sa := cur
		cur = nil
		if sa.damaged {
			return // warned where the dump broke
		}
		if sa.secrets["SK_ei"] == nil && sa.secrets["SK_er"] == nil {
			return // S without keys (e.g. a derivation that failed)
		}
		k := Key{Version: 2, Source: p.source(sa.line), Suite: sa.suite}
		if len(sa.spis) == 16 {
			copy(k.SPIi[:], sa.spis[:8])
			copy(k.SPIr[:], sa.spis[8:])
		} else {
			p.warn(sa.line, "no S dump before these keys: their SPIs are unknown, they are tried on SAs no other key matches")
		}
		k.EncrI, k.EncrR = NewSecret(sa.secrets["SK_ei"]), NewSecret(sa.secrets["SK_er"])
		k.IntegI, k.IntegR = NewSecret(sa.secrets["SK_ai"]), NewSecret(sa.secrets["SK_ar"])
		if err := k.checkLengths(); err != nil {
			k.Suite = Suite{} // the negotiation lines may be another SA's
			if err := k.checkLengths(); err != nil {
				p.warn(sa.line, err.Error()+": key skipped")
				return
			}
		}
		keys = append(keys, k)
	}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if m := reIkedNeg().FindStringSubmatch(l.text); m != nil {
			if m[1] == "ENCR" {
				encr, encrBits = m[2], m[3]
			} else {
				integ = m[2]
			}
			continue
		}
		m := reIkedHead().FindStringSubmatch(l.text)
		if m == nil {
			continue
		}
		name := m[1]
		want, err := strconv.Atoi(m[2])
		if err != nil || want == 0 || want > 4096 {
			p.warn(l.n, name+": bad length "+strconv.Quote(m[2]))
			continue
		}
		data := make([]byte, 0, want)
		for len(data) < want && i+1 < len(lines) {
			h := reIkedHex().FindStringSubmatch(lines[i+1].text)
			if h == nil {
				break
			}
			b, ok := parseHex(strings.ReplaceAll(h[1], " ", ""))
			if !ok || len(data)+len(b) > want {
				break
			}
			data = append(data, b...)
			i++
		}
		if name == "S" || cur == nil || cur.secrets[name] != nil {
			flush()
			cur = &ikedSA{line: l.n, secrets: map[string][]byte{}, suite: ikedSuite(encr, encrBits, integ)}
		}
		if len(data) != want {
			p.warn(l.n, name+" dump: "+strconv.Itoa(len(data))+" of "+strconv.Itoa(want)+" octets readable: the keys of this SA are skipped")
			cur.damaged = true
			continue
		}
		if name == "S" {
			if want < 16 {
				p.warn(l.n, "S of "+m[2]+" octets cannot end with the two SPIs")
				cur.damaged = true
				continue
			}
			cur.spis = data[want-16:]
			continue
		}
		cur.secrets[name] = data
	}
	flush()
	return keys
}

// ikedSuite maps iked's negotiation names ("AES_CBC" 128,
// "HMAC_SHA2_256_128") to a suite; unknown names stay zero.
func ikedSuite(encr, bits, integ string) Suite {
	var s Suite
	if encr != "" {
		name := encr
		if bits != "" {
			name += "_" + bits
		}
		if a, b, ok := looseEncr(name, 0); ok {
			s.Encr, s.KeyBits = a, b
		}
	}
	if a, ok := looseInteg(integ); ok && a != IntegNone && !s.Encr.IsAEAD() {
		s.Integ = a
	}
	return s
}
