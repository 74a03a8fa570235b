package capture

import (
	"errors"
	"io"
)

// fileBuf is the buffered input of the file readers: it can look ahead up
// to maxWindow octets (to read a whole record in place, and to search for
// the next plausible record after damage) and counts the offset of the
// first unread octet in the (decompressed) capture.
type fileBuf struct {
	r      io.Reader
	buf    []byte // grows on demand up to maxWindow
	lo, hi int    // unread octets are buf[lo:hi]
	off    int64  // capture offset of buf[lo]
	err    error  // sticky error of r
	empty  int    // consecutive reads that returned nothing
}

// maxWindow bounds the look-ahead: a whole record of MaxSnaplen octets and
// a resynchronisation chunk (resyncChunk) with a following record header.
const maxWindow = resyncChunk + MaxSnaplen + 1024

// resyncChunk is how far one step of a resynchronisation search looks.
const resyncChunk = 1 << 20

// newFileBuf reads from r, starting with a buffer of initial octets.
func newFileBuf(r io.Reader, initial int) *fileBuf {
	return &fileBuf{r: r, buf: make([]byte, min(max(initial, 64), maxWindow))}
}

// peek returns the next n octets (n <= maxWindow) without consuming them.
// With fewer octets left it returns them and io.EOF (or the read error).
// The slice is valid until the next peek, discard or read.
func (b *fileBuf) peek(n int) ([]byte, error) {
	for b.hi-b.lo < n && b.err == nil {
		if b.hi == len(b.buf) { // no room left at the end
			if b.lo > 0 {
				b.hi = copy(b.buf, b.buf[b.lo:b.hi])
				b.lo = 0
			} else {
				// Grow geometrically as octets actually arrive, so a short
				// input never costs a maxWindow buffer.
				nb := make([]byte, min(2*len(b.buf), maxWindow))
				copy(nb, b.buf[:b.hi])
				b.buf = nb
			}
		}
		m, err := b.r.Read(b.buf[b.hi:])
		b.hi += m
		switch {
		case err != nil:
			b.err = err
		case m > 0:
			b.empty = 0
		default:
			if b.empty++; b.empty >= 100 { // as bufio: a reader that never delivers
				b.err = io.ErrNoProgress
			}
		}
	}
	if b.hi-b.lo >= n {
		return b.buf[b.lo : b.lo+n], nil
	}
	return b.buf[b.lo:b.hi], b.err
}

// short turns the error of a peek that returned got < want octets into
// the reader's view: io.EOF for a clean end between records,
// io.ErrUnexpectedEOF for a record cut off (or a gzip stream cut short),
// any other error as it is.
func short(got int, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return io.ErrUnexpectedEOF
	case errors.Is(err, io.EOF) && got == 0:
		return io.EOF
	case errors.Is(err, io.EOF):
		return io.ErrUnexpectedEOF
	}
	return err
}

// discard consumes n octets, reading past the window when needed. It
// returns how many were consumed.
func (b *fileBuf) discard(n int64) int64 {
	var done int64
	for done < n {
		if b.hi == b.lo {
			if b.peek(int(min(n-done, int64(len(b.buf))))); b.hi == b.lo {
				break
			}
		}
		k := int(min(int64(b.hi-b.lo), n-done))
		b.lo += k
		b.off += int64(k)
		done += int64(k)
	}
	return done
}

// endErr is the error to end reading with after giving up on the rest of
// the input: the read error if there was one, else io.EOF.
func (b *fileBuf) endErr() error {
	if b.err == nil {
		return io.EOF
	}
	return short(0, b.err)
}

// Read implements io.Reader (gzip reads the compressed file through it).
func (b *fileBuf) Read(p []byte) (int, error) {
	if b.hi == b.lo {
		if _, err := b.peek(1); b.hi == b.lo {
			return 0, err
		}
	}
	n := copy(p, b.buf[b.lo:b.hi])
	b.lo += n
	b.off += int64(n)
	return n, nil
}
