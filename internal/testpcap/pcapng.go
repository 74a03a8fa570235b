package testpcap

import (
	"encoding/binary"

	"github.com/gopacket/gopacket/layers"
)

// NgInterface is an Interface Description Block for [NgWriter]:
// TSResol is the if_tsresol octet (6: microseconds; 0x80|n: 2^-n s),
// TSOffset the if_tsoffset in seconds (written only when not 0).
type NgInterface struct {
	LinkType layers.LinkType
	TSResol  uint8
	TSOffset int64
}

// NgWriter builds a little-endian pcapng file in memory, block by block,
// so tests can write any timestamp a 64-bit field holds (pcapgo's writer
// takes a time.Time).
type NgWriter struct {
	buf []byte
	// Offsets holds the file offset of each Enhanced Packet Block, in the
	// order written.
	Offsets []int
}

// NewNgWriter starts a pcapng file: a Section Header Block and one
// Interface Description Block per interface (numbered from 0).
func NewNgWriter(ifaces ...NgInterface) *NgWriter {
	w := &NgWriter{}
	shb := binary.LittleEndian.AppendUint32(nil, 0x1a2b3c4d)
	shb = binary.LittleEndian.AppendUint16(shb, 1)
	shb = binary.LittleEndian.AppendUint16(shb, 0)
	shb = binary.LittleEndian.AppendUint64(shb, ^uint64(0)) // section length unknown
	w.block(0x0a0d0d0a, shb)
	for _, ifc := range ifaces {
		idb := binary.LittleEndian.AppendUint16(nil, uint16(ifc.LinkType))
		idb = binary.LittleEndian.AppendUint16(idb, 0)
		idb = binary.LittleEndian.AppendUint32(idb, 262144)
		idb = binary.LittleEndian.AppendUint16(idb, 9) // if_tsresol
		idb = binary.LittleEndian.AppendUint16(idb, 1)
		idb = append(idb, ifc.TSResol, 0, 0, 0)
		if ifc.TSOffset != 0 {
			idb = binary.LittleEndian.AppendUint16(idb, 14) // if_tsoffset
			idb = binary.LittleEndian.AppendUint16(idb, 8)
			idb = binary.LittleEndian.AppendUint64(idb, uint64(ifc.TSOffset))
		}
		idb = append(idb, 0, 0, 0, 0) // opt_endofopt
		w.block(1, idb)
	}
	return w
}

// Add appends an Enhanced Packet Block of interface iface with the raw
// 64-bit timestamp ts (in that interface's units).
func (w *NgWriter) Add(iface uint32, ts uint64, frame []byte) {
	epb := binary.LittleEndian.AppendUint32(nil, iface)
	epb = binary.LittleEndian.AppendUint32(epb, uint32(ts>>32))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(ts))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(len(frame)))
	epb = binary.LittleEndian.AppendUint32(epb, uint32(len(frame)))
	epb = append(epb, frame...)
	for len(epb)%4 != 0 {
		epb = append(epb, 0)
	}
	w.Offsets = append(w.Offsets, len(w.buf))
	w.block(6, epb)
}

// Bytes returns the file so far.
func (w *NgWriter) Bytes() []byte { return w.buf }

// block appends a block of type typ with body (a multiple of 4 octets).
func (w *NgWriter) block(typ uint32, body []byte) {
	n := uint32(12 + len(body))
	w.buf = binary.LittleEndian.AppendUint32(w.buf, typ)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, n)
	w.buf = append(w.buf, body...)
	w.buf = binary.LittleEndian.AppendUint32(w.buf, n)
}
