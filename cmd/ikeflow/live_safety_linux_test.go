//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// pcapngFile is what a pcapng file holds, read strictly: every block whole.
type pcapngFile struct {
	frames   int
	received uint64 // interface statistics of interface 0 (0 without one)
	hasStats bool
}

// readPcapngStrict reads path to the end with pcapgo; a cut block is an
// error.
func readPcapngStrict(path string) (pcapngFile, error) {
	var pf pcapngFile
	f, err := os.Open(path)
	if err != nil {
		return pf, err
	}
	defer f.Close()
	opt := pcapgo.DefaultNgReaderOptions
	opt.StatisticsCallback = func(id int, s pcapgo.NgInterfaceStatistics) {
		if id == 0 {
			pf.received, pf.hasStats = s.PacketsReceived, true
		}
	}
	r, err := pcapgo.NewNgReader(bufio.NewReader(f), opt)
	if err != nil {
		return pf, err
	}
	for {
		_, _, err := r.ReadPacketData()
		if err == io.EOF {
			return pf, nil
		}
		if err != nil {
			return pf, fmt.Errorf("after %d frames: %w", pf.frames, err)
		}
		pf.frames++
	}
}

// readWithCapture reads path with ikeflow's capture package to the end and
// returns the IKE messages it decoded.
func readWithCapture(t *testing.T, path string) int {
	t.Helper()
	r, err := capture.Open(path, capture.Options{})
	if err != nil {
		t.Fatalf("capture.Open(%s): %v", path, err)
	}
	defer r.Close()
	ike := 0
	for i := 0; i < 1<<22; i++ {
		ev, err := r.Next()
		if err == io.EOF {
			return ike
		}
		if err != nil {
			t.Fatalf("capture: %s: %v", path, err)
		}
		if ev.Kind == capture.KindIKE {
			ike++
		}
	}
	t.Fatalf("capture: %s: no end", path)
	return 0
}

// tsharkReads checks, when tshark is installed, that it reads path to the
// end without complaint, and returns the frames it counted (-1 without
// tshark). With structureOnly, dissection stops at the Ethernet layer:
// the file's blocks are checked, fast enough for 200 000 frames.
func tsharkReads(t *testing.T, path string, structureOnly bool) int {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Logf("tshark not installed: not cross-checked")
		return -1
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"-n", "-r", path, "-T", "fields", "-e", "frame.number"}
	if structureOnly {
		args = append(args, "--disable-protocol", "eth")
	}
	cmd := exec.CommandContext(ctx, "tshark", args...)
	var errb strings.Builder
	cmd.Stderr = &errb
	out, err := cmd.Output()
	var complaints []string
	for _, l := range strings.Split(strings.TrimSpace(errb.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, "Running as user") {
			complaints = append(complaints, l)
		}
	}
	if err != nil || len(complaints) > 0 {
		t.Fatalf("tshark -r %s: %v\n%s", path, err, errb.String())
	}
	return strings.Count(string(out), "\n")
}

// partialName waits for live's "writing X.partial-N" line and returns X.partial-N.
func (lp *liveProc) partialName(t *testing.T) string {
	t.Helper()
	re := regexp.MustCompile(`writing (\S+\.partial-\d+), renamed to`)
	for i := 0; i < 100; i++ {
		if m := re.FindStringSubmatch(lp.stderr.String()); m != nil {
			return m[1]
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("live did not name its partial file; stderr:\n%s", lp.stderr.String())
	return ""
}

// signalAndWait sends sig to live and waits for it to exit.
func (lp *liveProc) signalAndWait(t *testing.T, sig os.Signal) {
	t.Helper()
	lp.cmd.Process.Signal(sig)
	select {
	case <-lp.done:
	case <-time.After(20 * time.Second):
		// SIGQUIT makes the Go runtime print every goroutine's stack:
		// where live is stuck.
		lp.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-lp.done:
		case <-time.After(3 * time.Second):
			lp.cmd.Process.Kill()
		}
		t.Fatalf("ikeflow live did not exit within 20 s of %v; stderr (without per-frame notes):\n%s", sig, withoutFrameNotes(lp.stderr.String()))
	}
}

// TestLiveWriteKill: while "live --write FILE --force" runs, FILE keeps its
// previous content and FILE.partial-N grows by whole packets (flushed
// within a second of arriving); after kill -9, FILE is untouched and the
// partial file is a valid pcapng holding every frame sent (read back with
// pcapgo strictly, with capture/, and with tshark). A SIGTERM run ends
// with exit status 0 and the complete file under its name.
func TestLiveWriteKill(t *testing.T) {
	skipUnlessNetns(t)
	p := newVethPairPrefix(t, "ikfs")
	snd := p.newSender(t)
	frames := readEthernetFrames(t, filepath.Join(corpus, "ikev2-cert-fragmentation", "capture.pcap"))
	dir := t.TempDir()
	out := filepath.Join(dir, "ticket.pcapng")
	if err := os.WriteFile(out, []byte("previous capture"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	lp := p.startLive(t, ctx, nil, "--format", "none", "--report", "none", "--write", out, "--force", "--duration", "50s")
	partial := lp.partialName(t)
	if filepath.Dir(partial) != dir {
		t.Errorf("partial file %s is not beside %s", partial, out)
	}
	if err := snd.replay(frames, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var pf pcapngFile
	var err error
	for i := 0; i < 150; i++ { // at most 3 s; the flush comes within about 0.2 s of the last frame
		if pf, err = readPcapngStrict(partial); err == nil && pf.frames == len(frames) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil || pf.frames != len(frames) {
		t.Fatalf("while live runs, %s holds %d whole frames of %d sent (%v)", partial, pf.frames, len(frames), err)
	}
	lp.signalAndWait(t, syscall.SIGKILL)
	if b, _ := os.ReadFile(out); string(b) != "previous capture" {
		t.Fatalf("after kill -9 the previous file holds %d octets", len(b))
	}
	if pf, err = readPcapngStrict(partial); err != nil || pf.frames != len(frames) {
		t.Fatalf("after kill -9: %s: %d frames of %d (%v)", partial, pf.frames, len(frames), err)
	}
	if n := readWithCapture(t, partial); n == 0 {
		t.Error("capture/ found no IKE message in the partial file")
	}
	if n := tsharkReads(t, partial, false); n >= 0 && n != len(frames) {
		t.Errorf("tshark counts %d frames in the partial file, want %d", n, len(frames))
	}

	// SIGTERM: exit 0, the previous file replaced (--force) only then by
	// the complete capture, nothing left behind but the killed run's
	// partial file.
	out2 := out
	lp = p.startLive(t, ctx, nil, "--format", "none", "--report", "none", "--write", out2, "--force", "--duration", "50s")
	partial2 := lp.partialName(t)
	if err := snd.replay(frames, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if b, _ := os.ReadFile(out2); string(b) != "previous capture" {
		t.Fatalf("while live runs the previous file holds %d octets", len(b))
	}
	lp.signalAndWait(t, syscall.SIGTERM)
	if lp.err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", lp.err, lp.stderr.String())
	}
	pf, err = readPcapngStrict(out2)
	if err != nil || pf.frames != len(frames) || !pf.hasStats || pf.received != uint64(len(frames)) {
		t.Fatalf("%s: %+v (%v), want %d frames and statistics", out2, pf, err, len(frames))
	}
	if _, err := os.Stat(partial2); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind (%v)", partial2, err)
	}
	if n := tsharkReads(t, out2, false); n >= 0 && n != len(frames) {
		t.Errorf("tshark counts %d frames, want %d", n, len(frames))
	}
}

// floodFrames builds the flood: Ethernet frames from the sender to the
// receiver's MAC.
type floodBuilder struct {
	buf gopacket.SerializeBuffer
	rnd *rand.Rand
	dst net.IP
}

func newFloodBuilder() *floodBuilder {
	return &floodBuilder{buf: gopacket.NewSerializeBuffer(), rnd: rand.New(rand.NewPCG(1, 2)), dst: net.IPv4(198, 51, 100, 253).To4()}
}

// frame serialises ls behind an Ethernet header and returns a copy.
func (b *floodBuilder) frame(t testing.TB, ls ...gopacket.SerializableLayer) []byte {
	t.Helper()
	src, _ := net.ParseMAC(vethSendMAC)
	dst, _ := net.ParseMAC(vethRecvMAC)
	eth := &layers.Ethernet{SrcMAC: src, DstMAC: dst, EthernetType: layers.EthernetTypeIPv4}
	if err := gopacket.SerializeLayers(b.buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, append([]gopacket.SerializableLayer{eth}, ls...)...); err != nil {
		t.Fatal(err)
	}
	return append([]byte(nil), b.buf.Bytes()...)
}

// srcIP is a distinct source address per i (198.18.0.0/15, benchmarking).
func srcIP(i int) net.IP { return net.IPv4(198, 18+byte(i>>16&1), byte(i>>8), byte(i)).To4() }

// garbageUDP is a UDP datagram to port 500 or 4500 with random content.
func (b *floodBuilder) garbageUDP(t testing.TB, i int) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: srcIP(i), DstIP: b.dst, Id: uint16(i)}
	dport := layers.UDPPort(500)
	if i%2 == 1 {
		dport = 4500
	}
	udp := &layers.UDP{SrcPort: layers.UDPPort(1024 + i%60000), DstPort: dport}
	udp.SetNetworkLayerForChecksum(ip)
	payload := make([]byte, 1+b.rnd.IntN(1400))
	for j := range payload {
		payload[j] = byte(b.rnd.Uint32())
	}
	if i%3 == 0 && len(payload) >= 28 { // looks like an IKE header with a lying length
		binary.BigEndian.PutUint32(payload[24:], uint32(b.rnd.Uint32()))
		payload[17] = 0x20
	}
	return b.frame(t, ip, udp, gopacket.Payload(payload))
}

// fragments splits a UDP datagram to port 500 of n*chunk octets into n
// IPv4 fragments; with drop >= 0 that fragment is left out (an incomplete
// datagram the reassembler must give up on).
func (b *floodBuilder) fragments(t testing.TB, i, n, chunk, drop int) [][]byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: srcIP(i), DstIP: b.dst}
	udp := &layers.UDP{SrcPort: layers.UDPPort(1024 + i%60000), DstPort: 500}
	udp.SetNetworkLayerForChecksum(ip)
	payload := make([]byte, n*chunk-8)
	for j := range payload {
		payload[j] = byte(b.rnd.Uint32())
	}
	sb := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, udp, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	whole := sb.Bytes()
	var out [][]byte
	for k := 0; k < n; k++ {
		if k == drop {
			continue
		}
		f := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: ip.SrcIP, DstIP: b.dst,
			Id: uint16(i), FragOffset: uint16(k * chunk / 8)}
		if k < n-1 {
			f.Flags = layers.IPv4MoreFragments
		}
		out = append(out, b.frame(t, f, gopacket.Payload(whole[k*chunk:(k+1)*chunk])))
	}
	return out
}

// syn is a TCP SYN to port 4500 from a distinct address and port per i.
func (b *floodBuilder) syn(t testing.TB, i int) []byte {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: srcIP(i), DstIP: b.dst, Id: uint16(i)}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(1024 + i%60000), DstPort: 4500, Seq: uint32(i) * 7919, SYN: true, Window: 64240}
	tcp.SetNetworkLayerForChecksum(ip)
	return b.frame(t, ip, tcp)
}

// vmHWM reads the peak resident set size of a process, in octets.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n << 10, err
		}
	}
	return 0, errors.New("no VmHWM")
}

// floodRSSLimit is the generous bound on live's peak RSS under the flood.
const floodRSSLimit = 400 << 20

// TestLiveFlood floods the capture interface while "ikeflow live --write"
// runs: garbage UDP to 500/4500, IPv4 fragments (3000 datagrams of 26 small fragments, a third of them
// incomplete, and 200 datagrams of 38 KB in 26 full-size fragments) and 100 000
// TCP SYNs to 4500 from distinct addresses and ports (IKEFLOW_FLOOD=frag or
// =syn sends only one of them, =garbage neither). Then a real IKE
// exchange is replayed: live must still be up, decode it (its SPIs and
// exchange count come from the strongSwan logs via expected.json), keep its
// peak RSS under floodRSSLimit, exit 0 on SIGTERM and leave a pcapng that
// pcapgo, capture/ and tshark read to the end, holding every frame the
// socket delivered.
func TestLiveFlood(t *testing.T) {
	skipUnlessNetns(t)
	if testing.Short() {
		t.Skip("floods a veth pair for a few seconds")
	}
	env := os.Getenv("IKEFLOW_FLOOD")
	frags := env == "" || env == "1" || strings.Contains(env, "frag")
	syns := env == "" || env == "1" || strings.Contains(env, "syn")
	start := time.Now()
	p := newVethPairPrefix(t, "ikfs")
	snd := p.newSender(t)
	out := filepath.Join(t.TempDir(), "flood.pcapng")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	lp := p.startLive(t, ctx, nil, "--format", "none", "--report", "json", "--idle-timeout", "5s",
		"--write", out, "--duration", "80s", "--buffer", "64")
	pid := lp.cmd.Process.Pid
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); !strings.Contains(string(b), "TestLiveHelperProcess") {
		t.Fatalf("pid %d is not the live process: %q", pid, b)
	}

	b := newFloodBuilder()
	sent := map[string]int{}
	send := func(kind string, f []byte) {
		if err := snd.send(f); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		sent[kind]++
	}
	for i := 0; i < 20000; i++ {
		send("garbage-udp", b.garbageUDP(t, i))
	}
	if frags {
		for i := 0; i < 3000; i++ {
			drop := -1
			if i%3 == 0 {
				drop = 1 + i%25
			}
			for _, f := range b.fragments(t, 100000+i, 26, 56, drop) {
				send("fragment", f)
			}
		}
		// The field case: 26 full-size fragments of a 38 KB datagram.
		for i := 0; i < 200; i++ {
			for _, f := range b.fragments(t, 110000+i, 26, 1480, -1) {
				send("fragment-1480", f)
			}
		}
	}
	if syns {
		for i := 0; i < 100000; i++ {
			send("tcp-syn", b.syn(t, i))
		}
	}
	if !frags || !syns {
		t.Logf("IKEFLOW_FLOOD=%q: fragments sent %v, TCP SYNs sent %v", env, frags, syns)
	}
	t.Logf("flood sent in %s", time.Since(start).Round(time.Millisecond))
	select {
	case <-lp.done:
		t.Fatalf("live died during the flood: %v; stderr:\n%s", lp.err, lp.stderr.String())
	default:
	}
	frames := readEthernetFrames(t, filepath.Join(corpus, "ikev2-psk-success", "capture.pcap"))
	if err := snd.replay(frames, 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	sent["ike"] = len(frames)
	time.Sleep(500 * time.Millisecond)
	hwm, err := vmHWM(pid)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("live peak RSS before SIGTERM: %d MiB", hwm>>20)
	lp.signalAndWait(t, syscall.SIGTERM)
	if lp.err != nil {
		t.Fatalf("after SIGTERM: %v; stderr:\n%s", lp.err, lp.stderr.String())
	}
	t.Logf("sent %v in %s; live peak RSS %d MiB", sent, time.Since(start).Round(time.Millisecond), hwm>>20)
	if hwm > floodRSSLimit {
		t.Errorf("live peak RSS %d MiB, bound %d MiB", hwm>>20, floodRSSLimit>>20)
	}

	// The IKE SA after the flood, as the strongSwan logs describe it.
	rep := lastJSON(t, lp.stdout.Bytes())
	exp := expectedSA(t, "ikev2-psk-success")
	found := false
	sas, _ := rep["sas"].([]any)
	for _, x := range sas {
		s := x.(map[string]any)
		if s["spi_i"] == exp.SPIi && s["spi_r"] == exp.SPIr {
			found = true
			if ex, _ := s["exchanges"].([]any); len(ex) != exp.Exchanges {
				t.Errorf("SA %s/%s: %d exchanges, the logs have %d", exp.SPIi, exp.SPIr, len(ex), exp.Exchanges)
			}
		}
	}
	if !found {
		t.Errorf("the IKE SA %s/%s replayed after the flood is not in the report (%d SAs)", exp.SPIi, exp.SPIr, len(sas))
	}

	pf, err := readPcapngStrict(out)
	if err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	total := 0
	for _, n := range sent {
		total += n
	}
	if !pf.hasStats || uint64(pf.frames) != pf.received {
		t.Errorf("%s: %d frames, the interface statistics say %d received", out, pf.frames, pf.received)
	}
	if pf.frames > total || pf.frames < len(frames) {
		t.Errorf("%s: %d frames, %d sent", out, pf.frames, total)
	}
	if n := readWithCapture(t, out); n < exp.Messages {
		t.Errorf("capture/ decodes %d IKE messages in %s, want at least the %d replayed", n, out, exp.Messages)
	}
	if n := tsharkReads(t, out, true); n >= 0 && n != pf.frames {
		t.Errorf("tshark counts %d frames, pcapgo %d", n, pf.frames)
	}
	t.Logf("%s: %d frames written of %d sent; test took %s", filepath.Base(out), pf.frames, total, time.Since(start).Round(time.Millisecond))
}

// lastJSON decodes live's final JSON report (--format none: the only
// output).
func lastJSON(t *testing.T, out []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("live report: %v\n%.2000s", err, out)
	}
	return v
}

// expectedIKESA is an IKE SA of a scenario's expected.json (derived from
// the daemon logs).
type expectedIKESA struct {
	SPIi, SPIr string
	Exchanges  int
	Messages   int // IKE messages of the scenario
}

func expectedSA(t *testing.T, scenario string) expectedIKESA {
	t.Helper()
	b := testutil.ReadFile(t, filepath.Join(corpus, scenario, "expected.json"))
	var v struct {
		IKESAs []struct {
			SPIi      string `json:"spi_i"`
			SPIr      string `json:"spi_r"`
			Exchanges []int  `json:"exchanges"`
		} `json:"ike_sas"`
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(b, &v); err != nil || len(v.IKESAs) == 0 {
		t.Fatalf("%s/expected.json: %v", scenario, err)
	}
	return expectedIKESA{v.IKESAs[0].SPIi, v.IKESAs[0].SPIr, len(v.IKESAs[0].Exchanges), len(v.Messages)}
}

// withoutFrameNotes drops live's per-frame warnings from its stderr.
func withoutFrameNotes(s string) string {
	var b strings.Builder
	n := 0
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, ": frame ") && strings.HasPrefix(l, "ikeflow live: ") {
			n++
			continue
		}
		b.WriteString(l + "\n")
	}
	return fmt.Sprintf("(%d per-frame notes left out)\n%s", n, b.String())
}
