package decrypt

import (
	"strconv"
	"strings"
)

// wiresharkV2 parses an ikev2_decryption_table UAT:
// SPIi,SPIr,SK_ei,SK_er,"encr name",SK_ai,SK_ar,"integ name".
func (p *parser) wiresharkV2(lines []line) ([]Key, error) {
	var keys []Key
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := splitCSV(t)
		if len(f) != 8 {
			return nil, p.errf(l.n, "ikev2_decryption_table: want 8 comma-separated fields, got "+strconv.Itoa(len(f)))
		}
		k := Key{Version: 2, Source: p.source(l.n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			return nil, p.errf(l.n, "initiator SPI: want 16 hex digits, got "+strconv.Quote(f[0]))
		}
		if k.SPIr, ok = parseSPI(f[1]); !ok {
			return nil, p.errf(l.n, "responder SPI: want 16 hex digits, got "+strconv.Quote(f[1]))
		}
		if k.SPIi.IsZero() {
			return nil, p.errf(l.n, "initiator SPI is zero")
		}
		for i, dst := range []*Secret{&k.EncrI, &k.EncrR, nil, &k.IntegI, &k.IntegR} {
			if dst == nil {
				continue
			}
			b, ok := parseHex(f[2+i])
			if !ok {
				return nil, p.errf(l.n, []string{"SK_ei", "SK_er", "", "SK_ai", "SK_ar"}[i]+": not hex")
			}
			*dst = NewSecret(b)
		}
		enc, bits, ok := wiresharkEncrByName(f[4])
		if !ok {
			return nil, p.errf(l.n, "unknown encryption algorithm "+strconv.Quote(f[4])+" (Wireshark names such as \"AES-CBC-256 [RFC3602]\")")
		}
		integ, ok := wiresharkIntegByName(f[7])
		if !ok {
			return nil, p.errf(l.n, "unknown integrity algorithm "+strconv.Quote(f[7])+" (Wireshark names such as \"HMAC_SHA2_256_128 [RFC4868]\")")
		}
		k.Suite = Suite{Encr: enc, KeyBits: bits, Integ: integ}
		if err := k.checkLengths(); err != nil {
			return nil, p.errf(l.n, err.Error())
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// wiresharkV1 parses an ikev1_decryption_table UAT: initiator cookie,
// encryption key.
func (p *parser) wiresharkV1(lines []line) ([]Key, error) {
	var keys []Key
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := splitCSV(t)
		if len(f) != 2 {
			return nil, p.errf(l.n, "ikev1_decryption_table: want 2 comma-separated fields, got "+strconv.Itoa(len(f)))
		}
		k := Key{Version: 1, Source: p.source(l.n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			return nil, p.errf(l.n, "initiator cookie: want 16 hex digits, got "+strconv.Quote(f[0]))
		}
		b, ok := parseHex(f[1])
		if !ok || len(b) == 0 {
			return nil, p.errf(l.n, "encryption key: not hex")
		}
		if len(b) > 64 {
			return nil, p.errf(l.n, "encryption key: "+strconv.Itoa(len(b))+" octets is too long")
		}
		k.EncrI = NewSecret(b)
		if k.SPIi.IsZero() {
			return nil, p.errf(l.n, "initiator cookie is zero")
		}
		if err := k.checkLengths(); err != nil {
			return nil, p.errf(l.n, err.Error())
		}
		keys = append(keys, k)
	}
	return keys, nil
}
