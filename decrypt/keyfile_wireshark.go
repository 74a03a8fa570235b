package decrypt

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/dissect"
)

// wiresharkV2 parses an ikev2_decryption_table UAT:
// SPIi,SPIr,SK_ei,SK_er,"encr name",SK_ai,SK_ar,"integ name".
func (p *parser) wiresharkV2(lines []line) []Key {
	return p.uatRows(lines, "ikev2_decryption_table", 2, 8, func(k *Key, f []string) string {
		if why := cmp.Or(uatSPI(&k.SPIi, f[0], "initiator SPI"), uatSPI(&k.SPIr, f[1], "responder SPI")); why != "" {
			return why
		}
		if k.SPIi.IsZero() {
			return "initiator SPI is zero"
		}
		for i, dst := range []*Secret{&k.EncrI, &k.EncrR, nil, &k.IntegI, &k.IntegR} {
			if dst == nil {
				continue
			}
			b, ok := parseHex(f[2+i])
			if !ok {
				return []string{"SK_ei", "SK_er", "", "SK_ai", "SK_ar"}[i] + ": not hex"
			}
			*dst = NewSecret(b)
		}
		enc, bits, ok := wiresharkEncrByName(f[4])
		if !ok {
			return "unknown encryption algorithm " + strconv.Quote(f[4]) + " (Wireshark names such as \"AES-CBC-256 [RFC3602]\")"
		}
		integ, ok := wiresharkIntegByName(f[7])
		if !ok {
			return "unknown integrity algorithm " + strconv.Quote(f[7]) + " (Wireshark names such as \"HMAC_SHA2_256_128 [RFC4868]\")"
		}
		k.Suite = Suite{Encr: enc, KeyBits: bits, Integ: integ}
		return ""
	})
}

// wiresharkV1 parses an ikev1_decryption_table UAT: initiator cookie,
// encryption key.
func (p *parser) wiresharkV1(lines []line) []Key {
	return p.uatRows(lines, "ikev1_decryption_table", 1, 2, func(k *Key, f []string) string {
		if why := uatSPI(&k.SPIi, f[0], "initiator cookie"); why != "" {
			return why
		}
		b, ok := parseHex(f[1])
		if !ok || len(b) == 0 {
			return "encryption key: not hex"
		}
		if len(b) > 64 {
			return "encryption key: " + strconv.Itoa(len(b)) + " octets is too long"
		}
		k.EncrI = NewSecret(b)
		if k.SPIi.IsZero() {
			return "initiator cookie is zero"
		}
		return ""
	})
}

// uatSPI parses f, the SPI or cookie named what, into dst, or says why it
// cannot.
func uatSPI(dst *dissect.SPI, f, what string) string {
	var ok bool
	if *dst, ok = parseSPI(f); !ok {
		return what + ": want 16 hex digits, got " + strconv.Quote(f)
	}
	return ""
}

// uatRows reads the rows of a Wireshark UAT table named table, keys of
// IKE version: blank and '#' lines are passed over, a row without exactly
// want comma-separated fields is skipped with a note, and every other row
// goes to row, which fills in the key (version and source set) or returns
// why the line is skipped. Keys whose lengths do not fit their suite are
// skipped too.
func (p *parser) uatRows(lines []line, table string, version uint8, want int, row func(k *Key, f []string) string) []Key {
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
		k := Key{Version: version, Source: p.source(l.n)}
		why := row(&k, f)
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
