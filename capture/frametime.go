package capture

import (
	"fmt"
	"math"
	"time"
)

// The times a file reader gives frames lie from the Unix epoch
// (1970-01-01T00:00:00Z) to 2262-04-11T23:47:16.854775807Z, the last
// instant int64 nanoseconds since the epoch can hold. No capture clock
// stamps a frame before 1970, and every later stage can hold a time of
// this range: the analyzer's reorder window keys packets by
// time.Time.UnixNano, the JSON writers by RFC 3339 (years 0 to 9999), the
// text writers by calendar dates. A frame stamped outside it is damaged
// (a corrupt pcapng block, or a hostile one: pcapng timestamps are 64-bit
// counts of 2^-n or 10^-n seconds, shifted by a signed if_tsoffset): it
// is given the time of the previous frame of its file (the Unix epoch for
// the first), so that the analysis goes on in capture order, and the file
// gets one note naming the first such frame and its file offset, and, at
// the end of the file, a count when there was more than one.
//
// Classic pcap records cannot leave the range: their seconds are an
// unsigned 32-bit count (to 2106-02-07) and their fraction adds less than
// 4295 seconds.
const (
	maxFrameSec  = math.MaxInt64 / 1_000_000_000 // 9223372036 s after the epoch
	maxFrameNsec = math.MaxInt64 % 1_000_000_000 // 854775807 ns into that second
)

// frameTimeOK reports whether sec seconds and nsec nanoseconds (0 to
// 999999999) after the Unix epoch lie in the range frames may have.
func frameTimeOK(sec, nsec int64) bool {
	return sec >= 0 && (sec < maxFrameSec || sec == maxFrameSec && nsec <= maxFrameNsec)
}

// epoch is the time of a frame that has no earlier frame to take its time
// from.
var epoch = time.Unix(0, 0).UTC()

// badTimes counts the frames of one file whose time was outside the range
// (see frameTimeOK). The file reader counts them and queues the note of
// the first; the Reader adds the count at the end of the file.
type badTimes struct {
	n     int64 // frames so far
	off   int64 // file offset of the first one's record
	frame int   // its frame number, set by the Reader (0 until then)
}

// note queues the note about the first frame with an impossible time: its
// record at file offset off, what its stamp says (what), and the time it
// is given instead.
func (b *badTimes) note(n *notes, off int64, what string, given time.Time) {
	b.n++
	if b.n > 1 {
		return
	}
	b.off = off
	n.add(off, ErrCaptureDamaged, "packet block at file offset %d: the timestamp (%s) lies outside %s to %s, the times a capture clock can give and the analysis can order; the frame is given the time of the frame before it (%s) and analysed in that place (reported once per file, with a count at the end of the file when more frames are affected)",
		off, what, epoch.Format(time.RFC3339), time.Unix(maxFrameSec, maxFrameNsec).UTC().Format(time.RFC3339Nano), given.Format(time.RFC3339Nano))
}

// summary is the note at the end of the file when more than one frame had
// an impossible time, or "".
func (b *badTimes) summary() string {
	if b.n < 2 {
		return ""
	}
	return fmt.Sprintf("%d frames of this file had timestamps outside %s to %s, the first at file offset %d (frame %d); each was given the time of the frame before it",
		b.n, epoch.Format(time.RFC3339), time.Unix(maxFrameSec, maxFrameNsec).UTC().Format(time.RFC3339Nano), b.off, b.frame)
}
