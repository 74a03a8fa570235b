package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"testing"
)

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
		// Only frames are named: "(frame 4, 144 octets)" keeps its
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

// TestMergedFramesInCauses: the likely cause the verdict quotes names its
// frame by file too. Its text is not a finding's message (nor in JSON):
// when the frames of finding messages were rewritten afterwards, it kept
// the merged number ("(frame 18)" for 2:capture.pcap#4).
func TestMergedFramesInCauses(t *testing.T) {
	var out, errb bytes.Buffer
	args := []string{"analyze", "-q", "--two-sided=no", "--width", "0",
		"--keys", "../../testdata/corpus/ikev2-cert-expired/ikev2_decryption_table",
		"../../testdata/corpus/ikev2-psk-success/capture.pcap", "../../testdata/corpus/ikev2-cert-expired/capture.pcap"}
	if code := run(args, nil, &out, &errb); code > 1 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`Most likely: \[[a-z]+\] [^\n]*?\(frame ([^)]*)\)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no likely cause naming a frame in the verdict:\n%s", out.String())
	}
	if m[1] != "2:capture.pcap#4" {
		t.Errorf("the likely cause names frame %q, want 2:capture.pcap#4", m[1])
	}
}
