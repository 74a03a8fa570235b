package capture

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

func ikeEvents(ev []copied) (ike, errs []copied) {
	for _, e := range ev {
		switch e.Kind {
		case KindIKE:
			ike = append(ike, e)
		case KindError:
			errs = append(errs, e)
		}
	}
	return
}

func TestDefragIPv4OutOfOrder(t *testing.T) {
	ike := realIKE(t)[0].Payload // 880 octets
	frags := testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, ike), 200)
	if len(frags) != 5 {
		t.Fatalf("%d fragments", len(frags))
	}
	w := ethPcap([][]byte{frags[2], frags[0], frags[4], frags[0], frags[3], frags[1]}) // fragment 0 twice (identical overlap)
	ev, st := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(errs) != 0 || len(got) != 1 || got[0].Frame != 6 || !got[0].Reassembled || string(got[0].Data) != string(ike) ||
		got[0].Src != v4a || got[0].Dst != v4b {
		t.Fatalf("events %+v", ev)
	}
	if st.Fragments != 6 || st.Reassembled != 1 || st.FragmentsPending != 0 {
		t.Errorf("stats %+v", st)
	}
	tsharkAgrees(t, w, ev)
}

func TestDefragIPv6(t *testing.T) {
	ike := realIKE(t)[0].Payload
	frags := testpcap.FragmentIPv6(testpcap.UDP(v6a, v6b, ike), 0xabcdef, 256)
	w := ethPcap([][]byte{frags[3], frags[1], frags[0], frags[2]}, 7)
	ev, _ := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(errs) != 0 || len(got) != 1 || got[0].Frame != 4 || string(got[0].Data) != string(ike) || got[0].Src != v6a {
		t.Fatalf("events %+v", ev)
	}
	tsharkAgrees(t, w, ev)
}

func TestDefragOverlapIPv6Dropped(t *testing.T) {
	ike := realIKE(t)[0].Payload
	frags := testpcap.FragmentIPv6(testpcap.UDP(v6a, v6b, ike), 1, 256)
	w := ethPcap(append([][]byte{frags[0]}, frags...)) // fragment 0 overlaps itself
	ev, st := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(got) != 0 || len(errs) < 1 || !errors.Is(errs[0].Err, ErrFragment) || errs[0].Frame != 2 {
		t.Fatalf("events %+v", ev)
	}
	if st.FragmentsDropped == 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestDefragOverlapIPv4Conflicting(t *testing.T) {
	// A second copy of the middle fragment with different bytes: accepted
	// without panic, later bytes win.
	ike := realIKE(t)[0].Payload
	frags := testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, ike), 400)
	bad := append([]byte(nil), frags[1]...)
	bad[len(bad)-1] ^= 0xff
	w := ethPcap([][]byte{frags[0], bad, frags[1], frags[2]})
	ev, _ := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(got) != 1 || string(got[0].Data) != string(ike) {
		t.Fatalf("events %+v", ev)
	}
	// The conflict is reported once, naming the frame that brought the
	// differing bytes (frame 3 overwrites what frame 2 put there).
	if len(errs) != 1 || errs[0].Frame != 3 || !errors.Is(errs[0].Err, ErrFragment) ||
		!strings.Contains(errs[0].Err.Error(), "different data") || errs[0].Src.Addr() != v4a.Addr() {
		t.Fatalf("errors %+v", errs)
	}
	// Identical duplicates are not reported.
	w = ethPcap([][]byte{frags[0], frags[1], frags[1], frags[0], frags[2]})
	ev, _ = newAll(t, w.Bytes(), Options{})
	if got, errs := ikeEvents(ev); len(got) != 1 || len(errs) != 0 {
		t.Fatalf("identical overlaps: events %+v", ev)
	}
}

// bigIKEFragments returns a real IKE message followed by filler up to
// size octets in one UDP datagram, cut into IPv4 fragments of 1480 octets
// (a 1500-octet MTU), the way a large IKE_AUTH with certificates travels
// when IKE fragmentation (RFC 7383) is off.
func bigIKEFragments(t testing.TB, size int) (payload []byte, frags [][]byte) {
	ike := realIKE(t)[0].Payload
	payload = append([]byte(nil), ike...)
	for i := 0; len(payload) < size; i++ {
		payload = append(payload, ike[i%len(ike)])
	}
	return payload, testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, payload), 1480)
}

func TestDefragManyFragmentsBoundedMemory(t *testing.T) {
	// 38,000 octets in 26 in-order fragments: the reassembly buffer must
	// grow to about the datagram size, not double on every fragment.
	payload, frags := bigIKEFragments(t, 38000)
	if len(frags) != 26 {
		t.Fatalf("%d fragments", len(frags))
	}
	data := ethPcap(frags).Bytes()
	var ev []copied
	var st Stats
	alloc := allocated(func() { ev, st = newAll(t, data, Options{}) })
	got, errs := ikeEvents(ev)
	if len(errs) != 0 || len(got) != 1 || got[0].Frame != 26 || !got[0].Reassembled || string(got[0].Data) != string(payload) {
		t.Fatalf("%d IKE events, errors %+v", len(got), errs)
	}
	if st.Reassembled != 1 || st.Fragments != 26 {
		t.Errorf("stats %+v", st)
	}
	// The reader's buffers plus one 38 KB datagram and the copies readAll
	// keeps: a few hundred KB. Before the fix this asked for 1500*2^25
	// octets.
	if alloc > 4<<20 {
		t.Errorf("allocated %d octets to read a %d-octet capture", alloc, len(data))
	}
}

func TestDefragMissingFragmentReported(t *testing.T) {
	ike := realIKE(t)[0].Payload
	frags := testpcap.FragmentIPv4(testpcap.UDP(v4a, v4b, ike), 200)
	w := ethPcap(append(frags[:2:2], frags[3:]...))
	ev, st := newAll(t, w.Bytes(), Options{})
	got, errs := ikeEvents(ev)
	if len(got) != 0 || len(errs) != 1 || !errors.Is(errs[0].Err, ErrFragment) || errs[0].Frame != 4 {
		t.Fatalf("events %+v", ev)
	}
	if st.FragmentsDropped != 4 || st.Errors != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDefragLimitsAndTimeout(t *testing.T) {
	ike := realIKE(t)[0].Payload
	mk := func(id uint16, src netip.AddrPort) [][]byte {
		p := testpcap.UDP(src, v4b, ike)
		p[4], p[5] = byte(id>>8), byte(id)
		return testpcap.FragmentIPv4(p, 512)
	}
	a, b, c := mk(1, v4a), mk(2, v4a), mk(3, netip.MustParseAddrPort("192.0.2.9:500"))
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	add := func(sec int, f []byte) {
		w.Add(testpcap.Base.Add(time.Duration(sec)*time.Second), testpcap.Ethernet(f))
	}
	add(0, a[0])   // 1: a starts
	add(1, b[0])   // 2: b starts
	add(2, c[0])   // 3: c starts: limit 2 evicts a (oldest)
	add(3, b[1])   // 4: b completes
	add(100, c[1]) // 5: c timed out (sweep) before this fragment: new datagram, incomplete at end
	ev, st := newAll(t, w.Bytes(), Options{MaxFragDatagrams: 2, FragTimeout: 30 * time.Second})
	got, errs := ikeEvents(ev)
	if len(got) != 1 || got[0].Frame != 4 {
		t.Fatalf("IKE events %+v", got)
	}
	if len(errs) != 3 || errs[0].Frame != 1 || errs[1].Frame != 3 || errs[2].Frame != 5 {
		for _, e := range errs {
			t.Logf("%v", e.Err)
		}
		t.Fatalf("%d errors", len(errs))
	}
	if st.FragmentsPending != 0 || st.FragmentsDropped != 3 {
		t.Errorf("stats %+v", st)
	}
	// MaxFragBytes: a datagram longer than the limit is dropped.
	ev, _ = newAll(t, w.Bytes(), Options{MaxFragBytes: 600})
	if got, _ := ikeEvents(ev); len(got) != 0 {
		t.Errorf("MaxFragBytes 600: %d IKE events", len(got))
	}
}

func TestDefragIgnoresOtherTraffic(t *testing.T) {
	big := make([]byte, 3000)
	dns := testpcap.FragmentIPv4(testpcap.UDP(netip.MustParseAddrPort("192.0.2.1:53"), netip.MustParseAddrPort("192.0.2.2:5353"), big), 1000)
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	w.Add(testpcap.Base, testpcap.Ethernet(dns[1])) // before the first fragment: buffered
	w.Add(testpcap.Base, testpcap.Ethernet(dns[0])) // ports say: not ours
	w.Add(testpcap.Base, testpcap.Ethernet(dns[3]))
	ev, st := newAll(t, w.Bytes(), Options{}) // dns[2] never comes: no report
	if len(ev) != 0 || st.NonIKE != 3 {
		t.Fatalf("events %+v stats %+v", ev, st)
	}
}
