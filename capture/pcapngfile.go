package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"math/bits"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// pcapng block types and limits (draft-ietf-opsawg-pcapng).
const (
	ngSHB        = 0x0a0d0d0a // Section Header Block
	ngIDB        = 1          // Interface Description Block
	ngPB         = 2          // Packet Block (obsolete)
	ngSPB        = 3          // Simple Packet Block
	ngNRB        = 4          // Name Resolution Block
	ngISB        = 5          // Interface Statistics Block
	ngEPB        = 6          // Enhanced Packet Block
	ngDSB        = 0x0a       // Decryption Secrets Block
	ngCB         = 0x0bad     // Custom Block
	ngCBNoCopy   = 0x40000bad // Custom Block, not to be copied
	ngByteOrder  = 0x1a2b3c4d
	ngMaxBlock   = 134348832 // Wireshark's limit on a block's length (MAX_BLOCK_SIZE)
	ngOptTsresol = 9
	ngOptTsoff   = 14
	ngOptIfName  = 2

	// MaxInterfaces is how many Interface Description Blocks of one pcapng
	// section are kept. Packets of further interfaces are counted as
	// frames but not decoded, and reported once.
	MaxInterfaces = 4096
)

// ngInterface is what the reader keeps of an Interface Description Block.
type ngInterface struct {
	lt      layers.LinkType
	snaplen uint32
	pow2    bool   // resolution is 2^-res, else 10^-res
	res     uint8  // if_tsresol
	offset  int64  // if_tsoffset, seconds
	name    string // if_name
	dropped uint64 // drops its last Interface Statistics Block gave (drops.go)
}

// pcapngFile reads a pcapng file.
type pcapngFile struct {
	in          *fileBuf
	notes       *notes
	order       binary.ByteOrder
	ifaces      []ngInterface // of the current section, at most MaxInterfaces
	nIfaces     int           // IDBs seen in the current section
	firstLT     layers.LinkType
	haveFirstLT bool
	lastTime    time.Time // time of the last packet (for Simple Packet Blocks and impossible times), at first the Unix epoch
	warned      map[string]bool
}

// newPcapngFile reads the first Section Header Block.
func newPcapngFile(in *fileBuf, n *notes) (*pcapngFile, error) {
	p := &pcapngFile{in: in, notes: n, warned: map[string]bool{}, lastTime: epoch}
	h, err := in.peek(12)
	if len(h) < 12 {
		return nil, fmt.Errorf("pcapng section header: %w", short(1, err))
	}
	if !p.sectionOrder(h) {
		return nil, errors.New("pcapng section header: bad byte-order magic")
	}
	blen := p.order.Uint32(h[4:])
	if blen < 28 || blen%4 != 0 || blen > ngMaxBlock {
		return nil, fmt.Errorf("pcapng section header: block length %d", blen)
	}
	return p, nil
}

// sectionOrder sets the byte order from the byte-order magic of a Section
// Header Block starting at h.
func (p *pcapngFile) sectionOrder(h []byte) bool {
	switch {
	case binary.LittleEndian.Uint32(h[8:]) == ngByteOrder:
		p.order = binary.LittleEndian
	case binary.BigEndian.Uint32(h[8:]) == ngByteOrder:
		p.order = binary.BigEndian
	default:
		return false
	}
	return true
}

func (p *pcapngFile) linkType() layers.LinkType { return p.firstLT }

// warnOnce queues a note the first time key is seen. Callers test
// p.warned[key] first, so repeats cost no formatting or allocation.
func (p *pcapngFile) warnOnce(key string, off int64, err error, format string, args ...any) {
	p.warned[key] = true
	p.notes.add(off, err, format, args...)
}

func (p *pcapngFile) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, bool, error) {
	var none gopacket.CaptureInfo
	for {
		at := p.in.off
		h, err := p.in.peek(12)
		if len(h) < 8 || len(h) < 12 && binary.BigEndian.Uint32(h) == ngSHB {
			return nil, none, 0, false, short(len(h), err)
		}
		order := p.order
		if binary.BigEndian.Uint32(h) == ngSHB {
			saved := p.order
			if !p.sectionOrder(h) {
				if !p.damaged(at, "section header block with a bad byte-order magic") {
					return nil, none, 0, false, p.in.endErr()
				}
				p.order = saved
				continue
			}
			order = p.order
			p.order = saved // until the block is known to be whole
		}
		typ, blen := order.Uint32(h), order.Uint32(h[4:])
		if blen < 12 || blen%4 != 0 || blen > ngMaxBlock {
			if !p.damaged(at, fmt.Sprintf("block of type %#x with length %d (a multiple of 4 from 12 to %d is expected)", typ, blen, ngMaxBlock)) {
				return nil, none, 0, false, p.in.endErr()
			}
			continue
		}
		if blen > maxWindow {
			// Too long to hold: only a block we do not use can be
			// legitimately this long (a packet is at most MaxSnaplen).
			if typ == ngEPB || typ == ngSPB || typ == ngPB || typ == ngIDB || typ == ngSHB {
				if !p.damaged(at, fmt.Sprintf("block of type %#x with length %d, longer than any such block can be", typ, blen)) {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			if p.in.discard(int64(blen)-4) < int64(blen)-4 {
				return nil, none, 0, false, io.ErrUnexpectedEOF
			}
			t, err := p.in.peek(4)
			if len(t) < 4 {
				return nil, none, 0, false, short(1, err)
			}
			if order.Uint32(t) != blen {
				if !p.damaged(p.in.off, fmt.Sprintf("block of type %#x at file offset %d: trailing length %d differs from the leading length %d", typ, at, order.Uint32(t), blen)) {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			p.in.discard(4)
			continue
		}
		b, err := p.in.peek(int(blen))
		if len(b) < int(blen) {
			return nil, none, 0, false, short(1, err)
		}
		if t := order.Uint32(b[blen-4:]); t != blen {
			if !p.damaged(at, fmt.Sprintf("block of type %#x: trailing length %d differs from the leading length %d", typ, t, blen)) {
				return nil, none, 0, false, p.in.endErr()
			}
			continue
		}
		body := b[8 : blen-4]
		switch typ {
		case ngSHB:
			if len(body) < 16 {
				if !p.damaged(at, "section header block too short") {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			p.order = order
			p.ifaces, p.nIfaces = p.ifaces[:0], 0
			clear(p.warned)
		case ngIDB:
			if len(body) < 8 {
				if !p.damaged(at, "interface description block too short") {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			p.addInterface(at, body)
		case ngEPB, ngPB:
			if len(body) < 20 {
				if !p.damaged(at, fmt.Sprintf("packet block of %d octets, too short for its header", blen)) {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			var id uint32
			if typ == ngEPB {
				id = order.Uint32(body)
			} else {
				id = uint32(order.Uint16(body))
			}
			caplen, orig := order.Uint32(body[12:]), order.Uint32(body[16:])
			if caplen > uint32(len(body)-20) {
				if !p.damaged(at, fmt.Sprintf("packet block: captured length %d exceeds the %d octets the block holds", caplen, len(body)-20)) {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			ts := uint64(order.Uint32(body[4:]))<<32 | uint64(order.Uint32(body[8:]))
			data := body[20 : 20+caplen]
			if end := 20 + (int(caplen)+3)&^3; typ == ngPB || end < len(body) {
				// Options (or the old block's drops count): packets
				// the capture lost before this one (drops.go).
				p.packetDrops(typ, body, body[min(end, len(body)):])
			}
			p.in.discard(int64(blen))
			return p.packet(at, id, ts, true, data, orig)
		case ngSPB:
			if len(body) < 4 {
				if !p.damaged(at, "simple packet block too short") {
					return nil, none, 0, false, p.in.endErr()
				}
				continue
			}
			orig := order.Uint32(body)
			caplen := min(orig, uint32(len(body)-4))
			if len(p.ifaces) > 0 && p.ifaces[0].snaplen > 0 {
				caplen = min(caplen, p.ifaces[0].snaplen)
			}
			data := body[4 : 4+caplen]
			p.in.discard(int64(blen))
			return p.packet(at, 0, 0, false, data, orig)
		}
		if typ == ngISB {
			p.statistics(body) // the drops it counts (drops.go)
		}
		// Other blocks (names, secrets, custom, unknown) carry nothing
		// the reader uses: skip them without keeping anything.
		p.in.discard(int64(blen))
	}
}

// packet returns a packet of interface id.
func (p *pcapngFile) packet(at int64, id uint32, ts uint64, hasTS bool, data []byte, orig uint32) ([]byte, gopacket.CaptureInfo, layers.LinkType, bool, error) {
	ci := gopacket.CaptureInfo{CaptureLength: len(data), Length: int(max(orig, uint32(len(data)))), Timestamp: p.lastTime}
	switch {
	case int(id) < len(p.ifaces):
		ifc := &p.ifaces[id]
		if hasTS {
			if t, ok := ifc.time(ts); ok {
				ci.Timestamp = t
				p.lastTime = t
			} else {
				p.notes.times.note(p.notes, at, ifc.describe(ts), p.lastTime)
			}
		}
		return data, ci, ifc.lt, true, nil
	case int(id) < p.nIfaces:
		if p.warned["iface-limit"] {
			break
		}
		p.warnOnce("iface-limit", at, ErrCaptureLimit, "packet block at file offset %d belongs to interface %d, beyond the %d interfaces kept per section: packets of such interfaces are counted as frames but not decoded (reported once per section)", at, id, MaxInterfaces)
	case !p.warned["iface-unknown"]:
		p.warnOnce("iface-unknown", at, ErrCaptureDamaged, "packet block at file offset %d names interface %d, but the section has %d interface description blocks: such packets are counted as frames but not decoded (reported once per section)", at, id, p.nIfaces)
	}
	return data, ci, 0, false, nil
}

// addInterface records an Interface Description Block (body after the
// block type and length), within MaxInterfaces per section.
func (p *pcapngFile) addInterface(at int64, body []byte) {
	p.nIfaces++
	if len(p.ifaces) >= MaxInterfaces {
		if p.warned["iface-count"] {
			return
		}
		p.warnOnce("iface-count", at, ErrCaptureLimit, "interface description block at file offset %d: more than %d interfaces in one section; further ones are not kept (reported once per section)", at, MaxInterfaces)
		return
	}
	ifc := ngInterface{lt: layers.LinkType(p.order.Uint16(body)), snaplen: p.order.Uint32(body[4:]), res: 6}
	eachOption(p.order, body[8:], func(code uint16, v []byte) {
		l := len(v)
		switch {
		case code == ngOptTsresol && l >= 1:
			ifc.pow2, ifc.res = v[0]&0x80 != 0, v[0]&0x7f
			if (!ifc.pow2 && ifc.res > 19 || ifc.pow2 && ifc.res > 63) && !p.warned["tsresol"] {
				p.warnOnce("tsresol", at, ErrCaptureDamaged, "interface description block at file offset %d: timestamp resolution option %#x cannot be represented; microseconds assumed", at, v[0])
			}
			if !ifc.pow2 && ifc.res > 19 || ifc.pow2 && ifc.res > 63 {
				ifc.pow2, ifc.res = false, 6
			}
		case code == ngOptTsoff && l >= 8:
			ifc.offset = int64(p.order.Uint64(v))
		case code == ngOptIfName && l > 0:
			ifc.name = printableName(v)
		}
	})
	if !p.haveFirstLT {
		p.firstLT, p.haveFirstLT = ifc.lt, true
	}
	p.ifaces = append(p.ifaces, ifc)
}

// time converts a timestamp in the interface's units; false when the
// time lies outside the range frames may have (see frameTimeOK), including
// when seconds plus if_tsoffset overflow.
func (ifc *ngInterface) time(ts uint64) (time.Time, bool) {
	sec, ns := ifc.split(ts)
	if sec > maxFrameSec || ifc.offset > math.MaxInt64-int64(sec) {
		return time.Time{}, false
	}
	s := int64(sec) + ifc.offset
	if !frameTimeOK(s, int64(ns)) {
		return time.Time{}, false
	}
	return time.Unix(s, int64(ns)).UTC(), true
}

// split divides a timestamp in the interface's units into whole seconds
// and nanoseconds (rounded down).
func (ifc *ngInterface) split(ts uint64) (sec, ns uint64) {
	var frac uint64
	if ifc.pow2 {
		k := uint(ifc.res)
		sec, frac = ts>>k, ts&(1<<k-1)
		if k > 0 {
			hi, lo := bits.Mul64(frac, 1e9)
			ns = hi<<(64-k) | lo>>k
		}
		return sec, ns
	}
	div := uint64(1)
	for range ifc.res {
		div *= 10
	}
	sec, frac = ts/div, ts%div
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ = bits.Div64(hi, lo, div)
	return sec, ns
}

// describe says what timestamp ts of the interface means, for a note:
// the raw count, its unit, if_tsoffset, and the seconds since the epoch
// they add up to.
func (ifc *ngInterface) describe(ts uint64) string {
	unit := fmt.Sprintf("10^-%d s", ifc.res)
	if ifc.pow2 {
		unit = fmt.Sprintf("2^-%d s", ifc.res)
	}
	sec, _ := ifc.split(ts)
	total := new(big.Int).Add(new(big.Int).SetUint64(sec), big.NewInt(ifc.offset))
	return fmt.Sprintf("%d units of %s plus if_tsoffset %d s: %s s after 1970-01-01", ts, unit, ifc.offset, total)
}

// damaged reports the damaged block that starts at offset at and
// resynchronises on the next plausible block from the current offset;
// false means the rest of the file is lost.
func (p *pcapngFile) damaged(at int64, why string) bool {
	return p.notes.resync(p.in, fmt.Sprintf("block at file offset %d: %s", at, why), p.candidate)
}

// candidate reports whether w[i:] starts a whole block of a known type
// whose trailing length matches its leading one (and, for packet blocks,
// whose lengths agree and whose interface exists).
func (p *pcapngFile) candidate(w []byte, i int, ended bool) bool {
	h := w[i:]
	if len(h) < 12 {
		return false
	}
	order := p.order
	typ := order.Uint32(h)
	if binary.BigEndian.Uint32(h) == ngSHB {
		switch {
		case binary.LittleEndian.Uint32(h[8:]) == ngByteOrder:
			order = binary.LittleEndian
		case binary.BigEndian.Uint32(h[8:]) == ngByteOrder:
			order = binary.BigEndian
		default:
			return false
		}
		typ = ngSHB
	}
	switch typ {
	case ngSHB, ngIDB, ngPB, ngSPB, ngNRB, ngISB, ngEPB, ngDSB, ngCB, ngCBNoCopy:
	default:
		return false
	}
	blen := order.Uint32(h[4:])
	if blen < 12 || blen%4 != 0 || int64(blen) > int64(len(h)) || order.Uint32(h[blen-4:]) != blen {
		return false
	}
	switch typ {
	case ngEPB, ngPB:
		if blen < 32 {
			return false
		}
		id := order.Uint32(h[8:])
		if typ == ngPB {
			id = uint32(order.Uint16(h[8:]))
		}
		return int(id) < p.nIfaces && order.Uint32(h[20:]) <= blen-32
	case ngIDB:
		return blen >= 20
	case ngSHB:
		return blen >= 28
	}
	return true
}
