package capture

import "encoding/binary"

// espHeaderLen is the SPI and sequence number of an ESP packet (RFC 4303 §2).
const espHeaderLen = 8

// emitESP queues a KindESP event for the ESP packet b, or an error when b
// is too short to hold the SPI and sequence number.
func (r *Reader) emitESP(fl *flow, ip *ipPacket, b []byte, layer string) {
	if len(b) < espHeaderLen {
		r.addFlowError(fl, layer, ip.at(0), ErrTruncated, "ESP header")
		return
	}
	r.stats.ESP++
	r.events = append(r.events, Event{
		Frame: r.cur.frame, Time: r.cur.ts, Src: fl.src, Dst: fl.dst, Transport: fl.transport,
		Kind: KindESP, Data: b,
		ESPSPI: binary.BigEndian.Uint32(b[0:4]), ESPSeq: binary.BigEndian.Uint32(b[4:8]),
		Reassembled: ip.reassembled, Truncated: ip.missing > 0, TTL: ip.ttl,
	})
}
