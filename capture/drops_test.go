package capture

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestDroppedDumpcap reads the drops dumpcap recorded in a real capture
// that fell behind (testdata/field/README.md): dumpcap reported
// "received/dropped on interface 'va': 938/576".
func TestDroppedDumpcap(t *testing.T) {
	r, err := Open(testutil.Field("capture-drops.pcapng.gz"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	readAll(t, r)
	n, names := r.Dropped()
	if n != 576 || !slices.Equal(names, []string{"va"}) {
		t.Errorf("Dropped() = %d, %q; want 576, [va]", n, names)
	}
	if st := r.Stats(); st.Packets != 938 || st.IKE != 6 || st.ESP != 4 {
		t.Errorf("stats %+v: want 938 frames, 6 IKE, 4 ESP (tshark)", st)
	}
}

// ngOpt is a little-endian pcapng option.
func ngOpt(code uint16, v []byte) []byte {
	b := binary.LittleEndian.AppendUint16(binary.LittleEndian.AppendUint16(nil, code), uint16(len(v)))
	b = append(b, v...)
	return append(b, make([]byte, (4-len(v)%4)%4)...)
}

// u64 is v as 8 little-endian octets.
func u64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// ngISBlock is an Interface Statistics Block for interface id with
// isb_ifdrop and isb_osdrop (noOpt: option left out).
func ngISBlock(id uint32, ifdrop, osdrop uint64) []byte {
	body := binary.LittleEndian.AppendUint32(nil, id)
	body = append(body, make([]byte, 8)...)
	if ifdrop != noOpt {
		body = append(body, ngOpt(ngOptISBIfDrop, u64(ifdrop))...)
	}
	if osdrop != noOpt {
		body = append(body, ngOpt(ngOptISBOSDrop, u64(osdrop))...)
	}
	body = append(body, 0, 0, 0, 0)
	return ngBlock(ngISB, body)
}

// noOpt leaves an option out of ngISBlock.
const noOpt = 1<<64 - 1

// ngIDBlock is an Ethernet Interface Description Block named name.
func ngIDBlock(name string) []byte {
	body := []byte{1, 0, 0, 0, 0, 0, 0, 0}
	if name != "" {
		body = append(body, ngOpt(ngOptIfName, []byte(name))...)
	}
	return ngBlock(ngIDB, append(body, 0, 0, 0, 0))
}

// ngEPBlock is an Enhanced Packet Block of frame on interface id, with
// the options opts.
func ngEPBlock(id uint32, frame []byte, opts []byte) []byte {
	body := binary.LittleEndian.AppendUint32(nil, id)
	body = append(body, 0, 0, 0, 0, 1, 0, 0, 0)
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	body = binary.LittleEndian.AppendUint32(body, uint32(len(frame)))
	body = append(body, frame...)
	body = append(body, make([]byte, (4-len(frame)%4)%4)...)
	return ngBlock(ngEPB, append(body, opts...))
}

// TestDroppedCounters checks how the counters of a file add up: the last
// ISB of an interface counts (they are totals), isb_ifdrop and
// isb_osdrop add, an EPB's epb_dropcount and a Packet Block's drops count
// add, a counter that goes down starts again, and values no capture has
// saturate instead of wrapping.
func TestDroppedCounters(t *testing.T) {
	frame := testpcap.Ethernet(testpcap.UDP(v4a, v4b, realIKEOrNil()))
	pb := binary.LittleEndian.AppendUint16(nil, 1) // interface 1
	pb = binary.LittleEndian.AppendUint16(pb, 7)   // drops count
	pb = append(pb, 0, 0, 0, 0, 1, 0, 0, 0)
	pb = binary.LittleEndian.AppendUint32(pb, uint32(len(frame)))
	pb = binary.LittleEndian.AppendUint32(pb, uint32(len(frame)))
	pb = append(pb, frame...)
	pbUnknown := slices.Clone(pb)
	binary.LittleEndian.PutUint16(pbUnknown[2:], ngPBDropsUnknown)
	cases := []struct {
		name   string
		blocks [][]byte
		want   int64
		names  []string
	}{
		{"no statistics", [][]byte{ngIDBlock("eth0"), ngEPBlock(0, frame, nil)}, 0, nil},
		{"zero drops", [][]byte{ngIDBlock("eth0"), ngEPBlock(0, frame, nil), ngISBlock(0, 0, 0)}, 0, nil},
		{"periodic totals", [][]byte{ngIDBlock("eth0"), ngISBlock(0, 10, noOpt), ngEPBlock(0, frame, nil), ngISBlock(0, 25, noOpt)}, 25, []string{"eth0"}},
		{"ifdrop and osdrop", [][]byte{ngIDBlock(""), ngISBlock(0, 3, 4)}, 7, []string{"#0"}},
		{"two interfaces", [][]byte{ngIDBlock("eth0"), ngIDBlock("eth1"), ngISBlock(1, 5, noOpt), ngISBlock(0, 2, noOpt)}, 7, []string{"eth1", "eth0"}},
		{"counter starts again", [][]byte{ngIDBlock("eth0"), ngISBlock(0, 10, noOpt), ngISBlock(0, 4, noOpt)}, 14, []string{"eth0"}},
		{"unknown interface", [][]byte{ngIDBlock("eth0"), ngISBlock(3, 10, noOpt)}, 0, nil},
		{"epb_dropcount", [][]byte{ngIDBlock("eth0"), ngEPBlock(0, frame, append(ngOpt(ngOptEPBDrops, u64(9)), 0, 0, 0, 0))}, 9, []string{"eth0"}},
		{"packet block", [][]byte{ngIDBlock("a"), ngIDBlock("b"), ngBlock(ngPB, pb), ngBlock(ngPB, pbUnknown)}, 7, []string{"b"}},
		{"saturates", [][]byte{ngIDBlock("eth0"), ngIDBlock("eth1"), ngISBlock(0, 1<<63, 1<<63), ngISBlock(1, 1<<62, 1<<62)}, 1<<63 - 1, []string{"eth0", "eth1"}},
		{"name fit to print", [][]byte{ngIDBlock("e\x1b[31m\x00rest"), ngISBlock(0, 1, noOpt)}, 1, []string{"e?[31m"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := drainBytes(t, append(ngSection(), bytes.Join(c.blocks, nil)...), Options{})
			n, names := r.Dropped()
			if n != c.want || !slices.Equal(names, c.names) {
				t.Errorf("Dropped() = %d, %q; want %d, %q", n, names, c.want, c.names)
			}
		})
	}
}
