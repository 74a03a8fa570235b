package flows

import (
	"strings"
	"testing"
)

func TestSkippedIDs(t *testing.T) {
	if got, want := skippedIDs(1, 1), "message ID 1 was skipped"; got != want {
		t.Errorf("skippedIDs(1, 1) = %q, want %q", got, want)
	}
	if got, want := skippedIDs(1, 3), "message IDs 1–3 were skipped"; got != want {
		t.Errorf("skippedIDs(1, 3) = %q, want %q", got, want)
	}
}

func TestBadFlagsTextNumber(t *testing.T) {
	one := badFlagsText([]int{7}, []uint8{0x48}, true, frameNamer{})
	if !strings.Contains(one, "of frame 7 (0x48) has reserved bits set: the packet is damaged") || !strings.Contains(one, " Its direction") {
		t.Errorf("one frame: %q", one)
	}
	two := badFlagsText([]int{7, 9}, nil, false, frameNamer{})
	if !strings.Contains(two, "of frames 7, 9 have reserved bits set: the packets are damaged") || !strings.Contains(two, " Their SPIs match no IKE SA seen before them") {
		t.Errorf("two frames: %q", two)
	}
}
