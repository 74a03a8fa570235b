package flows

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestLateFrameHedged: libreswan-ikev2-fragmentation with the first
// fragment of its IKE_AUTH request (frame 3) moved to the end of the file,
// its time kept, as a capture concatenated out of order holds it. Analysed
// where the file has it, the fragment alone read as a second IKE_AUTH
// request with message ID 1: a message_id_desync error, "one side has lost
// track of its message IDs". The findings judged from order that name the
// late frame are now warnings that say so; weak or content findings, and
// the capture's out_of_order warning, are as before.
func TestLateFrameHedged(t *testing.T) {
	pk := slices.Clone(corpusPackets(t, "libreswan-ikev2-fragmentation"))
	late := pk[2]
	pk = append(slices.Delete(pk, 2, 3), late)
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r := analyze(pk, Options{})
	if len(r.SAs) != 1 {
		t.Fatalf("%d SAs", len(r.SAs))
	}
	hedge := "Frame 12 of this finding is out of time order in the file (out_of_order)"
	d := finding(r.SAs[0], KindMIDDesync)
	if d == nil || d.Severity != SeverityWarning || !strings.Contains(d.Message, hedge) {
		t.Errorf("message_id_desync: %+v", d)
	}
	for _, f := range r.SAs[0].Findings {
		if f.Severity == SeverityError {
			t.Errorf("error left: %s: %s", f.Kind, f.Message)
		}
		if strings.Contains(f.Message, hedge) && !slices.Contains(f.Frames, 12) {
			t.Errorf("%s hedged without frame 12: %v", f.Kind, f.Frames)
		}
	}
	if !slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Kind == KindOutOfOrder && slices.Equal(f.Frames, []int{12}) }) {
		t.Errorf("no out_of_order finding naming frame 12: %+v", r.Findings)
	}
	// In time order, nothing is hedged.
	for _, f := range analyze(corpusPackets(t, "libreswan-ikev2-fragmentation"), Options{}).SAs[0].Findings {
		if strings.Contains(f.Message, "out of time order") {
			t.Errorf("in order: %s hedged", f.Kind)
		}
	}
	// A late IKE message of the SA that the finding does not name:
	// ikev1-dpd-dead-peer with MM1 at the end of the file. The DPD run is
	// in order, but the SA's first message comes last.
	pk = slices.Clone(corpusPackets(t, "ikev1-dpd-dead-peer"))
	pk = append(pk[1:], pk[0])
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r = analyze(pk, Options{})
	n := strconv.Itoa(len(pk))
	var hedged bool
	for _, sa := range r.SAs {
		if d := finding(sa, KindDeadPeer); d != nil {
			hedged = strings.Contains(d.Message, "Frame "+n+" of this SA is out of time order")
		}
	}
	if !hedged {
		t.Errorf("dead_peer not hedged by the SA's late frame %s", n)
	}
	// With keys, an IKEv1 SA whose MM3 comes last in the file: the IVs
	// that follow from its KE payload are not there in time, and the
	// right key read as "wrong phase-1 encryption key?".
	pk = slices.Clone(corpusPackets(t, "ikev1-dpd"))
	pk = append(slices.Delete(slices.Clone(pk), 2, 3), pk[2])
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r = analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, "ikev1-dpd"))})
	var keyed bool
	for _, sa := range r.SAs {
		if k := finding(sa, KindKeyFailed); k != nil {
			keyed = true
			if !strings.Contains(k.Message, "so the key may well be right") {
				t.Errorf("key_does_not_verify not hedged: %s", k.Message)
			}
		}
	}
	if !keyed {
		t.Errorf("no key_does_not_verify: the case no longer happens? %v", sortedKinds(r))
	}
	// The late frame is the first copy of a request sent again: its
	// answer came before the file shows it (libreswan-ikev1-quick-refused,
	// QM1 at the end, keyed: "got no reply", INVALID-ID-INFORMATION
	// aside).
	scen := "libreswan-ikev1-quick-refused"
	pk = slices.Clone(corpusPackets(t, scen))
	pk = append(slices.Delete(slices.Clone(pk), 6, 7), pk[6])
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r = analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, scen))})
	for _, sa := range r.SAs {
		if u := finding(sa, KindUnanswered); u != nil && !strings.Contains(u.Message, "out of time order") {
			t.Errorf("%s: unanswered_request not hedged: %s", scen, u.Message)
		}
	}
	// A late IKE message of another SA between the same peers: the
	// second SA's IKE_AUTH answer at the end of the file, and the first
	// SA's child SA read as one-way.
	scen = "openiked-ikev2-two-ike-sas-same-hosts"
	pk = slices.Clone(corpusPackets(t, scen))
	pk = append(slices.Delete(slices.Clone(pk), 7, 8), pk[7])
	for i := range pk {
		pk[i].Frame = i + 1
	}
	r = analyze(pk, Options{})
	var oneWay int
	for _, sa := range r.SAs {
		for _, f := range sa.Findings {
			if f.Kind == KindOneWayESP {
				oneWay++
				if !strings.Contains(f.Message, "of another SA between these peers is out of time order") {
					t.Errorf("%s: one_way_esp not hedged: %s", scen, f.Message)
				}
			}
		}
	}
	if oneWay == 0 {
		t.Errorf("%s: no one_way_esp: the case no longer happens? %v", scen, sortedKinds(r))
	}
}
