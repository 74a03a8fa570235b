package main

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// TestKeyNoteVerifiedKeys: an SA whose key verifies (messages of it were
// opened) but with messages left unread must not be described as having
// "no keys": the keys were given and are right.
func TestKeyNoteVerifiedKeys(t *testing.T) {
	for _, c := range []struct {
		i, r flows.KeyStatus
		want string
	}{
		{flows.KeyVerified, flows.KeyVerified, "not all decrypted"},
		{flows.KeyVerified, flows.KeyNotTried, "not all decrypted"},
		{flows.KeyMissing, flows.KeyMissing, "no keys"},
		{flows.KeyVerified, flows.KeyMissing, "no keys"},
		{flows.KeyFailed, flows.KeyVerified, "key does not verify from initiator"},
		{flows.KeyIncomplete, flows.KeyIncomplete, "keys unusable: capture incomplete"},
		{flows.KeyVerified, flows.KeyIncomplete, "not all decrypted"},
	} {
		sa := &flows.SA{Encrypted: true, Keys: &flows.KeyCheck{Initiator: c.i, Responder: c.r}}
		if got := keyNote(sa); got != c.want {
			t.Errorf("keys %s/%s: %q, want %q", c.i, c.r, got, c.want)
		}
	}
}

// TestKeyNoteFragmentMissing runs the IKEv1 fragmentation capture without
// the last fragment of MM5 (frame 7), with the responder's charon log:
// the key verifies (MM5's fragments aside, every encrypted message but
// MM6 opens), MM6 cannot be opened (its IV is MM5's last ciphertext
// block, which the capture lacks). The SA's state must not say "no keys".
func TestKeyNoteFragmentMissing(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "corpus", "ikev1-cert-fragmentation")
	pcap := filepath.Join(t.TempDir(), "drop7.pcap")
	if err := os.WriteFile(pcap, pcapWithout(t, filepath.Join(dir, "capture.pcap"), 7), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, _ := ikeflow(t, "analyze", "-q", "--width", "0", "--keys", filepath.Join(dir, "charon-responder.log"), pcap)
	if strings.Contains(out, "no keys") || !strings.Contains(out, "deleted (encrypted, not all decrypted)") {
		t.Errorf("output:\n%s", out)
	}
}

// TestKeyNoteCaptureIncomplete runs ikev1-main-quick without MM4 (frame 4)
// with its keys: MM5's IV comes from MM4's key exchange, so none of the
// encrypted messages opens. The SA's state says the capture lacks what
// decrypting needs; "no keys" (what it said) was false, and so was "Give
// the keys to know".
func TestKeyNoteCaptureIncomplete(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "corpus", "ikev1-main-quick")
	pcap := filepath.Join(t.TempDir(), "drop4.pcap")
	if err := os.WriteFile(pcap, pcapWithout(t, filepath.Join(dir, "capture.pcap"), 4), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, _ := ikeflow(t, "analyze", "-q", "--width", "0", "--keys", filepath.Join(dir, "ikev1_decryption_table"), pcap)
	if strings.Contains(out, "no keys") || strings.Contains(out, "Give the keys") ||
		!strings.Contains(out, "established (encrypted, keys unusable: capture incomplete)") {
		t.Errorf("output:\n%s", out)
	}
}

// pcapWithout returns the classic pcap file at path without its frame
// drop (1-based).
func pcapWithout(t *testing.T, path string, drop int) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: %v (want a little-endian classic pcap)", path, err)
	}
	out := append([]byte(nil), b[:24]...)
	for off, n := 24, 1; off+16 <= len(b); n++ {
		end := off + 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
		if end > len(b) {
			t.Fatalf("%s: record %d cut", path, n)
		}
		if n != drop {
			out = append(out, b[off:end]...)
		}
		off = end
	}
	return out
}
