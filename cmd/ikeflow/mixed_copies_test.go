package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestVerdictsOfMixedCopies: a verdict must not depend on the traffic
// around it. internal/bigcap writes two copies of every corpus capture
// into one file, each with its own SPIs and addresses, the copies
// starting 5 ms apart so that their exchanges interleave, and the file
// going on long after each copy ends (as in a field capture). Every SA
// state and every finding (kind and severity) must then come out exactly
// twice as often as in the corpus captures analysed one by one. The one
// known difference is nat_detected: bigcap rewrites the addresses, not the
// NAT detection hashes over them, so copies show a NAT their template did
// not have; it is left out.
//
// This caught an IKEv1 MM1 refused with NO-PROPOSAL-CHOSEN reported as
// 'never answered' once the capture went on past it, and the copies of a
// fragmented message merged into one SA.
func TestVerdictsOfMixedCopies(t *testing.T) {
	templates, big := corpusCopies(t, 2)

	want := map[string]int{}
	for _, p := range templates {
		for k, n := range verdictCounts(t, goneOn(t, p)) {
			want[k] += 2 * n
		}
	}
	if want["sas"] < 80 {
		t.Fatalf("only %d SAs in twice the corpus", want["sas"])
	}
	compareCounts(t, "mixed copies", verdictCounts(t, big), want)

	// The same file as captures arrive from the field: every frame twice
	// (a capture taken on two interfaces merged), frames out of order in
	// runs of four (timestamps kept), and cut in two files given in the
	// wrong order. The verdicts must not move; only capture_duplicate
	// (info, capture-wide) says that duplicates were dropped.
	frames := readFrames(t, big)
	dir := t.TempDir()
	twice := make([]testpcap.Record, 0, 2*len(frames))
	for _, f := range frames {
		twice = append(twice, f, f)
	}
	p := filepath.Join(dir, "twice.pcap")
	writeFrames(t, p, twice)
	compareCounts(t, "every frame twice", verdictCounts(t, p), want)

	shuffled := slices.Clone(frames)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+4 <= len(shuffled); i += 4 {
		rng.Shuffle(4, func(a, b int) { shuffled[i+a], shuffled[i+b] = shuffled[i+b], shuffled[i+a] })
	}
	p = filepath.Join(dir, "shuffled.pcap")
	writeFrames(t, p, shuffled)
	compareCounts(t, "out of order in runs of four", verdictCounts(t, p), want)

	// Out of time order by up to 1.9 s, within the reorder window
	// (flows.DefaultReorderWindow, 2 s): put back in order, nothing noted.
	// Each UDP datagram moves on its own; the segments of one direction of
	// a TCP stream (IKE over TCP, RFC 8229) move together, as they do when
	// the clocks of two capture points differ: one capture point records a
	// stream's segments in the order they passed it (the reassembly puts
	// right what is retransmitted or reordered on the path, not a stream
	// whose first segments come after its later ones).
	late := slices.Clone(frames)
	key := make(map[*byte]time.Duration, len(late))
	tcpShift := map[string]time.Duration{}
	for _, f := range late {
		d := time.Duration(rng.Int64N(int64(1900 * time.Millisecond)))
		if dir, ok := tcpDirection(f.Data); ok {
			if s, seen := tcpShift[dir]; seen {
				d = s
			}
			tcpShift[dir] = d
		}
		key[&f.Data[0]] = time.Duration(f.CI.Timestamp.UnixNano()) + d
	}
	slices.SortStableFunc(late, func(a, b testpcap.Record) int { return cmp.Compare(key[&a.Data[0]], key[&b.Data[0]]) })
	behind := 0
	var newest time.Time
	for _, f := range late {
		if f.CI.Timestamp.Before(newest.Add(-time.Second)) {
			behind++
		}
		if f.CI.Timestamp.After(newest) {
			newest = f.CI.Timestamp
		}
	}
	if behind < 10 {
		t.Fatalf("only %d frames more than 1 s out of order: the variant tests little", behind)
	}
	p = filepath.Join(dir, "late.pcap")
	writeFrames(t, p, late)
	if n := countKind(t, p, "out_of_order"); n != 0 {
		t.Errorf("frames up to 1.9 s out of order: %d out_of_order findings", n)
	}
	compareCounts(t, "out of time order by up to 1.9 s", verdictCounts(t, p), want)

	half := len(frames) / 2
	p1, p2 := filepath.Join(dir, "part1.pcap"), filepath.Join(dir, "part2.pcap")
	writeFrames(t, p1, frames[:half])
	writeFrames(t, p2, frames[half:])
	compareCounts(t, "cut in two files, the second first", verdictCounts(t, p2, p1), want)
}

// TestVerdictsOfCopiesThirdParty: two copies of each third-party capture
// in pcap format (other people's IKE stacks, ../shared/captures), one
// file each, must give twice the verdicts of the capture alone, as the
// corpus's do (TestVerdictsOfMixedCopies).
func TestVerdictsOfCopiesThirdParty(t *testing.T) {
	if testing.Short() {
		t.Skip("builds bigcap")
	}
	n := 0
	bigcap := buildBigcap(t)
	for _, p := range testutil.SharedCaptures(t) {
		if filepath.Ext(p) == ".pcapng" { // bigcap reads pcap
			continue
		}
		want := map[string]int{}
		for k, c := range verdictCounts(t, p) {
			want[k] = 2 * c
		}
		two := filepath.Join(t.TempDir(), "two.pcap")
		bigcap("-copies", "2", "-templates", p, "-o", two)
		compareCounts(t, filepath.Base(p), verdictCounts(t, two), want)
		n++
	}
	if n == 0 {
		t.Fatal("no third-party capture in pcap format")
	}
}

// buildBigcap builds internal/bigcap into the test's temporary directory
// and returns a function that runs it with args.
// corpusCopies writes n copies of every corpus capture into one file
// (internal/bigcap, interleaved) and returns the corpus captures and the
// file; skipped under -short.
func corpusCopies(t *testing.T, n int) (templates []string, path string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds bigcap")
	}
	templates = testutil.CorpusCaptures(t)
	path = filepath.Join(t.TempDir(), "copies.pcap")
	buildBigcap(t)("-copies", fmt.Sprint(n*len(templates)), "-templates", testutil.Corpus("*", "capture.pcap"), "-o", path)
	return templates, path
}

func buildBigcap(t *testing.T) func(args ...string) {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "bigcap")
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, "../../internal/bigcap").CombinedOutput()
	if err != nil {
		t.Fatalf("go build internal/bigcap: %v\n%s", err, out)
	}
	return func(args ...string) {
		t.Helper()
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("bigcap %s: %v\n%s", args, err, out)
		}
	}
}

// countKind analyses a capture (JSON) and counts its findings of kind,
// the capture-wide ones included.
func countKind(t *testing.T, path, kind string) int {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "-q", "--format", "json", path}, nil, &out, &errb); code > 1 {
		t.Fatalf("analyze %s: exit %d: %s", path, code, errb.String())
	}
	var rep struct {
		Findings []struct {
			Kind string `json:"kind"`
		} `json:"findings"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Kind == kind {
			n++
		}
	}
	return n
}

// compareCounts reports every count of got that differs from want.
func compareCounts(t *testing.T, what string, got, want map[string]int) {
	t.Helper()
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: %s: %d, want %d (twice the template alone)", what, k, got[k], want[k])
		}
	}
}

// tcpDirection names the direction of the TCP stream an Ethernet frame
// belongs to (addresses and ports); false when it carries no TCP.
func tcpDirection(frame []byte) (string, bool) {
	pk := gopacket.NewPacket(frame, layers.LayerTypeEthernet, gopacket.NoCopy)
	tl, ok := pk.Layer(layers.LayerTypeTCP).(*layers.TCP)
	if !ok || pk.NetworkLayer() == nil {
		return "", false
	}
	return pk.NetworkLayer().NetworkFlow().String() + " " + tl.TransportFlow().String(), true
}

// readFrames reads every record of a capture file.
func readFrames(t *testing.T, path string) []testpcap.Record {
	t.Helper()
	lt, recs := testpcap.Records(t, path)
	if lt != layers.LinkTypeEthernet {
		t.Fatalf("%s: link type %v, want Ethernet", path, lt)
	}
	return recs
}

// goneOn returns a copy of the Ethernet capture at path followed, a minute
// after its last frame, by an ESP packet between two other hosts (the
// analysis's clock moves on IKE and ESP): the capture goes on after the SAs
// end, as the mixed file does after each copy. A request a capture ends
// with is unanswered only once the capture has gone on for
// flows.DefaultGrace after it. The ESP packet is a capture-wide finding
// (esp_without_ike), not counted.
func goneOn(t *testing.T, path string) string {
	t.Helper()
	frames := readFrames(t, path)
	last := frames[len(frames)-1].CI.Timestamp
	for _, f := range frames {
		if f.CI.Timestamp.After(last) {
			last = f.CI.Timestamp
		}
	}
	eth := []byte{2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00}
	data := append(eth, testpcap.ESP(netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2"), 0x1000, 1, make([]byte, 32))...)
	ts := last.Add(time.Minute)
	frames = append(frames, testpcap.Record{CI: gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, Data: data})
	out := filepath.Join(t.TempDir(), filepath.Base(filepath.Dir(path))+".pcap")
	writeFrames(t, out, frames)
	return out
}

// writeFrames writes frames to a new Ethernet pcap file.
func writeFrames(t *testing.T, path string, frames []testpcap.Record) {
	t.Helper()
	w := testpcap.NewWriter(layers.LinkTypeEthernet)
	for _, fr := range frames {
		w.AddRecord(fr.CI, fr.Data)
	}
	if err := os.WriteFile(path, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// verdictCounts analyses captures (JSON; several files as one capture)
// and counts the SAs, their states and their findings by kind and
// severity, nat_detected aside.
func verdictCounts(t *testing.T, paths ...string) map[string]int {
	t.Helper()
	var out, errb bytes.Buffer
	args := append([]string{"analyze", "-q", "--two-sided=no", "--format", "json"}, paths...)
	if code := run(args, nil, &out, &errb); code > 1 {
		t.Fatalf("analyze %s: exit %d: %s", paths, code, errb.String())
	}
	path := strings.Join(paths, " ")
	var rep struct {
		SAs []struct {
			State    string `json:"state"`
			Findings []struct {
				Kind     string `json:"kind"`
				Severity string `json:"severity"`
			} `json:"findings"`
		} `json:"sas"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("analyze %s: %v", path, err)
	}
	c := map[string]int{}
	for _, sa := range rep.SAs {
		c["sas"]++
		c["state "+sa.State]++
		for _, f := range sa.Findings {
			if f.Kind != "nat_detected" {
				c[f.Severity+" "+f.Kind]++
			}
		}
	}
	return c
}

// TestSnapLenNoNewErrors: every corpus capture cut to a snap length of 96
// and of 200 octets, as tcpdump -s takes them, shows no error and no
// message-ID desync warning that the whole capture lacks: messages cut short (and
// IP fragments that cannot be put together) are not evidence of a failure.
// (A copy of a request cut short was taken for a different request with
// the same message ID: 'one side has lost track of its message IDs'.)
func TestSnapLenNoNewErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("analyses the corpus twice more")
	}
	templates := testutil.CorpusCaptures(t)
	dir := t.TempDir()
	for _, p := range templates {
		name := filepath.Base(filepath.Dir(p))
		whole := verdictCounts(t, p)
		frames := readFrames(t, p)
		for _, snap := range []int{96, 200} {
			cut := make([]testpcap.Record, len(frames))
			for i, f := range frames {
				cut[i] = f
				if len(f.Data) > snap {
					cut[i].Data = f.Data[:snap]
				}
			}
			out := filepath.Join(dir, fmt.Sprintf("%s-%d.pcap", name, snap))
			writeFrames(t, out, cut)
			for k, n := range verdictCounts(t, out) {
				if (strings.HasPrefix(k, "error ") || k == "warning message_id_desync") && n > whole[k] {
					t.Errorf("%s cut to %d octets: %s %d times, %d in the whole capture", name, snap, k, n, whole[k])
				}
			}
		}
	}
}
