package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

func TestWarnerSummarises(t *testing.T) {
	var b bytes.Buffer
	w := newWarner(&b, "ikeflow analyze", false)
	cleared := 0
	w.before = func() { cleared++ }
	for i := 0; i < 10_000; i++ {
		w.warn("x.pcap", &capture.PacketError{Frame: i + 1, Layer: "udp", Offset: 34, Err: capture.ErrTruncated})
		if i < 3 {
			w.warn("x.pcap", &capture.PacketError{Frame: i + 1, Layer: "frag", Offset: -1, Err: capture.ErrFragment, Detail: "lost"})
		}
	}
	w.warn("y.pcap", errors.New("read error"))
	if hidden := w.finish(); hidden != 9_995 {
		t.Errorf("hidden %d", hidden)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5+3+1+1 || cleared != len(lines) {
		t.Fatalf("%d lines (%d clears):\n%s", len(lines), cleared, b.String())
	}
	if !strings.HasPrefix(lines[0], "ikeflow analyze: x.pcap: frame 1: udp at offset 34: truncated") ||
		lines[9] != "ikeflow analyze: … and 9,995 more like this (udp: truncated); --quiet hides packet-level warnings" {
		t.Errorf("output:\n%s", b.String())
	}
	b.Reset()
	q := newWarner(&b, "ikeflow dissect", true)
	q.warn("x", errors.New("e"))
	q.finish()
	if b.Len() != 0 {
		t.Errorf("quiet printed %q", b.String())
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 2345678: "2,345,678", -12345: "-12,345"} {
		if got := groupDigits(n); got != want {
			t.Errorf("groupDigits(%d) = %q", n, got)
		}
	}
}

// floodCapture writes a capture of n frames, each a real IKE packet cut
// inside its UDP header, so every frame yields a warning.
func floodCapture(t *testing.T, n int) string {
	ds, err := testpcap.UDPDatagrams(filepath.Join(corpus, "ikev2-psk-success", "capture.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	f := testpcap.Ethernet(testpcap.UDP(ds[0].Src, ds[0].Dst, ds[0].Payload))[:14+20+4]
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for i := 0; i < n; i++ {
		w.Add(testpcap.Base, f)
	}
	p, err := w.WriteFile(t.TempDir(), "flood.pcap")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWarningFloodBounded(t *testing.T) {
	p := floodCapture(t, 20_000)
	for _, cmd := range []string{"analyze", "dissect"} {
		_, stderr, code := ikeflow(t, cmd, p)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != 0 || len(lines) > 8 || !strings.Contains(stderr, "… and 19,995 more like this") {
			t.Errorf("%s: exit %d, %d stderr lines:\n%s", cmd, code, len(lines), stderr)
		}
	}
}

func TestAnalyzeDamagedCapture(t *testing.T) {
	// A real capture with the record header of frame 17 (of 29, an IKE message) damaged:
	// analyze reports what it read (exit 0) and says where the damage is.
	capPath, keys := scenario(t, "ikev2-rekey")
	data := testutil.ReadFile(t, capPath)
	off := 24
	for k := 1; k < 17; k++ {
		off += 16 + int(binary.LittleEndian.Uint32(data[off+8:]))
	}
	binary.LittleEndian.PutUint32(data[off+8:], 0xfffffff0)
	p := testutil.TempFile(t, "damaged.pcap", data)
	args := keyArgs([]string{"analyze", "--format", "json"}, keys...)
	stdout, stderr, code := ikeflow(t, append(args, p)...)
	var rep struct {
		SAs []json.RawMessage `json:"sas"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || len(rep.SAs) == 0 {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	want := "frame 17: file: capture damaged: record header at file offset " + strconv.Itoa(off) + ": captured length 4294967280 exceeds the 262144-octet limit"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	// dissect prints the messages before and after the damage: all but
	// the one of frame 17 (later frames are numbered one lower).
	whole, _, _ := ikeflow(t, "dissect", "--format", "json", capPath)
	out, stderr, code := ikeflow(t, "dissect", "--format", "json", p)
	if code != 0 || strings.Count(out, "\n") != strings.Count(whole, "\n")-1 || !strings.Contains(stderr, "capture damaged") ||
		!strings.Contains(whole, `"frame":17,`) || !strings.Contains(out, `"frame":17,`) {
		t.Errorf("dissect: exit %d, %d lines of %d, stderr %s", code, strings.Count(out, "\n"), strings.Count(whole, "\n"), stderr)
	}
}
