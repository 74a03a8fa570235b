package decrypt

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// keyFileSeeds returns the testdata files under 64 KiB but the .hex
// message dumps: the real key files and logs.
func keyFileSeeds() [][]byte {
	var out [][]byte
	names, _ := filepath.Glob("testdata/*")
	for _, n := range names {
		if b, err := os.ReadFile(n); err == nil && len(b) < 64<<10 && filepath.Ext(n) != ".hex" {
			out = append(out, b)
		}
	}
	return out
}

// FuzzParseKeyFile feeds arbitrary text to the format detector and every
// parser. Invariants: no panic; either keys or a *KeyFileError whose line
// is within the input; every key has a version and consistent lengths.
func FuzzParseKeyFile(f *testing.F) {
	for _, b := range keyFileSeeds() {
		f.Add(b)
	}
	f.Add([]byte("ikev2 I 0x5a64e0edca3a3614 0x7c9ebe2a8e9ff7b8 sha256:0x00 aes256:0x00\n"))
	f.Add([]byte("ikev2 spi_i=89922c915f35570e spi_r=98d56d32e2a04742 encr=aes-gcm-16-128 sk_ei=00112233445566778899aabbccddeeff00112233 sk_er=00112233445566778899aabbccddeeff00112233\n"))
	f.Add([]byte("version: 2\nid/spi: 1 e870277e2268318c/acb0001b24748673\nproposal: aes128gcm-prfsha256\nSK_ei: 00112233-44556677-8899aabb-ccddeeff-00112233\nSK_er: 00112233-44556677-8899aabb-ccddeeff-00112233\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, _, err := ParseKeyFileFormat("fuzz", bytes.NewReader(data))
		if err != nil {
			ke, ok := err.(*KeyFileError)
			if !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if ke.Line < 0 || ke.Line > bytes.Count(data, []byte("\n"))+1 {
				t.Fatalf("line %d outside input", ke.Line)
			}
			return
		}
		for _, k := range keys {
			if k.Version != 1 && k.Version != 2 {
				t.Fatalf("version %d", k.Version)
			}
			_ = k.String()
			if _, err := k.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
			k2 := k
			if err := k2.checkLengths(); err != nil {
				t.Fatalf("parsed key fails its own checks: %v", err)
			}
		}
	})
}

// fuzzSuites are the suites FuzzDecryptSK opens messages with.
var fuzzSuites = []Suite{
	{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA256128},
	{Encr: EncrAESCTR, KeyBits: 128, Integ: IntegAESXCBC96},
	{Encr: Encr3DES, Integ: IntegAESCMAC96},
	{Encr: EncrNULL, Integ: IntegHMACMD596},
	{Encr: EncrAESGCM8, KeyBits: 128},
	{Encr: EncrAESGCM16, KeyBits: 256},
	{Encr: EncrAESCCM12, KeyBits: 192},
	{Encr: EncrChaCha20Poly1305, KeyBits: 256},
}

// fuzzKey returns a deterministic key for s.
func fuzzKey(s Suite) *Key {
	n := encrKeyLen(s)
	mk := func(l int, c byte) Secret { return NewSecret(bytes.Repeat([]byte{c}, l)) }
	k := &Key{Version: 2, Suite: s, EncrI: mk(n, 1), EncrR: mk(n, 2)}
	if !s.Encr.IsAEAD() {
		k.IntegI, k.IntegR = mk(s.Integ.KeyLen(), 3), mk(s.Integ.KeyLen(), 4)
	}
	return k
}

// FuzzDecryptSK opens arbitrary message bytes (decoded by dissect first, as
// flows does) with fixed keys under every suite. Invariants: no panic; on
// success the plaintext is shorter than the message and walks as a chain;
// failures wrap one of the sentinels.
func FuzzDecryptSK(f *testing.F) {
	for _, name := range []string{"ikev2-wiki.hex"} {
		for _, m := range loadHexMessages(f, name) {
			f.Add(uint8(0), m.raw)
		}
	}
	var ds []*V2
	for _, s := range fuzzSuites {
		d, err := NewV2(fuzzKey(s), s)
		if err != nil {
			f.Fatal(err)
		}
		ds = append(ds, d)
	}
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		d := ds[int(sel)%len(ds)]
		var m dissect.Message
		_ = m.DecodeFromBytes(data)
		for _, p := range m.Payloads {
			if p.Type != dissect.PayloadSK && p.Type != dissect.PayloadSKF {
				continue
			}
			pt, err := d.Open(nil, m.Raw, p)
			if err != nil {
				if StateOf(err) == StateDecrypted || pt != nil {
					t.Fatalf("error %v with plaintext", err)
				}
				continue
			}
			if len(pt) >= len(data) {
				t.Fatalf("plaintext %d octets from %d", len(pt), len(data))
			}
		}
		// Also offsets that dissect would not produce.
		if len(data) > 32 {
			_, _ = d.OpenAt(nil, data, int(sel)%len(data), sel&1 == 1, sel&2 == 2)
		}
	})
}

// FuzzOpenSealed seals arbitrary plaintext and padding under each suite
// (authentic messages, so the code after the integrity check runs) and
// opens it; also feeds SKF fragments to a Reassembler. Invariants: no
// panic; a message whose plaintext is a valid chain with consistent
// padding opens to exactly that chain; anything else fails with ErrAuth
// or ErrMalformed.
func FuzzOpenSealed(f *testing.F) {
	f.Add(uint8(0), uint8(41), []byte{0, 0, 0, 8, 0, 0, 0x40, 0}, uint8(7), uint16(0), uint16(0))
	f.Add(uint8(4), uint8(35), []byte{0, 0, 0, 5, 0}, uint8(0), uint16(1), uint16(2))
	hdr := make([]byte, 28)
	copy(hdr, "\x01\x02\x03\x04\x05\x06\x07\x08\x11\x12\x13\x14\x15\x16\x17\x18\x2e\x20\x23\x08\x00\x00\x00\x01")
	var re Reassembler
	f.Fuzz(func(t *testing.T, sel, first uint8, inner []byte, pad uint8, fragN, fragT uint16) {
		s := fuzzSuites[int(sel)%len(fuzzSuites)]
		k := fuzzKey(s)
		info := encrInfos[s.Encr]
		p := int(pad)
		if info.block > 1 {
			p = (info.block - (len(inner)+1)%info.block) % info.block
		}
		var frag []uint16
		if fragN != 0 || fragT != 0 {
			frag = []uint16{fragN, fragT}
		}
		if len(inner) > 60000 {
			return
		}
		msg := sealSK(t, hdr, s, k.EncrI.Reveal(), k.IntegI.Reveal(), dissect.PayloadType(first), inner, p, frag)
		d, _ := NewV2(k, s)
		var m dissect.Message
		if err := m.DecodeFromBytes(msg); err != nil {
			return // e.g. length over 64 KiB
		}
		pl := m.Payloads[len(m.Payloads)-1]
		pt, err := d.Open(nil, msg, pl)
		// Open walks the chain through the padding (it cannot know where
		// the chain ends before it is walked), so the chain is valid when
		// that walk stops exactly at the end of inner: a last payload that
		// names a next one reads on into the padding, and an SKF payload
		// inside the plaintext does not allow octets after it.
		var walk []dissect.Payload
		padded := append(bytes.Clone(inner), make([]byte, p)...)
		end, werr := dissect.WalkPayloads(padded, 0, dissect.PayloadType(first), 2, &walk)
		chainOK := werr == nil && end == len(inner)
		switch {
		case frag != nil:
			if err != nil || !bytes.Equal(pt, inner) {
				t.Fatalf("fragment: %v", err)
			}
			_, _ = re.Add(msg, pl, pt)
			if re.Pending() > DefaultMaxPending {
				t.Fatalf("%d pending", re.Pending())
			}
		case chainOK:
			if err != nil || !bytes.Equal(pt, inner) {
				t.Fatalf("valid chain: %v", err)
			}
		default:
			if err == nil || (StateOf(err) != StateAuthFailed && StateOf(err) != StateMalformed) {
				t.Fatalf("invalid chain %x: %v", inner, err)
			}
		}
	})
}

// FuzzV1 feeds a sequence of messages (length-prefixed in data) to a
// V1Session with a fixed key after the real main-mode messages 1-4 of the
// zeek capture (so the IVs are known). Invariants: no panic, bounded state,
// decrypted payloads lie inside the plaintext.
func FuzzV1(f *testing.F) {
	msgs := loadHexMessages(f, "ikev1-certs.hex")
	keys := loadKeys(f, "testdata/ikev1-certs.ikev1_decryption_table")
	var seed []byte
	for _, m := range msgs[4:] {
		seed = binary.BigEndian.AppendUint16(seed, uint16(len(m.raw)))
		seed = append(seed, m.raw...)
	}
	f.Add(seed, uint16(0x55))
	f.Add([]byte{0, 30, 0xfa, 0xfa}, uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, dirs uint16) {
		s := NewV1Session(&keys[0])
		for i, m := range msgs[:4] {
			if _, err := s.Feed(m.raw, i%2 == 0); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; len(data) >= 2 && i < 64; i++ {
			n := int(binary.BigEndian.Uint16(data))
			data = data[2:]
			if n > len(data) {
				n = len(data)
			}
			res, err := s.Feed(data[:n], dirs>>(i%16)&1 == 1)
			data = data[n:]
			if err != nil {
				if res.Plain != nil {
					t.Fatal("plaintext with error")
				}
				continue
			}
			for _, p := range res.Payloads {
				if p.Offset+p.Length > len(res.Plain) {
					t.Fatal("payload outside plaintext")
				}
			}
		}
		if len(s.chains) > maxV1Exchanges+1 {
			t.Fatalf("%d chains", len(s.chains))
		}
	})
}
