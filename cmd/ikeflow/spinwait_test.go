package main

import (
	"testing"
	"time"
)

func TestRecvSpinReady(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	if v, ok := recvSpin(ch, nil); v != 7 || !ok {
		t.Fatalf("recvSpin = %d, %v; want 7, true", v, ok)
	}
}

func TestRecvSpinClosed(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 1
	close(ch)
	if v, ok := recvSpin(ch, nil); v != 1 || !ok {
		t.Fatalf("first recvSpin = %d, %v; want the value sent before close", v, ok)
	}
	if v, ok := recvSpin(ch, nil); v != 0 || ok {
		t.Fatalf("recvSpin on a closed, drained channel = %d, %v; want 0, false", v, ok)
	}
}

func TestRecvSpinQuit(t *testing.T) {
	ch := make(chan int)
	quit := make(chan struct{})
	go func() {
		time.Sleep(2 * spinFor) // past the poll: recvSpin is blocked by then
		close(quit)
	}()
	if _, ok := recvSpin(ch, quit); ok {
		t.Fatal("recvSpin returned a value from a channel nobody sends to")
	}
}

// TestRecvSpinLate sends during the poll, after it and with the poll
// off: recvSpin receives each value whenever it comes.
func TestRecvSpinLate(t *testing.T) {
	old := spinFor
	defer func() { spinFor = old }()
	for _, tc := range []struct {
		spin, after time.Duration
	}{
		{time.Millisecond, 20 * time.Microsecond},     // during the poll
		{20 * time.Microsecond, 5 * time.Millisecond}, // after it: blocked
		{0, time.Millisecond},                         // no poll
	} {
		spinFor = tc.spin
		ch := make(chan int)
		go func() {
			time.Sleep(tc.after)
			ch <- 42
		}()
		if v, ok := recvSpin(ch, nil); v != 42 || !ok {
			t.Errorf("spin %v, value after %v: recvSpin = %d, %v; want 42, true", tc.spin, tc.after, v, ok)
		}
	}
}
