package decrypt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestIncompleteCapture feeds the IKEv1 session of ikev1-main-quick
// (strongSwan) the messages of its capture without the responder's MM4,
// as a capture point that dropped it records them: MM5's IV is hashed
// from both KE payloads (RFC 2409, appendix B), so the encrypted messages
// cannot be decrypted with the right key. The error says so
// (ErrIncomplete, which is also ErrUnsupported), not that the key failed
// or is missing; the whole capture decrypts.
func TestIncompleteCapture(t *testing.T) {
	keys, msgs := corpusV1(t, "ikev1-main-quick")
	initiator := msgs[0].src
	for _, drop := range []int{0, 4} {
		kr := NewKeyring(keys...)
		var s *V1Session
		encrypted, incomplete := 0, 0
		for _, m := range msgs {
			if m.frame == drop {
				continue
			}
			if s == nil {
				var err error
				if s, err = kr.V1Session(dissect.SPI(m.ike[0:8]), dissect.SPI(m.ike[8:16])); err != nil {
					t.Fatal(err)
				}
			}
			res, err := s.Feed(m.ike, m.src.Addr() == initiator.Addr())
			switch {
			case err == nil && res.Encrypted:
				encrypted++
			case errors.Is(err, ErrIncomplete):
				incomplete++
				if StateOf(err) != StateIncomplete || StateOf(err).String() != "capture incomplete" {
					t.Errorf("frame %d: state %s", m.frame, StateOf(err))
				}
				if !errors.Is(err, ErrUnsupported) || errors.Is(err, ErrAuth) || errors.Is(err, ErrNoKey) {
					t.Errorf("frame %d: %v: ErrIncomplete should be ErrUnsupported too and nothing else", m.frame, err)
				}
			case err != nil:
				t.Errorf("without frame %d: frame %d: %v", drop, m.frame, err)
			}
		}
		switch {
		case drop == 0 && (encrypted != 7 || incomplete != 0):
			t.Errorf("whole capture: %d decrypted, %d incomplete; want 7 and 0", encrypted, incomplete)
		case drop == 4 && (encrypted != 0 || incomplete != 7):
			t.Errorf("without MM4: %d decrypted, %d incomplete; want 0 and 7", encrypted, incomplete)
		}
	}
}

// corpusV1 returns the keys of a corpus scenario's ikev1_decryption_table
// and the IKE messages of its capture.
func corpusV1(t *testing.T, scenario string) ([]Key, []corpusMsg) {
	t.Helper()
	dir := filepath.Join("..", "testdata", "corpus", scenario)
	raw, err := os.ReadFile(filepath.Join(dir, "ikev1_decryption_table"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseKeyFile("ikev1_decryption_table", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return keys, readIKECapture(t, filepath.Join(dir, "capture.pcap"))
}
