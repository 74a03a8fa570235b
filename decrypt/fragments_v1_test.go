package decrypt

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestTrackerV1Fragments feeds the strongSwan capture with IKEv1
// fragmentation to a Tracker with the daemons' key: every encrypted
// message decrypts (QM and the informationals chain their IVs from the
// reassembled MM5/MM6), and each reassembled message has the length
// charon logged for it ("reassembled fragmented IKE message (N bytes)").
func TestTrackerV1Fragments(t *testing.T) {
	dir := filepath.Join("..", "testdata", "corpus", "ikev1-cert-fragmentation")
	keys, err := ParseKeyFile("ikev1_decryption_table", bytes.NewReader(testutil.ReadFile(t, filepath.Join(dir, "ikev1_decryption_table"))))
	if err != nil {
		t.Fatal(err)
	}
	var logged []int // reassembled lengths charon logged, both peers
	re := regexp.MustCompile(`reassembled fragmented IKE message \((\d+) bytes\)`)
	for _, log := range []string{"charon-responder.log", "charon-initiator.log"} {
		for _, m := range re.FindAllSubmatch(testutil.ReadFile(t, filepath.Join(dir, log)), -1) {
			n, _ := strconv.Atoi(string(m[1]))
			logged = append(logged, n)
		}
	}
	trk := NewTracker(NewKeyring(keys...))
	var m dissect.Message
	var whole []int
	encrypted := 0
	for _, cm := range readIKEPcap(t, filepath.Join(dir, "capture.pcap")) {
		_ = m.DecodeFromBytes(cm.ike)
		r := trk.Message(cm.ike, &m, cm.src.Addr())
		if r.Fragment.Complete {
			whole = append(whole, len(r.Fragment.Whole))
			if r.Fragment.Total != 3 {
				t.Errorf("frame %d: reassembled from %d fragments, want 3", cm.frame, r.Fragment.Total)
			}
		}
		if m.Header.IsEncrypted() || r.Fragment.Complete {
			encrypted++
			if r.State != StateDecrypted {
				t.Errorf("frame %d: %s: %v", cm.frame, r.State, r.Err)
			}
		}
	}
	if len(whole) != 2 || len(logged) != 2 || whole[0] != logged[0] || whole[1] != logged[1] {
		t.Errorf("reassembled %v octets, charon logged %v", whole, logged)
	}
	if encrypted != 7 { // MM5, MM6, QM1-3, two Deletes
		t.Errorf("%d encrypted messages, want 7", encrypted)
	}
}

// TestReassemblerV1Refuses checks what the reassembly refuses: a clear
// message that is no fragment, a fragment payload longer than the message
// (cut by the capture), and the per-message limits (through
// dissect.FragmentsV1); and that MaxPending bounds the messages held.
func TestReassemblerV1Refuses(t *testing.T) {
	frag := func(id uint16, num uint8, last bool, data string) []byte {
		b := make([]byte, dissect.HeaderLen, dissect.HeaderLen+8+len(data))
		b[0], b[8] = 1, 2 // cookies
		b[16], b[17], b[18] = byte(dissect.PayloadFragmentV1), 0x10, 2
		plen := 8 + len(data)
		b = append(b, 0, 0, byte(plen>>8), byte(plen), byte(id>>8), byte(id), num, 0)
		if last {
			b[len(b)-1] = 1
		}
		b = append(b, data...)
		n := len(b)
		b[24], b[25], b[26], b[27] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	var r ReassemblerV1
	if _, err := r.Add(make([]byte, 40), true); !errors.Is(err, ErrMalformed) {
		t.Errorf("not a fragment: %v", err)
	}
	cut := frag(1, 1, false, "abcdef")
	if _, err := r.Add(cut[:len(cut)-2], true); !errors.Is(err, ErrMalformed) {
		t.Errorf("cut fragment: %v", err)
	}
	if _, err := r.Add(frag(1, 0, false, "x"), true); !errors.Is(err, ErrMalformed) {
		t.Errorf("number 0: %v", err)
	}
	r.MaxPending = 2
	for id := uint16(1); id <= 5; id++ {
		if f, err := r.Add(frag(id, 1, false, "a"), true); err != nil || f.Complete {
			t.Fatalf("id %d: %+v, %v", id, f, err)
		}
	}
	if r.Pending() != 2 {
		t.Errorf("%d messages held, MaxPending 2", r.Pending())
	}
	f, err := r.Add(frag(5, 2, true, "b"), true)
	if err != nil || !f.Complete || string(f.Whole) != "ab" || f.Total != 2 {
		t.Errorf("completing id 5: %+v, %v", f, err)
	}
	if f, _ := r.Add(frag(1, 2, true, "b"), true); f.Complete {
		t.Errorf("id 1 was evicted, yet completed: %+v", f)
	}
}

// TestTrackerSkipV1 drops MM5's second fragment from the strongSwan capture
// with IKEv1 fragmentation: MM5 never reassembles, and MM6 (whose IV is
// MM5's last ciphertext block) decrypts only when the chain is continued
// from MM5's last fragment, the end of its ciphertext: by Message itself,
// or through DecryptV1 after SkipV1 (what flows does), not without. The
// messages after MM6 decrypt in every case.
func TestTrackerSkipV1(t *testing.T) {
	dir := filepath.Join("..", "testdata", "corpus", "ikev1-cert-fragmentation")
	keys, err := ParseKeyFile("ikev1_decryption_table", bytes.NewReader(testutil.ReadFile(t, filepath.Join(dir, "ikev1_decryption_table"))))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []udpMsg
	var tail []byte
	for _, cm := range readIKEPcap(t, filepath.Join(dir, "capture.pcap")) {
		switch cm.frame {
		case 6: // MM5 fragment 2: missed by the capture
			continue
		case 7: // MM5's last fragment
			tail = cm.ike[len(cm.ike)-16:]
		}
		msgs = append(msgs, cm)
	}
	for _, how := range []string{"Message", "DecryptV1", "DecryptV1+SkipV1"} {
		trk := NewTracker(NewKeyring(keys...))
		var m dissect.Message
		var re ReassemblerV1
		decrypted := map[int]bool{}
		for _, cm := range msgs {
			_ = m.DecodeFromBytes(cm.ike)
			fromI := cm.src.Addr() == msgs[0].src.Addr()
			if how == "Message" {
				r := trk.Message(cm.ike, &m, cm.src.Addr())
				decrypted[cm.frame] = r.State == StateDecrypted
				continue
			}
			raw := cm.ike
			if IsFragmentV1(raw) {
				f, _ := re.Add(raw, fromI)
				if !f.Complete {
					continue
				}
				raw = f.Whole
				_ = m.DecodeFromBytes(raw)
				if how == "DecryptV1+SkipV1" && cm.frame == 10 { // MM6 complete: MM5 came in part only
					h := m.Header
					if err := trk.SkipV1(&h, tail); err != nil {
						t.Fatal(err)
					}
				}
			}
			plain, err := trk.DecryptV1(&m, raw, fromI)
			decrypted[cm.frame] = err == nil && plain != nil
		}
		// MM6 needs MM5's last block; the quick mode and the Deletes chain
		// from MM6's last block, which its ciphertext gives either way.
		for _, f := range []int{10, 11, 12, 13, 18, 19} {
			want := f != 10 || how != "DecryptV1"
			if decrypted[f] != want {
				t.Errorf("%s: frame %d decrypted %v, want %v", how, f, decrypted[f], want)
			}
		}
	}
	var s V1Session
	if err := s.Skip(0, []byte{1, 2}); err == nil {
		t.Error("Skip with a 2-octet tail and no suite: no error")
	}
}

// FuzzTrackerV1Frag feeds the strongSwan capture with IKEv1 fragmentation
// to Tracker.Message after the fuzz input rewrote octets of its messages
// (3 octets a step: message, offset, value; the fragment headers and the
// first octets are where the offsets mostly land) or dropped one (value
// 0 at offset 255). Invariants: no panic, at most DefaultMaxPending
// messages held, a complete fragment's Whole no longer than the limit.
func FuzzTrackerV1Frag(f *testing.F) {
	dir := filepath.Join("..", "testdata", "corpus", "ikev1-cert-fragmentation")
	keys, err := ParseKeyFile("ikev1_decryption_table", bytes.NewReader(testutil.ReadFile(f, filepath.Join(dir, "ikev1_decryption_table"))))
	if err != nil {
		f.Fatal(err)
	}
	orig := readIKEPcap(f, filepath.Join(dir, "capture.pcap"))
	f.Add([]byte{})
	f.Add([]byte{5, 255, 0})          // drop MM5 fragment 2
	f.Add([]byte{4, 34, 9, 4, 35, 1}) // MM5 fragment 1 renumbered 9, flagged last
	f.Add([]byte{6, 31, 0xff})        // a fragment payload length beyond the message
	f.Fuzz(func(t *testing.T, script []byte) {
		msgs := make([]udpMsg, 0, len(orig))
		for _, m := range orig {
			m.ike = bytes.Clone(m.ike)
			msgs = append(msgs, m)
		}
		for ; len(script) >= 3 && len(msgs) > 0; script = script[3:] {
			k, off, v := int(script[0])%len(msgs), int(script[1]), script[2]
			if off == 255 && v == 0 {
				msgs = append(msgs[:k], msgs[k+1:]...)
				continue
			}
			if off < len(msgs[k].ike) {
				msgs[k].ike[off] = v
			}
		}
		trk := NewTracker(NewKeyring(keys...))
		var m dissect.Message
		for _, cm := range msgs {
			_ = m.DecodeFromBytes(cm.ike)
			r := trk.Message(cm.ike, &m, cm.src.Addr())
			if n := trk.reasm1.Pending(); n > DefaultMaxPending {
				t.Fatalf("%d messages pending", n)
			}
			if len(r.Fragment.Whole) > dissect.MaxFragmentBytes {
				t.Fatalf("reassembled %d octets", len(r.Fragment.Whole))
			}
		}
	})
}
