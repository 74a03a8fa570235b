package capture

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// ngStamp is a pcapng stamp for frame i (0-based) of a rewritten capture:
// the interface and the raw 64-bit timestamp.
type ngStamp func(i int, t time.Time) (iface uint32, ts uint64)

// corpusAsPcapng rewrites a corpus capture (read with gopacket, not with
// this package) as a pcapng file with the given interfaces, stamping
// each record as stamp says. It returns the file and the file offset of
// each packet block.
func corpusAsPcapng(t *testing.T, name string, ifaces []testpcap.NgInterface, stamp ngStamp) ([]byte, []int) {
	t.Helper()
	lt, recs := testpcap.Records(t, testutil.Corpus(name, "capture.pcap"))
	for i := range ifaces {
		ifaces[i].LinkType = lt
	}
	w := testpcap.NewNgWriter(ifaces...)
	for i, r := range recs {
		id, ts := stamp(i, r.CI.Timestamp)
		w.Add(id, ts, r.Data)
	}
	return w.Bytes(), w.Offsets
}

// micro stamps every frame on interface 0 in microseconds, as recorded.
func micro(_ int, t time.Time) (uint32, uint64) { return 0, uint64(t.UnixMicro()) }

// damagedTimes checks the events of a capture whose frames in bad (1-based)
// had impossible stamps against those of the undamaged capture: the same
// events, each damaged frame at the time of the frame before it (the Unix
// epoch for frame 1), one note at the first damaged frame naming its file
// offset and, with more than one, a count at the end.
func damagedTimes(t *testing.T, got, whole []copied, offs []int, bad ...int) {
	t.Helper()
	good, errs := splitErrors(got)
	wgood, _ := splitErrors(whole)
	sameEvents(t, good, wgood)
	times := map[int]time.Time{}
	for _, e := range wgood {
		times[e.Frame] = e.Time
	}
	isBad := map[int]bool{}
	for _, k := range bad {
		isBad[k] = true
	}
	prev := func(k int) time.Time {
		for k--; k > 0 && isBad[k]; k-- {
		}
		if k == 0 {
			return time.Unix(0, 0)
		}
		return times[k]
	}
	for i, e := range good {
		want := wgood[i].Time
		if isBad[e.Frame] {
			want = prev(e.Frame)
		}
		if !e.Time.Equal(want) {
			t.Errorf("frame %d: time %v, want %v", e.Frame, e.Time, want)
		}
	}
	nwant := 1
	if len(bad) > 1 {
		nwant = 2
	}
	if len(errs) != nwant {
		t.Fatalf("%d notes, want %d: %v", len(errs), nwant, errs)
	}
	first := "file offset " + strconv.Itoa(offs[bad[0]-1])
	for _, e := range errs {
		if !errors.Is(e.Err, ErrCaptureDamaged) || e.Frame != bad[0] || !strings.Contains(e.Err.Error(), first) {
			t.Errorf("note %v: want ErrCaptureDamaged at frame %d naming %s", e.Err, bad[0], first)
		}
	}
	if len(bad) > 1 && !strings.Contains(errs[1].Err.Error(), strconv.Itoa(len(bad))+" frames of this file") {
		t.Errorf("summary %v does not count %d frames", errs[1].Err, len(bad))
	}
}

// TestPcapngImpossibleTimeTakesPrevious: a real capture rewritten as
// pcapng with one frame's stamp damaged the ways a 64-bit stamp, its
// resolution and a signed if_tsoffset allow reads as the undamaged one,
// that frame at the previous frame's time, with one note naming the frame
// and its file offset.
func TestPcapngImpossibleTimeTakesPrevious(t *testing.T) {
	const name, k = "ikev2-rekey", 3
	ifaces := func() []testpcap.NgInterface { return []testpcap.NgInterface{{TSResol: 6}} }
	plain, _ := openAll(t, testutil.Corpus(name, "capture.pcap"), Options{})
	undamaged, _ := corpusAsPcapng(t, name, ifaces(), micro)
	whole, _ := newAll(t, undamaged, Options{})
	if _, errs := splitErrors(whole); len(errs) != 0 {
		t.Fatalf("undamaged pcapng: %v", errs)
	}
	sameEvents(t, whole, plain)
	for i := range whole {
		if !whole[i].Time.Equal(plain[i].Time) {
			t.Fatalf("event %d: pcapng time %v, pcap %v", i, whole[i].Time, plain[i].Time)
		}
	}
	y20000 := uint64(time.Date(20000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro())
	for _, c := range []struct {
		name  string
		extra testpcap.NgInterface // interface 1, which the damaged frame names
		ts    func(t time.Time) uint64
	}{
		{"year 20000", testpcap.NgInterface{TSResol: 6}, func(time.Time) uint64 { return y20000 }},
		{"one ns past 2262", testpcap.NgInterface{TSResol: 9}, func(time.Time) uint64 { return math.MaxInt64 + 1 }},
		{"largest stamp in ns", testpcap.NgInterface{TSResol: 9}, func(time.Time) uint64 { return math.MaxUint64 }},
		{"largest stamp in 2^-1 s", testpcap.NgInterface{TSResol: 0x81}, func(time.Time) uint64 { return math.MaxUint64 }},
		{"seconds past 2^63", testpcap.NgInterface{TSResol: 0}, func(time.Time) uint64 { return 1<<63 + 5 }},
		{"negative if_tsoffset", testpcap.NgInterface{TSResol: 6, TSOffset: -2e9}, func(t time.Time) uint64 { return uint64(t.UnixMicro()) }},
		{"if_tsoffset overflows", testpcap.NgInterface{TSResol: 6, TSOffset: math.MaxInt64}, func(t time.Time) uint64 { return uint64(t.UnixMicro()) }},
		{"if_tsoffset past 2262", testpcap.NgInterface{TSResol: 6, TSOffset: 1 << 40}, func(t time.Time) uint64 { return uint64(t.UnixMicro()) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, offs := corpusAsPcapng(t, name, append(ifaces(), c.extra), func(i int, tm time.Time) (uint32, uint64) {
				if i == k-1 {
					return 1, c.ts(tm)
				}
				return micro(i, tm)
			})
			got, st := newAll(t, data, Options{})
			damagedTimes(t, got, whole, offs, k)
			if st.Damaged != 1 {
				t.Errorf("Stats.Damaged %d, want 1", st.Damaged)
			}
		})
	}
}

// TestPcapngImpossibleTimeFirstAndCount: when the first frame's stamp is
// impossible it is analysed at the Unix epoch; several such frames give
// one note about the first and a count at the end of the file.
func TestPcapngImpossibleTimeFirstAndCount(t *testing.T) {
	const name = "ikev2-rekey"
	ifaces := func() []testpcap.NgInterface { return []testpcap.NgInterface{{TSResol: 6}} }
	undamaged, _ := corpusAsPcapng(t, name, ifaces(), micro)
	whole, _ := newAll(t, undamaged, Options{})
	for _, bad := range [][]int{{1}, {1, 4, 5}, {2, 3, 7}} {
		t.Run(fmtInts(bad), func(t *testing.T) {
			isBad := map[int]bool{}
			for _, k := range bad {
				isBad[k] = true
			}
			data, offs := corpusAsPcapng(t, name, ifaces(), func(i int, tm time.Time) (uint32, uint64) {
				if isBad[i+1] {
					return 0, math.MaxUint64 // year 586524 in microseconds
				}
				return micro(i, tm)
			})
			got, _ := newAll(t, data, Options{})
			damagedTimes(t, got, whole, offs, bad...)
		})
	}
}

// fmtInts writes a test name for frame numbers.
func fmtInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

// TestNgInterfaceTimeBounds: the last instant int64 nanoseconds hold and
// the Unix epoch are accepted, one nanosecond beyond either is not, with
// and without if_tsoffset.
func TestNgInterfaceTimeBounds(t *testing.T) {
	ns := ngInterface{res: 9}
	for _, c := range []struct {
		ifc  ngInterface
		ts   uint64
		want time.Time // zero: refused
	}{
		{ns, math.MaxInt64, time.Unix(0, math.MaxInt64)},
		{ns, math.MaxInt64 + 1, time.Time{}},
		{ns, 0, time.Unix(0, 0)},
		{ngInterface{res: 9, offset: -1}, 1e9, time.Unix(0, 0)},
		{ngInterface{res: 9, offset: -1}, 1e9 - 1, time.Time{}},
		{ngInterface{res: 9, offset: 1}, math.MaxInt64 - 1e9, time.Unix(0, math.MaxInt64)},
		{ngInterface{res: 9, offset: 1}, math.MaxInt64 - 1e9 + 1, time.Time{}},
		{ngInterface{res: 0, offset: math.MinInt64}, math.MaxUint64, time.Time{}},
		{ngInterface{res: 0, offset: math.MaxInt64}, 1, time.Time{}},
		{ngInterface{res: 6}, 1623613953605316, time.Unix(1623613953, 605316000)},
	} {
		got, ok := c.ifc.time(c.ts)
		if ok != !c.want.IsZero() || ok && !got.Equal(c.want) {
			t.Errorf("%+v time(%d) = %v %v, want %v", c.ifc, c.ts, got, ok, c.want)
		}
	}
}

// TestPcapLargestSecondsIsATime: a classic pcap record's largest stamp
// (2106-02-07, fraction at its largest) is a time every stage can hold:
// read as written, without a note.
func TestPcapLargestSecondsIsATime(t *testing.T) {
	_, recs := testpcap.Records(t, testutil.Corpus("ikev2-psk-success", "capture.pcap"))
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	last := time.Unix(math.MaxUint32, 999999999)
	for i, r := range recs {
		ts := r.CI.Timestamp
		if i == 1 {
			ts = last
		}
		w.Add(ts, r.Data)
	}
	ev, _ := newAll(t, w.Bytes(), Options{})
	good, errs := splitErrors(ev)
	if len(errs) != 0 {
		t.Fatalf("notes %v", errs)
	}
	seen := false
	for _, e := range good {
		if e.Frame == 2 {
			seen = true
			if !e.Time.Equal(last) {
				t.Errorf("frame 2 at %v, want %v", e.Time, last)
			}
		}
	}
	if !seen {
		t.Fatal("no event of frame 2")
	}
}

// TestPcapngSimplePacketFirstAtEpoch: a Simple Packet Block has no stamp
// and takes the previous packet's time; before any packet it is analysed
// at the Unix epoch (it was year 1, outside what UnixNano holds), without
// a note, and an Enhanced Packet Block after it keeps its own time.
func TestPcapngSimplePacketFirstAtEpoch(t *testing.T) {
	_, recs := testpcap.Records(t, testutil.Corpus("ikev2-psk-success", "capture.pcap"))
	frame := recs[0].Data
	w := testpcap.NewNgWriter(testpcap.NgInterface{LinkType: layers.LinkTypeEthernet, TSResol: 6})
	spb := ngBlock(ngSPB, append([]byte{byte(len(frame)), byte(len(frame) >> 8), 0, 0}, frame...))
	data := append(append([]byte(nil), w.Bytes()...), spb...)
	next := testpcap.NewNgWriter()
	next.Add(0, uint64(recs[1].CI.Timestamp.UnixMicro()), recs[1].Data)
	data = append(data, next.Bytes()[next.Offsets[0]:]...)
	ev, _ := newAll(t, data, Options{})
	good, errs := splitErrors(ev)
	if len(errs) != 0 || len(good) != 2 {
		t.Fatalf("events %v, notes %v", good, errs)
	}
	if !good[0].Time.Equal(time.Unix(0, 0)) || !good[1].Time.Equal(recs[1].CI.Timestamp) {
		t.Errorf("times %v, %v; want the epoch and %v", good[0].Time, good[1].Time, recs[1].CI.Timestamp)
	}
}
