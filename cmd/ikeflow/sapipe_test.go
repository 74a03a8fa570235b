package main

import (
	"bytes"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
)

// setPipe makes the pipe's batches small for one test.
func setPipe(t *testing.T, batches, sas int) {
	b, s := pipeBatches, pipeBatchSAs
	pipeBatches, pipeBatchSAs = batches, sas
	t.Cleanup(func() { pipeBatches, pipeBatchSAs = b, s })
}

// pipeSAs returns real SAs (corpus captures, with findings of every
// severity), repeated past detailLimit and past jsonStream's flushEvery.
func pipeSAs(t *testing.T) []*flows.SA {
	sas := corpusSAs(t, "ikev2-psk-success", "ikev2-auth-failed", "ikev2-retransmit", "ikev1-wrong-psk", "ikev2-rekey", "ikev1-main-quick")
	var out []*flows.SA
	for i := range flushEvery + detailLimit {
		out = append(out, sas[i%len(sas)])
	}
	return out
}

// collectOut writes sas through a collector in format, directly or through
// the pipe, and returns what was written.
func collectOut(t *testing.T, format string, sas []*flows.SA, piped bool) string {
	t.Helper()
	s, err := collectOutErr(t, format, sas, piped)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// collectOutErr is collectOut returning the collector's or the report's
// error instead of failing on it.
func collectOutErr(t *testing.T, format string, sas []*flows.SA, piped bool) (string, error) {
	t.Helper()
	f, err := lookupFormat(useAnalyze, format)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	out, err := startReport(f, &b, renderOpts{width: 0})
	if err != nil {
		t.Fatal(err)
	}
	defer out.close()
	onSA := out.col.add
	if piped {
		onSA = out.col.startPipe(out.col.add)
	}
	for _, sa := range sas {
		onSA(sa)
	}
	rep := out.col.report(&flows.Report{Stats: flows.Stats{IKESAs: len(sas)}})
	if out.col.err == nil {
		out.col.err = out.end(rep, nil)
	}
	return b.String(), out.col.err
}

// TestSAPipeSameOutput checks that the collector on the pipe's goroutine
// writes the same bytes as on the analyzer's, in every format, with the
// default batches and with tiny ones (the ring reused many times over,
// the analyzer waiting on the writer).
func TestSAPipeSameOutput(t *testing.T) {
	sas := pipeSAs(t)
	for _, format := range []string{"json", "csv", "table", "markdown"} {
		want := collectOut(t, format, sas, false)
		if len(want) < 1000 {
			t.Fatalf("%s: %d octets written", format, len(want))
		}
		for _, size := range [][2]int{{4, 64}, {2, 1}, {2, 3}} {
			setPipe(t, size[0], size[1])
			if got := collectOut(t, format, sas, true); got != want {
				t.Errorf("%s, batches %v: piped output differs (%d octets, want %d)", format, size, len(got), len(want))
			}
		}
	}
}

// TestSAPipeEncodedAhead checks that the JSON written is the same bytes
// whichever goroutine encodes each SA: with the analyzing goroutine
// encoding none, every one, or every third SA (pipeBehind replaced), in
// batches of every size, so that encodings made ahead and on the pipe's
// goroutine mix within one flush of jsonStream.
func TestSAPipeEncodedAhead(t *testing.T) {
	sas := pipeSAs(t)
	want := collectOut(t, "json", sas, false)
	behind := pipeBehind
	t.Cleanup(func() { pipeBehind = behind })
	for name, rule := range map[string]func(*saPipe) bool{
		"never":       func(*saPipe) bool { return false },
		"always":      func(*saPipe) bool { return true },
		"every third": func(p *saPipe) bool { return len(p.cur.items)%3 == 1 },
	} {
		n := 0
		pipeBehind = func(p *saPipe) bool {
			ahead := rule(p)
			if ahead {
				n++
			}
			return ahead
		}
		for _, size := range [][2]int{{4, 64}, {2, 1}, {3, 5}} {
			setPipe(t, size[0], size[1])
			if got := collectOut(t, "json", sas, true); got != want {
				t.Errorf("%s, batches %v: output differs (%d octets, want %d)", name, size, len(got), len(want))
			}
		}
		if name != "never" && n == 0 {
			t.Errorf("%s: no SA was encoded ahead", name)
		}
	}
}

// TestJSONStreamKeepAhead checks the chunks that hold the encodings made
// ahead: each encoding comes back intact, whether it shares a chunk, opens
// a new one, or is larger than a chunk; and flush keeps chunks of the
// usual size (at most preSpare of them) for the next SAs, not larger ones.
func TestJSONStreamKeepAhead(t *testing.T) {
	j := &jsonStream{}
	for round := range 2 {
		var encs [][]byte
		type at struct{ c, s, e int }
		var ats []at
		for i, n := range []int{10, preChunk - 20, 30, preChunk + 5, 7, 0, preChunk, 3} {
			enc := bytes.Repeat([]byte{byte('a' + i)}, n)
			c, s, e := j.keepAhead(enc)
			encs, ats = append(encs, enc), append(ats, at{c, s, e})
		}
		for i, a := range ats {
			if got := j.preChunks[a.c][a.s:a.e]; !bytes.Equal(got, encs[i]) {
				t.Fatalf("round %d, encoding %d (%d octets): got %d octets back", round, i, len(encs[i]), len(got))
			}
		}
		if len(j.preChunks) != 6 {
			t.Errorf("round %d: %d chunks, want 6", round, len(j.preChunks))
		}
		j.releaseAhead()
		if len(j.preChunks) != 0 || len(j.preSpare) != 5 {
			t.Errorf("round %d: after flush %d chunks, %d kept; want 0 and 5 (the one larger than a chunk dropped)", round, len(j.preChunks), len(j.preSpare))
		}
	}
}

// TestSAPipeEncodedAheadError checks that an SA whose encoding fails on the
// analyzing goroutine (a NaN round-trip time) stops the document where the
// pipe's goroutine would have failed to encode it: the same bytes written
// before, the same error.
func TestSAPipeEncodedAheadError(t *testing.T) {
	sas := append([]*flows.SA(nil), pipeSAs(t)[:300]...)
	var bad *flows.SA
	for i, sa := range sas {
		if len(sa.Exchanges) > 0 && i > 100 {
			c := *sa
			c.Exchanges = append([]*flows.Exchange(nil), sa.Exchanges...)
			ex := *c.Exchanges[0]
			ex.RTT = math.NaN()
			c.Exchanges[0] = &ex
			bad = &c
			sas[i] = bad
			break
		}
	}
	if bad == nil {
		t.Fatal("no SA with an exchange")
	}
	run := func(piped bool) (string, error) { return collectOutErr(t, "json", sas, piped) }
	want, wantErr := run(false)
	if wantErr == nil {
		t.Fatal("a NaN RTT was encoded")
	}
	behind := pipeBehind
	t.Cleanup(func() { pipeBehind = behind })
	pipeBehind = func(*saPipe) bool { return true }
	setPipe(t, 2, 7)
	got, err := run(true)
	if got != want || err == nil || err.Error() != wantErr.Error() {
		t.Errorf("encoded ahead: %d octets, err %v; want %d octets, err %v", len(got), err, len(want), wantErr)
	}
}

// failAfter is a writer that fails once n octets have been written.
type failAfter struct{ n int }

var errFull = errors.New("no space left on device")

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		w.n = 0
		return 0, errFull
	}
	w.n -= len(p)
	return len(p), nil
}

// TestSAPipeWriteError checks that a write error on the pipe's goroutine
// reaches the analyzer (stopped, then err after wait) while it still
// hands SAs over, without blocking it.
func TestSAPipeWriteError(t *testing.T) {
	setPipe(t, 2, 3)
	sas := pipeSAs(t)
	f, err := lookupFormat(useAnalyze, "json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := startReport(f, &failAfter{n: 100 << 10}, renderOpts{})
	if err != nil {
		t.Fatal(err)
	}
	defer out.close()
	onSA := out.col.startPipe(out.col.add)
	for range 4 { // far more SAs than fit before the error
		for _, sa := range sas {
			onSA(sa)
		}
	}
	out.col.wait()
	if !out.col.stopped() || !errors.Is(out.col.err, errFull) {
		t.Fatalf("after a write error: stopped %v, err %v", out.col.stopped(), out.col.err)
	}
}

// TestSAPipePanic checks that a panic on the pipe's goroutine (a bug in a
// writer) reaches the analyzing goroutine, where guard reports it,
// instead of ending the process from the pipe's goroutine.
func TestSAPipePanic(t *testing.T) {
	setPipe(t, 2, 3)
	sas := pipeSAs(t)[:20]
	col := newCollector(nil)
	n := 0
	var stderr strings.Builder
	code := guard(&stderr, func() int {
		onSA := col.startPipe(func(sa *flows.SA) {
			if n++; n == 7 {
				var m map[string]int
				m["x"]++ // a nil map write: a panic as a bug would cause
			}
			col.add(sa)
		})
		for _, sa := range sas {
			onSA(sa)
		}
		col.wait()
		t.Errorf("wait returned after a panic in the pipe")
		return 0
	})
	if code != exitError || !strings.Contains(stderr.String(), "in the report writer") || !strings.Contains(stderr.String(), "nil map") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr.String())
	}
	if n != 7 {
		t.Errorf("the pipe went on after the panic: %d SAs handled, want 7", n)
	}
}

// TestSAPipeAbort checks that abort (an analysis abandoned on an error)
// ends the goroutine at once, skipping the SAs waiting, and that wait and
// abort afterwards do nothing.
func TestSAPipeAbort(t *testing.T) {
	setPipe(t, 3, 2)
	sas := pipeSAs(t)[:6]
	gate, entered := make(chan struct{}), make(chan struct{})
	n := 0
	col := newCollector(nil)
	onSA := col.startPipe(func(sa *flows.SA) {
		if n == 0 {
			close(entered)
			<-gate // hold the first batch until abort is on its way
		}
		n++
		col.add(sa)
	})
	for _, sa := range sas[:4] { // two batches sent, the third one filling
		onSA(sa)
	}
	<-entered
	done := make(chan struct{})
	go func() {
		col.pipe.abort()
		close(done)
	}()
	for !col.pipe.discard.Load() {
		runtime.Gosched() // abort sets discard before it waits for the goroutine
	}
	close(gate)
	<-done
	if n != 2 {
		t.Errorf("abort: %d SAs handled, want 2 (the batch being handled, not the one waiting)", n)
	}
	col.wait()
	col.pipe.abort()
	if col.total != 2 {
		t.Errorf("collector saw %d SAs, want 2", col.total)
	}
}

// panicAhead is an aheadWriter whose encoding panics, as a bug in the
// encoder would on the analyzing goroutine.
type panicAhead struct{}

func (panicAhead) encodeAhead(b []byte, spans []flows.FindingSpan, sa *flows.SA) ([]byte, []flows.FindingSpan, error) {
	panic("encoding ahead")
}

func (panicAhead) aheadOf(*flows.SA, []byte, []flows.FindingSpan, error) {}

// TestSAPipePanicAtWaitStops checks that a panic while wait encodes the
// last SAs on the analyzing goroutine (it reaches the CLI's guard, whose
// deferred reportOut.close calls abort) does not leave the pipe's
// goroutine waiting for batches forever: abort must still end it.
func TestSAPipePanicAtWaitStops(t *testing.T) {
	sas := corpusSAs(t, "ikev2-psk-success")
	handled := 0
	p := newSAPipe(func(*flows.SA) { handled++ }, func() bool { return false }, panicAhead{})
	p.add(sas[0]) // the pipe is not behind: queued, not encoded
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Fatal("wait did not panic")
			}
		}()
		p.wait()
	}()
	p.abort()
	select {
	case <-p.done:
	default:
		t.Fatal("the pipe's goroutine still runs after abort")
	}
	if handled != 0 {
		t.Errorf("%d SAs handled after the analysis was abandoned", handled)
	}
}
