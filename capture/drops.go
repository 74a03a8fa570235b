package capture

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

// Packets the capturing system dropped.
//
// A capture tool that falls behind the traffic (its buffer full on a busy
// link, a slow disk) loses packets before they reach the file, and the
// file then lacks an answer, a retransmission or the ESP of one direction
// that was on the wire. pcapng files record how many, where the tool knew:
//
//   - The Interface Statistics Block (ISB) that dumpcap, tshark and
//     Wireshark write when a capture stops: isb_ifdrop (dumpcap puts the
//     kernel's count there, libpcap's ps_drop) and isb_osdrop, each the
//     total since the capture began. A file may hold several ISBs for an
//     interface (periodic statistics); the last one counts.
//   - The obsolete Packet Block's drops count, and the Enhanced Packet
//     Block's epb_dropcount option: packets lost between this packet and
//     the one before it on its interface.
//
// Classic pcap files (tcpdump) record nothing: tcpdump prints its count
// ("N packets dropped by kernel") when it stops, not into the file.

// pcapng option codes for drop counters.
const (
	ngOptISBIfDrop   = 5      // isb_ifdrop
	ngOptISBOSDrop   = 7      // isb_osdrop
	ngOptEPBDrops    = 4      // epb_dropcount
	ngPBDropsUnknown = 0xffff // Packet Block: drops count not available
	// maxDropNames bounds the interface names kept for the report.
	maxDropNames = 8
)

// drops counts the packets a capture file records as dropped.
type drops struct {
	n     int64    // packets dropped, all interfaces and sections
	names []string // interfaces with drops (their if_name, or "#id"), at most maxDropNames
}

// add counts d packets dropped on the interface named name.
func (c *drops) add(d uint64, name string) {
	if d == 0 {
		return
	}
	c.n = satAdd(c.n, d)
	for _, x := range c.names {
		if x == name {
			return
		}
	}
	if len(c.names) < maxDropNames {
		c.names = append(c.names, name)
	}
}

// satAdd returns n+d, at most the largest int64 (the counters are the
// file's: any value may be there).
func satAdd(n int64, d uint64) int64 {
	const most = 1<<63 - 1
	if d > most-uint64(n) {
		return most
	}
	return n + int64(d)
}

// statistics reads an Interface Statistics Block (body after the block
// type and length) and counts the drops it adds to the last ISB of its
// interface.
func (p *pcapngFile) statistics(body []byte) {
	if len(body) < 12 {
		return
	}
	id := p.order.Uint32(body)
	if int(id) >= len(p.ifaces) {
		return
	}
	var total uint64
	found := false
	eachOption(p.order, body[12:], func(code uint16, v []byte) {
		if (code == ngOptISBIfDrop || code == ngOptISBOSDrop) && len(v) >= 8 {
			total = satSum(total, p.order.Uint64(v))
			found = true
		}
	})
	if !found {
		return
	}
	ifc := &p.ifaces[id]
	switch {
	case total >= ifc.dropped:
		p.notes.drops.add(total-ifc.dropped, ifc.label(id))
	default:
		// Lower than before: a counter that started again (a new
		// capture appended under the same interface); counted anew.
		p.notes.drops.add(total, ifc.label(id))
	}
	ifc.dropped = total
}

// satSum returns a+b, at most the largest uint64.
func satSum(a, b uint64) uint64 {
	if a+b < a {
		return 1<<64 - 1
	}
	return a + b
}

// packetDrops counts the drops a packet block records before its packet:
// an Enhanced Packet Block's epb_dropcount (opts: the options after the
// packet data), or the obsolete Packet Block's drops count.
func (p *pcapngFile) packetDrops(typ uint32, body []byte, opts []byte) {
	id := p.order.Uint32(body)
	var d uint64
	if typ == ngPB {
		id = uint32(p.order.Uint16(body))
		if c := p.order.Uint16(body[2:]); c != ngPBDropsUnknown {
			d = uint64(c)
		}
	}
	eachOption(p.order, opts, func(code uint16, v []byte) {
		if code == ngOptEPBDrops && len(v) >= 8 {
			d = satSum(d, p.order.Uint64(v))
		}
	})
	if d == 0 {
		return
	}
	name := "#" + strconv.FormatUint(uint64(id), 10)
	if int(id) < len(p.ifaces) {
		name = p.ifaces[id].label(id)
	}
	p.notes.drops.add(d, name)
}

// eachOption calls f for each option of a pcapng options list, up to
// opt_endofopt or the first option that does not fit.
func eachOption(order binary.ByteOrder, o []byte, f func(code uint16, v []byte)) {
	for len(o) >= 4 {
		code, l := order.Uint16(o), int(order.Uint16(o[2:]))
		if code == 0 || 4+l > len(o) {
			return
		}
		f(code, o[4:4+l])
		o = o[min(len(o), 4+(l+3)&^3):]
	}
}

// label names the interface for the report: its if_name, else its index.
func (ifc *ngInterface) label(id uint32) string {
	if ifc.name != "" {
		return ifc.name
	}
	return "#" + strconv.FormatUint(uint64(id), 10)
}

// Dropped reports the packets the capture file records as dropped by the
// capturing system so far (pcapng interface statistics and packet blocks;
// see drops.go), and the names of the interfaces they were dropped on (at
// most a few; "#N" for an interface without a name). Classic pcap files
// record none.
func (r *Reader) Dropped() (n int64, interfaces []string) {
	return r.notes.drops.n, r.notes.drops.names
}

// maxNameLen bounds an interface name kept from a file.
const maxNameLen = 64

// printableName returns an interface name from a file (if_name) fit to
// print: at most maxNameLen octets, a NUL ending it, and every octet
// outside printable ASCII as '?' (a name is the file's to choose: it must
// not carry terminal escapes into a report).
func printableName(v []byte) string {
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	v = v[:min(len(v), maxNameLen)]
	b := make([]byte, len(v))
	for i, c := range v {
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b[i] = c
	}
	return string(b)
}

// Dropped is [Reader.Dropped] for the frames read so far.
func (r *FrameReader) Dropped() (n int64, interfaces []string) {
	return r.notes.drops.n, r.notes.drops.names
}
