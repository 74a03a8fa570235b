package flows

import (
	"strconv"
	"testing"
	"time"
)

// TestSecs pins secs (built by appendSecs) to its definition: seconds with
// one decimal, never negative, then " s".
func TestSecs(t *testing.T) {
	for _, d := range []time.Duration{-time.Hour, -1, 0, 1, 49 * time.Millisecond, 50 * time.Millisecond,
		150 * time.Millisecond, 200 * time.Millisecond, 45200 * time.Millisecond, 99999 * time.Hour, 1<<63 - 1} {
		want := strconv.FormatFloat(max(d, 0).Seconds(), 'f', 1, 64) + " s"
		if got := secs(d); got != want {
			t.Errorf("secs(%d) = %q, want %q", d, got, want)
		}
		if got := string(appendSecs([]byte("x"), d)); got != "x"+want {
			t.Errorf("appendSecs(x, %d) = %q, want %q", d, got, "x"+want)
		}
	}
}
