package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

// refRecordJSON is the record writer before the payload bodies were
// appended by hand: every string and every body through json.Marshal.
// The dissect JSON must stay byte for byte what it wrote.
func refRecordJSON(t testing.TB, r *record) []byte {
	t.Helper()
	str := func(b []byte, s string) []byte {
		q, _ := json.Marshal(s)
		return append(b, q...)
	}
	var payloads func(b []byte, ps []payloadRecord) []byte
	payloads = func(b []byte, ps []payloadRecord) []byte {
		b = append(b, '[')
		for i, p := range ps {
			if i > 0 {
				b = append(b, ',')
			}
			b = str(append(b, `{"type":`...), p.label())
			if p.Critical {
				b = append(b, `,"critical":true`...)
			}
			b = strconv.AppendInt(append(b, `,"length":`...), int64(p.Length), 10)
			if p.Decryption != "" {
				b = str(append(b, `,"decryption":`...), p.Decryption)
			}
			if p.Fragment != "" {
				b = str(append(b, `,"fragment":`...), p.Fragment)
			}
			if p.Inner != nil {
				b = payloads(append(b, `,"payloads":`...), p.Inner)
			}
			if p.Body != nil {
				body, err := json.Marshal(p.Body)
				if err != nil {
					t.Fatalf("frame %d: json.Marshal: %v", r.Frame, err)
				}
				if len(body) > 2 && body[0] == '{' {
					b = append(append(b, ','), body[1:len(body)-1]...)
				}
			}
			b = append(b, '}')
		}
		return append(b, ']')
	}
	b := []byte{'{'}
	if r.File != "" {
		b = append(str(append(b, `"file":`...), r.File), ',')
	}
	b = strconv.AppendInt(append(b, `"frame":`...), int64(r.Frame), 10)
	for _, f := range [...]struct{ k, v string }{
		{"time", r.Time}, {"src", r.Src}, {"dst", r.Dst}, {"transport", r.Transport},
	} {
		b = str(append(b, `,"`+f.k+`":`...), f.v)
	}
	b = strconv.AppendInt(append(b, `,"version":`...), int64(r.Version), 10)
	b = str(append(b, `,"exchange":`...), r.Exchange)
	b = strconv.AppendUint(append(b, `,"message_id":`...), uint64(r.MessageID), 10)
	b = str(append(b, `,"spi_i":`...), r.SPIi)
	b = str(append(b, `,"spi_r":`...), r.SPIr)
	fl, _ := json.Marshal(r.Flags)
	b = append(append(b, `,"flags":`...), fl...)
	b = strconv.AppendBool(append(b, `,"response":`...), r.Response)
	b = strconv.AppendBool(append(b, `,"initiator":`...), r.Initiator)
	b = strconv.AppendUint(append(b, `,"length":`...), uint64(r.Length), 10)
	b = payloads(append(b, `,"payloads":`...), r.Payloads)
	if len(r.Errors) > 0 {
		e, _ := json.Marshal(r.Errors)
		b = append(append(b, `,"errors":`...), e...)
	}
	return append(b, "}\n"...)
}

// recordJSONCount counts what a comparison covered.
type recordJSONCount struct {
	messages, payloads, decrypted, certs, damaged int
	failed, withErrors                            int // integrity check failed; records with errors
}

func (c *recordJSONCount) add(ps []payloadRecord) {
	for _, p := range ps {
		c.payloads++
		if p.Inner != nil {
			c.decrypted++
		}
		if p.Decryption == decrypt.StateAuthFailed.String() {
			c.failed++
		}
		switch b := p.Body.(type) {
		case *dissect.Cert:
			if b.Certificate != nil {
				c.certs++
			}
		case *dissect.CertV1:
			if b.Certificate != nil {
				c.certs++
			}
		}
		c.add(p.Inner)
	}
}

// compareRecordsJSON dissects a capture with keys, changing each IKE
// message with damage first (when not nil), and compares every record's
// JSON line with refRecordJSON.
func compareRecordsJSON(t *testing.T, path string, keys []string, damage func(data []byte) []byte, n *recordJSONCount) {
	t.Helper()
	kr, err := loadKeys(&env{stderr: io.Discard}, keys)
	if err != nil {
		t.Fatal(err)
	}
	r, err := capture.Open(path, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	d := &dissector{keys: kr, trk: decrypt.NewTracker(kr), name: filepath.Base(path)}
	var buf []byte
	for {
		ev, err := r.Next()
		if err != nil {
			break // io.EOF, or a damaged capture file: what was read is compared
		}
		if ev.Kind != capture.KindIKE {
			continue
		}
		if damage != nil {
			ev.Data = damage(bytes.Clone(ev.Data))
			n.damaged++
		}
		rec := d.record(ev)
		if buf, err = rec.appendJSON(buf[:0]); err != nil {
			t.Fatalf("%s frame %d: %v", path, ev.Frame, err)
		}
		want := refRecordJSON(t, rec)
		if !bytes.Equal(buf, want) {
			i := 0
			for i < len(buf) && i < len(want) && buf[i] == want[i] {
				i++
			}
			lo := max(0, i-100)
			t.Fatalf("%s frame %d: the record differs from json.Marshal's at byte %d:\n got  …%s\n want …%s",
				path, ev.Frame, i, buf[lo:min(len(buf), i+100)], want[lo:min(len(want), i+100)])
		}
		if !json.Valid(buf) {
			t.Fatalf("%s frame %d: invalid JSON", path, ev.Frame)
		}
		n.messages++
		if len(rec.Errors) > 0 {
			n.withErrors++
		}
		n.add(rec.Payloads)
	}
}

// jsonTestCaptures lists the corpus captures with their key files, and the
// third-party captures of ../shared with theirs where they have them.
func jsonTestCaptures(t *testing.T) map[string][]string {
	caps := map[string][]string{}
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*", "capture.pcap"))
	for _, c := range dirs {
		_, keys := scenario(t, filepath.Base(filepath.Dir(c)))
		caps[c] = keys
	}
	if len(caps) == 0 {
		t.Fatal("no corpus captures")
	}
	shared, _ := filepath.Glob("../../../shared/captures/*/*.pcap*")
	more, _ := filepath.Glob("../../../shared/captures/*/*.cap")
	sub, _ := filepath.Glob("../../../shared/captures/*/*/capture.pcap*")
	for _, c := range append(append(shared, more...), sub...) {
		var keys []string
		for _, k := range []string{
			strings.TrimSuffix(c, filepath.Ext(c)) + ".ikev1_decryption_table",
			strings.TrimSuffix(c, filepath.Ext(c)) + ".ikev2_decryption_table",
			filepath.Join(filepath.Dir(c), "ikev2_decryption_table"),
			filepath.Join(filepath.Dir(c), "ikev1_decryption_table"),
		} {
			if _, err := os.Stat(k); err == nil {
				keys = append(keys, k)
			}
		}
		caps[c] = keys
	}
	return caps
}

// TestDissectJSONMatchesEncodingJSON checks that "dissect --format json"
// writes, for every IKE message of every corpus capture and of the
// third-party captures (with their keys, so the decrypted payloads and
// certificates are covered), exactly the bytes json.Marshal wrote for the
// payload bodies before the bodies were appended by hand; and again on the
// messages damaged the way the field damages them (bytes flipped, messages
// cut short, the encrypted part changed so that it fails its check).
func TestDissectJSONMatchesEncodingJSON(t *testing.T) {
	var n recordJSONCount
	for path, keys := range jsonTestCaptures(t) {
		compareRecordsJSON(t, path, keys, nil, &n)
		for v := range 3 {
			rng := rand.New(rand.NewPCG(uint64(len(path)), uint64(v)))
			compareRecordsJSON(t, path, keys, func(data []byte) []byte {
				switch {
				case len(data) <= 28:
				case v == 0: // bytes flipped anywhere
					for range 3 {
						data[rng.IntN(len(data))] ^= byte(1 + rng.IntN(255))
					}
				case v == 1: // cut short
					data = data[:rng.IntN(len(data))]
				default: // one byte of the last 32 (the encrypted part, its ICV) flipped
					data[len(data)-1-rng.IntN(min(32, len(data)-28))] ^= 0x40
				}
				return data
			}, &n)
		}
	}
	t.Logf("compared %d messages (%d damaged, %d with errors), %d payloads, %d decrypted SK/encrypted payloads "+
		"(%d failing their check), %d certificates", n.messages, n.damaged, n.withErrors, n.payloads, n.decrypted, n.failed, n.certs)
	if n.messages < 500 || n.decrypted < 100 || n.certs < 10 || n.damaged < n.messages/2 || n.failed < 50 || n.withErrors < 100 {
		t.Fatalf("the comparison covered too little: %+v", n)
	}
}
