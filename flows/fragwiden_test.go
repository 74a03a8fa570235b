package flows

import (
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// skfAt returns the offset of the first SKF payload's body in an IKEv2
// message (walking the payload chain from the header), or -1.
func skfAt(b []byte) int {
	if len(b) < 28 || b[17]>>4 != 2 {
		return -1
	}
	next, off := dissect.PayloadType(b[16]), 28
	for next != 0 && off+4 <= len(b) {
		if next == dissect.PayloadSKF {
			return off + 4
		}
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < 4 {
			return -1
		}
		next, off = dissect.PayloadType(b[off]), off+n
	}
	return -1
}

// TestCmsgFragWiden checks fragment numbers and totals past what a
// message record holds (one octet each, saturating at fragWide, the rest
// kept in the exchange's exRare): in a real capture of fragmented
// IKE_AUTH messages (ikev2-cert-fragmentation, keyless), every SKF
// payload's Fragment Number and Total Fragments are raised by an offset
// (to fragWide itself, across it, near 2^16), and every message's
// Fragment must be the edited numbers of its frame's bytes.
func TestCmsgFragWiden(t *testing.T) {
	base := corpusPackets(t, "ikev2-cert-fragmentation")
	for _, offset := range []uint16{0, fragWide - 1, fragWide, 1000, 65000} {
		pk := clonePackets(base)
		want := map[int]string{} // frame: "num/total"
		for i := range pk {
			b := pk[i].Data
			at := skfAt(b)
			if at < 0 || at+4 > len(b) {
				continue
			}
			num := binary.BigEndian.Uint16(b[at:]) + offset
			total := binary.BigEndian.Uint16(b[at+2:]) + offset
			binary.BigEndian.PutUint16(b[at:], num)
			binary.BigEndian.PutUint16(b[at+2:], total)
			want[pk[i].Frame] = strconv.Itoa(int(num)) + "/" + strconv.Itoa(int(total))
		}
		if len(want) < 4 {
			t.Fatalf("only %d fragments in the capture", len(want))
		}
		r := analyze(pk, Options{})
		seen := 0
		for _, sa := range r.SAs {
			for _, ex := range sa.Exchanges {
				for _, m := range ex.Messages {
					if w, ok := want[m.Frame]; ok {
						seen++
						if m.Fragment != w {
							t.Errorf("offset %d: frame %d: fragment %q, want %q", offset, m.Frame, m.Fragment, w)
						}
					} else if m.Fragment != "" {
						t.Errorf("offset %d: frame %d: fragment %q, want none", offset, m.Frame, m.Fragment)
					}
				}
			}
		}
		if seen != len(want) {
			t.Errorf("offset %d: %d fragments reported, want %d", offset, seen, len(want))
		}
	}
}
