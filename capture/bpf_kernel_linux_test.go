package capture

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
	"golang.org/x/sys/unix"
)

// ipNetns runs ip(8) with args, bounded in time.
func ipNetns(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// TestFilterKernelVLANStacks runs the default filter in the kernel: a
// LiveSource on one end of a veth pair (in a network namespace of its
// own) receives real corpus frames sent on the other end behind 3, 8 and
// 9 VLAN tags, each also as a copy with other UDP ports. Behind 3 and 8
// tags exactly the originals must come through, behind 9 every frame
// (passed unexamined). The outermost tag is 0x9100, which the kernel does
// not move into packet metadata, so the filter sees every tag. Needs root
// (skipped otherwise).
func TestFilterKernelVLANStacks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (network namespaces, packet sockets)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("needs ip(8)")
	}
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
	ipNetns("netns", "del", ns) // a leftover of a killed run
	if err := ipNetns("netns", "add", ns); err != nil {
		if strings.Contains(err.Error(), "Operation not permitted") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ipNetns("netns", "del", ns); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	for _, s := range [][]string{
		{"-n", ns, "link", "add", "ikfwka0", "type", "veth", "peer", "name", "ikfwkb0"},
		{"-n", ns, "link", "set", "ikfwka0", "up"},
		{"-n", ns, "link", "set", "ikfwkb0", "up"},
	} {
		if err := ipNetns(s...); err != nil {
			t.Fatal(err)
		}
	}

	// Sockets are made in the namespace on a thread that never leaves it
	// (the thread ends with the goroutine).
	type result struct {
		live *LiveSource
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		r := result{}
		defer func() { ch <- r }()
		nsf, err := os.Open(filepath.Join("/var/run/netns", ns))
		if err != nil {
			r.err = err
			return
		}
		defer nsf.Close()
		if err := unix.Setns(int(nsf.Fd()), unix.CLONE_NEWNET); err != nil {
			r.err = fmt.Errorf("setns: %w", err)
			return
		}
		if r.live, err = OpenLive("ikfwkb0", LiveConfig{Poll: 20 * time.Millisecond}); err != nil {
			r.err = err
			return
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			r.err = err
			return
		}
		defer unix.Close(fd)
		ifi, err := net.InterfaceByName("ikfwka0")
		if err != nil {
			r.err = err
			return
		}
		to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}
		for _, s := range append(frames, sent{marker, 0, true}) {
			if err := unix.Sendto(fd, s.frame, 0, to); err != nil {
				r.err = fmt.Errorf("send: %w", err)
				return
			}
		}
	}()
	r := <-ch
	if r.err != nil {
		if r.live != nil {
			r.live.Close()
		}
		t.Fatal(r.err)
	}
	defer r.live.Close()

	// Read until the marker; the timer only guards against a hang.
	guard := time.AfterFunc(20*time.Second, r.live.Stop)
	defer guard.Stop()
	got := map[string]int{}
	sawMarker := false
	for !sawMarker {
		d, _, err := r.live.ZeroCopyReadPacketData()
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
