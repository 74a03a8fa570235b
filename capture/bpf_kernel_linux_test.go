package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ikeflow/ikeflow/internal/testnetns"
	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestFilterKernelVLANStacks runs the default filter in the kernel: a
// LiveSource on one end of a veth pair (in a network namespace of its
// own) receives real corpus frames sent on the other end behind 3, 8 and
// 9 VLAN tags, each also as a copy with other UDP ports. Behind 3 and 8
// tags exactly the originals must come through, behind 9 every frame
// (passed unexamined). The outermost tag is 0x9100, which the kernel does
// not move into packet metadata, so the filter sees every tag. Needs root
// (skipped otherwise).
func TestFilterKernelVLANStacks(t *testing.T) {
	testnetns.Skip(t)
	lt, recs, err := testpcap.ReadAll(testutil.Corpus("ikev2-mixed-peers", "capture.pcap"))
	if err != nil || lt != layers.LinkTypeEthernet {
		t.Fatal(err, lt)
	}
	orig := testpcap.Frames(recs)
	tags := func(n int) []byte {
		var b []byte
		for i := range n {
			tpid := []uint16{etherTypeQinQ9, etherTypeQinQ, etherTypeVLAN}[i%3]
			b = binary.BigEndian.AppendUint16(b, tpid)
			b = binary.BigEndian.AppendUint16(b, uint16(100+i))
		}
		return b
	}
	type sent struct {
		frame []byte
		tags  int
		pass  bool
	}
	var frames []sent
	for _, n := range []int{3, 8, 9} {
		for _, o := range orig {
			frames = append(frames, sent{slicesConcat(o[:12], tags(n), o[12:]), n, true})
			if binary.BigEndian.Uint16(o[12:]) == etherTypeIPv4 && o[23] == ipProtoUDP {
				g := append([]byte(nil), o...)
				ihl := int(g[14]&0xf) * 4
				binary.BigEndian.PutUint16(g[14+ihl:], 53)
				binary.BigEndian.PutUint16(g[16+ihl:], 5353)
				frames = append(frames, sent{slicesConcat(g[:12], tags(n), g[12:]), n, n > filterMaxVLANTags})
			}
		}
	}
	marker := orig[0] // untagged IKE: passes, and ends the reading

	ns := fmt.Sprintf("ikfwk%d", os.Getpid()%100000)
	testnetns.Add(t, ns)
	for _, s := range [][]string{
		{"-n", ns, "link", "add", "ikfwka0", "type", "veth", "peer", "name", "ikfwkb0"},
		{"-n", ns, "link", "set", "ikfwka0", "up"},
		{"-n", ns, "link", "set", "ikfwkb0", "up"},
	} {
		if err := testnetns.IP(s...); err != nil {
			t.Fatal(err)
		}
	}
	testnetns.WaitUp(t, ns, "ikfwka0")
	testnetns.WaitUp(t, ns, "ikfwkb0")

	// Sockets are made in the namespace on a thread that never leaves it.
	var live *LiveSource
	err = testnetns.Do(ns, func() error {
		var err error
		if live, err = OpenLive("ikfwkb0", LiveConfig{Poll: 20 * time.Millisecond}); err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		// Straight to the driver: no queueing discipline to drop frames.
		unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
		ifi, err := net.InterfaceByName("ikfwka0")
		if err != nil {
			return err
		}
		to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
		for _, s := range append(frames, sent{marker, 0, true}) {
			if err := unix.Sendto(fd, s.frame, 0, to); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		}
		return nil
	})
	if live != nil {
		defer live.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	// With CAP_NET_ADMIN (the namespaces need root) the buffer asked for
	// is granted whatever net.core.rmem_max says, and BufferSize says so.
	if got := live.BufferSize(); got != DefaultLiveBuffer {
		t.Errorf("receive buffer %d octets, want DefaultLiveBuffer (%d)", got, DefaultLiveBuffer)
	}

	// Read until the marker; the timer only guards against a hang.
	guard := time.AfterFunc(20*time.Second, live.Stop)
	defer guard.Stop()
	got := map[string]int{}
	sawMarker := false
	for !sawMarker {
		d, _, err := live.ZeroCopyReadPacketData()
		if err != nil {
			t.Fatalf("the marker frame never came: %v", err)
		}
		sawMarker = bytes.Equal(d, marker)
		got[string(d)]++
	}
	passed := map[bool]int{}
	for i, s := range frames {
		n := got[string(s.frame)]
		if (n > 0) != s.pass {
			t.Errorf("frame %d (%d octets, %d tags): received %d times, want passed=%v", i, len(s.frame), s.tags, n, s.pass)
		}
		passed[s.pass]++
	}
	t.Logf("%d frames to pass, %d to drop", passed[true], passed[false])
	if passed[true] < 3*len(orig) || passed[false] < 20 {
		t.Fatalf("too few frames exercised: %v", passed)
	}
}

// slicesConcat returns the concatenation of parts in a new slice.
func slicesConcat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}
