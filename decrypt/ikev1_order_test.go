package decrypt

import (
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestV1AnswerFirst feeds the IKEv1 session of libreswan-ikev1-main-quick
// its messages with QM3 (frame 9) before QM2 (frame 8), as a capture whose
// frames are out of time order holds them. QM3's IV is QM2's last block,
// which the session has not seen: QM3 does not open. QM2's IV is QM1's last
// block, which QM3 was tried with: QM2 opens (before, it was tried with
// QM3's last block only and failed as if the key were wrong).
func TestV1AnswerFirst(t *testing.T) {
	keys, msgs := corpusV1(t, "libreswan-ikev1-main-quick")
	if len(msgs) < 9 || msgs[7].frame != 8 || msgs[8].frame != 9 {
		t.Fatalf("capture changed: %d messages", len(msgs))
	}
	msgs[7], msgs[8] = msgs[8], msgs[7]
	initiator := msgs[0].src
	s, err := NewKeyring(keys...).V1Session(dissect.SPI(msgs[0].ike[0:8]), dissect.SPI(msgs[0].ike[8:16]))
	if err != nil {
		t.Fatal(err)
	}
	opened := map[int]bool{}
	for _, m := range msgs {
		res, err := s.Feed(m.ike, m.src.Addr() == initiator.Addr())
		opened[m.frame] = err == nil && res.Encrypted
	}
	for f, want := range map[int]bool{5: true, 6: true, 7: true, 8: true, 9: false} {
		if opened[f] != want {
			t.Errorf("frame %d opened %v, want %v", f, opened[f], want)
		}
	}
}
