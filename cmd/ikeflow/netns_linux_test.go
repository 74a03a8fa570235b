//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/sys/unix"

	"github.com/ikeflow/ikeflow/internal/testnetns"
	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// The live tests build two network namespaces joined by a veth pair: the
// sender namespace replays captured frames onto its end, ikeflow live
// captures on the other end. Nothing leaves the pair: the frames carry the
// corpus addresses but neither namespace forwards, and the only addresses
// configured are in documentation ranges inside the namespaces.
const (
	vethSendMAC = "02:00:5e:00:53:0a"
	vethRecvMAC = "02:00:5e:00:53:0b"
)

// vethPair is a pair of network namespaces joined by a veth pair.
type vethPair struct {
	sendNS, recvNS     string
	sendIface, recvIfc string
}

// skipUnlessNetns skips the test unless it can create network namespaces.
func skipUnlessNetns(t testing.TB) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("live capture tests need Linux")
	}
	testnetns.Skip(t)
}

// newVethPair creates the namespaces and the veth pair; t.Cleanup deletes
// them (deleting a namespace deletes its veth end, and the pair with it).
func newVethPair(t testing.TB) *vethPair { t.Helper(); return newVethPairPrefix(t, "ikf") }

// newVethPairPrefix is newVethPair with namespaces named PREFIX<pid>-s and
// PREFIX<pid>-r, so tests of different areas never share a name.
func newVethPairPrefix(t testing.TB, prefix string) *vethPair {
	t.Helper()
	id := fmt.Sprintf("%s%d", prefix, os.Getpid()%100000)
	p := &vethPair{sendNS: id + "-s", recvNS: id + "-r", sendIface: "ikfs0", recvIfc: "ikfr0"}
	testnetns.Add(t, p.sendNS)
	testnetns.Add(t, p.recvNS)
	steps := [][]string{
		{"link", "add", p.sendIface, "netns", p.sendNS, "address", vethSendMAC, "type", "veth",
			"peer", "name", p.recvIfc, "netns", p.recvNS, "address", vethRecvMAC},
		{"-n", p.sendNS, "addr", "add", "198.51.100.254/24", "dev", p.sendIface},
		{"-n", p.recvNS, "addr", "add", "198.51.100.253/24", "dev", p.recvIfc},
		{"-n", p.sendNS, "link", "set", p.sendIface, "up"},
		{"-n", p.recvNS, "link", "set", p.recvIfc, "up"},
	}
	for _, s := range steps {
		if err := testnetns.IP(s...); err != nil {
			t.Fatal(err)
		}
	}
	testnetns.WaitUp(t, p.sendNS, p.sendIface)
	testnetns.WaitUp(t, p.recvNS, p.recvIfc)
	return p
}

// sender is an AF_PACKET socket in the sender namespace.
type sender struct {
	fd   int
	addr unix.SockaddrLinklayer
}

// newSender opens a packet socket inside the sender namespace: a locked
// thread enters the namespace, opens the socket and is then discarded (the
// goroutine ends without unlocking), so no other goroutine runs there.
func (p *vethPair) newSender(t testing.TB) *sender {
	t.Helper()
	var s *sender
	err := testnetns.Do(p.sendNS, func() error {
		ifi, err := net.InterfaceByName(p.sendIface)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 8<<20)
		unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
		mac, _ := net.ParseMAC(vethRecvMAC)
		s = &sender{fd: fd, addr: unix.SockaddrLinklayer{Ifindex: ifi.Index, Halen: 6}}
		copy(s.addr.Addr[:], mac)
		return nil
	})
	if err != nil {
		t.Fatalf("sender socket in %s: %v", p.sendNS, err)
	}
	t.Cleanup(func() { unix.Close(s.fd) })
	return s
}

// send transmits one Ethernet frame, retrying briefly when the socket
// buffer is full.
func (s *sender) send(frame []byte) error {
	for i := 0; ; i++ {
		err := unix.Sendto(s.fd, frame, 0, &s.addr)
		if err == nil || i == 1000 || (err != unix.ENOBUFS && err != unix.EAGAIN) {
			return err
		}
		time.Sleep(50 * time.Microsecond)
	}
}

// frame is a captured frame and its capture time.
type frame struct {
	ts   time.Time
	data []byte
}

// readEthernetFrames reads a pcap or pcapng file of Ethernet frames and
// rewrites their MAC addresses to the veth pair's (sender → receiver).
func readEthernetFrames(t testing.TB, path string) []frame {
	t.Helper()
	lt, recs := testpcap.Records(t, path)
	if lt != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, want Ethernet", path, lt)
	}
	dst, _ := net.ParseMAC(vethRecvMAC)
	srcMAC, _ := net.ParseMAC(vethSendMAC)
	var out []frame
	for _, rec := range recs {
		d := rec.Data
		if len(d) < 14 {
			continue
		}
		copy(d[0:6], dst)
		copy(d[6:12], srcMAC)
		out = append(out, frame{rec.CI.Timestamp, d})
	}
	return out
}

// replay sends frames at their original relative timing (gaps longer than
// maxGap are shortened to it).
func (s *sender) replay(frames []frame, maxGap time.Duration) error {
	start := time.Now()
	var offset time.Duration
	for i, f := range frames {
		if i > 0 {
			gap := f.ts.Sub(frames[i-1].ts)
			offset += min(max(gap, 0), maxGap)
		}
		if d := time.Until(start.Add(offset)); d > 0 {
			time.Sleep(d)
		}
		if err := s.send(f.data); err != nil {
			return fmt.Errorf("frame %d: %w", i+1, err)
		}
	}
	return nil
}

// liveProc is ikeflow live running in the receiving namespace.
type liveProc struct {
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr *lockedBuffer
	ready  chan struct{}
	done   chan struct{} // closed when the process has exited
	err    error         // its exit status, once done
}

// startLive runs the test binary as "ikeflow live -i RECV args..." inside
// the receiving namespace and waits until it captures. stdout may be nil
// (kept in memory) or a file.
func (p *vethPair) startLive(t testing.TB, ctx context.Context, stdout io.Writer, args ...string) *liveProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	full := append([]string{"netns", "exec", p.recvNS, exe, "-test.run=^TestLiveHelperProcess$", "--", "live", "-i", p.recvIfc}, args...)
	lp := &liveProc{stderr: &lockedBuffer{}, ready: make(chan struct{}), done: make(chan struct{})}
	lp.cmd = exec.CommandContext(ctx, "ip", full...)
	lp.cmd.Env = append(os.Environ(), "IKEFLOW_TEST_HELPER=1")
	if stdout == nil {
		stdout = &lp.stdout
	}
	lp.cmd.Stdout = stdout
	pr, pw := io.Pipe()
	lp.cmd.Stderr = pw
	if err := lp.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { lp.err = lp.cmd.Wait(); pw.Close(); close(lp.done) }()
	t.Cleanup(func() {
		select {
		case <-lp.done:
		default:
			lp.cmd.Process.Kill()
			<-lp.done
		}
	})
	go func() {
		sc := bufio.NewScanner(pr)
		once := false
		for sc.Scan() {
			lp.stderr.write(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "capturing on") {
				once = true
				close(lp.ready)
			}
		}
		io.Copy(io.Discard, pr)
	}()
	select {
	case <-lp.ready:
	case <-lp.done:
		t.Fatalf("ikeflow live exited at once (%v); stderr:\n%s", lp.err, lp.stderr.String())
	case <-time.After(15 * time.Second):
		t.Fatalf("ikeflow live did not start capturing within 15 s; stderr:\n%s", lp.stderr.String())
	}
	return lp
}

// stop sends SIGINT and waits for the report.
func (lp *liveProc) stop(t testing.TB) {
	t.Helper()
	lp.cmd.Process.Signal(os.Interrupt)
	select {
	case <-lp.done:
	case <-time.After(20 * time.Second):
		lp.cmd.Process.Kill()
		t.Fatalf("ikeflow live did not stop within 20 s of SIGINT; stderr:\n%s", lp.stderr.String())
	}
	if lp.err != nil {
		t.Fatalf("ikeflow live: %v; stderr:\n%s", lp.err, lp.stderr.String())
	}
}

// lockedBuffer is a string buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) write(s string) { l.mu.Lock(); l.b.WriteString(s); l.mu.Unlock() }

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestLiveHelperProcess is not a test: the live tests run the test binary
// as ikeflow through it (IKEFLOW_TEST_HELPER=1, arguments after "--").
func TestLiveHelperProcess(t *testing.T) {
	if os.Getenv("IKEFLOW_TEST_HELPER") != "1" {
		t.Skip("helper process for the live tests")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	if os.Getenv("IKEFLOW_TEST_NIL_STDOUT") == "1" { // a real panic in a command (TestPanicExitStatus)
		os.Exit(run(args, os.Stdin, nil, os.Stderr))
	}
	os.Exit(run(args, os.Stdin, os.Stdout, os.Stderr))
}
