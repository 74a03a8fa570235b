package decrypt

import (
	"strconv"
	"strings"
)

// libreswan parses the IKEv2 secrets lines libreswan prints with
// plutodebug=private, which are also tcpdump's -E / espsecret syntax:
//
//	ikev2 I 0x<SPIi> 0x<SPIr> <integ>:0x<SK_ai> <encr>:0x<SK_ei>
//	ikev2 R 0x<SPIi> 0x<SPIr> <integ>:0x<SK_ar> <encr>:0x<SK_er>
//
// I lines carry the original initiator's keys, R lines the responder's; the
// two lines of one SA are merged. Other lines (ESP secrets, log text) are
// ignored.
func (p *parser) libreswan(lines []line) ([]Key, error) {
	var keys []Key
	index := map[[16]byte]int{}
	for _, l := range lines {
		if !reLibreswan.MatchString(l.text) {
			continue
		}
		f := strings.Fields(l.text)
		if len(f) < 6 {
			return nil, p.errf(l.n, "ikev2 secrets line: want 'ikev2 I|R 0xSPIi 0xSPIr integ:0xKEY encr:0xKEY'")
		}
		spii, ok1 := parseSPI(f[2])
		spir, ok2 := parseSPI(f[3])
		if !ok1 || !ok2 {
			return nil, p.errf(l.n, "SPIs must be 0x followed by 16 hex digits")
		}
		if spii == ([8]byte{}) {
			return nil, p.errf(l.n, "initiator SPI is zero")
		}
		iname, ikey, ok := strings.Cut(f[4], ":")
		if !ok {
			return nil, p.errf(l.n, "integrity field "+strconv.Quote(f[4])+" is not alg:0xKEY")
		}
		ename, ekey, ok := strings.Cut(f[5], ":")
		if !ok {
			return nil, p.errf(l.n, "encryption field "+strconv.Quote(f[5])+" is not alg:0xKEY")
		}
		ib, ok := parseHex(ikey)
		if !ok && ikey != "" {
			return nil, p.errf(l.n, "integrity key: not hex")
		}
		eb, ok := parseHex(ekey)
		if !ok {
			return nil, p.errf(l.n, "encryption key: not hex")
		}
		integ, ok := looseInteg(iname)
		if !ok {
			return nil, p.errf(l.n, "unknown integrity algorithm "+strconv.Quote(iname))
		}
		enc, bits, ok := looseEncr(ename, len(eb))
		if !ok {
			return nil, p.errf(l.n, "unknown encryption algorithm "+strconv.Quote(ename))
		}
		var id [16]byte
		copy(id[:8], spii[:])
		copy(id[8:], spir[:])
		i, seen := index[id]
		if !seen {
			i = len(keys)
			index[id] = i
			keys = append(keys, Key{Version: 2, SPIi: spii, SPIr: spir, Source: p.source(l.n)})
		}
		k := &keys[i]
		s := Suite{Encr: enc, KeyBits: bits, Integ: integ}
		if seen && k.Suite != s {
			return nil, p.errf(l.n, "algorithms differ from the other direction's line ("+k.Suite.String()+" vs "+s.String()+")")
		}
		k.Suite = s
		if f[1] == "I" {
			k.EncrI, k.IntegI = NewSecret(eb), NewSecret(ib)
		} else {
			k.EncrR, k.IntegR = NewSecret(eb), NewSecret(ib)
		}
	}
	for i := range keys {
		if err := keys[i].checkLengths(); err != nil {
			n, _ := strconv.Atoi(keys[i].Source[strings.LastIndexByte(keys[i].Source, ':')+1:])
			return nil, p.errf(n, err.Error())
		}
	}
	return keys, nil
}
