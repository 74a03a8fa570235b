package decrypt

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// capMsg is one IKE message extracted from a capture with tshark.
type capMsg struct {
	frame   int
	srcPort int
	raw     []byte
}

// loadHexMessages reads testdata/*.hex: "frame srcport hex" per line.
func loadHexMessages(t testing.TB, name string) []capMsg {
	t.Helper()
	var out []capMsg
	for l := range strings.Lines(string(testutil.ReadFile(t, "testdata/"+name))) {
		fs := strings.Fields(l)
		if len(fs) == 0 || l[0] == '#' {
			continue
		}
		fr, _ := strconv.Atoi(fs[0])
		sp, _ := strconv.Atoi(fs[1])
		raw, err := hex.DecodeString(fs[2])
		if err != nil {
			t.Fatalf("%s frame %d: %v", name, fr, err)
		}
		out = append(out, capMsg{fr, sp, raw})
	}
	return out
}

// loadKeys parses the key file at path.
func loadKeys(t testing.TB, path string) []Key {
	t.Helper()
	keys, err := ParseKeyFile(path, bytes.NewReader(testutil.ReadFile(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// tsharkRow is one line of a .tshark reference file.
type tsharkRow struct {
	types, idTypes, tsStart, tsEnd, notify, auth string
}

func loadTshark(t testing.TB, name string) map[int]tsharkRow {
	t.Helper()
	out := map[int]tsharkRow{}
	for _, l := range strings.Split(strings.TrimRight(string(testutil.ReadFile(t, "testdata/"+name)), "\n"), "\n") {
		f := strings.Split(l, "\t")
		for len(f) < 7 {
			f = append(f, "")
		}
		n, _ := strconv.Atoi(f[0])
		out[n] = tsharkRow{f[1], f[2], f[3], f[4], f[5], f[6]}
	}
	return out
}

// summary renders decoded payloads in the shape of the tshark fields, so
// the two can be compared: payload types with SA proposals/transforms
// expanded (as isakmp.typepayload lists them), ID types, TS IPv4 ranges,
// notify types, AUTH methods.
type summary struct {
	types, ids, tsStart, tsEnd, notify, auth []string
}

func (s *summary) add(version uint8, pls []dissect.Payload) {
	for _, p := range pls {
		s.types = append(s.types, strconv.Itoa(int(p.Type)))
		switch p.Type {
		case dissect.PayloadSA, dissect.PayloadSAV1:
			body := p.Body
			if version == 1 {
				if len(body) < 8 {
					continue
				}
				body = body[8:]
			}
			s.saTypes(body)
		case dissect.PayloadIDi, dissect.PayloadIDr, dissect.PayloadIDV1:
			if len(p.Body) > 0 {
				s.ids = append(s.ids, strconv.Itoa(int(p.Body[0])))
			}
		case dissect.PayloadTSi, dissect.PayloadTSr:
			b := p.Body
			if len(b) < 4 {
				continue
			}
			n, b := int(b[0]), b[4:]
			for range n {
				if len(b) < 8 {
					break
				}
				l := int(binary.BigEndian.Uint16(b[2:4]))
				if b[0] == 7 && l == 16 && len(b) >= 16 {
					a, _ := netip.AddrFromSlice(b[8:12])
					z, _ := netip.AddrFromSlice(b[12:16])
					s.tsStart = append(s.tsStart, a.String())
					s.tsEnd = append(s.tsEnd, z.String())
				}
				if l < 8 || l > len(b) {
					break
				}
				b = b[l:]
			}
		case dissect.PayloadNotify:
			if len(p.Body) >= 4 {
				s.notify = append(s.notify, strconv.Itoa(int(binary.BigEndian.Uint16(p.Body[2:4]))))
			}
		case dissect.PayloadAuth:
			if len(p.Body) > 0 {
				s.auth = append(s.auth, strconv.Itoa(int(p.Body[0])))
			}
		}
	}
}

// saTypes appends 2 per proposal and 3 per transform.
func (s *summary) saTypes(b []byte) {
	for len(b) >= 8 {
		l := int(binary.BigEndian.Uint16(b[2:4]))
		if l < 8 || l > len(b) {
			return
		}
		s.types = append(s.types, "2")
		prop := b[8:l]
		spi := int(b[6])
		if spi <= len(prop) {
			t := prop[spi:]
			for len(t) >= 8 {
				tl := int(binary.BigEndian.Uint16(t[2:4]))
				if tl < 8 || tl > len(t) {
					break
				}
				s.types = append(s.types, "3")
				t = t[tl:]
			}
		}
		b = b[l:]
	}
}

func (s *summary) row() tsharkRow {
	j := func(x []string) string { return strings.Join(x, ",") }
	return tsharkRow{j(s.types), j(s.ids), j(s.tsStart), j(s.tsEnd), j(s.notify), j(s.auth)}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustAddrPort(a string) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr(a), 500) }

// encrKeyLen returns the octets of encryption key material of s: the key
// (fixed or KeyBits long, none for NULL) plus the salt of AEAD and CTR.
func encrKeyLen(s Suite) int {
	info := encrInfos[s.Encr]
	n := s.KeyBits / 8
	if info.fixed > 0 {
		n = info.fixed
	} else if info.fixed < 0 {
		n = 0
	}
	return n + info.salt
}

// openMsg decodes a captured IKEv2 message whose last payload is SK and
// returns that payload and its decrypted content.
func openMsg(t testing.TB, kr *Keyring, cm capMsg) (dissect.Payload, []byte) {
	t.Helper()
	var m dissect.Message
	if err := m.DecodeFromBytes(cm.raw); err != nil {
		t.Fatalf("frame %d: %v", cm.frame, err)
	}
	sk := m.Payloads[len(m.Payloads)-1]
	plain, _, err := kr.OpenV2(nil, m.Raw, sk, Suite{})
	if err != nil {
		t.Fatalf("frame %d: %v", cm.frame, err)
	}
	return sk, plain
}
