package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

func newAll(t testing.TB, data []byte, opt Options) ([]copied, Stats) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return readAll(t, r), r.Stats()
}

func TestGzipMatchesPlain(t *testing.T) {
	for _, name := range []string{"zeek-spicy-ipsec/ipsec_client.pcap", "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"} {
		p := testutil.SharedCapture(t, name)
		plain, _ := openAll(t, p, Options{})
		zb := gzipped(testutil.ReadFile(t, p), gzip.DefaultCompression)
		gz := testutil.TempFile(t, filepath.Base(p)+".gz", zb)
		r, err := Open(gz, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := readAll(t, r)
		if r.BytesRead() != int64(len(zb)) || r.Size() != int64(len(zb)) {
			t.Errorf("%s: BytesRead %d Size %d, want both %d", name, r.BytesRead(), r.Size(), len(zb))
		}
		r.Close()
		if len(plain) == 0 || !reflect.DeepEqual(plain, got) {
			t.Errorf("%s: gzip events differ from plain (%d vs %d)", name, len(got), len(plain))
		}
	}
}

func TestStdin(t *testing.T) {
	p := testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap")
	want, _ := openAll(t, p, Options{})
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdin
	os.Stdin = pr
	defer func() { os.Stdin = old; pr.Close() }()
	go func() {
		pw.Write(testutil.ReadFile(t, p))
		pw.Close()
	}()
	r, err := Open("-", Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := readAll(t, r)
	if r.Size() != -1 {
		t.Errorf("Size() = %d for stdin, want -1", r.Size())
	}
	if err := r.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("stdin events differ: %d vs %d", len(got), len(want))
	}
}

func TestTruncatedLastRecord(t *testing.T) {
	p := testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec.cap")
	data := testutil.ReadFile(t, p)
	full, _ := newAll(t, data, Options{})
	ev, st := newAll(t, data[:len(data)-10], Options{})
	if !st.Truncated || st.Packets != 26 {
		t.Fatalf("stats %+v, want Truncated and 26 packets", st)
	}
	last := ev[len(ev)-1]
	if last.Kind != KindError || !errors.Is(last.Err, ErrCaptureTruncated) || last.Frame != 27 {
		t.Fatalf("last event %+v, want capture truncated at frame 27", last)
	}
	if !reflect.DeepEqual(ev[:len(ev)-1], full[:len(full)-1]) {
		t.Errorf("events before the cut differ")
	}
	// Cut inside a record header.
	_, st = newAll(t, data[:24+16+5], Options{})
	if !st.Truncated {
		t.Errorf("cut inside the second record header: not reported truncated")
	}
}

func TestNotACapture(t *testing.T) {
	for _, in := range [][]byte{nil, []byte("hel"), []byte("hello, world, this is not a capture file")} {
		if _, err := NewReader(bytes.NewReader(in), Options{}); err == nil {
			t.Errorf("NewReader(%q) succeeded", in)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.pcap"), Options{}); err == nil {
		t.Errorf("Open of a missing file succeeded")
	}
}

// pcapHeader returns a little-endian microsecond pcap file header.
func pcapHeader(snaplen uint32, lt layers.LinkType) []byte {
	h := make([]byte, 24)
	binary.LittleEndian.PutUint32(h[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], snaplen)
	binary.LittleEndian.PutUint32(h[20:], uint32(lt))
	return h
}

func recordHeader(caplen, origlen uint32) []byte {
	h := make([]byte, 16)
	binary.LittleEndian.PutUint32(h[8:], caplen)
	binary.LittleEndian.PutUint32(h[12:], origlen)
	return h
}

func TestHostileSnaplen(t *testing.T) {
	for _, caplen := range []uint32{0x7fffffff, 0xffffffff, 300000, 262144} {
		data := append(pcapHeader(0xffffffff, layers.LinkTypeEthernet), recordHeader(caplen, caplen)...)
		data = append(data, make([]byte, 100)...)
		d := allocated(func() {
			r, err := NewReader(bytes.NewReader(data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := r.Next(); err != nil {
					break
				}
			}
		})
		if d > 16<<20 {
			t.Errorf("caplen %#x: allocated %d bytes for a 140-byte file", caplen, d)
		}
	}
}

func TestProgress(t *testing.T) {
	p := testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec_client.pcap")
	r, err := Open(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	size := int64(len(testutil.ReadFile(t, p)))
	if r.Size() != size {
		t.Errorf("Size %d, want %d", r.Size(), size)
	}
	readAll(t, r)
	if r.BytesRead() != size {
		t.Errorf("BytesRead %d at EOF, want %d", r.BytesRead(), size)
	}
	if e, err := r.Next(); e != nil || err != io.EOF {
		t.Errorf("Next after EOF = %v, %v", e, err)
	}
}

// TestEveryPrefix feeds every prefix of every real capture: no panic, no
// hang, and every event refers to a frame that exists.
func TestEveryPrefix(t *testing.T) {
	if testing.Short() {
		t.Skip("every prefix of every capture: skipped under -short")
	}
	for _, p := range testutil.SharedCaptures(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			t.Parallel()
			everyPrefix(t, p)
		})
	}
}

func everyPrefix(t *testing.T, p string) {
	{
		data := testutil.ReadFile(t, p)
		step := 1
		deadline := time.Now().Add(2 * time.Minute)
		for n := 0; n <= len(data); n += step {
			r, err := NewReader(bytes.NewReader(data[:n]), Options{})
			if err != nil {
				continue
			}
			for {
				e, err := r.Next()
				if err != nil {
					break
				}
				if e.Frame < 1 || int64(e.Frame) > r.Stats().Packets+1 {
					t.Fatalf("%s[:%d]: event frame %d of %d packets", p, n, e.Frame, r.Stats().Packets)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: too slow", p)
			}
		}
	}
}
