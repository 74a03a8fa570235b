package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// raInputs returns real captures merged by time, plus two damaged copies of
// a real capture: one with a record header overwritten (the reader notes
// it and resynchronises: warnings in the middle of the packets) and one
// cut in the middle of a record (the input stops with an error).
func raInputs(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, sc := range []string{"ikev2-rekey", "ikev2-nat-t", "ikev1-main-quick", "ikev2-cert-fragmentation", "ikev2-dpd-dead-peer"} {
		c, _ := scenario(t, sc)
		paths = append(paths, c)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := slices.Clone(raw)
	// The first record header is at 24; its incl_len at 24+8. Past the
	// first few records, break a length: the reader resyncs with a note.
	off := 24
	for range 5 {
		incl := int(bad[off+8]) | int(bad[off+9])<<8 | int(bad[off+10])<<16 | int(bad[off+11])<<24
		off += 16 + incl
	}
	copy(bad[off+8:], []byte{0xff, 0xff, 0xff, 0x7f})
	cut := raw[:len(raw)*2/3]
	for name, b := range map[string][]byte{"badlen.pcap": bad, "cut.pcap": cut} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return paths
}

// raTrace runs feed over paths and returns every event as a line (packets
// with their octets in hex, copied while they are valid) and the error.
func raTrace(t *testing.T, paths []string, feed func(*merger, func(int, *flows.Packet) bool, func(string, error)) error, stopAfter int) ([]string, error) {
	t.Helper()
	readers := raOpen(t, paths)
	var got []string
	n := 0
	err := feed(newMerger(paths, readers), func(in int, p *flows.Packet) bool {
		got = append(got, fmt.Sprintf("in %d frame %d %s %s>%s %s %x/%d data %v %x", in, p.Frame, p.Time.Format("15:04:05.000000"),
			p.Src, p.Dst, p.Kind, p.ESPSPI, p.ESPSeq, p.Data == nil, p.Data))
		n++
		return stopAfter == 0 || n < stopAfter
	}, func(path string, err error) {
		got = append(got, "warn "+filepath.Base(path)+": "+err.Error())
	})
	return got, err
}

// setBlocks makes read-ahead blocks of items packets and octets octets in
// a ring of ring blocks, for the rest of the test.
func setBlocks(t *testing.T, ring, items, octets int) {
	b, i, o := raBlocks, raBlockItems, raBlockOctets
	raBlocks, raBlockItems, raBlockOctets = ring, items, octets
	t.Cleanup(func() { raBlocks, raBlockItems, raBlockOctets = b, i, o })
}

// TestReadAheadSameEvents checks that the read-ahead goroutine hands the
// analyzer exactly the events of reading inline, in the same order, with
// intact octets, warnings where they occurred: with the default blocks and
// with tiny ones (every few packets a block boundary, the ring reused many
// times over).
func TestReadAheadSameEvents(t *testing.T) {
	paths := raInputs(t)
	want, err := raTrace(t, paths, feedInline, 0)
	if err != nil {
		t.Fatal(err)
	}
	warns := 0
	for _, l := range want {
		if strings.HasPrefix(l, "warn ") {
			warns++
		}
	}
	if len(want) < 100 || warns < 2 {
		t.Fatalf("inputs too tame: %d events, %d warnings", len(want), warns)
	}
	for _, sz := range [][3]int{{4, 512, 256 << 10}, {2, 3, 200}, {3, 1, 1}} {
		t.Run(fmt.Sprint(sz), func(t *testing.T) {
			setBlocks(t, sz[0], sz[1], sz[2])
			got, err := raTrace(t, paths, feedAhead, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d events, want %d", len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("event %d:\n got %s\nwant %s", i, got[i], want[i])
				}
			}
		})
	}
}

// TestReadAheadStops checks that the reading goroutine has returned when
// the analyzer stops early, at the end, and after an input error, with
// blocks that keep the ring full (the goroutine is blocked handing one
// over when it is told to stop).
func TestReadAheadStops(t *testing.T) {
	paths := raInputs(t)
	setBlocks(t, 2, 2, 1<<10)
	for _, stopAfter := range []int{1, 5, 50, 0} {
		var ra *readAhead
		feed := func(m *merger, each func(int, *flows.Packet) bool, warn func(string, error)) error {
			ra = startReadAhead(m, nil, nil)
			defer ra.stop()
			for {
				b, err := ra.next()
				if b == nil || err != nil {
					return err
				}
				for i := range b.items {
					if b.items[i].err == nil && !each(b.items[i].in, b.packet(&b.items[i])) {
						return nil
					}
				}
			}
		}
		got, err := raTrace(t, paths, feed, stopAfter)
		if err != nil {
			t.Fatal(err)
		}
		if stopAfter > 0 && len(got) != stopAfter {
			t.Errorf("stop after %d: %d packets", stopAfter, len(got))
		}
		select {
		case <-ra.done:
		default:
			t.Errorf("stop after %d: reading goroutine still running after stop", stopAfter)
		}
		ra.stop() // a second stop does nothing
	}
}

// TestReadAheadPanic checks that a panic while reading (a bug) reaches the
// analyzing goroutine, where guard turns it into a report and exit status
// 1, instead of ending the process from the reading goroutine.
func TestReadAheadPanic(t *testing.T) {
	r, c := openScenario(t, "ikev2-rekey")
	// A nil reader makes merger.fill panic in the reading goroutine.
	m := newMerger([]string{c, "nil"}, []*capture.Reader{r, nil})
	var stderr strings.Builder
	code := guard(&stderr, func() int {
		err := feedAhead(m, func(int, *flows.Packet) bool { return true }, func(string, error) {})
		t.Errorf("feedAhead returned %v", err)
		return 0
	})
	if code != exitError || !strings.Contains(stderr.String(), "in the capture reader") || !strings.Contains(stderr.String(), "nil pointer") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
}

// gatedReader serves data freely up to free bytes, then at most 32 bytes
// per Read and only for a token from gate: an input that trickles in.
type gatedReader struct {
	data []byte
	free int
	gate chan struct{}
}

func (g *gatedReader) Read(p []byte) (int, error) {
	if len(g.data) == 0 {
		return 0, io.EOF
	}
	n := g.free
	if n == 0 {
		<-g.gate
		n = 32
	}
	n = copy(p, g.data[:min(n, len(g.data))])
	g.data = g.data[n:]
	g.free = max(g.free-n, 0)
	return n, nil
}

// TestReadAheadStopsMidBlock checks that stop does not wait for the rest
// of a block from an input that trickles in (a pipe): the reading
// goroutine ends after the event it is reading. ikev2-rekey's first four
// frames fill the first block; the next four (194 octets each with their
// record headers) would fill the second, 32 octets per token.
func TestReadAheadStopsMidBlock(t *testing.T) {
	c, _ := scenario(t, "ikev2-rekey")
	data, err := os.ReadFile(c)
	if err != nil {
		t.Fatal(err)
	}
	setBlocks(t, 2, 4, 1<<20)
	// The pcap file header, then frames 1-4 (record header + frame).
	free := 24 + (16 + 506) + (16 + 514) + (16 + 334) + (16 + 270)
	g := &gatedReader{data: data, free: free, gate: make(chan struct{})}
	r, err := capture.NewReader(g, capture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := newMerger([]string{c}, []*capture.Reader{r})
	stopping, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- feedAhead(m, func(int, *flows.Packet) bool {
			close(stopping)
			return false
		}, func(string, error) {})
	}()
	<-stopping
	released := 0
	for waiting := true; waiting; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			waiting = false
		case g.gate <- struct{}{}:
			released++
		}
	}
	// Frame 5 takes at most ceil(194/32) = 7 tokens; the block's other
	// three frames 21 more.
	if released > 7 {
		t.Errorf("stop waited for %d reads of 32 octets after the analyzer stopped, want at most 7 (the frame being read)", released)
	}
}

// TestRegularFiles: only inputs that are all regular files are read ahead;
// standard input, a pipe or a directory makes analyze read inline.
func TestRegularFiles(t *testing.T) {
	c, _ := scenario(t, "ikev2-rekey")
	if !regularFiles([]string{c, c}) {
		t.Error("two capture files: want read-ahead")
	}
	for _, paths := range [][]string{{"-"}, {c, "-"}, {t.TempDir()}, {"/does/not/exist"}} {
		if regularFiles(paths) {
			t.Errorf("%v: want inline reading", paths)
		}
	}
}

// TestReadAheadPrepared checks that each packet comes with what the
// Preparer made of it in the reading goroutine (the same as preparing it
// where it arrives), with the default blocks and tiny ones, and that
// reading inline hands over nothing prepared.
func TestReadAheadPrepared(t *testing.T) {
	paths := raInputs(t)
	t.Cleanup(func() { readAheadOn = true })
	for _, sz := range [][3]int{{4, 512, 256 << 10}, {2, 3, 200}} {
		setBlocks(t, sz[0], sz[1], sz[2])
		for _, inline := range []bool{false, true} {
			readAheadOn = !inline
			pr := flows.NewAnalyzer(flows.Options{}).Preparer()
			readers := raOpen(t, paths)
			n, ike := 0, 0
			err := feedPrepared(newMerger(paths, readers), pr, func(_ int, p *flows.Packet, pre *flows.Prepared) bool {
				n++
				if inline {
					if pre != nil {
						t.Fatalf("inline: packet %d comes prepared", n)
					}
					return true
				}
				if p.Kind == flows.KindIKE {
					ike++
				}
				var want flows.Prepared
				pr.Prepare(p, &want)
				if pre == nil || *pre != want {
					t.Fatalf("blocks %v: packet %d (frame %d) comes with %+v, want %+v", sz, n, p.Frame, pre, want)
				}
				return true
			}, func(string, error) {})
			if err != nil {
				t.Fatal(err)
			}
			if n < 100 || (!inline && ike < 50) {
				t.Fatalf("%d packets, %d IKE", n, ike)
			}
		}
	}
}

// raAnalyze analyses paths (merged by time) through feed with a new
// Analyzer of opt: sequenced (feedSequenced, AddSequenced) or each packet
// added as read (feedInline, Add). It returns the report as JSON and the
// warnings.
func raAnalyze(t *testing.T, paths []string, opt flows.Options, sequenced bool) (string, []string) {
	t.Helper()
	readers := raOpen(t, paths)
	an := flows.NewAnalyzer(opt)
	var warns []string
	warn := func(path string, err error) { warns = append(warns, filepath.Base(path)+": "+err.Error()) }
	m := newMerger(paths, readers)
	var err error
	if sequenced {
		err = feedSequenced(m, an.Sequencer(), func(s *flows.Sequenced) bool { an.AddSequenced(s); return true }, warn)
	} else {
		err = feedInline(m, func(_ int, p *flows.Packet) bool { an.Add(p); return true }, warn)
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(an.Finish())
	if err != nil {
		t.Fatal(err)
	}
	return string(b), warns
}

// TestReadAheadSequenced checks that packets put in order in the
// read-ahead goroutine (feedSequenced) give the report, and the warnings,
// of adding each packet as read: on each real capture alone, on the
// damaged ones (warnings in the middle, an input cut short), and on all
// of them merged, with the default reorder window, a short one and none,
// with the default blocks, tiny ones (the ring reused many times over,
// the Sequencer's buffers given back block by block) and inline, and with
// the IKE messages decoded ahead (predecodeOn) or not.
func TestReadAheadSequenced(t *testing.T) {
	paths := raInputs(t)
	pre := predecodeOn
	t.Cleanup(func() { readAheadOn, predecodeOn = true, pre })
	sets := [][]string{paths}
	for _, p := range paths {
		sets = append(sets, []string{p})
	}
	windows := []time.Duration{0, 30 * time.Millisecond, -1}
	for _, set := range sets {
		for _, w := range windows {
			opt := flows.Options{ReorderWindow: w}
			want, wantWarns := raAnalyze(t, set, opt, false)
			for i, sz := range [][3]int{{4, 512, 256 << 10}, {2, 3, 200}, {3, 1, 1}, {0, 0, 0}, {4, 512, 256 << 10}, {2, 3, 200}} {
				predecodeOn = i >= 4 // the last two decode ahead
				readAheadOn = sz[0] != 0
				if readAheadOn {
					setBlocks(t, sz[0], sz[1], sz[2])
				}
				got, gotWarns := raAnalyze(t, set, opt, true)
				if got != want {
					t.Errorf("%d input(s) from %s, window %v, blocks %v, predecode %v: the report differs from Add's", len(set), filepath.Base(set[0]), w, sz, predecodeOn)
				}
				if !slices.Equal(gotWarns, wantWarns) {
					t.Errorf("%d input(s) from %s, blocks %v: warnings %q, want %q", len(set), filepath.Base(set[0]), sz, gotWarns, wantWarns)
				}
			}
		}
	}
}

// TestReadAheadSequencedStops checks that feedSequenced returns when the
// analyzer stops early (with the ring full, the goroutine blocked handing
// a block over, and the Sequencer holding packets), having handed over no
// packet after the stop.
func TestReadAheadSequencedStops(t *testing.T) {
	paths := raInputs(t)
	setBlocks(t, 2, 2, 1<<10)
	for _, stopAfter := range []int{1, 5, 50} {
		readers := raOpen(t, paths)
		an := flows.NewAnalyzer(flows.Options{})
		n := 0
		err := feedSequenced(newMerger(paths, readers), an.Sequencer(), func(s *flows.Sequenced) bool {
			n++
			if n > stopAfter {
				t.Fatalf("packet %d handed over after the stop at %d", n, stopAfter)
			}
			an.AddSequenced(s)
			return n < stopAfter
		}, func(string, error) {})
		if err != nil || n != stopAfter {
			t.Errorf("stop after %d: %d packets, error %v", stopAfter, n, err)
		}
	}
}

// raOpen opens the captures of paths, closed when the test ends.
func raOpen(t *testing.T, paths []string) []*capture.Reader {
	t.Helper()
	var readers []*capture.Reader
	for _, p := range paths {
		r, err := capture.Open(p, capture.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		readers = append(readers, r)
	}
	return readers
}

// feedAhead is feedPrepared without a Preparer, as the tests compare
// reading ahead with reading inline (feedInline).
func feedAhead(m *merger, each func(in int, p *flows.Packet) bool, warn func(path string, err error)) error {
	return feedPrepared(m, nil, func(in int, p *flows.Packet, _ *flows.Prepared) bool { return each(in, p) }, warn)
}
