package flows

import (
	"slices"
	"testing"
)

// TestFindingOrder: findings about no frame in particular sort after every
// finding that names a frame (the CLI and Report.Findings share Order).
func TestFindingOrder(t *testing.T) {
	fs := []Finding{{Kind: "a"}, {Kind: "b", Frames: []int{7}}, {Kind: "c", Frames: []int{2, 9}}, {Kind: "d"}}
	slices.SortStableFunc(fs, func(x, y Finding) int { return x.Order() - y.Order() })
	var got string
	for _, f := range fs {
		got += string(f.Kind)
	}
	if got != "cbad" {
		t.Errorf("order %q, want cbad", got)
	}
}
