package main

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// findingRuns holds the findings of a streamed JSON report until the end of
// the document, where they are written sorted by first frame (ties in the
// order they were added, as a stable sort of them all would). They are kept
// encoded; once runLimit bytes are pending, the batch is sorted and written
// to an unlinked temporary file as a run, and the runs are merged at the
// end. Memory therefore stays bounded whatever the number of findings (a
// concentrator capture has one nat_detected per SA). The file is created
// in $TMPDIR; when that fails, the findings stay in memory. Findings whose
// place is reserved (reserve, then fill: the JSON writer copies them from
// their SA's encoding) hold the next run back until they are filled: it
// may then exceed runLimit by the findings of one batch of SAs
// (jsonStream's flushEvery).
type findingRuns struct {
	refs     *frameRefs
	runLimit int // pending bytes from which a run is written out

	pend     []pendFinding // findings not yet in a run, in the order added
	data     []byte        // their encodings
	reserved int           // places in pend not yet filled (reserve, fill): no run is written meanwhile

	file *os.File // the runs; nil until the first
	fw   *bufio.Writer
	size int64
	runs []runSpan
}

// pendFinding is one encoded finding in findingRuns.data (off is -1 for
// one reserved and not yet filled).
type pendFinding struct {
	first  int // first frame (0 when none), the sort key
	seq    int // its place in the order added, the second key
	off, n int
}

// runSpan is where one sorted run lies in the file.
type runSpan struct{ off, n int64 }

// findingRunLimit is the encoded findings held in memory before a run is
// written (512 KiB: about 1.3k findings); tests lower it. With append's
// headroom the pending bytes take up to twice that, and the garbage
// collector's headroom doubles it again in RSS: at 8 MB this was about a
// tenth of the 1M-SA capture's live heap. The merge at the end reads the
// runs (1.2 GB of findings for 1M SAs) through read buffers that share
// mergeBudget out among them (mergeReadBuf).
//
// It was 2 MB. At the start of Finish on big100k (every SA open, all
// finalised then) the pending findings and their doubled buffer were 6 MB
// of the 16 MB the live heap grows by before it falls (heap profiles at
// Finish and after 2,500 SAs handed on); at 512 KiB the max RSS of
// analyze --format json fell from 136-141 MB to 133-134 MB (3 runs of
// each, alternating), and big10k's run did not get slower (10 runs each,
// medians 0.30 -> 0.28 s wall, 0.47 -> 0.44 s CPU, within the noise).
// Pending findings can pass the limit by a flush's worth (jsonStream's
// flushEvery SAs), so the runs are not four times as many.
var findingRunLimit = 512 << 10

// maxRecord bounds one finding's encoding read back from a run.
const maxRecord = 1 << 30

func newFindingRuns(refs *frameRefs) *findingRuns {
	return &findingRuns{refs: refs, runLimit: findingRunLimit}
}

// room makes room for n more octets in r.data, doubling its capacity when
// it must grow. append grows a slice this large by a quarter: the pending
// findings, up to runLimit octets, were copied some ten times on the way
// (most of fill's time on a 10k-SA capture).
func (r *findingRuns) room(n int) {
	if len(r.data)+n <= cap(r.data) {
		return
	}
	r.data = append(make([]byte, 0, max(2*cap(r.data), len(r.data)+n, 64<<10)), r.data...)
}

// add encodes f and keeps it for the end.
func (r *findingRuns) add(f *flows.Finding) error {
	r.room(len(f.Message) + 256)
	start := len(r.data)
	var err error
	if r.data, err = f.AppendJSON(r.data); err != nil {
		return err
	}
	if r.refs != nil {
		ann := r.refs.annotateJSON(r.data[start:])
		r.data = append(r.data[:start], ann...)
	}
	r.pend = append(r.pend, pendFinding{first: f.Order(), seq: len(r.pend), off: start, n: len(r.data) - start})
	return r.settle()
}

// reserve keeps the place of a finding (first: its first frame, Order)
// whose encoding fill gives later, and returns its index for fill. The
// place fixes its order among equal first frames, as add would have.
// Only runs without a spill between reserve and fill: settle spills once
// every reserved finding is filled.
func (r *findingRuns) reserve(first int) int {
	r.pend = append(r.pend, pendFinding{first: first, seq: len(r.pend), off: -1})
	r.reserved++
	return len(r.pend) - 1
}

// fill gives the reserved finding i its encoding: enc, its encoding without
// the SA (a span of flows.SA.AppendJSONSpans), tagged with SA sa as add
// writes it, copied rather than encoded again.
func (r *findingRuns) fill(i int, enc []byte, sa string) {
	r.room(len(enc) + len(sa) + 8)
	start := len(r.data)
	r.data = flows.AppendJSONTagged(r.data, enc, sa)
	r.pend[i].off, r.pend[i].n = start, len(r.data)-start
	r.reserved--
}

// settle writes a run when enough is pending (add calls it after each
// finding), unless places are still to be filled.
func (r *findingRuns) settle() error {
	if len(r.data) >= r.runLimit && r.reserved == 0 {
		return r.spill()
	}
	return nil
}

// sortPending sorts the pending findings by first frame, ties in the order
// they were added. It sorts on the pair (first frame, seq) rather than
// stably on the first frame: the stable sort (insertion sort and in-place
// merges, O(n log² n) moves) was 4-5 ms of a 10k-SA capture's JSON run,
// on the goroutine that encodes the SAs.
func (r *findingRuns) sortPending() {
	slices.SortFunc(r.pend, func(x, y pendFinding) int {
		if c := cmp.Compare(x.first, y.first); c != 0 {
			return c
		}
		return cmp.Compare(x.seq, y.seq)
	})
}

// spill writes the pending findings, sorted, as a new run.
func (r *findingRuns) spill() error {
	if len(r.pend) == 0 {
		return nil
	}
	if r.file == nil {
		f, err := os.CreateTemp("", "ikeflow-findings-*")
		if err != nil {
			// No room for runs ($TMPDIR unwritable): keep them all in
			// memory, as before runs existed, rather than fail.
			r.runLimit = math.MaxInt
			return nil
		}
		// Unlinked at once: the space is freed when ikeflow exits, however it exits.
		_ = os.Remove(f.Name())
		r.file, r.fw = f, bufio.NewWriterSize(f, 64<<10)
	}
	r.sortPending()
	start := r.size
	var hdr [12]byte
	for _, p := range r.pend {
		if p.off < 0 {
			continue // never filled: its SA was not written (an error stopped the document)
		}
		binary.LittleEndian.PutUint64(hdr[:8], uint64(int64(p.first)))
		binary.LittleEndian.PutUint32(hdr[8:], uint32(p.n))
		r.fw.Write(hdr[:])
		r.fw.Write(r.data[p.off : p.off+p.n])
		r.size += int64(len(hdr) + p.n)
	}
	if err := r.fw.Flush(); err != nil {
		return fmt.Errorf("temporary file for the findings: %w", err)
	}
	r.runs = append(r.runs, runSpan{start, r.size - start})
	r.pend = r.pend[:0]
	r.data = r.data[:0]
	return nil
}

// close releases the temporary file.
func (r *findingRuns) close() {
	if r.file != nil {
		r.file.Close()
		r.file = nil
	}
}

// each calls fn with every finding's encoding in order (first frame, then
// the order added) and releases what it held.
func (r *findingRuns) each(fn func(obj []byte) error) error {
	defer r.close()
	// The findings still pending join the merge from memory, as the last
	// run (the only one when nothing went to the file): writing them to the
	// file to read them back at once was 2-3 ms of the end of a 10k-SA
	// capture's run, when nothing else is left to run beside it.
	r.sortPending()
	defer func() { r.pend, r.data = nil, nil }()
	h := make(runHeap, 0, len(r.runs)+1)
	bufSize := mergeReadBuf(len(r.runs))
	for i, s := range r.runs {
		c := &runCursor{idx: i, rd: bufio.NewReaderSize(io.NewSectionReader(r.file, s.off, s.n), bufSize)}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	if c := (&runCursor{idx: len(r.runs), mem: r}); c.nextMem() {
		h = append(h, c)
	}
	h.init()
	for len(h) > 0 {
		c := h[0]
		if err := fn(c.obj); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h.fix0()
		} else {
			h.pop0()
		}
	}
	return nil
}

// mergeBudget bounds the read buffers of the merge together (2 MB), so
// that reading back many runs does not raise the peak memory at the end
// of a big capture (1M SAs: ~590 runs, 9.4 MB with 16 KB buffers).
const mergeBudget = 2 << 20

// mergeReadBuf returns the read buffer size for each of n runs: the budget
// shared out, between 4 KB and 64 KB.
func mergeReadBuf(n int) int {
	return min(64<<10, max(4<<10, mergeBudget/max(n, 1)))
}

// runCursor reads one run back: from the file, or with mem set, the
// findings pending in memory (sorted).
type runCursor struct {
	idx   int
	rd    *bufio.Reader
	mem   *findingRuns
	pos   int // mem: the next of mem.pend
	first int
	obj   []byte
	// peeked is the length of the record obj lies in, within rd's buffer
	// (0: obj is a copy, or there is none), skipped by the next read.
	peeked int
	own    []byte // the copy of a record larger than rd's buffer
}

// nextMem is next for a cursor on the findings pending in memory; obj is
// then a slice of mem.data.
func (c *runCursor) nextMem() bool {
	for c.pos < len(c.mem.pend) {
		p := c.mem.pend[c.pos]
		c.pos++
		if p.off < 0 {
			continue // never filled: its SA was not written (an error stopped the document)
		}
		c.first, c.obj = p.first, c.mem.data[p.off:p.off+p.n]
		return true
	}
	return false
}

var errBadRun = errors.New("temporary file for the findings: damaged run")

// next reads the next record; ok is false at the end of the run.
func (c *runCursor) next() (ok bool, err error) {
	if c.mem != nil {
		return c.nextMem(), nil
	}
	// A record that fits rd's buffer is handed on where it lies there
	// (Peek), valid until this next call: copying each finding out of the
	// buffer first was one more pass over all of them (12 MB on a 10k-SA
	// capture) at the very end of the run, with nothing beside it.
	if c.peeked > 0 {
		if _, err := c.rd.Discard(c.peeked); err != nil {
			return false, errBadRun
		}
		c.peeked = 0
	}
	const hdrLen = 12
	hdr, err := c.rd.Peek(hdrLen)
	if err != nil {
		if err == io.EOF && len(hdr) == 0 {
			return false, nil
		}
		return false, errBadRun
	}
	n := binary.LittleEndian.Uint32(hdr[8:])
	if n > maxRecord {
		return false, errBadRun
	}
	c.first = int(int64(binary.LittleEndian.Uint64(hdr[:8])))
	if hdrLen+int(n) <= c.rd.Size() {
		rec, err := c.rd.Peek(hdrLen + int(n))
		if err != nil {
			return false, errBadRun
		}
		c.obj, c.peeked = rec[hdrLen:], hdrLen+int(n)
		return true, nil
	}
	if _, err := c.rd.Discard(hdrLen); err != nil {
		return false, errBadRun
	}
	if cap(c.own) < int(n) {
		c.own = make([]byte, n)
	}
	c.obj = c.own[:n]
	if _, err := io.ReadFull(c.rd, c.obj); err != nil {
		return false, errBadRun
	}
	return true, nil
}

// runHeap is a min-heap of cursors by (first frame, run index).
type runHeap []*runCursor

func (h runHeap) less(i, j int) bool {
	if h[i].first != h[j].first {
		return h[i].first < h[j].first
	}
	return h[i].idx < h[j].idx
}

func (h runHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h runHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			m = r
		}
		if !h.less(m, i) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// fix0 restores the heap after the top's key grew.
func (h runHeap) fix0() { h.down(0) }

// pop0 removes the top.
func (h *runHeap) pop0() {
	old := *h
	n := len(old) - 1
	old[0] = old[n]
	old[n] = nil
	*h = old[:n]
	h.down(0)
}
