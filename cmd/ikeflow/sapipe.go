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
// stays bounded. When the goroutine falls behind, the analyzing goroutine
// encodes the SAs it hands over itself (aheadWriter), so that at Finish
// both cores encode.
//
// Only the analyzing goroutine calls the methods; the collector and what
// it writes to belong to the pipe's goroutine until wait returns.
type saPipe struct {
	each func(*flows.SA) // the OnSA work, run on the goroutine
	// stop reports, after each, that the work failed (a write error) and
	// the analysis should end; read on the goroutine only.
	stop func() bool
	// ahead, when set, is the encoding of the SAs (JSON), which the
	// analyzing goroutine does itself for an SA while the pipe's
	// goroutine is behind (see add); nil: the goroutine does all of it.
	ahead aheadWriter
	cur   *pipeBatch      // batch being filled (analyzing goroutine)
	full  chan *pipeBatch // filled batches, in order; closed by wait
	free  chan *pipeBatch // batches the goroutine is done with
	done  chan struct{}   // closed when the goroutine has returned
	// failed is set by the goroutine once stop said so or each panicked;
	// from then on it skips the SAs still coming.
	failed atomic.Bool
	// discard, set by abort, makes the goroutine skip what is left.
	discard  atomic.Bool
	panicMsg string // each panicked: the value and the stack (read after done)
	ended    bool
}

// An aheadWriter is a report writer (jsonStream) whose costly work on an
// SA, its encoding, can be done on the analyzing goroutine, ahead of the
// pipe's goroutine that calls its add.
//
// At Finish the analyzer finalises every SA still open (all of them on a
// capture shorter than the idle timeout) and the pipe's goroutine encodes
// them: encoding an SA costs more than finalising it, so the analyzer
// waited for the pipe for much of the end of a run, one core idle. When the
// pipe is behind (pipeBehind) the analyzing goroutine now encodes the SA
// it hands over itself, and the pipe's goroutine only copies the bytes:
// the work shares itself out between the two cores. The bytes are the
// same whichever goroutine encodes (the SA no longer changes once handed
// to OnSA), so the output does not depend on the scheduling.
type aheadWriter interface {
	// encodeAhead appends sa's encoding to b, and where its findings lie
	// (offsets in b) to spans. It runs on the analyzing goroutine, so it
	// must not touch the writer's state.
	encodeAhead(b []byte, spans []flows.FindingSpan, sa *flows.SA) ([]byte, []flows.FindingSpan, error)
	// aheadOf tells the writer that the SA handed to add next was encoded
	// ahead: its encoding is enc, the findings at spans (offsets in enc),
	// or the encoding failed with err. enc and spans are valid until add
	// returns; aheadOf(nil, ...) withdraws them after the SA.
	aheadOf(sa *flows.SA, enc []byte, spans []flows.FindingSpan, err error)
}

// pipeBatch is a batch of SAs on their way to the pipe's goroutine, with
// the encodings made ahead for some of them. Its buffers are reused from
// batch to batch.
type pipeBatch struct {
	items []pipeItem
	enc   []byte              // the encodings made ahead, one after another
	spans []flows.FindingSpan // their findings, offsets in enc
}

// pipeItem is one SA of a batch and, when encoded ahead (encoded), where
// its encoding lies in the batch's enc and spans.
type pipeItem struct {
	sa                 *flows.SA
	encoded            bool
	encStart, encEnd   int
	spanStart, spanEnd int
	err                error
}

// reset empties the batch for reuse, keeping its buffers unless an SA made
// them large (memory held stays bounded by the ring).
func (b *pipeBatch) reset() {
	clear(b.items)
	b.items = b.items[:0]
	if cap(b.enc) > pipeKeepEnc {
		b.enc, b.spans = nil, nil
	}
	b.enc, b.spans = b.enc[:0], b.spans[:0]
}

// pipeKeepEnc is the largest encoding buffer a batch keeps for the next
// (1 MiB: the encodings of a batch of 64 corpus SAs take ~250 KB).
const pipeKeepEnc = 1 << 20

// pipeBehind reports whether the pipe's goroutine is behind: every batch
// but the one being filled is waiting for it or in its hands. A test
// replaces it to make the analyzing goroutine encode some or every SA.
var pipeBehind = func(p *saPipe) bool { return len(p.free) == 0 }

// Pipe sizes (variables so that tests can make batches tiny). The ring
// holds pipeBatches*pipeBatchSAs = 1024 SAs, as many as jsonStream
// gathers before it writes them (flushEvery): its goroutine works in
// bursts (a flush encodes the SAs not encoded ahead, and writes a run of
// findings to disk now and then), and with a ring of 256 SAs the analyzer
// filled it during a burst and then waited, even though it encodes SAs
// itself meanwhile (add). Measured on a 10k-SA capture: Finish 104 -> 81
// ms with 16 batches instead of 4 (64: 71 ms, but the pipe is then 9 ms
// behind at wait).
var (
	pipeBatches  = 16
	pipeBatchSAs = 64
)

// newSAPipe starts the goroutine that runs each for every SA handed to
// add; stop is asked after each and ends the work when true. ahead, when
// not nil, is the writer whose encoding the analyzing goroutine may do
// ahead.
func newSAPipe(each func(*flows.SA), stop func() bool, ahead aheadWriter) *saPipe {
	p := &saPipe{
		each:  each,
		stop:  stop,
		ahead: ahead,
		full:  make(chan *pipeBatch, pipeBatches),
		free:  make(chan *pipeBatch, pipeBatches),
		done:  make(chan struct{}),
	}
	for range pipeBatches {
		p.free <- &pipeBatch{items: make([]pipeItem, 0, pipeBatchSAs)}
	}
	p.cur = <-p.free
	go p.run()
	return p
}

// run is the pipe's goroutine.
func (p *saPipe) run() {
	defer close(p.done)
	for {
		// Waiting for the next batch and for a free one: recvSpin.
		b, ok := recvSpin(p.full, nil)
		if !ok {
			return
		}
		if !p.failed.Load() && !p.discard.Load() {
			p.batch(b)
		}
		b.reset()
		p.free <- b
	}
}

// batch runs each over a batch, turning a panic into panicMsg (a panic
// left in this goroutine would end the process without the CLI's report):
// the analyzing goroutine, told by stopped, raises it again in wait.
func (p *saPipe) batch(b *pipeBatch) {
	defer func() {
		if r := recover(); r != nil {
			p.panicMsg = fmt.Sprintf("%v\n\n(in the report writer)\n%s", r, debug.Stack())
			p.failed.Store(true)
		}
	}()
	for i := range b.items {
		it := &b.items[i]
		if it.encoded {
			p.ahead.aheadOf(it.sa, b.enc[it.encStart:it.encEnd], b.spans[it.spanStart:it.spanEnd], it.err)
			p.each(it.sa)
			p.ahead.aheadOf(nil, nil, nil, nil)
		} else {
			p.each(it.sa)
		}
		if p.stop() {
			p.failed.Store(true)
			return
		}
	}
}

// add is the OnSA callback: it queues sa for the goroutine, encoded when
// the goroutine is behind (aheadWriter).
func (p *saPipe) add(sa *flows.SA) {
	p.cur.items = append(p.cur.items, pipeItem{sa: sa})
	if p.ahead != nil && pipeBehind(p) {
		p.encodeAhead(&p.cur.items[len(p.cur.items)-1])
	}
	if len(p.cur.items) == pipeBatchSAs {
		p.send()
	}
}

// encodeAhead encodes the SA of it, of the batch being filled, into the
// batch (on the analyzing goroutine).
func (p *saPipe) encodeAhead(it *pipeItem) {
	b := p.cur
	it.encoded = true
	it.encStart, it.spanStart = len(b.enc), len(b.spans)
	enc, spans, err := p.ahead.encodeAhead(b.enc, b.spans, it.sa)
	if err != nil {
		// Nothing kept: the pipe's goroutine meets the error where the
		// encoding would have failed on its side.
		it.err = err
		it.encEnd, it.spanEnd = it.encStart, it.spanStart
		return
	}
	// The spans are offsets in b.enc: made relative to the SA's encoding.
	for i := it.spanStart; i < len(spans); i++ {
		spans[i].Start -= it.encStart
		spans[i].End -= it.encStart
	}
	b.enc, b.spans = enc, spans
	it.encEnd, it.spanEnd = len(b.enc), len(b.spans)
}

// send hands the batch being filled to the goroutine and takes an empty
// one (waiting for it when the goroutine is pipeBatches behind).
func (p *saPipe) send() {
	p.full <- p.cur
	p.cur, _ = recvSpin(p.free, nil)
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
	if len(p.cur.items) > 0 {
		if p.ahead != nil {
			// The analyzing goroutine has nothing left to do but wait:
			// it encodes the last SAs itself while the pipe's goroutine
			// works through those it has. (ended is set after this: a
			// panic here reaches the CLI's guard, and abort, still
			// allowed, ends the goroutine.)
			for i := range p.cur.items {
				if it := &p.cur.items[i]; !it.encoded {
					p.encodeAhead(it)
				}
			}
		}
		p.full <- p.cur
	}
	p.ended = true
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
