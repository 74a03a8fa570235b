package flows

import (
	"strings"
	"testing"
)

func TestArticle(t *testing.T) {
	for _, c := range []struct{ word, want string }{
		{"IKE_AUTH", "an"}, {"INFORMATIONAL", "an"}, {"IKE_SA_INIT", "an"},
		{"CREATE_CHILD_SA", "a"}, {"GSA_AUTH", "a"}, {"unknown 7", "an"},
		{"8", "an"}, {"80", "an"}, {"800", "an"}, {"8192", "an"},
		{"11", "an"}, {"18", "an"}, {"11000", "an"}, {"18432", "an"},
		{"110", "a"}, {"1100", "a"}, {"180", "a"}, {"1", "a"},
		{"512", "a"}, {"1024", "a"}, {"768", "a"}, {"", "a"},
	} {
		if got := article(c.word); got != c.want {
			t.Errorf("article(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

func TestSkippedIDs(t *testing.T) {
	if got, want := skippedIDs(1, 1), "message ID 1 was skipped"; got != want {
		t.Errorf("skippedIDs(1, 1) = %q, want %q", got, want)
	}
	if got, want := skippedIDs(1, 3), "message IDs 1–3 were skipped"; got != want {
		t.Errorf("skippedIDs(1, 3) = %q, want %q", got, want)
	}
}

func TestCountPlural(t *testing.T) {
	if got := count(1, "time", "times"); got != "1 time" {
		t.Errorf("count(1) = %q", got)
	}
	if got := count(4, "time", "times"); got != "4 times" {
		t.Errorf("count(4) = %q", got)
	}
	if got := count(0, "frame comes", "frames come"); got != "0 frames come" {
		t.Errorf("count(0) = %q", got)
	}
	if plural(1, "has", "have") != "has" || plural(2, "has", "have") != "have" {
		t.Error("plural")
	}
}

func TestBadFlagsTextNumber(t *testing.T) {
	one := badFlagsText([]int{7}, []uint8{0x48}, true)
	if !strings.Contains(one, "of frame 7 (0x48) has reserved bits set: the packet is damaged") || !strings.Contains(one, " Its direction") {
		t.Errorf("one frame: %q", one)
	}
	two := badFlagsText([]int{7, 9}, nil, false)
	if !strings.Contains(two, "of frames 7, 9 have reserved bits set: the packets are damaged") || !strings.Contains(two, " Their SPIs match no IKE SA seen before them") {
		t.Errorf("two frames: %q", two)
	}
}
