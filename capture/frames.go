package capture

import (
	"errors"
	"fmt"
	"io"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Frame is one packet record of a capture file as recorded, undecoded.
type Frame struct {
	// Number is the frame number, counted exactly as [Event.Frame] is
	// for the same file: 1-based over every packet record read, so after
	// damage that was skipped it goes on counting the records actually
	// read.
	Number int
	// Data is the captured octets, valid until the next call to
	// [FrameReader.Next].
	Data []byte
	// Info is the timestamp and the captured and original lengths. A
	// frame stamped outside 1970 to 2262 has the time a [Reader] gives it
	// (that of the frame before it), not its stamp.
	Info gopacket.CaptureInfo
	// LinkType is the link type of the frame (of its interface in a
	// pcapng file).
	LinkType layers.LinkType
	// NoInterface is true for a pcapng packet whose interface the file
	// does not describe; such a frame is counted but its LinkType is
	// unknown (0), and a [Reader] does not decode it.
	NoInterface bool
}

// FrameReader reads the raw frames of a capture file with the readers a
// [Reader] uses: the same formats, limits and resynchronisation after
// damage (see the package documentation), and the same frame numbers, so
// the frame an Event names can be found again. Problems in the file
// structure are skipped and counted, not reported: a Reader over the same
// file reports them.
type FrameReader struct {
	file      fileReader
	notes     notes
	closer    io.Closer
	cur       Frame
	damaged   int
	truncated bool
	done      error
}

// OpenFrames opens the capture file at path (pcap or pcapng, optionally
// gzip-compressed) for [FrameReader.Next]. Call [FrameReader.Close] when
// done.
func OpenFrames(path string) (*FrameReader, error) {
	f, size, err := openSized(path)
	if err != nil {
		return nil, err
	}
	r := &FrameReader{closer: f}
	if r.file, err = openFile(f, f, size, &r.notes); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Next returns the next frame. At the end of the capture, also when the
// last record is cut off (see [FrameReader.Truncated]), it returns
// (nil, io.EOF); any other error means the file cannot be read further.
// The Frame and its Data are valid until the next call.
func (r *FrameReader) Next() (*Frame, error) {
	if r.done != nil {
		return nil, r.done
	}
	data, ci, lt, decode, err := r.file.next()
	for _, n := range r.notes.list {
		if errors.Is(n.err, ErrCaptureDamaged) {
			r.damaged++
		}
	}
	clear(r.notes.list)
	r.notes.list = r.notes.list[:0]
	if err != nil {
		switch {
		case errors.Is(err, io.EOF):
			r.done = io.EOF
		case errors.Is(err, io.ErrUnexpectedEOF):
			r.truncated = true
			r.done = io.EOF
		default:
			r.done = fmt.Errorf("capture: record %d: %w", r.cur.Number+1, err)
		}
		return nil, r.done
	}
	r.cur = Frame{Number: r.cur.Number + 1, Data: data, Info: ci, LinkType: lt, NoInterface: !decode}
	return &r.cur, nil
}

// Damaged returns how many damaged places in the file have been skipped
// so far (a Reader reports each as an error wrapping [ErrCaptureDamaged]).
func (r *FrameReader) Damaged() int { return r.damaged }

// Truncated tells whether reading ended at a record cut off by the end of
// the file.
func (r *FrameReader) Truncated() bool { return r.truncated }

// LinkType returns the link type of a pcap file, or of the first interface
// of a pcapng file (0 until its Interface Description Block has been read
// by Next).
func (r *FrameReader) LinkType() layers.LinkType { return r.file.linkType() }

// Close closes the file.
func (r *FrameReader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}
