package dissect

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// v2LoadHex reads a testdata hex file: '#' lines are comments, the rest is hex.
func v2LoadHex(tb testing.TB, path string) []byte {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var sb strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if line = strings.TrimSpace(line); line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sb.WriteString(line)
	}
	b, err := hex.DecodeString(sb.String())
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return b
}

// v2Sample is one real IKEv2 message from testdata and, when tshark could
// decrypt it, the plaintext of its SK payload.
type v2Sample struct {
	name  string
	msg   []byte
	plain []byte // nil when not available
}

// v2Samples loads every testdata/v2_*_f*.hex message with its _sk plaintext.
func v2Samples(tb testing.TB) []v2Sample {
	tb.Helper()
	files, err := filepath.Glob("testdata/v2_*_f*.hex")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no v2 samples: %v", err)
	}
	sort.Strings(files)
	var out []v2Sample
	for _, f := range files {
		if strings.HasSuffix(f, "_sk.hex") {
			continue
		}
		s := v2Sample{name: strings.TrimSuffix(filepath.Base(f), ".hex"), msg: v2LoadHex(tb, f)}
		sk := strings.TrimSuffix(f, ".hex") + "_sk.hex"
		if _, err := os.Stat(sk); err == nil {
			s.plain = v2LoadHex(tb, sk)
		}
		out = append(out, s)
	}
	return out
}

// v2AllPayloads decodes sample s and returns its payloads followed by
// those inside its SK payload (when s has the plaintext).
func v2AllPayloads(tb testing.TB, s v2Sample) []Payload {
	tb.Helper()
	var m Message
	if err := m.DecodeFromBytes(s.msg); err != nil {
		tb.Fatalf("%s: %v", s.name, err)
	}
	ps := m.Payloads
	for _, p := range m.Payloads {
		if p.Type == PayloadSK && s.plain != nil {
			ps = append(ps, v2InnerPayloads(tb, s, p.Next)...)
		}
	}
	return ps
}

// v2InnerPayloads walks the SK plaintext of s (RFC 7296 §3.14: payloads,
// then padding, then the Pad Length octet).
func v2InnerPayloads(tb testing.TB, s v2Sample, next PayloadType) []Payload {
	tb.Helper()
	var ps []Payload
	end, err := WalkPayloads(s.plain, 0, next, 2, &ps)
	if err != nil {
		tb.Fatalf("%s: inner walk: %v", s.name, err)
	}
	pad := int(s.plain[len(s.plain)-1])
	if end != len(s.plain)-1-pad {
		tb.Fatalf("%s: inner payloads end at %d, padding says %d", s.name, end, len(s.plain)-1-pad)
	}
	return ps
}
