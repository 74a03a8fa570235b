package flows

import (
	"slices"
	"strings"
	"testing"
)

// IKE messages the capture cut short (a snap length, IP fragments missing,
// a damaged record): the header is read, the rest does not decode. Each
// test cuts one real message to half its octets, as such a capture holds
// it, and checks that what the rest of the capture shows still stands.

// cutFrame returns pk with the message of frame f cut to half its octets.
func cutFrame(t *testing.T, pk []Packet, f int) []Packet {
	t.Helper()
	out := clonePackets(pk)
	i := byFrame(t, out, f)
	out[i].Data = out[i].Data[:len(out[i].Data)/2]
	return out
}

// TestCutCopyIsRetransmit: a cut copy of a retransmitted request is one of
// its transmissions. ikev2-dpd-dead-peer's DPD (message ID 2) went out 4
// times (frames 9, 11, 13, 15); with the first cut, the report read two
// retransmit series of 3 (at +0, +2.4, +4.4 s and +0, +1.4, +3.4 s), each
// false. ikev2-retransmit's IKE_SA_INIT went out 4 times: with its second
// copy cut the retransmit finding was gone, with its third cut the request
// was "sent 2 times", unanswered, though frame 5 answers it. And
// ikev2-rekey-ike-then-dead-peer with keys, one DPD copy cut, read a
// message_id_desync error.
func TestCutCopyIsRetransmit(t *testing.T) {
	cases := []struct {
		scenario string
		cut      int
		keyed    bool
		want     string // in the one retransmit finding
	}{
		{"ikev2-dpd-dead-peer", 9, false, "4 times at +0 s, +1.0 s, +2.4 s, +4.4 s"},
		{"ikev2-dpd-dead-peer", 11, true, "4 times at +0 s, +1.0 s, +2.4 s, +4.4 s"},
		{"ikev2-retransmit", 2, false, "4 times at +0 s, +1.0 s, +2.4 s, +4.4 s (back-off: 1.0 s, 1.4 s, 2.0 s). It was eventually answered"},
		{"ikev2-retransmit", 3, true, "4 times at +0 s, +1.0 s, +2.4 s, +4.4 s (back-off: 1.0 s, 1.4 s, 2.0 s). It was eventually answered"},
		{"ikev2-rekey-ike-then-dead-peer", 33, true, "sent its INFORMATIONAL request (message ID 0) 4 times"},
	}
	for _, c := range cases {
		opt := Options{}
		if c.keyed {
			opt.Decryptor = corpusKeys(t, corpusDir+"/"+c.scenario)
		}
		r := analyze(cutFrame(t, corpusPackets(t, c.scenario), c.cut), opt)
		var rt []string
		for _, sa := range r.SAs {
			for _, f := range sa.Findings {
				switch f.Kind {
				case KindRetransmit:
					rt = append(rt, f.Message)
				case KindMIDDesync:
					t.Errorf("%s cut %d: %s", c.scenario, c.cut, f.Message)
				}
			}
		}
		if len(rt) != 1 || !strings.Contains(rt[0], c.want) {
			t.Errorf("%s cut %d: retransmit findings %q, want one with %q", c.scenario, c.cut, rt, c.want)
		}
	}
}

// TestCutAuthAnswer: ikev2-retransmit with its IKE_AUTH answer (frame 7)
// cut. Its header says 242 octets, enough for IDr and AUTH, and ESP
// follows both ways: without keys the SA is up (it read "incomplete", the
// ESP esp_without_ike). With keys, the request was read: the ESP to the
// initiator with the SPI it offered makes the child SA, the responder's
// SPI read from the ESP the other way, as on the whole capture (it read
// "failed", no child SA, and the ESP "negotiated before the capture
// started"). With the cut SK payload taken as encrypted content (its
// header names it), the SA is up from its answer, with keys too.
func TestCutAuthAnswer(t *testing.T) {
	const sc = "ikev2-retransmit"
	dir := corpusDir + "/" + sc
	whole := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
	pk := cutFrame(t, corpusPackets(t, sc), 7)

	r := analyze(slices.Clone(pk), Options{})
	if sa := r.SAs[0]; sa.State != StateEstablished || len(sa.ChildSAs) != 1 || r.Stats.UnmatchedESP != 0 {
		t.Errorf("keyless: state %s, %d child SAs, %d ESP without IKE SA; want established, 1, 0", sa.State, len(sa.ChildSAs), r.Stats.UnmatchedESP)
	}

	r = analyze(pk, Options{Decryptor: corpusKeys(t, dir)})
	sa := r.SAs[0]
	if sa.State != whole.State || r.Stats.UnmatchedESP != 0 || len(sa.ChildSAs) != 1 {
		t.Fatalf("keyed: state %s (whole: %s), %d child SAs, %d ESP without IKE SA", sa.State, whole.State, len(sa.ChildSAs), r.Stats.UnmatchedESP)
	}
	c, w := sa.ChildSAs[0], whole.ChildSAs[0]
	if c.SPIi != w.SPIi || c.SPIr != w.SPIr || c.ESPPackets != w.ESPPackets {
		t.Errorf("child SA %s/%s %+v, whole capture %s/%s %+v", c.SPIi, c.SPIr, c.ESPPackets, w.SPIi, w.SPIr, w.ESPPackets)
	}
	// Its SK payload cut, the answer is still an encrypted IKE_AUTH answer
	// large enough for IDr and AUTH: up from it, as without keys (before,
	// the SA came up only at its end, from the ESP, with a capture_gap).
	if at := pk[byFrame(t, pk, 7)].Time; !sa.Established.Equal(at) {
		t.Errorf("keyed: established at %v, want the answer's time %v", sa.Established, at)
	}
}

// TestDeletedAfterAuthCutWithKeys: ikev2-cert-id-not-in-cert with keys and
// the initiator's INFORMATIONAL (frame 7) cut: deleted_after_auth still
// reports it, but no longer calls it "encrypted" as if no keys had been
// given: it did not decode.
func TestDeletedAfterAuthCutWithKeys(t *testing.T) {
	const sc = "ikev2-cert-id-not-in-cert"
	pk := cutFrame(t, corpusPackets(t, sc), 7)
	sa := analyze(pk, Options{Decryptor: corpusKeys(t, corpusDir+"/"+sc)}).SAs[0]
	f := finding(sa, KindDeletedAfterAuth)
	if f == nil {
		t.Fatal("no deleted_after_auth")
	}
	if strings.Contains(f.Message, "encrypted;") || !strings.Contains(f.Message, "malformed, so the keys given could not read it") {
		t.Errorf("deleted_after_auth: %s", f.Message)
	}
}

// TestCutFragmentHeld: an IKEv2 fragment (RFC 7383) the capture holds cut
// short is held, not missing. ikev2-cert-fragmentation's IKE_AUTH request
// came in 5 fragments (frames 3-7); with frame 4 cut the report said the
// capture "lacks fragment 2" and "missed the rest (taken on another
// path…)", though fragment 2 is in frame 4. With frame 5 dropped as well,
// fragment 3 is the one missing.
func TestCutFragmentHeld(t *testing.T) {
	const sc = "ikev2-cert-fragmentation"
	cut := cutFrame(t, corpusPackets(t, sc), 4)
	dropped := slices.Delete(clonePackets(cut), byFrame(t, cut, 5), byFrame(t, cut, 5)+1)
	cases := []struct {
		name      string
		pk        []Packet
		want, not []string
	}{
		{"cut 4", cut,
			[]string{"came in 5 fragments (RFC 7383), all of them in this capture (frames 3, 4, 5, 6, 7)",
				"fragment 2 only in a message that did not decode (frame 4", "the capture holds part of it only cut short"},
			[]string{"lacks", "another path"}},
		{"cut 4, drop 5", dropped,
			[]string{"lacks fragment 3 (it holds the other 4, in frames 3, 4, 6, 7)", "fragment 2 only in a message that did not decode (frame 4",
				"the capture missed some"},
			[]string{"all of them"}},
	}
	for _, c := range cases {
		for _, keyed := range []bool{false, true} {
			opt := Options{}
			if keyed {
				opt.Decryptor = corpusKeys(t, corpusDir+"/"+sc)
			}
			var got []string
			for _, sa := range analyze(c.pk, opt).SAs {
				for _, f := range sa.Findings {
					if f.Kind == KindFragmentsMissing {
						got = append(got, f.Message)
					}
				}
			}
			if len(got) != 1 {
				t.Errorf("%s keyed=%v: fragments_missing findings %q, want 1", c.name, keyed, got)
				continue
			}
			for _, w := range c.want {
				if !strings.Contains(got[0], w) {
					t.Errorf("%s keyed=%v: %q lacks %q", c.name, keyed, got[0], w)
				}
			}
			for _, n := range c.not {
				if strings.Contains(got[0], n) {
					t.Errorf("%s keyed=%v: %q says %q", c.name, keyed, got[0], n)
				}
			}
		}
	}
}

// TestFragmentsBeforeCapture: libreswan-ikev2-fragmentation from frame 8
// on: the capture begins with fragments 2-4 of the responder's IKE_AUTH
// answer, fragment 1 sent just before it started. The finding said "If they
// were lost on the path …" (a warning); it now says the capture began
// after them (info).
func TestFragmentsBeforeCapture(t *testing.T) {
	pk := corpusPackets(t, "libreswan-ikev2-fragmentation")
	r := analyze(clonePackets(pk[byFrame(t, pk, 8):]), Options{})
	f := findingsOf(r, KindFragmentsMissing)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "may have been sent before the capture started") {
		t.Errorf("fragments_missing: %v", f)
	}
}

// TestV1FragmentsBeforeCapture: ikev1-cert-fragmentation from frame 6 on
// holds fragments 2 and 3 of the initiator's MM5, fragment 1 sent just
// before the capture began; the responder's MM6 follows. The finding
// said the capture "missed the fragments (taken on another path …)", a
// warning. Without frame 6 (fragment 2) on the whole capture, the
// responder's MM6 still shows it put MM5 together: a capture problem
// (info), not the path's.
func TestV1FragmentsBeforeCapture(t *testing.T) {
	pk := corpusPackets(t, "ikev1-cert-fragmentation")
	f := findingsOf(analyze(clonePackets(pk[byFrame(t, pk, 6):]), Options{}), KindFragmentsMissing)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "the capture began") {
		t.Errorf("from frame 6: %v", f)
	}
	i := byFrame(t, pk, 6)
	f = findingsOf(analyze(slices.Delete(clonePackets(pk), i, i+1), Options{}), KindFragmentsMissing)
	if len(f) != 1 || f[0].Severity != SeverityInfo || !strings.Contains(f[0].Message, "the capture missed the fragments") {
		t.Errorf("without frame 6: %v", f)
	}
}
