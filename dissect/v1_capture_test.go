package dissect

import (
	"bufio"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// v1Msg is one IKE message from testdata/v1_*.hex, extracted with tshark
// from the third-party captures in ../shared/captures (see each file's
// header comment).
type v1Msg struct {
	file  string
	frame int
	raw   []byte // the whole message (UDP payload)
	// For testdata/v1_certs_decrypted.hex: the header of the encrypted
	// message and its decrypted body (padding included).
	hdr, plain []byte
}

func (m v1Msg) name() string { return m.file + "#" + strconv.Itoa(m.frame) }

// v1WellFormed lists the hex files whose messages are all well formed.
var v1WellFormed = []string{"wiki_main_mode", "certs", "main_mode", "aggressive_mode", "ipsec_cap"}

func loadV1Hex(t testing.TB, name string) []v1Msg {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "v1_"+name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []v1Msg
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		n, err := strconv.Atoi(fs[0])
		if err != nil {
			t.Fatalf("%s: %q: %v", name, line, err)
		}
		m := v1Msg{file: name, frame: n}
		dec := func(s string) []byte {
			b, err := hex.DecodeString(s)
			if err != nil {
				t.Fatalf("%s frame %d: %v", name, n, err)
			}
			return b
		}
		switch len(fs) {
		case 2:
			m.raw = dec(fs[1])
		case 3:
			m.hdr, m.plain = dec(fs[1]), dec(fs[2])
		case 1:
			m.raw = []byte{} // an empty UDP payload
		default:
			t.Fatalf("%s: bad line %q", name, line)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// frameV1 returns frame of testdata/v1_<file>.hex; the test fails when the
// file has no such frame.
func frameV1(t testing.TB, file string, frame int) v1Msg {
	t.Helper()
	for _, m := range loadV1Hex(t, file) {
		if m.frame == frame {
			return m
		}
	}
	t.Fatalf("%s: no frame %d", file, frame)
	return v1Msg{}
}

// v1DecryptedGarbled: tshark's decryption of frame 8 of ikev1-certs.pcap
// (a quick-mode retransmission) has a wrong first CBC block (tshark
// chains the IV from the wrong message), so its plaintext is garbage.
const v1DecryptedGarbled = 8

// decodeAllV1 walks m (or its decrypted body) and decodes every payload,
// returning the payloads, typed bodies and the first error.
func decodeAllV1(m v1Msg) (Header, []Payload, []Body, error) {
	var ps []Payload
	var h Header
	if m.plain != nil {
		decodeHeader(&h, m.hdr)
		end, err := WalkPayloads(m.plain, 0, h.NextPayload, 1, &ps)
		if err != nil {
			return h, ps, nil, err
		}
		if len(m.plain)-end > 16 { // more than a CBC pad
			return h, ps, nil, errAt(end, "padding", ErrMalformed)
		}
	} else {
		var msg Message
		if err := msg.DecodeFromBytes(m.raw); err != nil {
			return msg.Header, msg.Payloads, nil, err
		}
		h, ps = msg.Header, msg.Payloads
	}
	var bodies []Body
	for _, p := range ps {
		b, err := DecodePayload(1, p)
		bodies = append(bodies, b)
		if err != nil {
			return h, ps, bodies, err
		}
	}
	return h, ps, bodies, nil
}

func TestV1CapturesDecode(t *testing.T) {
	var msgs, payloads, encrypted int
	for _, name := range append(v1WellFormed, "certs_decrypted") {
		for _, m := range loadV1Hex(t, name) {
			h, ps, _, err := decodeAllV1(m)
			if m.plain != nil && m.frame == v1DecryptedGarbled {
				if err == nil {
					t.Errorf("%s: garbled plaintext decoded without error", m.name())
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", m.name(), err)
				continue
			}
			msgs++
			payloads += len(ps)
			if h.IsEncrypted() && m.plain == nil {
				encrypted++
			}
		}
	}
	t.Logf("%d messages (%d encrypted, kept opaque), %d payloads decoded without error", msgs, encrypted, payloads)
}

// TestV1Malformed checks the two malformed captures: a clear ParseError
// with an offset, no panic.
func TestV1Malformed(t *testing.T) {
	tests := []struct {
		file    string
		wantErr error
		wantOff int
		field   string
	}{
		// Vendor ID payload with length 3 at offset 88 (after the 60-octet SA).
		{"bad_length", ErrMalformed, 90, "payload[1](VID).length"},
		// Header length field is 0.
		{"zero_length", ErrMalformed, 24, "header.length"},
	}
	for _, tt := range tests {
		msgs := loadV1Hex(t, tt.file)
		if len(msgs) != 1 {
			t.Fatalf("%s: %d messages", tt.file, len(msgs))
		}
		_, _, _, err := decodeAllV1(msgs[0])
		pe, ok := errors.AsType[*ParseError](err)
		if !ok {
			t.Fatalf("%s: error %v is not a *ParseError", tt.file, err)
		}
		if !errors.Is(err, tt.wantErr) || pe.Offset != tt.wantOff || pe.Field != tt.field {
			t.Errorf("%s: got %v (offset %d, field %q), want %v at %d in %q", tt.file, err, pe.Offset, pe.Field, tt.wantErr, tt.wantOff, tt.field)
		}
	}
}

// TestV1Prefixes decodes every prefix of every real message (and of every
// decrypted body), which must never panic.
func TestV1Prefixes(t *testing.T) {
	if testing.Short() {
		t.Skip("every prefix: skipped under -short")
	}
	n := 0
	for _, name := range append(v1WellFormed, "certs_decrypted", "bad_length", "zero_length") {
		for _, m := range loadV1Hex(t, name) {
			full := m.raw
			if m.plain != nil {
				full = m.plain
			}
			for i := 0; i <= len(full); i++ {
				mm := m
				if m.plain != nil {
					mm.plain = full[:i:i]
				} else {
					mm.raw = full[:i:i]
				}
				decodeAllV1(mm)
				n++
			}
			// Every prefix of every payload body, through the typed decoders.
			_, ps, _, _ := decodeAllV1(m)
			for _, p := range ps {
				for i := 0; i <= len(p.Body); i++ {
					q := p
					q.Body = p.Body[:i:i]
					DecodePayload(1, q)
					n++
				}
			}
		}
	}
	t.Logf("%d prefixes decoded", n)
}
