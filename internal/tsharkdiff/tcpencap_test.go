package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestReframeAgreesWithTcp2udp: on the corpus's IKE-over-TCP capture, the
// Go re-framing writes the same datagrams, with the same original frame
// numbers, as the generator's testdata/gen/tcp2udp.py (run when python3 is
// there), and finds the six IKE messages of the scenario.
func TestReframeAgreesWithTcp2udp(t *testing.T) {
	c := "../../testdata/corpus/libreswan-ikev2-tcp/capture.pcap"
	frames, err := reframeTCP(c)
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, f := range frames {
		if len(f.body) < 4 || binary.BigEndian.Uint32(f.body) != 0 {
			t.Errorf("frame %d: not an IKE message (no non-ESP marker)", f.frame)
		}
		got = append(got, f.frame)
	}
	if want := []int{6, 8, 10, 11, 13, 14}; !slices.Equal(got, want) {
		t.Errorf("IKE messages completed by frames %v, want %v", got, want)
	}
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed: tcp2udp.py not compared")
	}
	dir := t.TempDir()
	ours, theirs, tsv := filepath.Join(dir, "go.pcap"), filepath.Join(dir, "py.pcap"), filepath.Join(dir, "map.tsv")
	if err := writeUDPPcap(ours, frames); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("python3", "../../testdata/gen/tcp2udp.py", c, theirs, tsv).CombinedOutput(); err != nil {
		t.Fatalf("tcp2udp.py: %v\n%s", err, out)
	}
	m, err := os.ReadFile(tsv)
	if err != nil {
		t.Fatal(err)
	}
	var pyFrames []int
	for _, l := range strings.Split(strings.TrimSpace(string(m)), "\n") {
		f := strings.Split(l, "\t")
		n, _ := strconv.Atoi(f[1])
		pyFrames = append(pyFrames, n)
	}
	if !slices.Equal(got, pyFrames) {
		t.Errorf("frames %v, tcp2udp.py %v", got, pyFrames)
	}
	// Same records (timestamps, addresses, ports, payloads); tcp2udp.py
	// leaves the UDP checksum 0 and Go computes it, so that is not compared.
	a, b := records(t, ours), records(t, theirs)
	if len(a) != len(b) {
		t.Fatalf("%d records, tcp2udp.py %d", len(a), len(b))
	}
	for i := range a {
		x, y := bytes.Clone(a[i]), bytes.Clone(b[i])
		x[16+26], x[16+27], y[16+26], y[16+27] = 0, 0, 0, 0 // UDP checksum after the 16-octet record header and 20-octet IPv4 header
		if !bytes.Equal(x, y) {
			t.Errorf("record %d differs from tcp2udp.py's", i+1)
		}
	}
}

// records returns the records (header and packet) of a pcap file this
// package wrote (little-endian).
func records(t *testing.T, path string) [][]byte {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		out = append(out, b[off:off+16+n])
		off += 16 + n
	}
	return out
}

// TestReframeSegments: retransmitted, out-of-order and split segments, the
// IKETCP prefix, several frames in one segment and a frame over three.
func TestReframeSegments(t *testing.T) {
	frame := func(body string) []byte {
		return append(binary.BigEndian.AppendUint16(nil, uint16(2+len(body))), body...)
	}
	stream := append([]byte("IKETCP"), frame("\x00\x00\x00\x00first")...)
	stream = append(stream, frame("second")...)
	stream = append(stream, frame("\x00\x00\x00\x00third, a longer one")...)
	d := &tcpDir{isn: 1000}
	var got []string
	feed := func(from, to int) {
		for _, b := range d.add(uint32(1000+from), stream[from:to]) {
			got = append(got, string(b))
		}
	}
	feed(0, 4)   // part of the prefix
	feed(10, 20) // out of order
	feed(0, 4)   // retransmitted
	feed(4, 10)  // fills the gap: "first" complete
	feed(20, 30) // "second", part of "third"
	feed(30, 35)
	feed(35, len(stream))
	want := []string{"\x00\x00\x00\x00first", "second", "\x00\x00\x00\x00third, a longer one"}
	if !slices.Equal(got, want) {
		t.Errorf("frames %q, want %q", got, want)
	}
	// A length field below 2 ends the stream.
	d = &tcpDir{isn: 0}
	if out := d.add(0, []byte{0, 1, 0, 0, 0, 0}); len(out) != 0 || !d.dead {
		t.Errorf("length 1: %q, dead=%v", out, d.dead)
	}
}
