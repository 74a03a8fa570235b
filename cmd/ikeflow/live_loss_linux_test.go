//go:build linux

package main

import (
	"context"
	"net/netip"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestLiveCaptureLoss stops "ikeflow live" (SIGSTOP) while a burst of
// traffic fills its 1 MiB socket buffer, so that the kernel drops frames,
// among them the responder's ESP of ikev2-psk-success sent meanwhile. The
// final report must carry a capture_loss warning with the kernel's count,
// the count the summary on stderr gives, and the one_way_esp warning the
// lost ESP makes must say the missing packets may be among those dropped.
// Needs root; skipped otherwise.
func TestLiveCaptureLoss(t *testing.T) {
	skipUnlessNetns(t)
	p := newVethPair(t)
	snd := p.newSender(t)
	frames := readEthernetFrames(t, filepath.Join("..", "..", "testdata", "corpus", "ikev2-psk-success", "capture.pcap"))
	var before, held, after []frame
	for i, f := range frames {
		switch n := i + 1; {
		case n == 6 || n == 8 || n == 10 || n == 12: // the responder's ESP
			held = append(held, f)
		case n <= 12:
			before = append(before, f)
		default:
			after = append(after, f)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lp := p.startLive(t, ctx, nil, "--format", "none", "--report", "json", "--buffer", "1", "--duration", "30s")
	if err := snd.replay(before, time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the frames reach ikeflow
	pid := lp.cmd.Process.Pid          // ip netns exec runs ikeflow in its own process
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	// Other ESP on the link (another SA between other hosts), 1,000 octets
	// a frame: 3,000 of them are well over the 1 MiB buffer.
	burst := testpcap.Ethernet(testpcap.ESP(netip.MustParseAddr("192.0.2.7"), netip.MustParseAddr("192.0.2.8"), 0x0badcafe, 1, make([]byte, 1000)))
	copy(burst, before[0].data[:12]) // the veth pair's MAC addresses
	for i := range 3000 {
		burst[14+20+4+3] = byte(i) // sequence number: not capture duplicates
		burst[14+20+4+2] = byte(i >> 8)
		if err := snd.send(burst); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range held {
		if err := snd.send(f.data); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if err := snd.replay(after, time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	lp.stop(t)

	m := regexp.MustCompile(`, (\d+) dropped by the kernel`).FindStringSubmatch(lp.stderr.String())
	if m == nil || m[1] == "0" {
		t.Fatalf("no kernel drops in the summary; stderr:\n%s", lp.stderr.String())
	}
	_, rep := splitLiveOutput(t, lp.stdout.Bytes())
	var loss, oneWay bool
	for _, f := range rep["findings"].([]any) {
		f := f.(map[string]any)
		msg := f["message"].(string)
		switch f["kind"] {
		case "capture_loss":
			loss = strings.HasPrefix(msg, "The capture dropped "+m[1]+" packets while it was taken (interface "+p.recvIfc+", the kernel's count: ikeflow fell behind)")
		case "one_way_esp":
			oneWay = strings.HasSuffix(msg, "This capture dropped "+m[1]+" packets while it was taken (see capture_loss): what is missing here may be among them.")
		}
	}
	if !loss || !oneWay {
		t.Errorf("kernel dropped %s: capture_loss %v, one_way_esp with the loss %v; report findings: %s", m[1], loss, oneWay, mustJSON(rep["findings"]))
	}
}
