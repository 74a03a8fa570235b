package main

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"

	"github.com/ikeflow/ikeflow/flows"
)

// An saPipe runs the collector (flows.Options.OnSA: counting, keeping,
// and for JSON and CSV encoding and writing each finalised SA) on a
// goroutine of its own, so that it works on the second core while the
// analyzer goes on. At Finish the analyzer concludes the SAs still open,
// most of them on a capture read in one go, and the second core is idle
// otherwise: encoding an SA as JSON costs about as much as concluding it.
//
// The analyzer no longer touches an SA once it has handed it to OnSA
// (finalize calls OnSA last; every index entry that led to the SA is gone
// and every path that could reach its state checks saState.done), so the
// goroutine reads it alone. The SAs go through in the order they were
// finalised, one goroutine handling them, so the output is the same bytes
// whatever the scheduling. They travel in batches (a channel operation
// per SA would cost more than the encoding saves), through a ring of
// pipeBatches batches: at most pipeBatches*pipeBatchSAs SAs wait, memory
// stays bounded.
//
// Only the analyzing goroutine calls the methods; the collector and what
// it writes to belong to the pipe's goroutine until wait returns.
type saPipe struct {
	each func(*flows.SA) // the OnSA work, run on the goroutine
	// stop reports, after each, that the work failed (a write error) and
	// the analysis should end; read on the goroutine only.
	stop func() bool
	cur  []*flows.SA      // batch being filled (analyzing goroutine)
	full chan []*flows.SA // filled batches, in order; closed by wait
	free chan []*flows.SA // batches the goroutine is done with
	done chan struct{}    // closed when the goroutine has returned
	// failed is set by the goroutine once stop said so or each panicked;
	// from then on it skips the SAs still coming.
	failed atomic.Bool
	// discard, set by abort, makes the goroutine skip what is left.
	discard  atomic.Bool
	panicMsg string // each panicked: the value and the stack (read after done)
	ended    bool
}

// Pipe sizes (variables so that tests can make batches tiny).
var (
	pipeBatches  = 4
	pipeBatchSAs = 64
)

// newSAPipe starts the goroutine that runs each for every SA handed to
// add; stop is asked after each and ends the work when true.
func newSAPipe(each func(*flows.SA), stop func() bool) *saPipe {
	p := &saPipe{
		each: each,
		stop: stop,
		full: make(chan []*flows.SA, pipeBatches),
		free: make(chan []*flows.SA, pipeBatches),
		done: make(chan struct{}),
	}
	for range pipeBatches {
		p.free <- make([]*flows.SA, 0, pipeBatchSAs)
	}
	p.cur = <-p.free
	go p.run()
	return p
}

// run is the pipe's goroutine.
func (p *saPipe) run() {
	defer close(p.done)
	for b := range p.full {
		if !p.failed.Load() && !p.discard.Load() {
			p.batch(b)
		}
		clear(b)
		p.free <- b[:0]
	}
}

// batch runs each over a batch, turning a panic into panicMsg (a panic
// left in this goroutine would end the process without the CLI's report):
// the analyzing goroutine, told by stopped, raises it again in wait.
func (p *saPipe) batch(b []*flows.SA) {
	defer func() {
		if r := recover(); r != nil {
			p.panicMsg = fmt.Sprintf("%v\n\n(in the report writer)\n%s", r, debug.Stack())
			p.failed.Store(true)
		}
	}()
	for _, sa := range b {
		p.each(sa)
		if p.stop() {
			p.failed.Store(true)
			return
		}
	}
}

// add is the OnSA callback: it queues sa for the goroutine.
func (p *saPipe) add(sa *flows.SA) {
	p.cur = append(p.cur, sa)
	if len(p.cur) == cap(p.cur) {
		p.send()
	}
}

// send hands the batch being filled to the goroutine and takes an empty
// one (waiting for it when the goroutine is pipeBatches behind).
func (p *saPipe) send() {
	p.full <- p.cur
	p.cur = <-p.free
}

// stopped reports whether the goroutine has given up (a write error or
// a panic): the caller should stop feeding packets and call wait.
func (p *saPipe) stopped() bool { return p.failed.Load() }

// wait hands over the last SAs and waits for the goroutine to finish with
// them; afterwards the collector may be read. A panic on the goroutine is
// raised again here, for the CLI's guard to report. Calling it again does
// nothing.
func (p *saPipe) wait() {
	if p.ended {
		return
	}
	p.ended = true
	if len(p.cur) > 0 {
		p.full <- p.cur
	}
	p.cur = nil
	close(p.full)
	<-p.done
	if p.panicMsg != "" {
		panic(p.panicMsg)
	}
}

// abort ends the goroutine, skipping the SAs not yet handled (the
// analysis is being abandoned on an error); no panic is raised.
func (p *saPipe) abort() {
	if p.ended {
		return
	}
	p.ended = true
	p.discard.Store(true)
	p.cur = nil
	close(p.full)
	<-p.done
}
