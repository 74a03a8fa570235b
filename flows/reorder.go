package flows

import (
	"encoding/binary"
	"hash/maphash"
	"strconv"
	"time"
)

// Field captures rarely come in strict time order: pcapng files with
// several interfaces, multi-queue NICs and merged captures put frames out
// of order, and SPAN plus mirror ports or "tcpdump -i any" record the
// same packet twice. The analyzer puts packets back in time order through
// a bounded window before analysing them, and drops copies of a packet
// captured twice within microseconds, so that pairing, retransmit
// detection and durations do not depend on file order.

// Reorder and duplicate defaults.
const (
	// DefaultReorderWindow is how far (in capture time) a frame may come
	// after later frames in the file and still be analysed in time order.
	DefaultReorderWindow = 2 * time.Second
	// maxHeld bounds the packets held for reordering.
	maxHeld = 1 << 14
	// dupWindow is the largest gap between two identical packets (same
	// addresses, same bytes) for the second to count as a capture
	// duplicate: no IKE or ESP stack retransmits this fast.
	dupWindow = 5 * time.Millisecond
	// dupRecent is how many recent packets are compared for duplicates.
	dupRecent = 32
)

// heldPacket is a packet waiting in the reorder window, with its own copy
// of Data.
type heldPacket struct {
	p   Packet
	seq uint64 // arrival order, the tie-break for equal times
}

// reorder is the analyzer's time-order window and duplicate filter.
type reorder struct {
	heap    []heldPacket
	free    [][]byte // recycled Data buffers
	seq     uint64
	newest  time.Time // latest time added
	lastOut time.Time // time of the latest packet analysed from the window
	// late counts frames that came after the window had moved past them.
	late       int
	lateTime   time.Time
	lateFrames []int
	lateMax    time.Duration
	// recent fingerprints the last packets analysed, for duplicates.
	recent  [dupRecent]recentPacket
	next    int
	dups    int
	dupTime time.Time
	dupGap  time.Duration
	// dupFrames holds "first/copy" frame pairs (the first few).
	dupFrames []int
}

// recentPacket is the fingerprint of an analysed packet.
type recentPacket struct {
	h     uint64
	t     time.Time
	frame int
}

// less orders held packets by time, then arrival.
func (x *heldPacket) less(y *heldPacket) bool {
	if !x.p.Time.Equal(y.p.Time) {
		return x.p.Time.Before(y.p.Time)
	}
	return x.seq < y.seq
}

// push adds p (copying its Data) to the window.
func (r *reorder) push(p *Packet) {
	hp := heldPacket{p: *p, seq: r.seq}
	r.seq++
	if p.Data != nil {
		var buf []byte
		if n := len(r.free); n > 0 {
			buf, r.free = r.free[n-1][:0], r.free[:n-1]
		}
		hp.p.Data = append(buf, p.Data...)
	}
	r.heap = append(r.heap, hp)
	i := len(r.heap) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !r.heap[i].less(&r.heap[parent]) {
			break
		}
		r.heap[i], r.heap[parent] = r.heap[parent], r.heap[i]
		i = parent
	}
	if p.Time.After(r.newest) {
		r.newest = p.Time
	}
}

// pop removes the earliest packet; the caller recycles its Data.
func (r *reorder) pop() heldPacket {
	h := r.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = heldPacket{}
	h = h[:last]
	i := 0
	for {
		l, m := 2*i+1, i
		if l < len(h) && h[l].less(&h[m]) {
			m = l
		}
		if l+1 < len(h) && h[l+1].less(&h[m]) {
			m = l + 1
		}
		if m == i {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	r.heap = h
	return top
}

// recycle keeps a popped packet's buffer for reuse.
func (r *reorder) recycle(b []byte) {
	if b != nil && cap(b) <= 1<<16 && len(r.free) < 64 {
		r.free = append(r.free, b)
	}
}

// window returns the reorder window in force (0: none).
func (a *Analyzer) window() time.Duration {
	switch {
	case a.opt.ReorderWindow < 0:
		return 0
	case a.opt.ReorderWindow == 0:
		return DefaultReorderWindow
	}
	return a.opt.ReorderWindow
}

// enqueue passes p through the reorder window: packets leave it in time
// order once the capture has moved on by the window.
func (a *Analyzer) enqueue(p *Packet) {
	r := &a.ro
	w := a.window()
	if w == 0 {
		a.process(p)
		return
	}
	if !r.lastOut.IsZero() && p.Time.Before(r.lastOut) {
		// Too late to be put back in order: analyse it where it is.
		if r.late == 0 {
			r.lateTime = p.Time
		}
		r.late++
		if len(r.lateFrames) < 8 {
			r.lateFrames = append(r.lateFrames, p.Frame)
		}
		r.lateMax = max(r.lateMax, r.lastOut.Sub(p.Time))
		a.process(p)
		return
	}
	r.push(p)
	for len(r.heap) > 0 && (r.newest.Sub(r.heap[0].p.Time) > w || len(r.heap) > maxHeld) {
		a.release()
	}
}

// release analyses the earliest held packet.
func (a *Analyzer) release() {
	r := &a.ro
	hp := r.pop()
	if hp.p.Time.After(r.lastOut) {
		r.lastOut = hp.p.Time
	}
	a.process(&hp.p)
	r.recycle(hp.p.Data)
}

// drain analyses every held packet (at Finish).
func (a *Analyzer) drain() {
	for len(a.ro.heap) > 0 {
		a.release()
	}
}

// process analyses one packet in (restored) time order.
func (a *Analyzer) process(p *Packet) {
	if a.duplicate(p) {
		return
	}
	if p.Time.After(a.now) {
		a.now = p.Time
	}
	switch p.Kind {
	case KindIKE:
		a.addIKE(p)
	case KindESP:
		a.addESP(p)
	}
	if a.opt.IdleTimeout > 0 {
		a.sweep()
	}
}

// duplicate reports whether p is a second capture of a packet analysed
// within dupWindow: same addresses, same IKE bytes or ESP SPI and
// sequence number.
func (a *Analyzer) duplicate(p *Packet) bool {
	var mh maphash.Hash
	mh.SetSeed(a.seed)
	var b [40]byte
	s, d := p.Src.Addr().As16(), p.Dst.Addr().As16()
	copy(b[0:16], s[:])
	copy(b[16:32], d[:])
	binary.BigEndian.PutUint16(b[32:], p.Src.Port())
	binary.BigEndian.PutUint16(b[34:], p.Dst.Port())
	b[36] = byte(p.Kind)
	_, _ = mh.Write(b[:37])
	switch p.Kind {
	case KindIKE:
		_, _ = mh.Write(p.Data)
	case KindESP:
		binary.BigEndian.PutUint32(b[0:], p.ESPSPI)
		binary.BigEndian.PutUint32(b[4:], p.ESPSeq)
		_, _ = mh.Write(b[:8])
	default:
		return false
	}
	h := mh.Sum64()
	r := &a.ro
	for i := range r.recent {
		x := &r.recent[i]
		if x.h != h || x.frame == 0 || x.frame == p.Frame {
			continue
		}
		gap := p.Time.Sub(x.t)
		if gap < 0 {
			gap = -gap
		}
		if gap <= dupWindow {
			if r.dups == 0 {
				r.dupTime = p.Time
			}
			r.dups++
			r.dupGap = max(r.dupGap, gap)
			if len(r.dupFrames) < 16 {
				r.dupFrames = append(r.dupFrames, x.frame, p.Frame)
			}
			return true
		}
	}
	r.recent[r.next] = recentPacket{h: h, t: p.Time, frame: p.Frame}
	r.next = (r.next + 1) % dupRecent
	return false
}

// Capture-wide finding kinds about the capture itself.
const (
	// KindCaptureDuplicate: packets recorded twice by the capture.
	KindCaptureDuplicate = "capture_duplicate"
	// KindOutOfOrder: frames too far out of time order to be reordered.
	KindOutOfOrder = "out_of_order"
)

// captureFindings adds the capture-wide notes on duplicates and frames
// out of time order.
func (a *Analyzer) captureFindings() {
	r := &a.ro
	if r.dups > 0 {
		pairs := ""
		for i := 0; i+1 < len(r.dupFrames) && i < 8; i += 2 {
			if pairs != "" {
				pairs += ", "
			}
			pairs += strconv.Itoa(r.dupFrames[i]) + "/" + strconv.Itoa(r.dupFrames[i+1])
		}
		if r.dups > 4 {
			pairs += ", …"
		}
		a.global = append(a.global, Finding{Kind: KindCaptureDuplicate, Severity: SeverityInfo, Time: r.dupTime,
			Frames: sortedFrames(r.dupFrames),
			Message: strconv.Itoa(r.dups) + " packet(s) appear twice in the capture (frames " + pairs + "): the same" +
				" bytes between the same addresses within " + micros(r.dupGap) + ". That is the capture recording one" +
				" packet twice (SPAN plus mirror port, or \"-i any\" seeing it on two interfaces), not a retransmission;" +
				" the second copies were left out of the analysis."})
	}
	if len(a.badFlags) > 0 {
		a.global = append(a.global, Finding{Kind: KindMalformed, Severity: SeverityWarning, Time: a.badFlagsTime,
			Frames: sortedFrames(a.badFlags), Message: badFlagsText(a.badFlags, nil, false)})
	}
	if r.late > 0 {
		a.global = append(a.global, Finding{Kind: KindOutOfOrder, Severity: SeverityWarning, Time: r.lateTime,
			Frames: sortedFrames(r.lateFrames),
			Message: strconv.Itoa(r.late) + " frame(s) come after frames up to " + secs(r.lateMax) + " later in time" +
				" (files concatenated rather than merged by time?). They were analysed where they are in the file, so" +
				" pairing, retransmits and timings around them may be wrong. Merge the captures by time (mergecap" +
				" without -a) and analyse again."})
	}
}

// micros formats a short duration in microseconds ("3 µs").
func micros(d time.Duration) string {
	return strconv.FormatInt(max(d, 0).Microseconds(), 10) + " µs"
}

// millis returns d in milliseconds, never negative (frames that stayed out
// of time order must not produce negative round trips).
func millis(d time.Duration) float64 { return float64(max(d, 0)) / float64(time.Millisecond) }
