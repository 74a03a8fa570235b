package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
	if r.Reassembled > 0 {
		b = strconv.AppendInt(append(b, `,"reassembled_fragments":`...), int64(r.Reassembled), 10)
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

// TestEnvelopeText checks the one-allocation envelope strings against the
// functions they replace (formatTime, AddrPort.String, SPI.String), the
// invalid address and out-of-range years included.
func TestEnvelopeText(t *testing.T) {
	var scratch []byte
	for i, c := range []struct {
		tm       time.Time
		src, dst netip.AddrPort
	}{
		{time.Date(2026, 11, 22, 11, 19, 41, 389802000, time.UTC), netip.MustParseAddrPort("192.0.2.1:500"), netip.MustParseAddrPort("198.51.100.7:4500")},
		{time.Date(1970, 1, 1, 0, 0, 0, 0, time.FixedZone("X", 3600)), netip.MustParseAddrPort("[2001:db8::1]:500"), netip.MustParseAddrPort("[fe80::1%eth0]:4500")},
		{time.Date(10000, 1, 1, 0, 0, 0, 1, time.UTC), netip.AddrPort{}, netip.MustParseAddrPort("[::ffff:10.0.0.1]:0")},
		{time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC), netip.MustParseAddrPort("0.0.0.0:65535"), netip.AddrPort{}},
	} {
		h := dissect.Header{SPIi: dissect.SPI{0xde, 0xad, 0xbe, 0xef, 0, 1, 2, byte(i)}, SPIr: dissect.SPI{0xff, 0, 0, 0, 0, 0, 0, 0x0f}}
		ev := &capture.Event{Time: c.tm, Src: c.src, Dst: c.dst}
		var tm, src, dst, spii, spir string
		scratch, tm, src, dst, spii, spir = envelopeText(scratch, ev, &h)
		for _, f := range []struct{ name, got, want string }{
			{"time", tm, formatTime(c.tm)}, {"src", src, c.src.String()}, {"dst", dst, c.dst.String()},
			{"spi_i", spii, h.SPIi.String()}, {"spi_r", spir, h.SPIr.String()},
		} {
			if f.got != f.want {
				t.Errorf("case %d %s: %q, want %q", i, f.name, f.got, f.want)
			}
		}
	}
}

// TestFlagNames checks the shared flag tables against the flags read bit
// by bit, for every flags octet of both versions.
func TestFlagNames(t *testing.T) {
	for _, v := range []uint8{1, 2} {
		for flags := range 256 {
			h := dissect.Header{MajorVersion: v, Flags: uint8(flags)}
			want := []string{}
			bits := []struct {
				bit  uint8
				name string
			}{{dissect.FlagInitiator, "I"}, {dissect.FlagHigherVer, "V"}, {dissect.FlagResponse, "R"}}
			if v == 1 {
				bits = []struct {
					bit  uint8
					name string
				}{{dissect.FlagEncryption, "E"}, {dissect.FlagCommit, "C"}, {dissect.FlagAuthOnly, "A"}}
			}
			for _, b := range bits {
				if h.Flags&b.bit != 0 {
					want = append(want, b.name)
				}
			}
			if got := flagNames(&h); !slices.Equal(got, want) || got == nil {
				t.Errorf("v%d flags %#02x: %q, want %q", v, flags, got, want)
			}
		}
	}
}

// TestRecordReuseLeavesNothingBehind: the dissector reuses its record, so
// a message with errors and many payloads followed by a short clean one
// must not lend the second its errors or payloads.
func TestRecordReuseLeavesNothingBehind(t *testing.T) {
	r, _ := openScenario(t, "ikev2-psk-success")
	var msgs [][]byte
	for {
		ev, err := r.Next()
		if err != nil {
			break
		}
		if ev.Kind == capture.KindIKE {
			msgs = append(msgs, bytes.Clone(ev.Data))
		}
	}
	if len(msgs) < 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	d := &dissector{keys: decrypt.NewKeyring()}
	d.trk = decrypt.NewTracker(d.keys)
	event := func(data []byte, truncated bool) *capture.Event {
		return &capture.Event{Frame: 1, Kind: capture.KindIKE, Data: data, Truncated: truncated,
			Src: netip.MustParseAddrPort("192.0.2.1:500"), Dst: netip.MustParseAddrPort("192.0.2.2:500")}
	}
	want, _ := (&dissector{keys: d.keys, trk: decrypt.NewTracker(d.keys)}).record(event(msgs[1], false)).appendJSON(nil)
	bad := append(bytes.Clone(msgs[0]), 0, 0, 0, 0, 0)
	bad[len(bad)-40] ^= 0xff // a damaged payload and, with the truncation, two errors
	if rec := d.record(event(bad, true)); len(rec.Errors) == 0 || len(rec.Payloads) == 0 {
		t.Fatalf("the damaged message gave %d errors, %d payloads", len(rec.Errors), len(rec.Payloads))
	}
	got, _ := d.record(event(msgs[1], false)).appendJSON(nil)
	if !bytes.Equal(got, want) {
		t.Errorf("after a damaged message:\n got  %s\n want %s", got, want)
	}
}
