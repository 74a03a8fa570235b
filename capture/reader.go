package capture

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// readBufferSize is the size of the buffered reader in front of the file
// (it grows for a record that needs more). Large reads keep the syscall
// count low at gigabytes per second, and a buffer that fits the core's
// L2 cache is read back from there after the kernel copied into it:
// analyze on big10k spent 9 ms less CPU (of 272) with 256 KiB than with
// 1 MiB (BenchmarkAnalyze, 8 rounds each, alternating); the skip path
// read 4.4-4.7 GB/s with 1 MiB and 4.6-4.8 GB/s with 256 KiB
// (BenchmarkScanNonIKE).
const readBufferSize = 256 << 10

// Reader yields the IKE and IPsec events of one capture. It is not safe for
// concurrent use, except for [Reader.BytesRead] and [Reader.Size].
type Reader struct {
	opt         Options
	ike, natt   *portSet // UDP ports
	tcpPorts    *portSet
	tcpEnabled  bool
	file        fileReader   // pcap or pcapng file (Open, NewReader)
	notes       notes        // file-structure problems to report
	src         PacketSource // frames from the caller (NewSourceReader)
	closer      io.Closer
	count       *countingReader
	size        int64
	frame       int
	cur         frameInfo
	events      []Event
	nextEvent   int
	done        bool
	err         error // returned once done: io.EOF or a fatal error
	stats       Stats
	defrag      defragmenter
	tcp         tcpTable
	unsupported map[layers.LinkType]bool
	lastTime    time.Time
	// encap is how many encapsulations deep the decoding is (encap.go).
	encap int
}

// frameInfo describes the frame being decoded.
type frameInfo struct {
	frame int
	ts    time.Time
}

// countingReader counts the octets read from the underlying input.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// Open opens the capture file at path; "-" reads standard input. The file
// may be pcap or pcapng, either optionally gzip-compressed. Call
// [Reader.Close] when done.
func Open(path string, opt Options) (*Reader, error) {
	if path == "-" {
		return newReader(os.Stdin, opt, -1, nil)
	}
	f, size, err := openSized(path)
	if err != nil {
		return nil, err
	}
	r, err := newReader(f, opt, size, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// NewReader reads a pcap or pcapng capture, optionally gzip-compressed,
// from in. The file header is read before NewReader returns.
func NewReader(in io.Reader, opt Options) (*Reader, error) {
	return newReader(in, opt, -1, nil)
}

// openSized opens the file at path and returns it with its size, or -1
// when it is not a regular file.
func openSized(path string) (*os.File, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return f, size, nil
}

func newReader(in io.Reader, opt Options, size int64, closer io.Closer) (*Reader, error) {
	r := baseReader(opt, size, &countingReader{r: in})
	r.closer = closer
	f, err := openFile(r.count, in, size, &r.notes)
	if err != nil {
		return nil, err
	}
	r.file = f
	return r, nil
}

// baseReader returns a Reader with opt (defaults filled in), size and
// count, its port sets, reassembly and TCP state ready.
func baseReader(opt Options, size int64, count *countingReader) *Reader {
	opt = opt.withDefaults()
	r := &Reader{
		opt:         opt,
		ike:         newPortSet(opt.IKEPorts),
		natt:        newPortSet(opt.NATTPorts),
		tcpPorts:    newPortSet(opt.TCPPorts),
		tcpEnabled:  len(opt.TCPPorts) > 0,
		size:        size,
		count:       count,
		unsupported: map[layers.LinkType]bool{},
	}
	r.defrag.init(&r.opt)
	r.tcp.init(&r.opt)
	return r
}

// openFile reads the file header of a pcap or pcapng capture, optionally
// gzip-compressed, from counted (which reads in, of size octets or -1);
// damage found later is queued on n.
func openFile(counted, in io.Reader, size int64, n *notes) (fileReader, error) {
	fb := newFileBuf(counted, bufferSizeFor(in, size))
	magic, err := fb.peek(4)
	if len(magic) < 4 {
		if len(magic) == 0 && errors.Is(err, io.EOF) {
			return nil, errors.New("capture: empty input")
		}
		return nil, fmt.Errorf("capture: input too short for a capture file header: %w", short(1, err))
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(fb)
		if err != nil {
			return nil, fmt.Errorf("capture: gzip: %w", err)
		}
		fb = newFileBuf(zr, gzipBufferSize(size))
		if magic, err = fb.peek(4); len(magic) < 4 {
			return nil, fmt.Errorf("capture: gzip: input too short for a capture file header: %w", short(1, err))
		}
	}
	if magic[0] == 0x0a && magic[1] == 0x0d && magic[2] == 0x0d && magic[3] == 0x0a {
		ng, err := newPcapngFile(fb, n)
		if err != nil {
			return nil, fmt.Errorf("capture: pcapng: %w", err)
		}
		return ng, nil
	}
	p, err := newPcapFile(fb, n)
	if err != nil {
		return nil, fmt.Errorf("capture: not a pcap or pcapng file: %w", err)
	}
	return p, nil
}

// bufferSizeFor picks the read buffer size: readBufferSize, or less for a
// small input of known size (tests open thousands of tiny inputs).
func bufferSizeFor(in io.Reader, size int64) int {
	if l, ok := in.(interface{ Len() int }); ok && size < 0 {
		size = int64(l.Len())
	}
	if size >= 0 && size < readBufferSize {
		return max(int(size), 4096)
	}
	return readBufferSize
}

// gzipBufferSize picks the initial buffer for decompressed data: small
// for a small file (fuzzing opens millions), readBufferSize otherwise. The
// buffer grows when a record needs more.
func gzipBufferSize(compressed int64) int {
	if compressed >= 0 && compressed < readBufferSize/8 {
		return int(max(4096, 8*compressed))
	}
	return readBufferSize
}

// Close closes the file opened by [Open]. It does not close standard input
// or the io.Reader given to [NewReader].
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// Size returns the size of the input file in octets, or -1 when it is not a
// regular file (standard input, a pipe, [NewReader]).
func (r *Reader) Size() int64 { return r.size }

// BytesRead returns how many octets of the input (compressed octets for a
// gzip file) have been consumed so far; with [Reader.Size] it gives a
// progress ratio. It may be called from another goroutine.
func (r *Reader) BytesRead() int64 { return r.count.n.Load() }

// Stats returns the counters so far.
func (r *Reader) Stats() Stats {
	s := r.stats
	s.FragmentsPending = r.defrag.pending()
	s.TCPStreams = len(r.tcp.streams)
	return s
}

// LinkType returns the link type of a pcap file, or of the first interface
// of a pcapng file (0 until its Interface Description Block has been read,
// which happens on the first call to Next).
func (r *Reader) LinkType() layers.LinkType {
	if r.src != nil {
		return r.src.LinkType()
	}
	return r.file.linkType()
}

// Next returns the next event. At the end of the capture it returns
// (nil, io.EOF); any other error means the file cannot be read further
// (events already returned stay valid). The returned Event, and the
// slices it holds, are valid until the next call to Next.
func (r *Reader) Next() (*Event, error) {
	for {
		if r.nextEvent < len(r.events) {
			e := &r.events[r.nextEvent]
			r.nextEvent++
			return e, nil
		}
		clear(r.events) // drop references to old buffers
		r.events = r.events[:0]
		r.nextEvent = 0
		if r.done {
			return nil, r.err
		}
		r.readFrame()
	}
}

// readFrame reads and decodes one record, queueing its events.
func (r *Reader) readFrame() {
	var (
		data   []byte
		ci     gopacket.CaptureInfo
		err    error
		lt     layers.LinkType
		decode = true
	)
	if r.src != nil {
		data, ci, lt, err = r.readSource()
	} else {
		data, ci, lt, decode, err = r.file.next()
		r.reportNotes()
	}
	if err != nil {
		r.finish(err)
		return
	}
	r.frame++
	if t := &r.notes.times; t.n > 0 && t.frame == 0 {
		t.frame = r.frame // the record just read is the first with an impossible time
	}
	r.stats.Packets++
	r.stats.Bytes += int64(len(data))
	r.cur = frameInfo{frame: r.frame, ts: ci.Timestamp}
	r.lastTime = ci.Timestamp
	if !decode {
		r.stats.Unsupported++
		return
	}
	r.decodeLink(lt, data)
}

// reportNotes turns the file-structure problems found while reading the
// next record into error events. They are numbered with the frame that
// follows them.
func (r *Reader) reportNotes() {
	for _, n := range r.notes.list {
		r.stats.Damaged++
		r.stats.SkippedBytes += n.skipped
		r.cur = frameInfo{frame: r.frame + 1, ts: r.lastTime}
		r.addError("file", -1, n.err, n.detail)
	}
	clear(r.notes.list)
	r.notes.list = r.notes.list[:0]
}

// finish ends the capture after a read error.
func (r *Reader) finish(err error) {
	r.done = true
	r.err = io.EOF
	switch {
	case errors.Is(err, io.EOF):
	case errors.Is(err, io.ErrUnexpectedEOF):
		r.stats.Truncated = true
		r.cur = frameInfo{frame: r.frame + 1, ts: r.lastTime}
		r.addError("file", -1, ErrCaptureTruncated, "the last record is cut off")
	default:
		r.err = fmt.Errorf("capture: record %d: %w", r.frame+1, err)
	}
	if s := r.notes.times.summary(); s != "" {
		r.cur = frameInfo{frame: r.notes.times.frame, ts: r.lastTime}
		r.addError("file", -1, ErrCaptureDamaged, s)
	}
	// Whatever is still waiting for fragments or stream bytes never came.
	r.cur = frameInfo{frame: r.frame, ts: r.lastTime}
	r.defrag.flush(r)
	r.tcp.flush(r)
}

// addError queues a KindError event for the current frame.
func (r *Reader) addError(layer string, off int, err error, detail string) {
	r.stats.Errors++
	r.events = append(r.events, Event{
		Frame: r.cur.frame,
		Time:  r.cur.ts,
		Kind:  KindError,
		Err:   &PacketError{Frame: r.cur.frame, Layer: layer, Offset: off, Detail: detail, Err: err},
	})
}

// addFlowError queues a KindError event that carries addresses.
func (r *Reader) addFlowError(fl *flow, layer string, off int, err error, detail string) {
	r.addError(layer, off, err, detail)
	e := &r.events[len(r.events)-1]
	e.Src, e.Dst, e.Transport = fl.src, fl.dst, fl.transport
}
