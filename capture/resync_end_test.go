package capture

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestResyncBeforeCutEnd: a damaged record header just before the last
// complete record of a file whose final record is cut off (tcpdump
// killed, a file copied while written). The complete record after the
// damage is read: requiring two plausible headers after it (the review
// found) lost it and said no plausible record followed.
func TestResyncBeforeCutEnd(t *testing.T) {
	w := testpcap.NewWriter(layers.LinkTypeRaw)
	for k, n := range []int{60, 50, 70, 80} {
		w.Add(testpcap.Base.Add(time.Duration(k)*time.Millisecond), make([]byte, n))
	}
	data := w.Bytes()
	second := 24 + 16 + 60
	binary.LittleEndian.PutUint32(data[second+8:], 0x10000001) // its captured length: damaged
	data = data[:len(data)-30]                                 // the last record cut
	_, st := newAll(t, data, Options{})
	if st.Packets != 2 {
		t.Errorf("%d frames read, want 2 (60 and 70; the cut 80 is not a frame)", st.Packets)
	}
	ev, _ := newAll(t, data, Options{})
	for _, e := range ev {
		if e.Err != nil && strings.Contains(e.Err.Error(), "no plausible record") {
			t.Errorf("%v", e.Err)
		}
	}
}
