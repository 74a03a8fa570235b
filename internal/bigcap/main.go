// Command bigcap builds large captures for benchmarks by replicating the
// real exchanges of the corpus: every copy of a capture gets its own IKE
// SPIs and its own pair of peer addresses, and is shifted in time, so that
// each copy is a distinct set of IKE SAs. Optional filler traffic (UDP and
// TCP on other ports, rewritten from the same real frames) makes a capture
// that is mostly non-IKE.
//
//	go run ./internal/bigcap -sas 100000 -o /tmp/big.pcap
//	go run ./internal/bigcap -sas 2000 -filler 20 -o /tmp/mostly-other.pcap
//	go run ./internal/bigcap -sas 100000 -gap 36ms -o /tmp/big100k-1h.pcap
//	go run ./internal/bigcap -copies 88 -o /tmp/two-of-each.pcap
//	go run ./internal/bigcap -sas 1000000 -templates testdata/corpus/ikev2-init-no-proposal/capture.pcap -o /tmp/hdr1m.pcap
//
// -gap sets how far apart the copies start (5 ms by default: about 180 new
// IKE SAs per second, so that every SA of a 100k-SA capture is still open
// at its end under analyze's 10-minute idle timeout; 36 ms spreads 100k SAs
// over 55 minutes, so that about a fifth of them are open at once). The
// fifth builds 1M header-only SAs from one template: an IKE_SA_INIT and its
// NO_PROPOSAL_CHOSEN answer, about 120,000 of them open at once.
// The output file must not exist yet: bigcap never overwrites a file.
//
// IKE over TCP (RFC 8229, TCP port 4500) is rewritten like IKE over UDP:
// each template's TCP streams are reassembled once (by sequence number, the
// "IKETCP" prefix and the 2-octet length framing), the SPIs of every IKE
// header in them are located, and each segment that carries octets of such
// an SPI has them XORed for the copy, also when a header spans segments.
// The addresses change as for UDP, ports stay; the TCP checksum is
// recomputed (UDP's is zeroed instead, which IPv4 allows and TCP does not).
//
// The NAT detection hashes are not recomputed for the new addresses: every
// copy but the first shows a NAT (nat_detected) where its template had
// none. Everything else a copy shows is what its template shows.
// (A 460-SA build, ten copies of each template, gives ten times the
// corpus's states and findings but for nat_detected.)
package main

import (
	"bufio"
	"container/heap"
	"encoding/binary"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// frame is one packet of a template capture.
type frame struct {
	data []byte
	ci   gopacket.CaptureInfo
	// tcpSPIs holds, for a TCP segment of an RFC 8229 stream, where in
	// data each non-zero IKE SPI whose octets it carries starts (before
	// 0 or running past the end when the SPI spans segments).
	tcpSPIs []int
}

// template is one template capture and the number of IKE SAs in it.
type template struct {
	frames []frame
	sas    int
}

func main() {
	sas := flag.Int("sas", 10000, "approximate number of IKE SAs to produce")
	filler := flag.Int("filler", 0, "non-IKE frames to add per IKE frame")
	out := flag.String("o", "", "output pcap file")
	glob := flag.String("templates", "testdata/corpus/*/capture.pcap", "template captures")
	gap := flag.Duration("gap", 5*time.Millisecond, "time between the starts of two copies of a template")
	copies := flag.Int("copies", 0, "exactly this many copies (each template in turn), instead of -sas")
	flag.Parse()
	if *gap <= 0 {
		fmt.Fprintln(os.Stderr, "bigcap: -gap must be positive")
		os.Exit(2)
	}
	if *out == "" {
		fmt.Fprintln(os.Stderr, "bigcap: -o is required")
		os.Exit(2)
	}
	paths, _ := filepath.Glob(*glob)
	var templates []template
	for _, p := range paths {
		fr, err := load(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bigcap:", err)
			os.Exit(1)
		}
		tcpSPIi := markTCPSPIs(fr)
		templates = append(templates, template{frames: fr, sas: saCount(fr, tcpSPIi)})
	}
	if len(templates) == 0 {
		fmt.Fprintln(os.Stderr, "bigcap: no template captures match", *glob)
		os.Exit(1)
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bigcap:", err)
		os.Exit(1)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriter(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		fmt.Fprintln(os.Stderr, "bigcap:", err)
		os.Exit(1)
	}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	// Copies start -gap apart and overlap in time (a template lasts up to
	// ~10 s). A capture taken on one link records their frames in time
	// order, so the copies are merged by time, not written one after
	// the other: only the copies in progress are held (a min-heap on the
	// time of each one's next frame).
	frames, produced := 0, 0
	var h copyHeap
	nextCopy := 0
	startCopy := func() {
		t := templates[nextCopy%len(templates)]
		start := base.Add(time.Duration(nextCopy) * *gap)
		heap.Push(&h, &copyState{n: nextCopy, t: t.frames, start: start, t0: t.frames[0].ci.Timestamp})
		produced += t.sas
		nextCopy++
	}
	more := func(produced, started int) bool {
		if *copies > 0 {
			return started < *copies
		}
		return produced < *sas
	}
	startCopy()
	for h.Len() > 0 || more(produced, nextCopy) {
		// the next copy starts when its time comes, or at once when
		// every copy so far is written (a template shorter than -gap)
		for more(produced, nextCopy) && (h.Len() == 0 || !base.Add(time.Duration(nextCopy)*(*gap)).After(h[0].at())) {
			startCopy()
		}
		c := h[0]
		fr := c.t[c.i]
		data := rewrite(fr.data, uint32(c.n), fr.tcpSPIs)
		tcpChecksum(data) // the addresses and SPIs changed
		ci := fr.ci
		ci.Timestamp = c.at()
		ci.CaptureLength, ci.Length = len(data), len(data)
		if err := w.WritePacket(ci, data); err != nil {
			fmt.Fprintln(os.Stderr, "bigcap:", err)
			os.Exit(1)
		}
		frames++
		for i := 0; i < *filler; i++ {
			fd := fillerFrame(fr.data, uint32(c.n*(*filler)+i))
			ci.CaptureLength, ci.Length = len(fd), len(fd)
			w.WritePacket(ci, fd)
			frames++
		}
		if c.i++; c.i == len(c.t) {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	if err := bw.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "bigcap:", err)
		os.Exit(1)
	}
	f.Close()
	fmt.Fprintf(os.Stderr, "bigcap: wrote %d frames, about %d IKE SAs, to %s\n", frames, produced, *out)
}

// copyState is one copy of a template being written: the index of its
// next frame and where its time starts.
type copyState struct {
	n     int // copy number (SPIs, addresses)
	t     []frame
	i     int
	start time.Time
	t0    time.Time
}

// at returns the capture time of the copy's next frame.
func (c *copyState) at() time.Time { return c.start.Add(c.t[c.i].ci.Timestamp.Sub(c.t0)) }

// copyHeap orders the copies in progress by the time of their next frame,
// then by copy number.
type copyHeap []*copyState

func (h copyHeap) Len() int { return len(h) }
func (h copyHeap) Less(i, j int) bool {
	ti, tj := h[i].at(), h[j].at()
	if !ti.Equal(tj) {
		return ti.Before(tj)
	}
	return h[i].n < h[j].n
}
func (h copyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *copyHeap) Push(x any)   { *h = append(*h, x.(*copyState)) }
func (h *copyHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

func load(path string) ([]frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.LinkType() != layers.LinkTypeEthernet {
		return nil, fmt.Errorf("%s: want Ethernet templates, got %v", path, r.LinkType())
	}
	var out []frame
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, frame{data: data, ci: ci})
	}
	return out, nil
}

// saCount estimates the IKE SAs of a template: distinct initiator SPIs, of
// IKE over UDP and of tcpSPIi (those over TCP).
func saCount(t []frame, tcpSPIi map[uint64]bool) int {
	seen := maps.Clone(tcpSPIi)
	for _, fr := range t {
		if off, ok := ikeOffset(fr.data); ok {
			seen[binary.BigEndian.Uint64(fr.data[off:])] = true
		}
	}
	if len(seen) == 0 {
		return 1
	}
	return len(seen)
}

// ikeOffset finds the IKE header in an untagged Ethernet/IPv4/UDP frame,
// or in the first fragment of such a datagram (it holds the IKE header:
// the SPIs of a fragmented IKE_AUTH must be rewritten too, or every copy's
// reassembled message would belong to the template's own SA).
func ikeOffset(d []byte) (int, bool) {
	var udp int
	switch {
	case len(d) >= 14+40+8 && binary.BigEndian.Uint16(d[12:]) == 0x86dd && d[14+6] == 17:
		udp = 14 + 40 // IPv6, UDP right after the fixed header
	case len(d) < 14+20+8 || binary.BigEndian.Uint16(d[12:]) != 0x0800 || d[14+9] != 17:
		return 0, false
	case binary.BigEndian.Uint16(d[14+6:])&0x1fff != 0: // not a first fragment
		return 0, false
	default:
		udp = 14 + int(d[14]&0x0f)*4
	}
	if len(d) < udp+8 {
		return 0, false
	}
	sp, dp := binary.BigEndian.Uint16(d[udp:]), binary.BigEndian.Uint16(d[udp+2:])
	off := udp + 8
	switch {
	case sp == 500 || dp == 500:
	case sp == 4500 || dp == 4500:
		if len(d) < off+4 || binary.BigEndian.Uint32(d[off:]) != 0 {
			return 0, false // ESP-in-UDP or keepalive
		}
		off += 4
	default:
		return 0, false
	}
	if len(d) < off+28 {
		return 0, false
	}
	return off, true
}

// rewrite copies a frame and makes it belong to copy n: the IPv4 addresses
// get n in their two low octets, non-zero IKE SPIs are XORed with n (in a
// TCP segment, those that tcpSPIs places), and the IPv4 header checksum is
// recomputed (the UDP checksum is zeroed, which IPv4 allows; the caller
// recomputes a TCP checksum with tcpChecksum).
func rewrite(src []byte, n uint32, tcpSPIs []int) []byte {
	d := append([]byte(nil), src...)
	if len(d) >= 14+40+8 && binary.BigEndian.Uint16(d[12:]) == 0x86dd {
		// IPv6: the low octets of both addresses, no header checksum;
		// the UDP checksum is zeroed (the reader does not check it).
		ip := d[14:]
		for _, a := range [][]byte{ip[8:24], ip[24:40]} {
			a[14] ^= byte(n >> 8)
			a[15] ^= byte(n)
			a[13] ^= byte(n >> 16)
		}
		if ip[6] == 17 {
			binary.BigEndian.PutUint16(ip[40+6:], 0)
		}
		if off, ok := ikeOffset(d); ok {
			xorSPIs(d[off:], n)
		}
		return d
	}
	if len(d) < 14+20 || binary.BigEndian.Uint16(d[12:]) != 0x0800 {
		return d
	}
	ip := d[14:]
	ihl := rewriteIPv4(ip, n)
	if ip[9] == 17 && len(d) >= 14+ihl+8 {
		binary.BigEndian.PutUint16(d[14+ihl+6:], 0)
	}
	var mask [8]byte
	binary.BigEndian.PutUint64(mask[:], uint64(n)<<20)
	for _, at := range tcpSPIs { // the octets of the SPI this segment holds
		for i := range mask {
			if p := at + i; p >= 0 && p < len(d) {
				d[p] ^= mask[i]
			}
		}
	}
	if ip[9] == 1 && len(d) >= 14+ihl+8+20 && d[14+ihl] == 3 {
		rewriteICMPQuote(d[14+ihl:], n)
	}
	if off, ok := ikeOffset(d); ok {
		xorSPIs(d[off:], n)
		// An IKEv1 fragment (payload 132) whose number is 1 starts with
		// the header of the message it is part of: its cookies must
		// match the outer ones once reassembled.
		const frag = off1Frag
		if d[off+17]>>4 == 1 && d[off+16] == 132 && len(d) >= off+frag+28 && d[off+28+6] == 1 {
			xorSPIs(d[off+frag:], n)
		}
	}
	return d
}

// rewriteIPv4 gives the two addresses of the IPv4 header at the start of
// ip copy n's octets (n in their low octets), recomputes the header
// checksum and returns the header's length.
func rewriteIPv4(ip []byte, n uint32) int {
	for _, a := range [][]byte{ip[12:16], ip[16:20]} {
		a[2] ^= byte(n >> 8)
		a[3] ^= byte(n)
		a[1] ^= byte(n >> 16)
	}
	ihl := int(ip[0]&0x0f) * 4
	binary.BigEndian.PutUint16(ip[10:], 0)
	binary.BigEndian.PutUint16(ip[10:], checksum(ip[:ihl]))
	return ihl
}

// rewriteICMPQuote makes the datagram an ICMP destination unreachable (at
// the start of m) quotes belong to copy n as its frame does: the quoted
// IPv4 addresses, and the SPIs of a quoted IKE header (on UDP 500, or on
// 4500 after a non-ESP marker); the ICMP checksum is recomputed.
func rewriteICMPQuote(m []byte, n uint32) {
	q := m[8:]
	if q[0]>>4 != 4 {
		return
	}
	qihl := rewriteIPv4(q, n)
	if q[9] == 17 && len(q) >= qihl+8 {
		sp, dp := binary.BigEndian.Uint16(q[qihl:]), binary.BigEndian.Uint16(q[qihl+2:])
		off := qihl + 8
		if (sp == 4500 || dp == 4500) && len(q) >= off+4 && binary.BigEndian.Uint32(q[off:]) == 0 {
			off += 4
		}
		if (sp == 500 || dp == 500 || off > qihl+8) && len(q) >= off+16 {
			xorSPIs(q[off:], n)
		}
	}
	binary.BigEndian.PutUint16(m[2:], 0)
	binary.BigEndian.PutUint16(m[2:], checksum(m))
}

// off1Frag is where an IKEv1 fragment's data starts, from the ISAKMP
// header: the header (28), then the fragment payload's next payload,
// reserved, length, fragment ID, number and flags (8).
const off1Frag = 28 + 8

// xorSPIs makes the two non-zero SPIs (cookies) of the IKE header at the
// start of h belong to copy n.
func xorSPIs(h []byte, n uint32) {
	for _, spi := range [][]byte{h[0:8], h[8:16]} {
		if binary.BigEndian.Uint64(spi) != 0 {
			v := binary.BigEndian.Uint64(spi) ^ (uint64(n) << 20)
			binary.BigEndian.PutUint64(spi, v)
		}
	}
}

// fillerFrame turns a real frame into non-IKE traffic: same size, ports
// moved to 8000+ (UDP) so that no IKE decoder should look at it.
func fillerFrame(src []byte, n uint32) []byte {
	d := rewrite(src, n+1<<20, nil)
	if len(d) >= 14+40+8 && binary.BigEndian.Uint16(d[12:]) == 0x86dd {
		if d[14+6] == 17 || d[14+6] == 50 {
			d[14+6] = 17 // plain ESP becomes UDP too
			binary.BigEndian.PutUint16(d[14+40:], uint16(8000+n%1000))
			binary.BigEndian.PutUint16(d[14+40+2:], 53)
		}
		return d
	}
	if len(d) < 14+20+8 || binary.BigEndian.Uint16(d[12:]) != 0x0800 {
		return d
	}
	ihl := int(d[14]&0x0f) * 4
	if d[14+9] != 17 {
		d[14+9] = 17 // plain ESP becomes UDP too
	}
	binary.BigEndian.PutUint16(d[14+ihl:], uint16(8000+n%1000))
	binary.BigEndian.PutUint16(d[14+ihl+2:], 53)
	binary.BigEndian.PutUint16(d[14+10:], 0)
	binary.BigEndian.PutUint16(d[14+10:], checksum(d[14:14+ihl]))
	return d
}

func checksum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// tcpSegment returns the offsets in d of the TCP header and of the segment's
// end for an untagged Ethernet/IPv4/TCP frame that is not a later fragment
// (end may lie past len(d) when the capture cut the frame).
func tcpSegment(d []byte) (tcp, end int, ok bool) {
	if len(d) < 14+20 || binary.BigEndian.Uint16(d[12:]) != 0x0800 || d[14+9] != 6 {
		return 0, 0, false
	}
	if binary.BigEndian.Uint16(d[14+6:])&0x1fff != 0 {
		return 0, 0, false
	}
	ihl, tot := int(d[14]&0x0f)*4, int(binary.BigEndian.Uint16(d[14+2:]))
	if ihl < 20 || tot < ihl+20 || len(d) < 14+ihl+20 {
		return 0, 0, false
	}
	return 14 + ihl, 14 + tot, true
}

// tcpChecksum recomputes the TCP checksum of an Ethernet/IPv4/TCP frame
// that holds its whole, unfragmented segment.
func tcpChecksum(d []byte) {
	tcp, end, ok := tcpSegment(d)
	if !ok || end > len(d) || binary.BigEndian.Uint16(d[14+6:])&0x2000 != 0 { // cut, or a first fragment
		return
	}
	seg := d[tcp:end]
	binary.BigEndian.PutUint16(seg[16:], 0)
	pseudo := make([]byte, 0, 12)
	pseudo = append(pseudo, d[14+12:14+20]...)
	pseudo = append(pseudo, 0, 6)
	pseudo = binary.BigEndian.AppendUint16(pseudo, uint16(len(seg)))
	binary.BigEndian.PutUint16(seg[16:], checksum(append(pseudo, seg...)))
}

// rfc8229Port is the TCP port of IKE over TCP (ikeflow's default).
const rfc8229Port = 4500

// markTCPSPIs finds the IKE headers of the template's RFC 8229 streams and
// sets each segment's tcpSPIs. It returns the initiator SPIs it saw.
//
// Each direction (addresses and ports) is reassembled by sequence number
// from its SYN (or its first segment when the SYN is not in the template):
// every segment's payload is laid at its stream offset, so retransmitted
// and out-of-order segments land where they belong. The stream is then cut
// as RFC 8229 frames (optional "IKETCP" prefix, 2-octet length counting
// itself) up to the first hole; a frame that starts with the 4-octet
// non-ESP marker holds an IKE message, whose two SPIs (when non-zero) are
// mapped back to every segment that carries their octets.
func markTCPSPIs(fr []frame) map[uint64]bool {
	type segment struct {
		frame, payload int // frame index, offset of the payload in its data
		rel, n         int // stream offset and length
	}
	type stream struct {
		isn      uint32
		started  bool
		data     []byte
		have     []bool
		segments []segment
	}
	type key struct {
		src, dst [4]byte
		sp, dp   uint16
	}
	streams := map[key]*stream{}
	var order []key
	for i, f := range fr {
		d := f.data
		tcp, end, ok := tcpSegment(d)
		if !ok {
			continue
		}
		sp, dp := binary.BigEndian.Uint16(d[tcp:]), binary.BigEndian.Uint16(d[tcp+2:])
		if sp != rfc8229Port && dp != rfc8229Port {
			continue
		}
		doff := int(d[tcp+12]>>4) * 4
		if doff < 20 || tcp+doff > len(d) {
			continue
		}
		k := key{sp: sp, dp: dp}
		copy(k.src[:], d[14+12:])
		copy(k.dst[:], d[14+16:])
		st := streams[k]
		if st == nil {
			st = &stream{}
			streams[k] = st
			order = append(order, k)
		}
		seq := binary.BigEndian.Uint32(d[tcp+4:])
		if d[tcp+13]&0x02 != 0 { // SYN
			*st = stream{isn: seq + 1, started: true}
			continue
		}
		payload := d[tcp+doff : min(end, len(d))]
		if len(payload) == 0 {
			continue
		}
		if !st.started {
			st.isn, st.started = seq, true
		}
		rel := int(int32(seq - st.isn))
		if rel < 0 || rel+len(payload) > 16<<20 {
			continue
		}
		if need := rel + len(payload); need > len(st.data) {
			st.data = append(st.data, make([]byte, need-len(st.data))...)
			st.have = append(st.have, make([]bool, need-len(st.have))...)
		}
		copy(st.data[rel:], payload)
		for j := range payload {
			st.have[rel+j] = true
		}
		st.segments = append(st.segments, segment{frame: i, payload: tcp + doff, rel: rel, n: len(payload)})
	}
	spiI := map[uint64]bool{}
	for _, k := range order {
		st := streams[k]
		known := 0
		for known < len(st.have) && st.have[known] {
			known++
		}
		var spis []int // stream offsets of non-zero SPIs
		pos := 0
		if known >= 6 && string(st.data[:6]) == "IKETCP" {
			pos = 6
		}
		for pos+2 <= known {
			n := int(binary.BigEndian.Uint16(st.data[pos:]))
			if n < 2 || pos+n > known {
				break
			}
			if h := pos + 2 + 4; n >= 2+4+28 && binary.BigEndian.Uint32(st.data[pos+2:]) == 0 {
				for _, at := range []int{h, h + 8} {
					if v := binary.BigEndian.Uint64(st.data[at:]); v != 0 {
						spis = append(spis, at)
						if at == h {
							spiI[v] = true
						}
					}
				}
			}
			pos += n
		}
		for _, sg := range st.segments {
			for _, at := range spis {
				if at+8 > sg.rel && at < sg.rel+sg.n {
					fr[sg.frame].tcpSPIs = append(fr[sg.frame].tcpSPIs, sg.payload+at-sg.rel)
				}
			}
		}
	}
	return spiI
}
