package flows

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestV1FragRetransmittedAfterTimeout edits the real capture the way a
// lossy path does: MM5's last fragment is lost, and the initiator sends
// the whole MM5 again (all three fragments, the same octets: the same
// message, the same fragment ID) 47 s later, charon's fifth transmission
// with its default retransmission settings (4 s, then ×1.8: 4 + 7.2 +
// 13 + 23.3 s), more than v1FragTimeout after the first fragment. The
// responder then answers with MM6 and the quick mode follows, as in the
// daemons' logs. Expected from the bytes: the retransmitted copy
// completes MM5, so no fragments_missing finding says it was "never
// reassembled in this capture", every MM5 fragment is labelled MM5 (not
// "MM0"), and the retransmission is reported.
func TestV1FragRetransmittedAfterTimeout(t *testing.T) {
	orig, keys := v1FragPackets(t)
	mm5 := [3]int{fragIndex(t, orig, true, 1), fragIndex(t, orig, true, 2), fragIndex(t, orig, true, 3)}
	const later = 47 * time.Second
	pk := slices.Clone(orig[:mm5[2]]) // fragments 1 and 2; 3 lost
	frame := pk[len(pk)-1].Frame
	for _, p := range orig[mm5[0]:] { // the whole MM5 again, and all that follows
		frame++
		p.Frame, p.Time = frame, p.Time.Add(later)
		pk = append(pk, p)
	}
	for _, decr := range []Decryptor{keys, nil} {
		r := analyze(pk, Options{Decryptor: decr})
		if msg := findingText(r, KindFragmentsMissing); msg != "" {
			t.Errorf("keys %v: fragments_missing, though the retransmission was reassembled:\n%s", decr != nil, msg)
		}
		want := []string{"MM1:", "MM2:", "MM3:", "MM4:", "MM5:1", "MM5:2", "MM5:1", "MM5:2", "MM5:3/3", "MM6:1", "MM6:2", "MM6:3/3"}
		if got := mainModeLabels(r); !slices.Equal(got, want) {
			t.Errorf("keys %v: labels %q, want %q", decr != nil, got, want)
		}
		if findingText(r, KindRetransmit) == "" {
			t.Errorf("keys %v: no retransmit finding", decr != nil)
		}
		if decr != nil && (r.Stats.DecryptFailed != 0 || r.SAs[0].State != StateDeleted || len(r.SAs[0].ChildSAs) != 1) {
			t.Errorf("%d not decrypted, state %s, %d child SAs; want 0, deleted, 1", r.Stats.DecryptFailed, r.SAs[0].State, len(r.SAs[0].ChildSAs))
		}
	}
}

// TestV1FragRetransmittedAfterEviction: MM5's fragments 1 and 2 come
// (3 lost), then maxV1FragSets forged fragments with other fragment IDs
// push MM5's reassembly out of the SA's bounded list, then the initiator
// retransmits MM5 whole. The copy of fragment 1 starts a new reassembly;
// being a copy of frame 5 it is labelled MM5, and so must be the
// fragments after it, which complete MM5 (before: "MM0:3/3", and MM6
// became "MM7").
func TestV1FragRetransmittedAfterEviction(t *testing.T) {
	orig, keys := v1FragPackets(t)
	mm5 := [3]int{fragIndex(t, orig, true, 1), fragIndex(t, orig, true, 2), fragIndex(t, orig, true, 3)}
	pk := slices.Clone(orig[:mm5[2]])
	frame := pk[len(pk)-1].Frame
	for k := range maxV1FragSets {
		c := orig[mm5[0]]
		c.Data = slices.Clone(c.Data)
		c.Data[dissect.HeaderLen+4], c.Data[dissect.HeaderLen+5] = 0x80, byte(k)
		frame++
		c.Frame, c.Time = frame, c.Time.Add(time.Millisecond+time.Duration(k)*time.Microsecond)
		pk = append(pk, c)
	}
	for _, p := range orig[mm5[0]:] {
		frame++
		p.Frame, p.Time = frame, p.Time.Add(4*time.Second)
		pk = append(pk, p)
	}
	r := analyze(pk, Options{Decryptor: keys})
	var got []string
	for _, l := range mainModeLabels(r) {
		if !strings.HasPrefix(l, "MM1:") && !strings.HasPrefix(l, "MM2:") && !strings.HasPrefix(l, "MM3:") && !strings.HasPrefix(l, "MM4:") {
			got = append(got, l)
		}
	}
	want := []string{"MM5:1", "MM5:2"}
	for range maxV1FragSets {
		want = append(want, "MM5:1") // the forged ones: fragment 1 of other IDs, same exchange and side
	}
	want = append(want, "MM5:1", "MM5:2", "MM5:3/3", "MM6:1", "MM6:2", "MM6:3/3")
	if !slices.Equal(got, want) {
		t.Errorf("labels %q,\nwant %q", got, want)
	}
	if sa := r.SAs[0]; r.Stats.DecryptFailed != 0 || sa.State != StateDeleted || len(sa.ChildSAs) != 1 {
		t.Errorf("%d not decrypted, state %s, %d child SAs; want 0, deleted, 1", r.Stats.DecryptFailed, sa.State, len(sa.ChildSAs))
	}
}

// TestV1FragCutNotMissed: MM5's fragment 2 is in the capture, cut short
// at 200 octets (a snap length). The finding must not say that the
// capture point missed packets ("taken on another path, or packets
// dropped at the capture point"): the bytes show it cut one.
func TestV1FragCutNotMissed(t *testing.T) {
	orig, keys := v1FragPackets(t)
	pk := slices.Clone(orig)
	i := fragIndex(t, pk, true, 2)
	pk[i].Data = pk[i].Data[:200]
	msg := findingText(analyze(pk, Options{Decryptor: keys}), KindFragmentsMissing)
	if strings.Contains(msg, "packets dropped at the capture point") || !strings.Contains(msg, "the capture cut a fragment short (snap length)") {
		t.Errorf("fragments_missing:\n%s", msg)
	}
}

// TestV1FragMM6Missed: the capture lacks MM6 (its three fragments), the
// rest follows as captured: the quick mode, ESP both ways, the
// initiator's two Deletes, all within DefaultGrace of MM5. charon's
// responder log shows MM6 sent and the SA up; the unfragmented capture
// edited the same way (ikev1-main-quick without MM6) gives no error.
// Before, MM5 counted as 3 transmissions (one per fragment), so it was
// not "sent once, just before the capture ended": unanswered_request, and
// the initiator's Deletes read as the responder's answer ("Phase 1
// authentication failed (inferred)", state failed).
func TestV1FragMM6Missed(t *testing.T) {
	orig, keys := v1FragPackets(t)
	drop := []int{fragIndex(t, orig, false, 1), fragIndex(t, orig, false, 2), fragIndex(t, orig, false, 3)}
	var pk []Packet
	for i := range orig {
		if !slices.Contains(drop, i) {
			pk = append(pk, orig[i])
		}
	}
	for _, decr := range []Decryptor{keys, nil} {
		r := analyze(pk, Options{Decryptor: decr})
		for _, k := range []FindingKind{KindAuthFailed, KindUnanswered} {
			if msg := findingText(r, k); msg != "" {
				t.Errorf("keys %v: %s: %s", decr != nil, k, msg)
			}
		}
		if st := r.SAs[0].State; st == StateFailed {
			t.Errorf("keys %v: state %s", decr != nil, st)
		}
	}
}

// TestV1FragInitiatorDeletesNotAnAnswer: as TestV1FragMM6Missed, but
// the quick mode, ESP and the initiator's two Deletes come 60 s later
// (beyond DefaultGrace). The encrypted informationals are the
// initiator's (frames from its address): they are no answer of the
// responder to MM5, so no finding may say "The responder answered with
// encrypted informational messages" nor infer an authentication failure
// from them (as it does from the responder's in ikev1-wrong-psk).
func TestV1FragInitiatorDeletesNotAnAnswer(t *testing.T) {
	orig, _ := v1FragPackets(t)
	drop := []int{fragIndex(t, orig, false, 1), fragIndex(t, orig, false, 2), fragIndex(t, orig, false, 3)}
	var pk []Packet
	for i := range orig {
		if slices.Contains(drop, i) {
			continue
		}
		p := orig[i]
		if i > drop[2] {
			p.Time = p.Time.Add(time.Minute)
		}
		pk = append(pk, p)
	}
	r := analyze(pk, Options{})
	if msg := findingText(r, KindAuthFailed); msg != "" {
		t.Errorf("authentication_failed: %s", msg)
	}
	if msg := findingText(r, KindUnanswered); strings.Contains(msg, "The responder answered with") {
		t.Errorf("unanswered_request: %s", msg)
	}
}

// TestV1FragCompletedAfterSkip: MM5's fragment 2 is time-stamped after
// MM6 (time stamps shuffled, as merged or multi-queue captures do). With
// keys, MM6 is decrypted first by continuing the IV chain past MM5 from
// its last fragment; MM5, completed later by fragment 2, cannot be fed to
// the Decryptor any more. It is still a whole encrypted message of the
// capture: it must be shown and counted as one not decrypted
// ("FRAG{encrypted}", as without keys) and analysed as MM5, not left as
// a bare "FRAG" while the stats say 0 could not be decrypted.
func TestV1FragCompletedAfterSkip(t *testing.T) {
	orig, keys := v1FragPackets(t)
	mm6 := fragIndex(t, orig, false, 3)
	i := fragIndex(t, orig, true, 2)
	pk := slices.Clone(orig)
	p := pk[i]
	p.Time = pk[mm6].Time.Add(time.Microsecond)
	pk = slices.Delete(pk, i, i+1)
	pk = slices.Insert(pk, mm6, p) // after MM6's last fragment (which moved down by one)
	r := analyze(pk, Options{Decryptor: keys})
	var got string
	for _, m := range r.SAs[0].Exchanges[0].Messages {
		if m.Frame == p.Frame {
			got = m.Payloads
		}
	}
	if got != "FRAG{encrypted}" {
		t.Errorf("MM5's completing fragment (frame %d): %q, want FRAG{encrypted}", p.Frame, got)
	}
	if r.Stats.DecryptFailed != 1 || r.Stats.Decrypted != 6 {
		t.Errorf("%d decrypted, %d not; want 6 (MM6, QM1-3, 2 Deletes) and 1 (MM5)", r.Stats.Decrypted, r.Stats.DecryptFailed)
	}
	if sa := r.SAs[0]; sa.State != StateDeleted || len(sa.ChildSAs) != 1 {
		t.Errorf("state %s, %d child SAs", sa.State, len(sa.ChildSAs))
	}
}

// TestV1FragLastMainModeMissedThenQuickMode: MM6's fragment 2 is missing
// from the capture (both corpus captures, strongSwan's and libreswan's),
// the rest is as captured: the initiator starts the quick mode (QM1)
// right after MM6, which it can only do with phase 1 complete, so it did
// put MM6 together (pluto.log and charon's logs show the SA established).
// The finding must say so, not that "a message with a fragment missing
// cannot be put together by the receiver either" (path loss).
func TestV1FragLastMainModeMissedThenQuickMode(t *testing.T) {
	for _, scen := range []string{v1FragScenario, "libreswan-ikev1-cert-fragmentation"} {
		orig := loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap"))
		i := fragIndex(t, orig, false, 2)
		pk := slices.Delete(slices.Clone(orig), i, i+1)
		for _, decr := range []Decryptor{keyringFor(t, filepath.Join(corpusDir, scen, "ikev1_decryption_table")), nil} {
			msg := findingText(analyze(pk, Options{Decryptor: decr}), KindFragmentsMissing)
			if !strings.Contains(msg, "The initiator sent the next message (QM1, frame ") || strings.Contains(msg, "cannot be put together by the receiver either") {
				t.Errorf("%s, keys %v: fragments_missing:\n%s", scen, decr != nil, msg)
			}
		}
	}
}

// TestV1FragLastMainModeMissedState: the edit of
// TestV1FragLastMainModeMissedThenQuickMode. The quick mode shows both
// peers past phase 1 (the initiator sent QM1, which needs MM6; the
// responder answered it), the child SA carried ESP both ways and the
// initiator deleted it (logs: established, then deleted). The SA is not
// "failed" (with keys, the Delete is read) nor "incomplete" (without).
func TestV1FragLastMainModeMissedState(t *testing.T) {
	for _, scen := range []string{v1FragScenario, "libreswan-ikev1-cert-fragmentation"} {
		orig := loadPackets(t, filepath.Join(corpusDir, scen, "capture.pcap"))
		i := fragIndex(t, orig, false, 2)
		pk := slices.Delete(slices.Clone(orig), i, i+1)
		for _, c := range []struct {
			decr Decryptor
			want State
		}{{keyringFor(t, filepath.Join(corpusDir, scen, "ikev1_decryption_table")), StateDeleted}, {nil, StateEstablished}} {
			if got := analyze(pk, Options{Decryptor: c.decr}).SAs[0].State; got != c.want {
				t.Errorf("%s, keys %v: state %s, want %s", scen, c.decr != nil, got, c.want)
			}
		}
	}
}
