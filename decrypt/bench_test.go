package decrypt

import (
	"bytes"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// ikeAuth300 builds a ~300-octet IKE_AUTH protected with AES-CBC-256 and
// HMAC-SHA2-256-128: the leading payloads of the Wireshark wiki's real
// IKE_AUTH request (IDi, CERT is skipped: too big) re-chained and sealed.
func ikeAuth300(b testing.TB) ([]byte, dissect.Payload, *V2) {
	hdr, first, inner := realInner(b)
	var pls []dissect.Payload
	if _, err := dissect.WalkPayloads(inner, 0, first, 2, &pls); err != nil {
		b.Fatal(err)
	}
	var chain []byte
	var prev int = -1
	firstType := dissect.PayloadNone
	for _, p := range pls {
		if p.Type == dissect.PayloadCert || len(chain)+p.Length > 236 {
			continue
		}
		if prev >= 0 {
			chain[prev] = byte(p.Type)
		} else {
			firstType = p.Type
		}
		prev = len(chain)
		chain = append(chain, inner[p.Offset:p.Offset+p.Length]...)
		chain[prev] = 0
	}
	pad := (16 - (len(chain)+1)%16) % 16
	s := Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA256128}
	k := Key{Version: 2, Suite: s, EncrI: NewSecret(randBytes(32)), EncrR: NewSecret(randBytes(32)),
		IntegI: NewSecret(randBytes(32)), IntegR: NewSecret(randBytes(32))}
	h := bytes.Clone(hdr)
	h[18], h[19] = byte(dissect.ExchangeIKEAuth), 0x08
	msg := sealSK(b, h, s, k.EncrI.Reveal(), k.IntegI.Reveal(), firstType, chain, pad, nil)
	var m dissect.Message
	if err := m.DecodeFromBytes(msg); err != nil {
		b.Fatal(err)
	}
	d, err := NewV2(&k, s)
	if err != nil {
		b.Fatal(err)
	}
	return msg, m.Payloads[0], d
}

// BenchmarkDecryptCBCSHA256 measures verify + decrypt + padding and chain
// checks of one ~300-octet AES-CBC-256/HMAC-SHA2-256-128 IKE_AUTH, reusing
// the cipher and MAC state and the output buffer (no allocations).
func BenchmarkDecryptCBCSHA256(b *testing.B) {
	msg, p, d := ikeAuth300(b)
	dst := make([]byte, len(msg))
	if _, err := d.Open(dst, msg, p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, err := d.Open(dst, msg, p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// TestDecryptAllocs enforces the benchmark's no-allocation property.
func TestDecryptAllocs(t *testing.T) {
	msg, p, d := ikeAuth300(t)
	if len(msg) < 280 || len(msg) > 320 {
		t.Errorf("message is %d octets, want about 300", len(msg))
	}
	dst := make([]byte, len(msg))
	if n := testing.AllocsPerRun(100, func() {
		if _, err := d.Open(dst, msg, p); err != nil {
			t.Fatal(err)
		}
	}); n > 0 {
		t.Errorf("%v allocations per Open", n)
	}
}
