package capture

import (
	"bytes"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestDefragFirstFragmentCut: a capture with a snap length of 200 (tcpdump
// -s 200) holds a fragmented IKE_AUTH's first fragment cut short. The
// datagram can never be put together; the reader used to drop it whole
// ("a fragment is cut short by the capture snap length"), so that the
// analysis lost the exchange (ikev2-cert-rsa: the SA read "failed" with
// its ESP running both ways). The first fragment now yields what it holds
// as an IKE message cut short (its header gives exchange, message ID and
// length), and the other fragments nothing, in either order.
func TestDefragFirstFragmentCut(t *testing.T) {
	_, frags := bigIKEFragments(t, 3000)
	if len(frags) != 3 {
		t.Fatalf("%d fragments", len(frags))
	}
	const snap = 200
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 0, 2}} {
		w := testpcap.NewWriter(layers.LinkTypeEthernet)
		for _, i := range order {
			frame := testpcap.Ethernet(frags[i])
			ci := gopacket.CaptureInfo{Timestamp: testpcap.Base, CaptureLength: min(len(frame), snap), Length: len(frame)}
			w.AddRecord(ci, frame[:ci.CaptureLength])
		}
		ev, st := newAll(t, w.Bytes(), Options{})
		got, errs := ikeEvents(ev)
		first := 1 + slices.Index(order, 0)
		if len(errs) != 0 || len(got) != 1 {
			t.Fatalf("order %v: %d IKE events, errors %+v", order, len(got), errs)
		}
		e := got[0]
		// Ethernet 14, IPv4 20, UDP 8: the rest of the 200 octets.
		want := frags[0][28 : snap-14]
		if e.Frame != first || !e.Truncated || e.Reassembled || !bytes.Equal(e.Data, want) || e.Src != v4a || e.Dst != v4b {
			t.Errorf("order %v: event frame %d truncated %v reassembled %v, %d octets (want frame %d, %d octets)",
				order, e.Frame, e.Truncated, e.Reassembled, len(e.Data), first, len(want))
		}
		if st.FragmentsDropped != 0 || st.Reassembled != 0 || st.IKE != 1 {
			t.Errorf("order %v: stats %+v", order, st)
		}
	}
}
