package decrypt

import (
	"strconv"
	"strings"
)

// wiresharkV2 parses an ikev2_decryption_table UAT:
// SPIi,SPIr,SK_ei,SK_er,"encr name",SK_ai,SK_ar,"integ name".
func (p *parser) wiresharkV2(lines []line) []Key {
	var keys []Key
next:
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue next
		}
		f := splitCSV(t)
		if len(f) != 8 {
			p.skip(l.n, "ikev2_decryption_table: want 8 comma-separated fields, got "+strconv.Itoa(len(f)))
			continue next
		}
		k := Key{Version: 2, Source: p.source(l.n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			p.skip(l.n, "initiator SPI: want 16 hex digits, got "+strconv.Quote(f[0]))
			continue next
		}
		if k.SPIr, ok = parseSPI(f[1]); !ok {
			p.skip(l.n, "responder SPI: want 16 hex digits, got "+strconv.Quote(f[1]))
			continue next
		}
		if k.SPIi.IsZero() {
			p.skip(l.n, "initiator SPI is zero")
			continue next
		}
		for i, dst := range []*Secret{&k.EncrI, &k.EncrR, nil, &k.IntegI, &k.IntegR} {
			if dst == nil {
				continue
			}
			b, ok := parseHex(f[2+i])
			if !ok {
				p.skip(l.n, []string{"SK_ei", "SK_er", "", "SK_ai", "SK_ar"}[i]+": not hex")
				continue next
			}
			*dst = NewSecret(b)
		}
		enc, bits, ok := wiresharkEncrByName(f[4])
		if !ok {
			p.skip(l.n, "unknown encryption algorithm "+strconv.Quote(f[4])+" (Wireshark names such as \"AES-CBC-256 [RFC3602]\")")
			continue next
		}
		integ, ok := wiresharkIntegByName(f[7])
		if !ok {
			p.skip(l.n, "unknown integrity algorithm "+strconv.Quote(f[7])+" (Wireshark names such as \"HMAC_SHA2_256_128 [RFC4868]\")")
			continue next
		}
		k.Suite = Suite{Encr: enc, KeyBits: bits, Integ: integ}
		if err := k.checkLengths(); err != nil {
			p.skip(l.n, err.Error())
			continue next
		}
		keys = append(keys, k)
	}
	return keys
}

// wiresharkV1 parses an ikev1_decryption_table UAT: initiator cookie,
// encryption key.
func (p *parser) wiresharkV1(lines []line) []Key {
	var keys []Key
next:
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue next
		}
		f := splitCSV(t)
		if len(f) != 2 {
			p.skip(l.n, "ikev1_decryption_table: want 2 comma-separated fields, got "+strconv.Itoa(len(f)))
			continue next
		}
		k := Key{Version: 1, Source: p.source(l.n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			p.skip(l.n, "initiator cookie: want 16 hex digits, got "+strconv.Quote(f[0]))
			continue next
		}
		b, ok := parseHex(f[1])
		if !ok || len(b) == 0 {
			p.skip(l.n, "encryption key: not hex")
			continue next
		}
		if len(b) > 64 {
			p.skip(l.n, "encryption key: "+strconv.Itoa(len(b))+" octets is too long")
			continue next
		}
		k.EncrI = NewSecret(b)
		if k.SPIi.IsZero() {
			p.skip(l.n, "initiator cookie is zero")
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
