package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// Read-ahead: a goroutine reads and decodes the captures (pcap records,
// link, IP, UDP/TCP, merging by time) into blocks of packets while the
// analyzer works through the previous block, so that reading runs on the
// second core. Blocks are reused through a ring of raBlocks buffers:
// memory stays bounded whatever the capture holds. Given the analyzer's
// Preparer, the goroutine also does the analyzer's per-packet work that
// needs only the packet (flows.Preparer: the message's fingerprint, the
// NAT detection hashes), while the octets are in its CPU cache. Given the
// analyzer's Sequencer instead, it also runs the analyzer's reorder window
// there (flows.Sequencer), so that the blocks hold packets in the order
// the analyzer takes them (feedSequenced); it can also decode their IKE
// messages there (flows.Sequencer.Predecode, predecodeOn).

// Read-ahead sizes (variables so that tests can make blocks tiny).
//
// Small blocks keep what the analyzer reads of a block (its items, octets
// and decoded messages, about 200 KiB at 128 packets) in the cache of the
// core that filled it, or in the shared one, and take less memory. analyze
// on big10k, 30 runs of each binary, alternating (wall, median and first
// quartile):
//
//	4 × 512 packets, 256 KiB   166.5 ms  160.9 ms
//	4 × 256, 128 KiB           160.0     153.7
//	4 × 128, 64 KiB            156.0     151.8
//
// (BenchmarkAnalyze, 8 rounds: 4 × 64 packets, 32 KiB, is no faster than
// 4 × 128; the hand-overs cost more from there.)
var (
	raBlocks      = 4        // blocks in the ring (one being read, one being analysed, two ahead)
	raBlockItems  = 128      // packets (and warnings) per block
	raBlockOctets = 64 << 10 // IKE octets per block before it is handed over (one message may go past)
)

// raItem is one event for the analyzer: a packet, or a warning about a
// capture (err set).
type raItem struct {
	pkt      flows.Packet   // Data nil: the octets are raBlock.data[off:off+n]
	pre      flows.Prepared // what readAhead.prep prepared for pkt (zero without)
	off, n   int
	hasData  bool
	in       int    // index of the input the packet came from
	path     string // warnings: the capture it is about
	err      error  // a warning (capture damage, or an input that stopped)
	panicMsg string // the reader panicked: the value and its stack
	// seq is the packet as the Sequencer handed it on (isSeq), its
	// octets moved to the block's data (Sequencer.MoveData).
	seq   flows.Sequenced
	isSeq bool
}

// raBlock is a batch of consecutive events and the octets of their IKE
// messages (in data, one after the other in the order the analyzer reads
// them: for the CPU's prefetcher, see flows' sequence.go).
type raBlock struct {
	items []raItem
	data  []byte
	dec   flows.DecodeBuf // the IKE messages of items, decoded ahead (fillSequenced)
	end   bool            // the last block: every input is exhausted (or err)
	err   error           // reading stopped on this error
}

// readAhead runs a merger in its own goroutine.
type readAhead struct {
	full chan *raBlock // filled blocks, in order
	free chan *raBlock // blocks the analyzer is done with
	quit chan struct{} // closed by stop
	done chan struct{} // closed when the goroutine has returned
	cur  *raBlock      // block being filled (reader goroutine only)
	last *raBlock      // block handed to the analyzer, returned at the next call
	over bool
	eof  bool             // fillSequenced: the merger is exhausted, seq closed
	prep *flows.Preparer  // prepares each packet (nil: not)
	seq  *flows.Sequencer // puts the packets in analysis order (nil: not; run then fills blocks by fillSequenced)
}

// startReadAhead starts reading m ahead, preparing each packet with prep
// when not nil, or passing them through seq when not nil. The caller
// must call stop (also on an early return); m and its readers (and seq)
// belong to the goroutine until stop returns. m.onErr is replaced: a
// capture that cannot be read further becomes a warning item, delivered
// in order with the packets (with seq: in the order read, before the
// packets read before it that the Sequencer still holds).
func startReadAhead(m *merger, prep *flows.Preparer, seq *flows.Sequencer) *readAhead {
	ra := &readAhead{
		prep: prep,
		seq:  seq,
		full: make(chan *raBlock, raBlocks),
		free: make(chan *raBlock, raBlocks),
		quit: make(chan struct{}),
		done: make(chan struct{}),
	}
	for range raBlocks {
		// The octets of a block fit without growing, but for the message
		// that goes past raBlockOctets (up to 64 KiB is common); should
		// data grow, the packets before keep their octets in the array
		// they were appended to.
		b := &raBlock{items: make([]raItem, 0, raBlockItems), data: make([]byte, 0, raBlockOctets+64<<10)}
		ra.free <- b
	}
	m.onErr = func(path string, err error) {
		ra.cur.items = append(ra.cur.items, raItem{path: path, err: readStopped(err)})
	}
	go ra.run(m)
	return ra
}

// run is the reading goroutine.
func (ra *readAhead) run(m *merger) {
	defer close(ra.done)
	defer func() {
		// A panic here is a bug in ikeflow; hand it to the analyzing
		// goroutine, whose guard reports it (a panic left in this
		// goroutine would end the process without the report).
		if r := recover(); r != nil {
			b := ra.cur
			if b == nil {
				b = &raBlock{}
			}
			b.items = append(b.items, raItem{panicMsg: fmt.Sprintf("%v\n\n(in the capture reader)\n%s", r, debug.Stack())})
			b.end = true
			select {
			case ra.full <- b:
			case <-ra.quit:
			}
		}
	}()
	for {
		b, ok := recvSpin(ra.free, ra.quit)
		if !ok {
			return
		}
		ra.cur = b
		fill := ra.fillPrepared
		if ra.seq != nil {
			fill = ra.fillSequenced
		}
		if fill(m, b) {
			return
		}
		ra.cur = nil
		select {
		case ra.full <- b:
		case <-ra.quit:
			return
		}
		if b.end {
			return
		}
	}
}

// fillPrepared fills b (back from the analyzer, or new) with the events
// read from m, each packet prepared by ra.prep when not nil. It reports
// whether the goroutine must stop (quit).
func (ra *readAhead) fillPrepared(m *merger, b *raBlock) bool {
	b.items, b.data, b.end, b.err = b.items[:0], b.data[:0], false, nil
	for len(b.items) < raBlockItems && len(b.data) < raBlockOctets {
		if ra.stopping() {
			return true
		}
		ev, _, err := m.next()
		if err == io.EOF {
			b.end = true
			break
		}
		if err != nil {
			b.end, b.err = true, err
			break
		}
		it := raItem{in: m.last}
		switch {
		case packetOf(ev, &it.pkt):
			if ra.prep != nil {
				ra.prep.Prepare(&it.pkt, &it.pre)
			}
			if it.pkt.Data != nil {
				it.off, it.n, it.hasData = len(b.data), len(it.pkt.Data), true
				b.data = append(b.data, it.pkt.Data...)
				it.pkt.Data = nil
			}
		case ev.Kind == capture.KindError:
			it.path, it.err = m.paths[m.last], ev.Err
		default:
			continue
		}
		b.items = append(b.items, it)
	}
	return false
}

// fillSequenced fills b (back from the analyzer, or new) with the packets
// that leave the Sequencer, in order, their octets moved to b.data, and
// warnings, reading m as the Sequencer needs more. b's old packets need no
// Recycle: their buffers went back to the Sequencer when their octets were
// moved (MoveData), and their items are overwritten. It reports whether
// the goroutine must stop (quit).
func (ra *readAhead) fillSequenced(m *merger, b *raBlock) bool {
	b.items, b.data, b.end, b.err = b.items[:0], b.data[:0], false, nil
	b.dec.Reset()
	var pkt flows.Packet
	for len(b.items) < raBlockItems && len(b.data) < raBlockOctets {
		// Next fills the item in place (no copy of it appended after),
		// every field of it.seq; of the item's own fields only those that
		// consume and next read are set (a zeroed item each time cost the
		// goroutine 2% of its time on big10k). b.items was made with room
		// for raBlockItems.
		b.items = b.items[:len(b.items)+1]
		it := &b.items[len(b.items)-1]
		if ra.seq.Next(&it.seq) {
			it.isSeq, it.err, it.panicMsg = true, nil, ""
			b.data = ra.seq.MoveData(&it.seq, b.data)
			if predecodeOn {
				ra.seq.Predecode(&it.seq, &b.dec)
			}
			continue
		}
		b.items = b.items[:len(b.items)-1]
		if ra.eof {
			b.end = true
			break
		}
		if ra.stopping() {
			return true
		}
		ev, _, err := m.next()
		if err == io.EOF {
			ra.seq.Close() // Next returns the packets held
			ra.eof = true
			continue
		}
		if err != nil {
			b.end, b.err = true, err
			break
		}
		switch {
		case packetOf(ev, &pkt):
			ra.seq.Push(&pkt)
		case ev.Kind == capture.KindError:
			b.items = append(b.items, raItem{path: m.paths[m.last], err: ev.Err})
		}
	}
	return false
}

// next returns the next block of events; nil with a nil error once every
// input is exhausted. The block is valid until the following call.
func (ra *readAhead) next() (*raBlock, error) {
	if ra.last != nil {
		ra.free <- ra.last
		ra.last = nil
	}
	if ra.over {
		return nil, nil
	}
	b, _ := recvSpin(ra.full, nil)
	ra.last = b
	for i := range b.items {
		if b.items[i].panicMsg != "" {
			panic(b.items[i].panicMsg)
		}
	}
	if b.end {
		ra.over = true
	}
	return b, b.err
}

// packet returns item it's packet with its Data in place.
func (b *raBlock) packet(it *raItem) *flows.Packet {
	if it.hasData {
		it.pkt.Data = b.data[it.off : it.off+it.n : it.off+it.n]
	}
	return &it.pkt
}

// stopping reports whether stop was called. The filling loops ask it
// before each event: a stopped analyzer waits for this goroutine, and on a
// slow input (a pipe) the rest of a block could take minutes.
func (ra *readAhead) stopping() bool {
	select {
	case <-ra.quit:
		return true
	default:
		return false
	}
}

// stop ends the reading goroutine and waits for it (it returns after the
// event being read, if any, not the rest of its block); calling it again
// does nothing.
func (ra *readAhead) stop() {
	if !ra.stopping() {
		close(ra.quit)
	}
	<-ra.done
}

// feedPrepared reads m in a read-ahead goroutine and hands each event to
// the caller in capture order: packets (with the index of their input) to
// each, which returns false to stop early, and warnings to warn. Each
// packet is prepared by prep (when not nil) in the read-ahead goroutine,
// and each gets what was prepared with it (nil when nothing was: no prep,
// or reading inline). It returns the merger's error, if reading stopped on
// one. The goroutine has returned when feedPrepared does.
func feedPrepared(m *merger, prep *flows.Preparer, each func(in int, p *flows.Packet, pre *flows.Prepared) bool, warn func(path string, err error)) error {
	if !readAheadOn {
		return feedInline(m, func(in int, p *flows.Packet) bool { return each(in, p, nil) }, warn)
	}
	return startReadAhead(m, prep, nil).consume(warn, func(b *raBlock, it *raItem) bool {
		pre := &it.pre
		if prep == nil {
			pre = nil
		}
		return each(it.in, b.packet(it), pre)
	})
}

// consume hands each packet item of ra's blocks, in order, to item and
// each warning to warn, until item returns false (then nil) or the
// blocks end (then the merger's error, if reading stopped on one). It
// stops ra before it returns.
func (ra *readAhead) consume(warn func(path string, err error), item func(b *raBlock, it *raItem) bool) error {
	defer ra.stop()
	for {
		b, err := ra.next()
		if b == nil {
			return err
		}
		for i := range b.items {
			it := &b.items[i]
			if it.err != nil {
				warn(it.path, it.err)
				continue
			}
			if !item(b, it) {
				return nil
			}
		}
		if err != nil {
			return err
		}
	}
}

// feedSequenced reads m, passing the packets through seq (their analyzer's
// Sequencer) in a read-ahead goroutine, and hands each to each in the
// order the analyzer takes them (for Analyzer.AddSequenced), and
// warnings to warn; each returns false to stop early. It returns the
// merger's error, if reading stopped on one. seq belongs to the goroutine
// until feedSequenced returns, when it has returned. Reading inline
// (readAheadOn false) passes the packets through seq on the caller's
// goroutine.
func feedSequenced(m *merger, seq *flows.Sequencer, each func(s *flows.Sequenced) bool, warn func(path string, err error)) error {
	if !readAheadOn {
		return feedSequencedInline(m, seq, each, warn)
	}
	return startReadAhead(m, nil, seq).consume(warn, func(_ *raBlock, it *raItem) bool { return each(&it.seq) })
}

// feedSequencedInline is feedSequenced without the goroutine.
func feedSequencedInline(m *merger, seq *flows.Sequencer, each func(s *flows.Sequenced) bool, warn func(path string, err error)) error {
	var s flows.Sequenced
	drain := func() bool {
		for seq.Next(&s) {
			if !each(&s) {
				return false
			}
			seq.Recycle(&s)
		}
		return true
	}
	stopped := false
	err := feedInline(m, func(_ int, p *flows.Packet) bool {
		seq.Push(p)
		stopped = !drain()
		return !stopped
	}, warn)
	if err == nil && !stopped {
		seq.Close() // the end of the input: Next returns every packet held
		drain()
	}
	return err
}

// readAheadOn selects the read-ahead goroutine of feedPrepared
// and feedSequenced; benchmarks and tests turn it off to compare
// with reading inline.
var readAheadOn = true

// predecodeOn has the read-ahead goroutine decode each IKE message ahead
// (flows.Sequencer.Predecode) in feedSequenced. It is off: the reading
// goroutine is now the busier of the two (on big10k about 100 ms of CPU
// against the analyzing goroutine's 85, CPU profiles of 20 runs), so work
// moved there waits for it, and copying the decoded messages into the
// DecodeBuf costs more than it saves. Measured with the binary, round
// robin, medians (wall, user CPU):
//
//	                        predecode   a third   off
//	big10k table (20 runs)  0.165 s     0.145 s   0.150 s  wall
//	                        0.200 s     0.185 s   0.185 s  user
//	big10k JSON (16 runs)   0.210 s     0.205 s   0.190 s  wall
//	big100k table (3 runs)  2.13 s      2.08 s    2.00 s   wall
//	big100k JSON (3 runs)   2.77 s      2.80 s    2.70 s   wall
//	big1000 table (16 runs) 0.060 s               0.060 s  wall
//
// ("a third": every third message decoded ahead.) When it was added the
// analyzing goroutine was the busier one and it gained 7 ms on big10k
// (flows/predecode.go). Once JSON's writer recycled SAs' storage, the
// analyzing goroutine was the busier again (big10k table, CPU profiles
// of 20 runs: 87 ms against the reading goroutine's 62), and decoding
// ahead was still slower (15 runs each, round robin: 0.170 -> 0.190 s
// wall, 0.27 -> 0.30 s CPU): the copy into the DecodeBuf is what costs. BenchmarkAnalyzePredecode turns it on, and
// TestReadAheadSequenced checks the reports are the same either way.
var predecodeOn = false

// regularFiles reports whether every input is a regular file. Standard
// input and pipes are read inline: a read there can block until the
// writer sends more, and a goroutine blocked in it would hold up the end
// of an analysis that has already stopped (the reader is not ours to
// interrupt).
func regularFiles(paths []string) bool {
	for _, p := range paths {
		if p == "-" {
			return false
		}
		if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// inputBytes returns the total size of the regular files among paths
// (standard input, pipes and missing files count nothing).
func inputBytes(paths []string) int64 {
	var n int64
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			n += st.Size()
		}
	}
	return n
}

// feedInline is feedPrepared without the goroutine and without
// preparing: it reads m as the analyzer asks for packets.
func feedInline(m *merger, each func(in int, p *flows.Packet) bool, warn func(path string, err error)) error {
	m.onErr = func(path string, err error) { warn(path, readStopped(err)) }
	var pkt flows.Packet
	for {
		ev, path, err := m.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case packetOf(ev, &pkt):
			if !each(m.last, &pkt) {
				return nil
			}
		case ev.Kind == capture.KindError:
			warn(path, ev.Err)
		}
	}
}

// readStopped is the warning about a capture that cannot be read further
// (merger.onErr), the same with and without the read-ahead goroutine.
func readStopped(err error) error {
	return fmt.Errorf("%w; the report covers what was read before the error", err)
}
