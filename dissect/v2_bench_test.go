package dissect

import (
	"path/filepath"
	"testing"
)

// v2SAInit is a real IKE_SA_INIT request (Wireshark wiki capture, frame 1:
// SA, KE, Nonce, 4 V, 3 N).
func v2SAInit(tb testing.TB) []byte {
	return v2LoadHex(tb, filepath.Join("testdata", "v2_wsgcm_f1.hex"))
}

// BenchmarkWalkIKESAInit measures header decode plus payload walk with a
// reused Message: the hot path of flow analysis.
func BenchmarkWalkIKESAInit(b *testing.B) { benchSAInit(b, false) }

// BenchmarkDecodeIKESAInitTyped adds the typed decode of every payload.
func BenchmarkDecodeIKESAInitTyped(b *testing.B) { benchSAInit(b, true) }

// benchSAInit decodes the IKE_SA_INIT request repeatedly into one Message,
// with the typed decode of every payload when typed.
func benchSAInit(b *testing.B, typed bool) {
	pkt := v2SAInit(b)
	var m Message
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		if err := m.DecodeFromBytes(pkt); err != nil {
			b.Fatal(err)
		}
		if !typed {
			continue
		}
		for _, p := range m.Payloads {
			if _, err := DecodePayload(2, p); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkDecodeIKEAuthInnerTyped decodes the decrypted IKE_AUTH request
// payloads (IDi, CERT, N, CERTREQ, AUTH, CP, SA, TSi, TSr, V, N).
func BenchmarkDecodeIKEAuthInnerTyped(b *testing.B) {
	s := v2Sample{name: "v2_wsgcm_f3", msg: v2LoadHex(b, "testdata/v2_wsgcm_f3.hex"), plain: v2LoadHex(b, "testdata/v2_wsgcm_f3_sk.hex")}
	var m Message
	if err := m.DecodeFromBytes(s.msg); err != nil {
		b.Fatal(err)
	}
	next := m.Payloads[len(m.Payloads)-1].Next
	var ps []Payload
	b.ReportAllocs()
	b.SetBytes(int64(len(s.plain)))
	for b.Loop() {
		ps = ps[:0]
		if _, err := WalkPayloads(s.plain, 0, next, 2, &ps); err != nil {
			b.Fatal(err)
		}
		for _, p := range ps {
			if _, err := DecodePayload(2, p); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestWalkIKESAInitAllocs enforces the zero-allocation walk.
func TestWalkIKESAInitAllocs(t *testing.T) {
	pkt := v2SAInit(t)
	var m Message
	_ = m.DecodeFromBytes(pkt) // grow Payloads once
	allocs := testing.AllocsPerRun(100, func() {
		if err := m.DecodeFromBytes(pkt); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("DecodeFromBytes on a reused Message: %v allocs/op, want 0", allocs)
	}
	if len(m.Payloads) != 10 {
		t.Errorf("got %d payloads, want 10", len(m.Payloads))
	}
}
