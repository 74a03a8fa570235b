package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestFrameRefsText: the frames a finding's text names are rewritten to
// each file's numbering with the file named, as lists, pairs and spans;
// words that only contain "frame" and numbers elsewhere are left alone,
// and a rewritten text is not rewritten again.
func TestFrameRefsText(t *testing.T) {
	r := newFrameRefs([]string{"a.pcap", "b.pcap"})
	// merged 1..6: a#1, b#1, a#2, b#2, b#3, a#3
	for _, fi := range []int{0, 1, 0, 1, 1, 0} {
		r.add(fi, map[int]int{0: 0, 1: 0}[fi]+1)
	}
	r.frame = []uint32{1, 1, 2, 2, 3, 3}
	for _, c := range []struct{ in, want string }{
		{"The IKE_AUTH response (frame 2) is small.", "The IKE_AUTH response (frame b.pcap#1) is small."},
		{"(frames 1, 3, 6)", "(frames a.pcap#1, 2, 3)"},
		{"frames 1, 2, 4", "frames a.pcap#1; b.pcap#1, 2"},
		{"frames 1 and 2.", "frames a.pcap#1; b.pcap#1."},
		{"frames 2–5 then", "frames b.pcap#1–3 then"},
		{"frames 1–2", "frames a.pcap#1–b.pcap#1"},
		{"The IKE_AUTH response (frame 4, 6 octets) is", "The IKE_AUTH response (frame b.pcap#2, 6 octets) is"},
		{"(frames 1, 2, 5 octets)", "(frames a.pcap#1; b.pcap#1, 5 octets)"},
		{"twice in the capture (frames 1/2, 3/4, …)", "twice in the capture (frames a.pcap#1/b.pcap#1, a.pcap#2/b.pcap#2, …)"},
		{"a subframe 3 and 4 frames, fragment 2 of 3", "a subframe 3 and 4 frames, fragment 2 of 3"},
		{"ends with frame", "ends with frame"},
		{"frame 12345678901234", "frame 12345678901234"},
		{"", ""},
	} {
		got := r.text(c.in)
		if got != c.want {
			t.Errorf("text(%q) = %q, want %q", c.in, got, c.want)
		}
		if again := r.text(got); again != got {
			t.Errorf("text(text(%q)) = %q, not %q", c.in, again, got)
		}
	}
	var one *frameRefs
	if got := one.text("frame 2"); got != "frame 2" {
		t.Errorf("one input: %q", got)
	}
}

// TestMergedFramesInTexts: with two captures analysed as one, no finding's
// text names a frame by the merged number (the frames fields name their
// files: a text saying "frame 18" where the report says b.pcap#4 sent the
// reader to the wrong packet). Real corpus captures, JSON output.
func TestMergedFramesInTexts(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"analyze", "-q", "--two-sided=no", "--format", "json",
		"../../testdata/corpus/ikev2-psk-success/capture.pcap", "../../testdata/corpus/ikev1-wrong-psk/capture.pcap",
		"../../testdata/corpus/libreswan-ikev2-xfrm-fail/capture.pcap", "../../testdata/corpus/ikev2-auth-child-no-proposal/capture.pcap"}
	if code := run(args, nil, &out, &errb); code > 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var rep struct {
		Findings []struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	bare := regexp.MustCompile(`\bframes? [0-9]+([^0-9:]|$)`)
	named := 0
	for _, f := range rep.Findings {
		if m := bare.FindString(f.Message); m != "" {
			t.Errorf("%s: %q in %s", f.Kind, m, f.Message)
		}
		// Only frames are rewritten: "(frame 4, 144 octets)" keeps its
		// octets (the review caught "c.pcap#144 octets").
		if m := regexp.MustCompile(`(#|; )[0-9]+ octets`).FindString(f.Message); m != "" {
			t.Errorf("%s: an octet count taken for a frame, %q, in %s", f.Kind, m, f.Message)
		}
		if regexp.MustCompile(`\bframes? [0-9]:capture\.pcap#[0-9]`).MatchString(f.Message) {
			named++
		}
	}
	if named == 0 {
		t.Fatalf("no text names a frame: %s", out.String())
	}
}

// FuzzFrameRefsText: any text, rewritten, does not panic, is left alone
// when it names no frame, and is not rewritten again.
func FuzzFrameRefsText(f *testing.F) {
	for _, s := range []string{"(frames 1, 3, 6)", "frame 2", "frames 2–5 then", "(frame 4, 144 octets)", "frames 1/2, 3/4, …", "frames 9999999999999", "frame 1 and 2 and 3"} {
		f.Add(s)
	}
	r := newFrameRefs([]string{"a.pcap", "b.pcap"})
	for i := range 6 {
		r.add(i%2, i/2+1)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := r.text(s)
		if !strings.Contains(s, "frame") && got != s {
			t.Fatalf("text(%q) = %q: no frame in it", s, got)
		}
		if again := r.text(got); again != got {
			t.Fatalf("text(%q) = %q, then %q", s, got, again)
		}
	})
}
