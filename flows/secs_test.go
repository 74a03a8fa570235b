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

// TestJoinInts pins joinInts to its definition: the numbers in decimal,
// separated by ", ", for lists shorter and longer than its stack buffer.
func TestJoinInts(t *testing.T) {
	for _, v := range [][]int{nil, {}, {0}, {7}, {5, 7, 9}, {-1, 1 << 62, 12}} {
		want := ""
		for i, x := range v {
			if i > 0 {
				want += ", "
			}
			want += strconv.Itoa(x)
		}
		if got := joinInts(v); got != want {
			t.Errorf("joinInts(%v) = %q, want %q", v, got, want)
		}
	}
	long := make([]int, 300)
	for i := range long {
		long[i] = 1000000 + i
	}
	if got := joinInts(long); len(got) != 300*7+299*2 || got[:17] != "1000000, 1000001," {
		t.Errorf("joinInts of 300 frames: %d octets, starting %q", len(got), got[:17])
	}
}
