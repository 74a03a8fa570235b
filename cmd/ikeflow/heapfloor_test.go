package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// gcPercent returns the GOGC in force.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestHeapFloor checks that the floor raises GOGC while the live heap is
// small, gives the runtime's pacing back once the live heap is big
// enough to double past the floor, and restores GOGC when stopped.
func TestHeapFloor(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	base := gcPercent()
	if base <= 0 {
		t.Skip("GC off")
	}
	runtime.GC()
	stop := startHeapFloor()
	if p := gcPercent(); p <= base {
		t.Fatalf("small heap: GOGC %d, want above %d", p, base)
	}
	// 48 MiB live: twice that is past the floor, GOGC is the base again
	// once a collection has run the tuner (a finalizer: let it run).
	big := make([][]byte, 48)
	for i := range big {
		big[i] = make([]byte, 1<<20)
	}
	p := 0
	for range 50 {
		runtime.GC()
		runtime.Gosched()
		if p = gcPercent(); p == base {
			break
		}
	}
	if p != base {
		t.Errorf("48 MiB live: GOGC %d, want %d", p, base)
	}
	runtime.KeepAlive(big)
	stop()
	if p := gcPercent(); p != base {
		t.Errorf("after stop: GOGC %d, want %d", p, base)
	}
	stop() // a second call does nothing
	// Two commands at once: the floor lasts until the last stops.
	runtime.GC() // the 48 MiB are garbage now
	s1, s2 := startHeapFloor(), startHeapFloor()
	s1()
	if p := gcPercent(); p <= base {
		t.Errorf("one of two stopped: GOGC %d, want above %d", p, base)
	}
	s2()
	if p := gcPercent(); p != base {
		t.Errorf("both stopped: GOGC %d, want %d", p, base)
	}
	runtime.GC()
	runtime.GC()
	if p := gcPercent(); p != base {
		t.Errorf("after stop and collections: GOGC %d, want %d", p, base)
	}
}

// TestHeapFloorEnv checks that a GOGC setting in the environment wins.
func TestHeapFloorEnv(t *testing.T) {
	t.Setenv("GOGC", "100")
	base := gcPercent()
	stop := startHeapFloor()
	defer stop()
	if p := gcPercent(); p != base {
		t.Errorf("GOGC set: GOGC changed to %d from %d", p, base)
	}
}
