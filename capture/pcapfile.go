package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// fileReader reads the packet records of a capture file.
type fileReader interface {
	// next returns the next packet record: its octets (valid until the
	// next call), capture info and link type. decode is false for a
	// record that is counted as a frame but cannot be decoded (a pcapng
	// packet of an interface that was not recorded). err is io.EOF at the
	// end, io.ErrUnexpectedEOF when the last record is cut off. Damage
	// skipped on the way is queued with note.
	next() (data []byte, ci gopacket.CaptureInfo, lt layers.LinkType, decode bool, err error)
	// linkType is the link type of the file (pcap) or of its first
	// interface (pcapng), 0 if none is known yet.
	linkType() layers.LinkType
}

// fileNote is a problem found in the file structure itself (not in a
// packet), reported as a KindError event of layer "file".
type fileNote struct {
	off     int64 // octet offset in the (decompressed) file
	detail  string
	skipped int64 // octets skipped because of it
	err     error // ErrCaptureDamaged or ErrCaptureLimit
}

// notes collects fileNotes for the Reader, and counts the frames of the
// file whose time was impossible.
type notes struct {
	list  []fileNote
	times badTimes
	drops drops // packets the file records as dropped while capturing (drops.go)
}

func (n *notes) add(off int64, err error, format string, args ...any) {
	n.list = append(n.list, fileNote{off: off, err: err, detail: fmt.Sprintf(format, args...)})
}

// Limits of the resynchronisation search after damage.
const (
	// maxResyncScan is how far past a damaged spot the reader looks for
	// the next plausible record before it gives up on the rest of the
	// file.
	maxResyncScan = 64 << 20
	// resyncMaxGap is how far in capture time (seconds) a candidate
	// record may be from the last good one.
	resyncMaxGap = 30 * 24 * 3600
)

// pcap file format constants (draft-ietf-opsawg-pcap).
const (
	pcapHeaderLen    = 24
	pcapRecHeaderLen = 16
	pcapMagicMicro   = 0xa1b2c3d4
	pcapMagicNano    = 0xa1b23c4d
	pcapLinkTypeMask = 0x03ffffff // upper bits of LinkType carry FCS information
)

// pcapFile reads a classic pcap file.
type pcapFile struct {
	in         *fileBuf
	notes      *notes
	order      binary.ByteOrder
	fracPerSec uint32 // 1e6 or 1e9
	snaplen    uint32 // as declared by the header
	lt         layers.LinkType
	lastSec    int64 // seconds of the last good record
	haveLast   bool
	warnedOrig bool
}

// newPcapFile reads the file header.
func newPcapFile(in *fileBuf, n *notes) (*pcapFile, error) {
	h, err := in.peek(pcapHeaderLen)
	if len(h) < pcapHeaderLen {
		if err == nil || errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("pcap file header: %w", err)
	}
	p := &pcapFile{in: in, notes: n}
	switch {
	case binary.LittleEndian.Uint32(h) == pcapMagicMicro:
		p.order, p.fracPerSec = binary.LittleEndian, 1e6
	case binary.BigEndian.Uint32(h) == pcapMagicMicro:
		p.order, p.fracPerSec = binary.BigEndian, 1e6
	case binary.LittleEndian.Uint32(h) == pcapMagicNano:
		p.order, p.fracPerSec = binary.LittleEndian, 1e9
	case binary.BigEndian.Uint32(h) == pcapMagicNano:
		p.order, p.fracPerSec = binary.BigEndian, 1e9
	default:
		return nil, fmt.Errorf("unknown magic number %#08x", binary.BigEndian.Uint32(h))
	}
	if v := p.order.Uint16(h[4:]); v != 2 {
		return nil, fmt.Errorf("pcap major version %d (only 2 exists)", v)
	}
	p.snaplen = p.order.Uint32(h[16:])
	p.lt = layers.LinkType(p.order.Uint32(h[20:]) & pcapLinkTypeMask)
	in.discard(pcapHeaderLen)
	return p, nil
}

func (p *pcapFile) linkType() layers.LinkType { return p.lt }

// limitText names the record length limit applied and the snap length the
// header declares (which may differ: longer records are read, as tcpdump
// and Wireshark do, up to MaxSnaplen).
func (p *pcapFile) limitText() string {
	return fmt.Sprintf("the %d-octet limit applied to every record (the file header declares snap length %d)", MaxSnaplen, p.snaplen)
}

func (p *pcapFile) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, bool, error) {
	for {
		h, err := p.in.peek(pcapRecHeaderLen)
		if len(h) < pcapRecHeaderLen {
			return nil, gopacket.CaptureInfo{}, 0, false, short(len(h), err)
		}
		incl, orig := p.order.Uint32(h[8:]), p.order.Uint32(h[12:])
		if incl > MaxSnaplen {
			at := p.in.off
			why := fmt.Sprintf("record header at file offset %d: captured length %d exceeds %s", at, incl, p.limitText())
			if !p.notes.resync(p.in, why, p.candidate) {
				return nil, gopacket.CaptureInfo{}, 0, false, p.in.endErr()
			}
			continue
		}
		rec, err := p.in.peek(pcapRecHeaderLen + int(incl))
		if len(rec) < pcapRecHeaderLen+int(incl) {
			return nil, gopacket.CaptureInfo{}, 0, false, short(1, err)
		}
		if incl > orig && !p.warnedOrig {
			p.warnedOrig = true
			p.notes.add(p.in.off, ErrCaptureDamaged, "record at file offset %d: captured length %d exceeds the original length %d; read as recorded, as tshark does (reported once per file)", p.in.off, incl, orig)
		}
		// The second peek may have moved the buffered octets (refill at
		// the buffer's end): h is stale, rec holds the header.
		sec, frac := p.order.Uint32(rec[0:]), p.order.Uint32(rec[4:])
		p.lastSec, p.haveLast = int64(sec), true
		ci := gopacket.CaptureInfo{
			Timestamp:     time.Unix(int64(sec), int64(frac)*int64(1e9/p.fracPerSec)).UTC(),
			CaptureLength: int(incl),
			Length:        int(max(orig, incl)),
		}
		p.in.discard(int64(len(rec)))
		return rec[pcapRecHeaderLen:], ci, p.lt, true, nil
	}
}

// plausible reports whether h starts a record header that a writer could
// have produced after a record stamped lastSec (when known).
func (p *pcapFile) plausible(h []byte, lastSec int64, haveLast bool) bool {
	sec, frac := int64(p.order.Uint32(h[0:])), p.order.Uint32(h[4:])
	incl, orig := p.order.Uint32(h[8:]), p.order.Uint32(h[12:])
	if incl > MaxSnaplen || incl > orig || orig > 1<<24 || frac >= p.fracPerSec {
		return false
	}
	return !haveLast || sec >= lastSec-resyncMaxGap && sec <= lastSec+resyncMaxGap
}

// candidate reports whether w[i:] starts a record that a writer could
// have produced next: a plausible header whose record is followed by
// another plausible header, or ends exactly at the end of the input. With
// no record read before the damage (no time to compare with), two
// successors must be plausible: runs of zeros in frame data (IPv6
// addresses) passed for a header and its successor (ikev2-ipv6 with its
// first record header damaged), not for three in a row; where the window
// ends after the first successor, that one is what it shows.
func (p *pcapFile) candidate(w []byte, i int, ended bool) bool {
	need := 1
	if !p.haveLast {
		need = 2
	}
	sec, have := p.lastSec, p.haveLast
	for k := 0; k <= need; k++ {
		if k > 0 && i+pcapRecHeaderLen > len(w) {
			if !ended && k >= 2 {
				return true
			}
			return ended && i == len(w) // the last record of the file
		}
		h := w[i:]
		if len(h) < pcapRecHeaderLen || !p.plausible(h, sec, have) {
			return false
		}
		sec, have = int64(p.order.Uint32(h[0:])), true
		i += pcapRecHeaderLen + int(p.order.Uint32(h[8:]))
	}
	return true
}

// resync skips the damaged structure at the current offset of in and
// looks for the next position where candidate holds, one octet at a time,
// at most maxResyncScan octets on. Each position costs O(1), so the search
// is linear in what it skips. It queues one note (why, and what was
// skipped) and returns false when it gave up on the rest of the file.
func (n *notes) resync(in *fileBuf, why string, candidate func(w []byte, i int, ended bool) bool) bool {
	start := in.off
	skipped := in.discard(1)
	for skipped < maxResyncScan {
		w, err := in.peek(maxWindow)
		ended := err != nil
		lim := len(w)
		if !ended {
			lim = min(lim, resyncChunk)
		}
		for i := 0; i < lim; i++ {
			if candidate(w, i, ended) {
				skipped += in.discard(int64(i))
				n.list = append(n.list, fileNote{off: start, err: ErrCaptureDamaged, skipped: skipped,
					detail: fmt.Sprintf("%s; skipped %d octets to the next plausible record at file offset %d", why, skipped, in.off)})
				return true
			}
		}
		skipped += in.discard(int64(lim))
		if ended {
			n.list = append(n.list, fileNote{off: start, err: ErrCaptureDamaged, skipped: skipped,
				detail: fmt.Sprintf("%s; no plausible record in the %d octets after it, to the end of the file", why, skipped)})
			return false
		}
	}
	n.list = append(n.list, fileNote{off: start, err: ErrCaptureLimit, skipped: skipped,
		detail: fmt.Sprintf("%s; no plausible record in the %d octets after it: the rest of the file is not read", why, skipped)})
	return false
}
