package decrypt

import (
	"strconv"
	"strings"
)

// libreswan parses the IKE SA secrets libreswan's (and Openswan's) pluto
// prints with plutodebug=all,private (ikev2_log_parentSA() in
// programs/pluto/ikev2*.c), in tcpdump's -E / espsecret syntax, after
// whatever prefix the log adds ("Nov 30 01:31:06.123456: | ", syslog's
// "host pluto[42]: | ", or none):
//
//	ikev2 I 0x<SPIi> 0x<SPIr> <integ>:0x<SK_ai> <encr><bits>:0x<SK_ei>
//	ikev2 R 0x<SPIi> 0x<SPIr> <integ>:0x<SK_ar> <encr><bits>:0x<SK_er>
//
// The I line carries the keys protecting what the original initiator
// sends (SK_ai, SK_ei), the R line the responder's (SK_ar, SK_er); both name
// the SA by initiator SPI then responder SPI. The two lines of one SA are
// merged. Other lines are log text and ignored.
//
// What pluto prints, from its source:
//   - the names are each algorithm's integ_tcpdump_name /
//     encrypt_tcpdump_name (lib/libswan/ike_alg_*.c, see plutoEncr and
//     plutoInteg) with the key length in bits appended to the cipher when
//     the SA has one: "aes256", "3des192", "aes_gcm_16256";
//   - SK_ei/SK_er are the cipher keys without the salt or nonce that GCM,
//     CCM, CTR and ChaCha20-Poly1305 derive after them (calc_v2_keymat()
//     keeps st_skey_initiator_salt / st_skey_responder_salt apart), so
//     those keys cannot decrypt: warned per line;
//   - each key is formatted into a buffer of 3 + 2*BYTES_FOR_BITS(256)
//     characters, so keys longer than 32 octets (SK_a of sha384 and
//     sha512) are cut at 32 octets: warned per line.
func (p *parser) libreswan(lines []line) []Key {
	var keys []Key
	index := map[[16]byte]int{}
	dropped := map[[16]byte]bool{} // SAs with a bad line: the other line is dropped too
	for _, l := range lines {
		m := reLibreswanCand().FindStringIndex(l.text)
		if m == nil {
			continue
		}
		f := strings.Fields(l.text[m[0]:])
		if len(f) != 6 {
			p.skip(l.n, "ikev2 secrets line: want 'ikev2 I|R 0xSPIi 0xSPIr integ:0xKEY encr:0xKEY', got "+strconv.Itoa(len(f))+" fields")
			continue
		}
		spii, ok1 := parseSPI(f[2])
		spir, ok2 := parseSPI(f[3])
		if !ok1 || !ok2 || !strings.HasPrefix(f[2], "0x") || !strings.HasPrefix(f[3], "0x") {
			p.skip(l.n, "SPIs must be 0x followed by 16 hex digits")
			continue
		}
		var id [16]byte
		copy(id[:8], spii[:])
		copy(id[8:], spir[:])
		if spii == ([8]byte{}) {
			p.skip(l.n, "initiator SPI is zero")
			continue
		}
		s, ib, eb, reason := plutoSecrets(f[4], f[5])
		if reason != "" {
			p.skip(l.n, reason)
			continue
		}
		i, seen := index[id]
		if !seen {
			i = len(keys)
			index[id] = i
			keys = append(keys, Key{Version: 2, SPIi: spii, SPIr: spir, Suite: s, Source: p.source(l.n)})
		}
		k := &keys[i]
		if k.Suite != s {
			p.warn(l.n, "algorithms differ from line "+k.Source[strings.LastIndexByte(k.Source, ':')+1:]+" of the same SA ("+k.Suite.String()+" vs "+s.String()+"): SA skipped")
			dropped[id] = true
			continue
		}
		ek, ik := &k.EncrI, &k.IntegI
		if f[1] == "R" {
			ek, ik = &k.EncrR, &k.IntegR
		}
		if !ek.IsZero() && (string(ek.b) != string(eb) || string(ik.b) != string(ib)) {
			p.warn(l.n, "second "+f[1]+" line of the same SA with other keys: SA skipped")
			dropped[id] = true
			continue
		}
		*ek, *ik = NewSecret(eb), NewSecret(ib)
	}
	out := keys[:0]
	for _, k := range keys {
		id := [16]byte{}
		copy(id[:8], k.SPIi[:])
		copy(id[8:], k.SPIr[:])
		if dropped[id] {
			continue
		}
		n, _ := strconv.Atoi(k.Source[strings.LastIndexByte(k.Source, ':')+1:])
		if err := k.checkLengths(); err != nil {
			p.warn(n, "IKE SA "+k.spiString()+": "+err.Error()+": SA skipped")
			continue
		}
		switch {
		case k.EncrR.IsZero():
			p.warn(n, "IKE SA "+k.spiString()+": only the I line; the responder's messages stay encrypted")
		case k.EncrI.IsZero():
			p.warn(n, "IKE SA "+k.spiString()+": only the R line; the initiator's messages stay encrypted")
		}
		out = append(out, k)
	}
	return out
}

// reLibreswanCand finds a secrets line after any prefix.
var reLibreswanCand = lazyRegexp(`(?:^|[\s|:])(ikev2 [IR] )`)

// plutoName is one name pluto prints for an algorithm.
type plutoName struct {
	name string
	encr EncrAlg
	salt string // what pluto leaves out of SK_e, for the warning
}

// plutoEncr lists encrypt_tcpdump_name of every cipher in libreswan's
// lib/libswan/ike_alg_aes.c, ike_alg_3des.c, ike_alg_none.c (null),
// ike_alg_chacha20_poly1305.c and ike_alg_camellia.c. Note that "aes_gcm"
// is AES_GCM_8 (ike_alg_aes.c: "aes_gcm_16 has the name aes_gcm but when
// logging tcp or audit, that is assigned to AES_GCM_8"). Longest first, as
// the key length follows the name without a separator.
var plutoEncr = []plutoName{
	{"chacha20_poly1305", EncrChaCha20Poly1305, "ChaCha20-Poly1305 key without its 4-octet salt"},
	{"aes_gcm_12", EncrAESGCM12, "AES-GCM key without its 4-octet salt"},
	{"aes_gcm_16", EncrAESGCM16, "AES-GCM key without its 4-octet salt"},
	{"aes_ccm_12", EncrAESCCM12, "AES-CCM key without its 3-octet salt"},
	{"aes_ccm_16", EncrAESCCM16, "AES-CCM key without its 3-octet salt"},
	{"aes_ccm_8", EncrAESCCM8, "AES-CCM key without its 3-octet salt"},
	{"aes_gcm", EncrAESGCM8, "AES-GCM key without its 4-octet salt"},
	{"aes_ctr", EncrAESCTR, "AES-CTR key without its 4-octet nonce"},
	{"3des", Encr3DES, ""},
	{"null", EncrNULL, ""},
	{"aes", EncrAESCBC, ""},
}

// plutoInteg lists integ_tcpdump_name of every integrity algorithm in
// lib/libswan/ike_alg_md5.c, ike_alg_sha1.c, ike_alg_sha2.c,
// ike_alg_aes.c (aes_xcbc, aes_cmac) and ike_alg_none.c; "ripemd" and the
// rest are recognised by looseInteg or reported unknown.
var plutoInteg = map[string]IntegAlg{
	"none": IntegNone, "md5": IntegHMACMD596, "sha1": IntegHMACSHA196,
	"sha256": IntegHMACSHA256128, "sha384": IntegHMACSHA384192, "sha512": IntegHMACSHA512256,
	"aes_xcbc": IntegAESXCBC96, "aes_cmac": IntegAESCMAC96,
}

// plutoBuffer is the most key octets pluto prints (its 256-bit buffer).
const plutoBuffer = 32

// plutoSecrets parses the "integ:0xKEY" and "encr:0xKEY" fields of a
// secrets line. reason is set when the line cannot give a usable key.
func plutoSecrets(integField, encrField string) (s Suite, ik, ek []byte, reason string) {
	iname, ihex, ok := strings.Cut(integField, ":")
	if !ok {
		return s, nil, nil, "integrity field " + strconv.Quote(integField) + " is not alg:0xKEY"
	}
	ename, ehex, ok := strings.Cut(encrField, ":")
	if !ok {
		return s, nil, nil, "encryption field " + strconv.Quote(encrField) + " is not alg:0xKEY"
	}
	integ, ok := plutoInteg[iname]
	if !ok {
		if integ, ok = looseInteg(iname); !ok {
			return s, nil, nil, "unknown integrity algorithm " + strconv.Quote(iname)
		}
	}
	if ihex != "" && ihex != "0x" {
		if ik, ok = parseHex(ihex); !ok {
			return s, nil, nil, "integrity key: not hex"
		}
	}
	if ek, ok = parseHex(ehex); !ok {
		return s, nil, nil, "encryption key: not hex"
	}
	var pn *plutoName
	bits := 0
	for i := range plutoEncr {
		rest, found := strings.CutPrefix(ename, plutoEncr[i].name)
		if !found {
			continue
		}
		if b, err := strconv.Atoi(rest); rest == "" || err == nil && (b == 128 || b == 192 || b == 256) {
			pn, bits = &plutoEncr[i], b
			break
		}
	}
	if pn == nil {
		a, b, ok := looseEncr(ename, 0)
		if !ok {
			return s, nil, nil, "unknown encryption algorithm " + strconv.Quote(ename)
		}
		pn, bits = &plutoName{name: ename, encr: a}, b
	}
	s = Suite{Encr: pn.encr, Integ: integ}
	if encrInfos[pn.encr].fixed == 0 {
		s.KeyBits = bits
	}
	if pn.encr.IsAEAD() {
		s.Integ = IntegNone
	}
	info := encrInfos[pn.encr]
	if pn.salt != "" && info.fixed == 0 && bits != 0 && len(ek) == bits/8 {
		return s, nil, nil, pn.salt + ": cannot decrypt"
	}
	if pn.salt != "" && info.fixed > 0 && len(ek) == info.fixed {
		return s, nil, nil, pn.salt + ": cannot decrypt"
	}
	if ii, ok := integInfos[integ]; ok && !pn.encr.IsAEAD() && ii.key > plutoBuffer && len(ik) == plutoBuffer {
		return s, nil, nil, "SK_a cut at " + strconv.Itoa(plutoBuffer) + " octets by pluto's print buffer (" + integ.String() + " needs " + strconv.Itoa(ii.key) + "): cannot verify"
	}
	return s, ik, ek, ""
}
