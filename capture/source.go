package capture

import (
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// PacketSource supplies frames of one link type, such as a live capture
// socket or a capture file read by the caller. pcapgo's readers and
// EthernetHandle satisfy it.
type PacketSource interface {
	// ZeroCopyReadPacketData returns the next frame. The data may alias a
	// buffer of the source that is reused by the next call. At the end it
	// returns io.EOF; io.ErrUnexpectedEOF means the last frame is cut
	// off; any other error ends the capture with that error.
	ZeroCopyReadPacketData() (data []byte, ci gopacket.CaptureInfo, err error)
	// LinkType is the link type of every frame of the source.
	LinkType() layers.LinkType
}

// NewSourceReader returns a Reader that decodes the frames of src, such as
// a live capture, exactly as it decodes the records of a capture file:
// same events, same frame numbering (1-based over every frame src
// returns), same limits. Reader.Size is -1 and Reader.BytesRead counts
// the captured octets. Closing the Reader does not close src.
func NewSourceReader(src PacketSource, opt Options) *Reader {
	r := baseReader(opt, -1, &countingReader{})
	r.src = src
	return r
}

// readSource reads one frame from the Reader's PacketSource.
func (r *Reader) readSource() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	data, ci, err := r.src.ZeroCopyReadPacketData()
	if err == nil {
		r.count.n.Add(int64(len(data)))
	}
	return data, ci, r.src.LinkType(), err
}
