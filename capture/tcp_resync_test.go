package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// The libreswan IKEv2-over-TCP capture: frames 1-3 handshake, 4 the
// "IKETCP" prefix (6 octets), 6/8 IKE_SA_INIT, 10/11 IKE_AUTH, 13/14
// INFORMATIONAL, 16-18 FIN. tcpCorpusIKE lists its IKE events as
// "frame:length" (the message without length and non-ESP marker).
var tcpCorpusIKE = []string{"6:440", "8:448", "10:256", "11:224", "13:80", "14:80"}

func tcpCorpus(t *testing.T) []byte {
	t.Helper()
	return testutil.ReadFile(t, testutil.Corpus("libreswan-ikev2-tcp", "capture.pcap"))
}

// editRecords returns a copy of the pcap file data in which edit decided
// the fate of every record (1-based k): nil drops it, otherwise the
// returned bytes replace its captured data (the original length stays, so
// a shorter record is one the capture cut short).
func editRecords(t *testing.T, data []byte, edit func(k int, rec []byte) []byte) []byte {
	t.Helper()
	offs := pcapRecords(t, data)
	out := append([]byte(nil), data[:pcapHeaderLen]...)
	for i, o := range offs {
		incl := int(binary.LittleEndian.Uint32(data[o+8:]))
		rec := edit(i+1, data[o+16:o+16+incl])
		if rec == nil {
			continue
		}
		hdr := append([]byte(nil), data[o:o+16]...)
		binary.LittleEndian.PutUint32(hdr[8:], uint32(len(rec)))
		out = append(append(out, hdr...), rec...)
	}
	return out
}

// dropRecords drops the records ks.
func dropRecords(t *testing.T, data []byte, ks ...int) []byte {
	return editRecords(t, data, func(k int, rec []byte) []byte {
		for _, d := range ks {
			if k == d {
				return nil
			}
		}
		return rec
	})
}

// summary returns the non-error events as "frame:length" (IKE) or
// "frame:kind:length", and the errors.
func summary(ev []copied) (got []string, errs []copied) {
	for _, e := range ev {
		switch e.Kind {
		case KindError:
			errs = append(errs, e)
		case KindIKE:
			got = append(got, fmt.Sprintf("%d:%d", e.Frame, len(e.Data)))
		default:
			got = append(got, fmt.Sprintf("%d:%v:%d", e.Frame, e.Kind, len(e.Data)))
		}
	}
	return got, errs
}

func wantSummary(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("events %q, want %q", got, want)
	}
}

// wantGapNote checks that errs is exactly one ErrTCPStream note, in frame
// frame, whose text contains every string of parts.
func wantGapNote(t *testing.T, errs []copied, frame int, parts ...string) {
	t.Helper()
	if len(errs) != 1 || !errors.Is(errs[0].Err, ErrTCPStream) || errs[0].Frame != frame {
		t.Fatalf("errors %v, want one tcp stream note in frame %d", errs, frame)
	}
	for _, p := range parts {
		if !strings.Contains(errs[0].Err.Error(), p) {
			t.Errorf("note %q lacks %q", errs[0].Err, p)
		}
	}
}

func TestTCPCorpusWhole(t *testing.T) {
	ev, st := newAll(t, tcpCorpus(t), Options{})
	got, errs := summary(ev)
	wantSummary(t, got, tcpCorpusIKE)
	if len(errs) != 0 || st.TCPBytesDropped != 0 {
		t.Fatalf("errors %v, stats %+v", errs, st)
	}
}

func TestTCPCorpusPrefixLost(t *testing.T) {
	// Record 4 (the IKETCP prefix) never captured: the responder's ACK in
	// the IKE_SA_INIT response (and the next segment starting beyond the
	// hole) says the octets were received, so the hole is skipped at once
	// and framing resumes at the IKE_SA_INIT request. Before: every
	// initiator message was stashed behind the hole and lost at the FIN.
	ev, st := newAll(t, dropRecords(t, tcpCorpus(t), 4), Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"5:440", "7:448", "9:256", "10:224", "12:80", "13:80"})
	wantGapNote(t, errs, 5, "6 octets lost at stream offset 0", "before any captured stream octets", "198.51.100.10:37124 -> 203.0.113.10:4500")
	if st.TCPBytesDropped != 6 {
		t.Errorf("stats %+v", st)
	}
}

func TestTCPCorpusInitRequestLost(t *testing.T) {
	// Record 6 (the IKE_SA_INIT request, 446 stream octets) never captured:
	// the rest of both directions still comes out.
	ev, st := newAll(t, dropRecords(t, tcpCorpus(t), 6), Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"7:448", "9:256", "10:224", "12:80", "13:80"})
	wantGapNote(t, errs, 9, "446 octets lost at stream offset 6", "after frame 4", "0 buffered octets")
	if st.TCPBytesDropped != 446 {
		t.Errorf("stats %+v", st)
	}
}

func TestTCPCorpusRecordCut(t *testing.T) {
	// Record 10 (the IKE_AUTH request) cut to 100 octets by the capture:
	// its segment held that one message, whose length the framing gives,
	// so the cut message comes out (28 octets, Truncated) and the stream
	// goes on framed. (Before, the partial message was dropped with a
	// note: libreswan-ikev2-tcp at -s 200 lost its IKE SA.)
	data := editRecords(t, tcpCorpus(t), func(k int, rec []byte) []byte {
		if k == 10 {
			return rec[:100]
		}
		return rec
	})
	ev, st := newAll(t, data, Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"6:440", "8:448", "10:28", "11:224", "13:80", "14:80"})
	if len(errs) != 0 || st.TCPBytesDropped != 228 {
		t.Errorf("errors %v, %d octets dropped (want 228: what the capture did not keep)", errs, st.TCPBytesDropped)
	}
	for _, e := range ev {
		if e.Kind == KindIKE && e.Truncated != (e.Frame == 10) {
			t.Errorf("frame %d: Truncated %v", e.Frame, e.Truncated)
		}
	}

	// The IKE_SA_INIT request cut within its header and the IKE_AUTH
	// request lost as well: the cut one comes out (8 octets), one note for
	// the hole, the INFORMATIONAL request still found.
	data = editRecords(t, tcpCorpus(t), func(k int, rec []byte) []byte {
		switch k {
		case 6:
			return rec[:80]
		case 10:
			return nil
		}
		return rec
	})
	ev, _ = newAll(t, data, Options{})
	got, errs = summary(ev)
	wantSummary(t, got, []string{"6:8", "8:448", "10:224", "12:80", "13:80"})
	if len(errs) != 1 || errs[0].Frame != 12 ||
		!strings.Contains(errs[0].Err.Error(), "262 octets lost at stream offset 452") {
		t.Fatalf("errors %v", errs)
	}
}

func TestTCPCorpusMidStream(t *testing.T) {
	// The capture starts after the prefix (records 1-5 lost): no SYN and
	// no prefix, both directions are framed from the first message.
	ev, st := newAll(t, dropRecords(t, tcpCorpus(t), 1, 2, 3, 4, 5), Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"1:440", "3:448", "5:256", "6:224", "8:80", "9:80"})
	if len(errs) != 0 || st.TCPBytesDropped != 0 {
		t.Fatalf("errors %v stats %+v", errs, st)
	}
	// Every single record lost in turn: exactly the messages of that
	// record are missing (TestPcapDamageEveryRecord checks the notes).
	for k := 1; k <= 18; k++ {
		ev, _ := newAll(t, dropRecords(t, tcpCorpus(t), k), Options{})
		got, _ := summary(ev)
		var want []string
		for _, w := range tcpCorpusIKE {
			var f, l int
			fmt.Sscanf(w, "%d:%d", &f, &l)
			switch {
			case f < k:
				want = append(want, w)
			case f > k:
				want = append(want, fmt.Sprintf("%d:%d", f-1, l))
			}
		}
		wantSummary(t, got, want)
	}
}

// ackSeg is a TCP segment with an explicit acknowledgment number.
type ackSeg struct {
	from     netip.AddrPort
	seq, ack uint32
	flags    int
	data     []byte
}

// tcpWithAck returns an IPv4 packet carrying a TCP segment with the ACK
// flag and acknowledgment number ack (testpcap.TCP always acknowledges 1).
func tcpWithAck(src, dst netip.AddrPort, seq, ack uint32, flags int, payload []byte) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535,
		FIN: flags&testpcap.FIN != 0, SYN: flags&testpcap.SYN != 0, RST: flags&testpcap.RST != 0, ACK: true}
	tcp.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, tcp, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func writeAckSegs(segs []ackSeg) []byte {
	w := testpcap.NewWriter(layers.LinkTypeRaw)
	for i, s := range segs {
		to := tcpServer
		if s.from == tcpServer {
			to = tcpClient
		}
		w.Add(testpcap.Base.Add(time.Duration(i)*time.Millisecond), tcpWithAck(s.from, to, s.seq, s.ack, s.flags, s.data))
	}
	return w.Bytes()
}

func TestTCPResyncRules(t *testing.T) {
	cs, m2 := newClientStream(t)
	c := func(off int) uint32 { return uint32(cISN + 1 + off) }
	s2 := ikeFrame(m2)

	// A hole that the receiver acknowledges after the later segments were
	// stashed: skipped at the ACK (frame 4), the stashed messages come out
	// there, before the messages of frame 4 itself, with the frame (and
	// time) of the segment that carried them (3), not the ACK's.
	ev, _ := newAll(t, writeAckSegs([]ackSeg{
		{tcpClient, cISN, 0, testpcap.SYN, nil},                // 1
		{tcpClient, c(0), sISN + 1, 0, cs.s[:20]},              // 2: prefix and the start of m1
		{tcpClient, c(cs.endM1), sISN + 1, 0, cs.s[cs.endM1:]}, // 3: the rest of m1 lost before it; stashed
		{tcpServer, sISN + 1, c(len(cs.s)), 0, s2},             // 4: acknowledges everything
	}), Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"3:" + fmt.Sprint(len(cs.m3)), "3:esp:16", "3:nat-keepalive:0", "4:" + fmt.Sprint(len(m2))})
	wantGapNote(t, errs, 4, fmt.Sprintf("%d octets lost at stream offset 20", cs.endM1-20), "after frame 2", "acknowledged by the receiver", "14 buffered octets")

	// Not acknowledged (the receiver still waits for the hole): the
	// segment stays stashed, a retransmission fills the hole, no note.
	ev, _ = newAll(t, writeAckSegs([]ackSeg{
		{tcpClient, cISN, 0, testpcap.SYN, nil},                        // 1
		{tcpClient, c(0), sISN + 1, 0, cs.s[:cs.endM1]},                // 2
		{tcpClient, c(cs.endM3), sISN + 1, 0, cs.s[cs.endM3:]},         // 3: stashed
		{tcpServer, sISN + 1, c(cs.endM1), 0, s2},                      // 4: duplicate ACK of the hole
		{tcpClient, c(cs.endM1), sISN + 1, 0, cs.s[cs.endM1:cs.endM3]}, // 5: retransmission
	}), Options{})
	got, errs = summary(ev)
	wantSummary(t, got, []string{"2:" + fmt.Sprint(len(cs.m1)), "4:" + fmt.Sprint(len(m2)), "5:" + fmt.Sprint(len(cs.m3)), "5:esp:16", "5:nat-keepalive:0"})
	if len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}

	// Only one direction captured (no ACKs): the FIN gives up on the hole
	// and the stashed messages come out there, with their own frame.
	ev, _ = newAll(t, writeAckSegs([]ackSeg{
		{tcpClient, cISN, 0, testpcap.SYN, nil},                // 1
		{tcpClient, c(0), sISN + 1, 0, cs.s[:20]},              // 2
		{tcpClient, c(cs.endM1), sISN + 1, 0, cs.s[cs.endM1:]}, // 3: stashed
		{tcpClient, c(len(cs.s)), sISN + 1, testpcap.FIN, nil}, // 4
	}), Options{})
	got, errs = summary(ev)
	wantSummary(t, got, []string{"3:" + fmt.Sprint(len(cs.m3)), "3:esp:16", "3:nat-keepalive:0"})
	wantGapNote(t, errs, 4, "before the FIN", fmt.Sprintf("%d octets lost at stream offset 20", cs.endM1-20))

	// ESP after a hole resynchronises on an SPI the stream carried
	// before; an unknown SPI does not.
	esp2 := append([]byte{0xc1, 0xa9, 0x65, 0x6b, 0, 0, 0, 8}, make([]byte, 40)...)
	tail := append(espFrame(esp2), espFrame(cs.esp)...)
	for _, spiKnown := range []bool{true, false} {
		s := append([]byte(nil), cs.s[:cs.endM1]...)
		if spiKnown {
			s = append(s, espFrame(cs.esp)...)
		}
		lostAt := len(s)
		s = append(append(s, espFrame(esp2)...), tail...)
		cut := lostAt + 20 // the segment after the hole starts inside esp2
		ev, _ = newAll(t, writeAckSegs([]ackSeg{
			{tcpClient, cISN, 0, testpcap.SYN, nil},
			{tcpClient, c(0), sISN + 1, 0, s[:lostAt]},
			{tcpClient, c(cut), sISN + 1, 0, s[cut:]},
			{tcpServer, sISN + 1, c(len(s)), 0, nil},
		}), Options{})
		got, _ = summary(ev)
		want := []string{"2:" + fmt.Sprint(len(cs.m1))}
		if spiKnown {
			// Stashed at frame 3, the hole acknowledged at frame 4: the
			// ESP frames keep frame 3.
			want = append(want, "2:esp:16", "3:esp:48", "3:esp:16")
		}
		wantSummary(t, got, want)
	}
}

func TestTCPUnframedBounded(t *testing.T) {
	// After a hole, a megabyte that never starts a frame, in one-octet
	// segments: at most minSyncLen-1 octets stay buffered, all the rest is
	// counted as dropped, and a real message after it is found.
	m1, _, _ := tcpMessages(t)
	w := testpcap.NewWriter(layers.LinkTypeRaw)
	w.Add(testpcap.Base, tcpWithAck(tcpClient, tcpServer, cISN, 0, testpcap.SYN, nil))
	seq := uint32(cISN + 1 + 100) // 100 octets never captured
	w.Add(testpcap.Base, tcpWithAck(tcpServer, tcpClient, sISN, seq+1<<20, 0, nil))
	n := 1 << 16
	if !testing.Short() {
		n = 1 << 20
	}
	junk := []byte{0, 0, 0, 0, 0x20, 0x10}
	for i := range n {
		w.Add(testpcap.Base, tcpWithAck(tcpClient, tcpServer, seq, sISN, 0, junk[i%len(junk):i%len(junk)+1]))
		seq++
	}
	w.Add(testpcap.Base, tcpWithAck(tcpClient, tcpServer, seq, sISN, 0, ikeFrame(m1)))
	ike, steps, peak := readSteps(t, w.Bytes(), Options{})
	if ike != 1 || peak >= minSyncLen || steps > int64(2*minSyncLen*n) {
		t.Errorf("%d IKE messages, peak %d buffered octets, %d steps for %d segments", ike, peak, steps, n)
	}
	ev, st := newAll(t, w.Bytes(), Options{})
	got, _ := summary(ev)
	wantSummary(t, got, []string{fmt.Sprintf("%d:%d", n+3, len(m1))})
	if st.TCPBytesDropped != int64(100+n) {
		t.Errorf("dropped %d, want %d", st.TCPBytesDropped, 100+n)
	}
}

// FuzzTCPResync drives one RFC 8229 connection in both directions with
// arbitrary segments and acknowledgment numbers, so that holes are
// skipped on ACKs and FINs and framing is searched for again. Each chunk
// of the input is [direction and flags, seq delta (2 octets), ack delta
// (2 octets), length, data]; each direction has its own sequence and
// acknowledgment numbers.
func FuzzTCPResync(f *testing.F) {
	m1 := ikeFrame(realIKEOrNil())
	seed := []byte{testpcap.SYN, 0, 0, 0, 0, 0}
	seed = append(seed, 0, 0, 1, 0, 0, 6)
	seed = append(seed, "IKETCP"...)
	seed = append(seed, 0, 0, 40, 0, 0, 40) // 34 octets lost, then the start of m1
	seed = append(seed, m1[:40]...)
	seed = append(seed, 0x80, 0, 0, 0, 200, 0) // the peer acknowledges them
	f.Add(seed)
	f.Add([]byte{0, 0, 1, 0, 0, 4, 0, 3, 0xff, 0, 0x80, 0, 0, 0, 9, 0, testpcap.FIN, 0, 9, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		w := testpcap.NewWriter(layers.LinkTypeRaw)
		seq := [2]uint32{1, 1 << 31}
		ack := [2]uint32{1 << 31, 1}
		for len(data) >= 6 {
			fl, n := data[0], int(data[5])
			d := 0
			if fl&0x80 != 0 {
				d = 1
			}
			seq[d] += uint32(int16(binary.BigEndian.Uint16(data[1:])))
			ack[d] += uint32(int16(binary.BigEndian.Uint16(data[3:])))
			data = data[6:]
			n = min(n, len(data))
			from, to := tcpClient, tcpServer
			if d == 1 {
				from, to = to, from
			}
			w.Add(testpcap.Base, tcpWithAck(from, to, seq[d], ack[d], int(fl&0x07), data[:n]))
			data = data[n:]
		}
		r := drainBytes(t, w.Bytes(), Options{MaxTCPStreamBytes: 1024, MaxTCPTotalBytes: 2048, MaxTCPStreams: 2})
		if r.tcp.bytes != 0 || len(r.tcp.streams) != 0 {
			t.Fatalf("after the end: %d octets in %d streams", r.tcp.bytes, len(r.tcp.streams))
		}
	})
}

func TestTCPUnframedTailQuiet(t *testing.T) {
	// A capture that starts in the middle of a message and ends before
	// another starts: the octets are dropped without a note (nothing that
	// was read is incomplete) and nothing stays accounted.
	cs, _ := newClientStream(t)
	ev, st := newAll(t, writeSegs([]seg{{tcpClient, 5000, 0, cs.s[100:120]}, {tcpClient, 5020, testpcap.FIN, cs.s[120:200]}}).Bytes(), Options{})
	if len(ev) != 0 || st.TCPBytesDropped != 100 {
		t.Fatalf("events %v stats %+v", ev, st)
	}
}

func TestTCPCorpusLateSegment(t *testing.T) {
	// Record 6 (the IKE_SA_INIT request) written after record 10, as in
	// captures merged out of time order: the hole is given up at record 10
	// (acknowledged), and the late segment, inside that hole, is still
	// read on its own.
	orig := tcpCorpus(t)
	offs := append(pcapRecords(t, orig), len(orig))
	data := append([]byte(nil), orig[:pcapHeaderLen]...)
	for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 6, 11, 12, 13, 14, 15, 16, 17, 18} {
		data = append(data, orig[offs[k-1]:offs[k]]...)
	}
	ev, _ := newAll(t, data, Options{})
	got, errs := summary(ev)
	wantSummary(t, got, []string{"7:448", "9:256", "10:440", "11:224", "13:80", "14:80"})
	wantGapNote(t, errs, 9, "446 octets lost at stream offset 6")
}
