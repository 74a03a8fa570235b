package flows

import (
	"fmt"
	"runtime/debug"
	"sync/atomic"
)

// Finishing on two cores.
//
// On a capture shorter than the idle timeout every SA is still open at
// Finish, and finalising them (10^4 on a big capture) is most of Finish,
// work the analyzing goroutine did alone while the second core sat idle
// (the read-ahead goroutine is done by then). finalizeShared splits
// finalize in two:
//
//   - settle and release, which read and write only the SA's own working
//     state, its exported SA and child SAs (conclude's scratch space is
//     per goroutine: concluder), and of the Analyzer only what no longer
//     changes after the last packet (now, opt, sawESP, texts). Any goroutine may
//     run them, for SAs in any order.
//   - what touches the Analyzer's state, in the order SAs are finalised:
//     the pair history (observePair), the Decryptor (Forget), the hand-off
//     (OnSA, Analyzer.done). The Analyzer's goroutine runs it, in order,
//     so the report and everything OnSA sees are the same as when one
//     goroutine finalises them all.
//
// The rest of finalize is done by Finish beforehand, for all the SAs: the
// indexes are dropped whole (unindexed) and the exported SAs assigned;
// the idle list (LRU) is dropped whole here, so that finalising an SA
// never writes another SA's working state (lruRemove would write its
// neighbours', which the worker may be settling).
//
// The SAs, in finalisation order, are cut into blocks of finishBlock.
// The Analyzer's goroutine and one worker take blocks in turn from a
// shared counter and settle them; the Analyzer's goroutine hands on every
// settled block, in order, between two of its own. A settled block is
// marked in ready (an atomic store after the work, so the worker's writes
// are seen by the goroutine that loads true). Taking blocks as they come
// balances the two goroutines whatever the other load on the machine; a
// settled SA waits to be handed on at most until the block the worker
// has in hand is settled.
//
// The worker is one goroutine per Finish, only when at least
// finishTuning.min SAs are open (a small report would gain little: see
// finishParMin), Options.FinishAlone is not set (OnSA feeds a slower
// goroutine of its own) and GOMAXPROCS allows two goroutines to run at
// once. It never outlives finalizeShared: a
// deferred halt stops it and waits for it, also when the hand-on panics
// (an OnSA callback). A panic in the worker is recovered there and raised
// again on the Analyzer's goroutine, with the worker's stack, for the
// caller's recover (the CLI's guard) to report.

// finishBlock is the number of SAs settled at a time by one goroutine:
// enough that taking a block (an atomic add) costs nothing beside its
// work (a few microseconds per SA), few enough that the hand-on keeps up
// with the settling and the last block leaves little to wait for.
const finishBlock = 64

// finishParMin is the default finishTuning.min. Finalising costs about
// 4 µs per SA (big10k: 38 ms for 10^4), so below it Finish takes about
// 2 ms on one core, and sharing 8 blocks saves at most half of that: not
// worth a goroutine for the many small reports (live, tests). Not tuned
// finer: on the shared 2-core machine, Finish of 300 and 1000 SAs gave
// the same CPU time either way and wall times within the noise.
const finishParMin = 512

// finishTuning is when and how Finish shares the finalising: from min SAs
// open, in blocks of block SAs (finishParMin and finishBlock; tests set
// them lower to run the shared path on small captures).
type finishTuning struct {
	min, block int
}

// finishShare is the state finalizeShared shares with its worker.
type finishShare struct {
	open  []openSA
	block int           // SAs per block
	next  atomic.Int64  // the next block to take
	ready []atomic.Bool // per block: it is settled
	stop  atomic.Bool   // the worker must take no more blocks
	done  chan struct{} // closed when the worker returns
	// panicMsg is the worker's panic, with its stack; read after done.
	panicMsg string
}

// finalizeShared finalises the SAs of open (sorted, at Finish, with the
// indexes dropped) with a worker goroutine settling some of them; see
// above.
func (a *Analyzer) finalizeShared(open []openSA) {
	// The idle list is dropped whole; each SA's own links are cleared
	// when it is handed on, after the worker is done with it.
	a.lruHead, a.lruTail = nil, nil
	blk := max(a.par.block, 1)
	nb := (len(open) + blk - 1) / blk
	sh := &finishShare{open: open, block: blk, ready: make([]atomic.Bool, nb), done: make(chan struct{})}
	go a.finishWorker(sh)
	defer sh.halt()
	handed := 0 // blocks handed on
	for {
		b, ok := sh.take()
		if !ok {
			break
		}
		a.settleBlock(sh, b, &a.cc)
		sh.ready[b].Store(true)
		// The blocks settled (by either goroutine) are handed on up to
		// the first that is not.
		for handed < nb && sh.ready[handed].Load() {
			a.handOnBlock(sh, handed)
			handed++
		}
	}
	sh.halt() // every block is taken: wait for the worker's last
	if sh.panicMsg != "" {
		panic(sh.panicMsg)
	}
	for ; handed < nb; handed++ {
		a.handOnBlock(sh, handed)
	}
}

// take returns the next block to settle, false when none is left.
func (sh *finishShare) take() (int, bool) {
	b := int(sh.next.Add(1) - 1)
	return b, b < len(sh.ready)
}

// halt stops the worker after its current block and waits for it to
// return. Calling it again only waits (done is closed).
func (sh *finishShare) halt() {
	sh.stop.Store(true)
	<-sh.done
}

// finishWorker settles blocks until none is left or halt says stop,
// marking each in ready, with a concluder of its own.
func (a *Analyzer) finishWorker(sh *finishShare) {
	defer close(sh.done)
	defer func() {
		if r := recover(); r != nil {
			// Left in this goroutine, the panic would end the process
			// without the caller's recover seeing it.
			sh.panicMsg = fmt.Sprintf("%v\n\n(finalising SAs on Finish's second goroutine)\n%s", r, debug.Stack())
		}
	}()
	var cc concluder
	for !sh.stop.Load() {
		b, ok := sh.take()
		if !ok {
			return
		}
		a.settleBlock(sh, b, &cc)
		sh.ready[b].Store(true)
	}
}

// settleBlock settles and releases the SAs of block b.
func (a *Analyzer) settleBlock(sh *finishShare, b int, cc *concluder) {
	for _, o := range sh.blockAt(b) {
		if settled(o.st) { // concluded ahead, by settleHeirs (heirs.go)
			a.finishConcluded(o.st)
			continue
		}
		a.settle(o.st, cc)
		o.st.release(&a.infs)
	}
}

// handOnBlock ends the finalisation of the SAs of block b (settled), in
// order: what finalize does after settle and release, on the Analyzer's
// goroutine.
func (a *Analyzer) handOnBlock(sh *finishShare, b int) {
	blk := sh.blockAt(b)
	for i := range blk {
		st := blk[i].st
		st.prev, st.next = nil, nil
		st.flags.clear(flInLRU)
		a.observePair(st)
		a.handOn(st)
		blk[i].st = nil // finalised SAs handed to OnSA can be released at once
	}
}

// blockAt returns the SAs of block b.
func (sh *finishShare) blockAt(b int) []openSA {
	return sh.open[b*sh.block : min((b+1)*sh.block, len(sh.open))]
}
