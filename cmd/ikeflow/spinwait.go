package main

import (
	"runtime"
	"time"
)

// Waiting for the other goroutine of a pipeline (the read-ahead's blocks,
// the report writer's batches) by polling a little before blocking.
//
// A goroutine that blocks on an empty channel parks its thread (a futex
// wait), and the goroutine that sends to it next must wake that thread (a
// futex wake: a system call on the sender's side, and on a virtual
// machine an exit to the hypervisor on both sides). On big10k the
// read-ahead's two goroutines each waited for the other 85-160 times a
// run (of about 920 blocks), and the analyzing goroutine paid for the
// reader's wake-ups as well as its own. Polling the channel first,
// yielding the processor between polls (another goroutine of ours may
// need it), catches nearly every block as it comes: with a 50 µs poll the
// waits that ended parked fell from about 100 to a handful a side.
//
// The poll is bounded by spinFor: past it the goroutine blocks as before,
// so a long pause of the other side (a slow input, a live capture's
// quiet) costs at most spinFor of CPU per wait. It is off with one
// processor (GOMAXPROCS=1), where the other goroutine cannot run while
// this one polls.
//
// Measured with the binary on big10k, runs alternating, medians (wall,
// CPU), three series within an hour:
//
//	poll      table (25 rounds)   table (30 rounds)   JSON (30 rounds)
//	none      144.3 / 227.6 ms    148.1 / 236.3 ms    177.1 / 283.0 ms
//	50 µs     134.4 / 227.5       140.1 / 235.9       170.7 / 286.0
//	100 µs                        137.4 / 236.4       176.4 / 295.3
//	200 µs    135.8 / 232.1
//	1 ms      138.4 / 238.7
//
// Longer polls bought no more wall time and cost CPU; 50 µs it is. In a
// slow hour of the same machine (every run 25% longer) the gain was
// within the noise (30 rounds: 181.4 against 176.7 ms). Later, with the
// summary-table cache (flows' texttab.go) too, against the binary from
// before both: paired alternating runs 5-10 ms faster (40 rounds, table
// and JSON, CPU within ±6 ms), while scripts/bench-vs-tshark.sh with it
// as BASE measured the table 3-9% slower and its CPU 9-15% higher, twice
// (11 rounds, commands in a fixed round-robin order): on this machine
// the effect is about the size of the noise between those two methods.

// spinFor is how long recvSpin polls before it blocks.
var spinFor = 50 * time.Microsecond

// recvSpin receives from ch: at once if a value is ready, else polling ch
// for up to spinFor, then blocking. It returns false, without a value,
// when ch is closed (and drained) or quit is closed first (a nil quit
// never is).
func recvSpin[T any](ch <-chan T, quit <-chan struct{}) (T, bool) {
	var zero T
	spin := spinFor > 0 && runtime.GOMAXPROCS(0) > 1
	var start time.Time
	for i := 0; ; i++ {
		select {
		case v, ok := <-ch:
			return v, ok
		case <-quit:
			return zero, false
		default:
		}
		switch {
		case !spin:
		case i == 0:
			start = time.Now()
			runtime.Gosched()
			continue
		case i%16 != 0 || time.Since(start) < spinFor: // reading the clock costs more than a poll: every 16th
			runtime.Gosched()
			continue
		}
		break
	}
	select {
	case v, ok := <-ch:
		return v, ok
	case <-quit:
		return zero, false
	}
}
