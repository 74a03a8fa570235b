package decrypt

import (
	"strconv"
	"strings"
)

// wiresharkV2 parses an ikev2_decryption_table UAT:
// SPIi,SPIr,SK_ei,SK_er,"encr name",SK_ai,SK_ar,"integ name".
func (p *parser) wiresharkV2(lines []line) []Key {
	return p.uatRows(lines, "ikev2_decryption_table", 8, func(n int, f []string) (Key, string) {
		k := Key{Version: 2, Source: p.source(n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			return k, "initiator SPI: want 16 hex digits, got " + strconv.Quote(f[0])
		}
		if k.SPIr, ok = parseSPI(f[1]); !ok {
			return k, "responder SPI: want 16 hex digits, got " + strconv.Quote(f[1])
		}
		if k.SPIi.IsZero() {
			return k, "initiator SPI is zero"
		}
		for i, dst := range []*Secret{&k.EncrI, &k.EncrR, nil, &k.IntegI, &k.IntegR} {
			if dst == nil {
				continue
			}
			b, ok := parseHex(f[2+i])
			if !ok {
				return k, []string{"SK_ei", "SK_er", "", "SK_ai", "SK_ar"}[i] + ": not hex"
			}
			*dst = NewSecret(b)
		}
		enc, bits, ok := wiresharkEncrByName(f[4])
		if !ok {
			return k, "unknown encryption algorithm " + strconv.Quote(f[4]) + " (Wireshark names such as \"AES-CBC-256 [RFC3602]\")"
		}
		integ, ok := wiresharkIntegByName(f[7])
		if !ok {
			return k, "unknown integrity algorithm " + strconv.Quote(f[7]) + " (Wireshark names such as \"HMAC_SHA2_256_128 [RFC4868]\")"
		}
		k.Suite = Suite{Encr: enc, KeyBits: bits, Integ: integ}
		return k, ""
	})
}

// wiresharkV1 parses an ikev1_decryption_table UAT: initiator cookie,
// encryption key.
func (p *parser) wiresharkV1(lines []line) []Key {
	return p.uatRows(lines, "ikev1_decryption_table", 2, func(n int, f []string) (Key, string) {
		k := Key{Version: 1, Source: p.source(n)}
		var ok bool
		if k.SPIi, ok = parseSPI(f[0]); !ok {
			return k, "initiator cookie: want 16 hex digits, got " + strconv.Quote(f[0])
		}
		b, ok := parseHex(f[1])
		if !ok || len(b) == 0 {
			return k, "encryption key: not hex"
		}
		if len(b) > 64 {
			return k, "encryption key: " + strconv.Itoa(len(b)) + " octets is too long"
		}
		k.EncrI = NewSecret(b)
		if k.SPIi.IsZero() {
			return k, "initiator cookie is zero"
		}
		return k, ""
	})
}

// uatRows reads the rows of a Wireshark UAT table named table: blank and
// '#' lines are passed over, a row without exactly want comma-separated
// fields is skipped with a note, and every other row goes to row, which
// returns the key or why the line is skipped. Keys whose lengths do not
// fit their suite are skipped too.
func (p *parser) uatRows(lines []line, table string, want int, row func(n int, f []string) (Key, string)) []Key {
	var keys []Key
	for _, l := range lines {
		t := strings.TrimSpace(l.text)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		f := splitCSV(t)
		if len(f) != want {
			p.skip(l.n, table+": want "+strconv.Itoa(want)+" comma-separated fields, got "+strconv.Itoa(len(f)))
			continue
		}
		k, why := row(l.n, f)
		if why == "" {
			if err := k.checkLengths(); err != nil {
				why = err.Error()
			}
		}
		if why != "" {
			p.skip(l.n, why)
			continue
		}
		keys = append(keys, k)
	}
	return keys
}
