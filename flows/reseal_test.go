package flows

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

// Helpers that edit the encrypted parts of real corpus captures with the
// scenario's real keys: open an SK payload or an IKEv1 encrypted body,
// change what is inside (or the message ID, which the ICV and the IKEv1 IV
// cover) and seal it again the way the peer would have. They use the
// standard library's AES-CBC and HMAC, independently of package decrypt,
// so that the analyzer's decryptor is checked against a separate encoder.

// v2Key is the key material of one IKEv2 SA of the corpus: AES-CBC with
// HMAC-SHA2-256-128, the suite the strongSwan scenarios negotiate.
type v2Key struct {
	ei, er, ai, ar []byte
}

// keys returns the encryption and integrity keys of the sender.
func (k v2Key) keys(fromI bool) (ek, ak []byte) {
	if fromI {
		return k.ei, k.ai
	}
	return k.er, k.ar
}

// firstKey returns the path of a scenario's key table and its first key.
func firstKey(t testing.TB, scenario, table string) (string, decrypt.Key) {
	t.Helper()
	path := filepath.Join(corpusDir, scenario, table)
	keys := readKeyFile(t, path)
	if len(keys) == 0 {
		t.Fatalf("keys %s: none", path)
	}
	return path, keys[0]
}

// loadV2Key reads the first row of a scenario's ikev2_decryption_table.
func loadV2Key(t testing.TB, scenario string) v2Key {
	t.Helper()
	path, k := firstKey(t, scenario, "ikev2_decryption_table")
	if k.Suite.Encr != decrypt.EncrAESCBC || k.Suite.Integ != decrypt.IntegHMACSHA256128 {
		t.Fatalf("%s: suite %s, these helpers seal AES-CBC/HMAC_SHA2_256_128 only", path, k.Suite)
	}
	return v2Key{k.EncrI.Reveal(), k.EncrR.Reveal(), k.IntegI.Reveal(), k.IntegR.Reveal()}
}

const (
	v2ICVLen = 16 // HMAC_SHA2_256_128
	cbcBlock = aes.BlockSize
)

// openSK verifies the ICV of an IKEv2 message whose last (and only outer)
// payload is SK, decrypts it and returns the first inner payload type and
// the inner payload chain without padding.
func openSK(t testing.TB, raw, ek, ak []byte) (dissect.PayloadType, []byte) {
	t.Helper()
	if len(raw) < 28+4+cbcBlock+cbcBlock+v2ICVLen || raw[16] != byte(dissect.PayloadSK) {
		t.Fatalf("not a single-SK IKEv2 message (%d octets, next payload %d)", len(raw), raw[16])
	}
	return dissect.PayloadType(raw[28]), openAt(t, raw, 28+4, ek, ak)
}

// openAt verifies the ICV of a real IKEv2 message with ak and decrypts
// (AES-CBC, ek) what follows the IV at offset iv, returning it without
// padding.
func openAt(t testing.TB, raw []byte, iv int, ek, ak []byte) []byte {
	t.Helper()
	mac := hmac.New(sha256.New, ak)
	mac.Write(raw[:len(raw)-v2ICVLen])
	if !hmac.Equal(mac.Sum(nil)[:v2ICVLen], raw[len(raw)-v2ICVLen:]) {
		t.Fatal("ICV of the real message does not verify with the scenario's keys")
	}
	b, err := aes.NewCipher(ek)
	if err != nil {
		t.Fatal(err)
	}
	ct := raw[iv+cbcBlock : len(raw)-v2ICVLen]
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, raw[iv:iv+cbcBlock]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad+1 > len(pt) {
		t.Fatalf("bad padding %d", pad)
	}
	return pt[:len(pt)-1-pad]
}

// sealSK returns a copy of the real IKEv2 message tmpl (its SPIs, version
// and exchange type) with the given flags and message ID, and an SK payload
// protecting inner (first payload type first) with ek/ak: a fresh IV, RFC
// 7296 padding, the lengths of the SK payload and of the message, and the
// ICV over the whole message. The IV is derived from seed and the contents,
// so edited captures are reproducible and two messages with the same
// contents but different seeds differ, as two real transmissions would.
func sealSK(t testing.TB, tmpl []byte, flags byte, mid uint32, first dissect.PayloadType, inner, ek, ak []byte, seed uint64) []byte {
	t.Helper()
	pad := (cbcBlock - (len(inner)+1)%cbcBlock) % cbcBlock
	pt := append(bytes.Clone(inner), make([]byte, pad)...)
	pt = append(pt, byte(pad))
	h := sha256.New()
	h.Write(binary.BigEndian.AppendUint64(nil, seed))
	h.Write(binary.BigEndian.AppendUint32([]byte{flags}, mid))
	h.Write(pt)
	sum := h.Sum(nil)
	iv := sum[:cbcBlock]
	plen := 4 + cbcBlock + len(pt) + v2ICVLen
	msg := bytes.Clone(tmpl[:28])
	msg[16] = byte(dissect.PayloadSK)
	msg[19] = flags
	binary.BigEndian.PutUint32(msg[20:24], mid)
	binary.BigEndian.PutUint32(msg[24:28], uint32(28+plen))
	msg = append(msg, byte(first), 0)
	msg = binary.BigEndian.AppendUint16(msg, uint16(plen))
	return sealTail(t, msg, iv, pt, ek, ak)
}

// sealTail appends iv, pt encrypted with AES-CBC under ek, and the ICV
// (HMAC-SHA2-256-128 under ak) over the whole message to msg, the IKE
// header and encrypted payload header with their lengths already set.
func sealTail(t testing.TB, msg, iv, pt, ek, ak []byte) []byte {
	t.Helper()
	msg = append(msg, iv...)
	b, err := aes.NewCipher(ek)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(ct, pt)
	msg = append(msg, ct...)
	mac := hmac.New(sha256.New, ak)
	mac.Write(msg)
	return append(msg, mac.Sum(nil)[:v2ICVLen]...)
}

// v2NotifyPayload encodes an IKEv2 Notify payload without SPI (RFC 7296
// §3.10) followed by next.
func v2NotifyPayload(next dissect.PayloadType, typ dissect.NotifyType, data []byte) []byte {
	b := []byte{byte(next), 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint16(b[2:4], uint16(8+len(data)))
	b = binary.BigEndian.AppendUint16(b, uint16(typ))
	return append(b, data...)
}

// v1Keys is the key material of an IKEv1 SA of the corpus: the phase-1
// encryption key (AES-128-CBC) from the Wireshark table and SKEYID_a from
// the initiator's charon log, for the HASH(1) of informational exchanges
// (prf HMAC-SHA2-256, the negotiated hash).
type v1Keys struct {
	ka, skeyidA []byte
}

// loadV1Keys reads a scenario's ikev1_decryption_table and the SKEYID_a
// hex dump of charon-initiator.log.
func loadV1Keys(t testing.TB, scenario string) v1Keys {
	t.Helper()
	path, k1 := firstKey(t, scenario, "ikev1_decryption_table")
	k := v1Keys{ka: k1.EncrI.Reveal()}
	if len(k.ka) != 16 {
		t.Fatalf("%s: %d-octet key, want AES-128", path, len(k.ka))
	}
	k.skeyidA = charonDump(t, filepath.Join(corpusDir, scenario, "charon-initiator.log"), "SKEYID_a =>")
	return k
}

// charonDump returns the bytes of the first charon hex dump titled label
// ("SKEYID_a => 32 bytes @ 0x…" followed by "   0: 6C 70 …  text" lines).
func charonDump(t testing.TB, path, label string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []byte
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if !in {
			in = strings.Contains(l, label)
			continue
		}
		// "11:34:18 10[IKE] <c|1>    0: 21 2C …  text"
		_, rest, ok := strings.Cut(l, "> ")
		off, hexPart, ok2 := strings.Cut(strings.TrimSpace(rest), ": ")
		if !ok || !ok2 || strings.Trim(off, "0123456789") != "" {
			break
		}
		if len(hexPart) > 47 {
			hexPart = hexPart[:47] // 16 octets; the ASCII column follows
		}
		b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(hexPart), " ", ""))
		if err != nil {
			t.Fatalf("%s: %q: %v", path, l, err)
		}
		out = append(out, b...)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no %q dump", path, label)
	}
	return out
}

// v1PhaseOneBlock returns the last CBC block of the last encrypted phase-1
// message (main mode 6) of an IKEv1 capture: the base of every phase-2 and
// informational IV (RFC 2409 Appendix B).
func v1PhaseOneBlock(t testing.TB, pk []Packet) []byte {
	t.Helper()
	var last []byte
	for _, p := range pk {
		d := p.Data
		if p.Kind == KindIKE && len(d) >= 28 && d[17]>>4 == 1 && d[19]&1 != 0 &&
			binary.BigEndian.Uint32(d[20:24]) == 0 {
			last = d[len(d)-cbcBlock:]
		}
	}
	if last == nil {
		t.Fatal("no encrypted phase-1 message")
	}
	return bytes.Clone(last)
}

// v1IV is the IV of the first message of a phase-2 or informational
// exchange: hash(last phase-1 CBC block | M-ID), truncated to the block.
func v1IV(p1 []byte, mid uint32) []byte {
	h := sha256.New()
	h.Write(p1)
	h.Write(binary.BigEndian.AppendUint32(nil, mid))
	return h.Sum(nil)[:cbcBlock]
}

// v1HashPayload returns HASH(1) of an informational exchange,
// prf(SKEYID_a, M-ID | payloads), as an IKEv1 Hash payload followed by
// payloads (whose first type is next).
func v1HashPayload(skeyidA []byte, mid uint32, next dissect.PayloadType, payloads []byte) []byte {
	mac := hmac.New(sha256.New, skeyidA)
	mac.Write(binary.BigEndian.AppendUint32(nil, mid))
	mac.Write(payloads)
	sum := mac.Sum(nil)
	b := []byte{byte(next), 0}
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(sum)))
	return append(b, sum...)
}

// openV1 decrypts the body of an encrypted IKEv1 message that starts an
// exchange (its IV derived from p1 and its M-ID); the plaintext keeps its
// padding.
func openV1(t testing.TB, raw, ka, p1 []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(ka)
	if err != nil {
		t.Fatal(err)
	}
	ct := raw[28:]
	if len(ct)%cbcBlock != 0 {
		t.Fatalf("ciphertext of %d octets", len(ct))
	}
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(b, v1IV(p1, binary.BigEndian.Uint32(raw[20:24]))).CryptBlocks(pt, ct)
	return pt
}

// sealV1 returns a copy of the real IKEv1 message tmpl (cookies, version,
// exchange type, flags with E set) with message ID mid and the encrypted
// body plain (first payload first, zero-padded to the block size), the
// first message of its exchange.
func sealV1(t testing.TB, tmpl []byte, mid uint32, first dissect.PayloadType, plain, ka, p1 []byte) []byte {
	t.Helper()
	pt := bytes.Clone(plain)
	for len(pt)%cbcBlock != 0 {
		pt = append(pt, 0)
	}
	msg := bytes.Clone(tmpl[:28])
	msg[16] = byte(first)
	msg[19] |= 1
	binary.BigEndian.PutUint32(msg[20:24], mid)
	binary.BigEndian.PutUint32(msg[24:28], uint32(28+len(pt)))
	b, err := aes.NewCipher(ka)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(b, v1IV(p1, mid)).CryptBlocks(ct, pt)
	return append(msg, ct...)
}
