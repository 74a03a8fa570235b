package dissect

import (
	"testing"
)

// TestV2RealMessages decodes every real IKEv2 message in testdata, and the
// SK plaintexts tshark decrypted, with no error in the walk or in any
// typed payload decoder.
func TestV2RealMessages(t *testing.T) {
	var nMsg, nPayload, nInner int
	for _, s := range v2Samples(t) {
		var m Message
		if err := m.DecodeFromBytes(s.msg); err != nil {
			t.Errorf("%s: DecodeFromBytes: %v", s.name, err)
			continue
		}
		nMsg++
		for _, p := range m.Payloads {
			if _, err := DecodePayload(2, p); err != nil {
				t.Errorf("%s: %s: %v", s.name, p.Type.Short(), err)
			}
			nPayload++
			if p.Type == PayloadSK && s.plain != nil {
				for _, ip := range v2InnerPayloads(t, s, p.Next) {
					if _, err := DecodePayload(2, ip); err != nil {
						t.Errorf("%s: inner %s: %v", s.name, ip.Type.Short(), err)
					}
					nInner++
				}
			}
		}
	}
	t.Logf("%d messages, %d payloads, %d inner payloads decoded", nMsg, nPayload, nInner)
}

// TestV2Prefixes decodes every prefix of every real message and plaintext:
// no panic, and every successful typed decode aliases only the input.
func TestV2Prefixes(t *testing.T) {
	if testing.Short() {
		t.Skip("every prefix: skipped under -short")
	}
	for _, s := range v2Samples(t) {
		for _, buf := range [][]byte{s.msg, s.plain} {
			for n := 0; n <= len(buf); n++ {
				b := buf[:n:n]
				var m Message
				_ = m.DecodeFromBytes(b)
				for _, p := range m.Payloads {
					_, _ = DecodePayload(2, p)
				}
				// Plaintext prefixes: walk from the start as an inner chain.
				var ps []Payload
				_, _ = WalkPayloads(b, 0, PayloadIDi, 2, &ps)
				for _, p := range ps {
					_, _ = DecodePayload(2, p)
				}
			}
		}
	}
}
