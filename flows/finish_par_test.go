package flows

import (
	"fmt"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// forgetLog is a Decryptor that logs the SAs it is told to forget, in
// order, and passes everything on to the one it wraps.
type forgetLog struct {
	Decryptor
	log []string
}

// Forget logs the SA and forgets it in the wrapped Decryptor.
func (f *forgetLog) Forget(version uint8, spii, spir dissect.SPI) {
	f.log = append(f.log, fmt.Sprint(version, spii, spir))
	if fg, ok := f.Decryptor.(Forgetter); ok {
		fg.Forget(version, spii, spir)
	}
}

// finishRun is what an analysis gave: the report, the SAs in the order
// OnSA got them (when set) and the SAs the Decryptor was told to forget.
type finishRun struct {
	rep    *Report
	onSA   []*SA
	forget []string
}

// runFinish analyses a copy of pk with opt (its OnSA replaced by a log
// when set; keys, when not nil, makes its Decryptor) with Finish tuned by
// tune.
func runFinish(pk []Packet, opt Options, keys func() Decryptor, tune finishTuning) finishRun {
	var r finishRun
	if opt.OnSA != nil {
		opt.OnSA = func(sa *SA) { r.onSA = append(r.onSA, sa) }
	}
	var fl *forgetLog
	if keys != nil {
		if d := keys(); d != nil {
			fl = &forgetLog{Decryptor: d}
			opt.Decryptor = fl
		}
	}
	a := NewAnalyzer(opt)
	a.par = tune
	pk = clonePackets(pk)
	for i := range pk {
		a.Add(&pk[i])
	}
	r.rep = a.Finish()
	if fl != nil {
		r.forget = fl.log
	}
	return r
}

// corpusTogether returns the packets of every corpus capture one after
// the other, an hour apart and renumbered, so that the SAs of them all
// are open at once at Finish.
func corpusTogether(t *testing.T) []Packet {
	var out []Packet
	frame := 0
	var last time.Time
	for _, path := range corpusCaptures(t) {
		pk := loadPackets(t, path)
		if len(pk) == 0 {
			continue
		}
		shift := time.Duration(0)
		if !last.IsZero() {
			shift = last.Sub(pk[0].Time) + time.Hour
		}
		for _, p := range pk {
			p.Frame += frame
			p.Time = p.Time.Add(shift)
			out = append(out, p)
		}
		last, frame = out[len(out)-1].Time, out[len(out)-1].Frame
	}
	return out
}

// TestFinishShared checks that finalising the SAs open at Finish on two
// goroutines (finish_par.go) gives what one goroutine gives: the same
// report (deeply equal: SAs, their exchanges, child SAs, findings, the
// order of all of them), the same SAs handed to OnSA in the same order,
// and the same SAs forgotten by the Decryptor in the same order. It runs
// every corpus capture with and without its keys, and all of them at
// once, under several options, with blocks of 1, 2 and 3 SAs so that
// both goroutines settle SAs of even small captures.
func TestFinishShared(t *testing.T) {
	type input struct {
		name string
		pk   []Packet
		keys func() Decryptor
	}
	var ins []input
	for _, path := range corpusCaptures(t) {
		dir := filepath.Dir(path)
		pk := loadPackets(t, path)
		name := filepath.Base(dir)
		ins = append(ins, input{name, pk, nil},
			input{name + "/keys", pk, func() Decryptor { return corpusKeys(t, dir) }})
	}
	ins = append(ins, input{"together", corpusTogether(t), nil})
	opts := map[string]Options{
		"default":     {},
		"noexchanges": {NoExchanges: true},
		"onsa":        {OnSA: func(*SA) {}},
		"idle":        {IdleTimeout: 24 * time.Hour}, // the idle list is kept, not swept
		"spis":        {SPIs: []string{"0000000000000001"}},
	}
	seq := finishTuning{min: 1 << 30, block: finishBlock}
	shared, sawMany := 0, false
	for _, in := range ins {
		for oname, opt := range opts {
			want := runFinish(in.pk, opt, in.keys, seq)
			n := len(want.rep.SAs) + len(want.onSA)
			sawMany = sawMany || n >= 20
			for _, block := range []int{1, 2, 3} {
				got := runFinish(in.pk, opt, in.keys, finishTuning{min: 1, block: block})
				where := in.name + " " + oname + " block " + fmt.Sprint(block)
				if !reflect.DeepEqual(got.rep, want.rep) {
					t.Errorf("%s: the report differs from one goroutine's", where)
				}
				if !reflect.DeepEqual(got.onSA, want.onSA) {
					t.Errorf("%s: OnSA got other SAs or another order", where)
				}
				if !reflect.DeepEqual(got.forget, want.forget) {
					t.Errorf("%s: forgotten %v, one goroutine forgets %v", where, got.forget, want.forget)
				}
				if n > 1 {
					shared++
				}
			}
		}
	}
	if shared == 0 || !sawMany {
		t.Fatalf("no capture with several SAs (%d shared runs; 20 SAs or more: %v)", shared, sawMany)
	}
}

// corruptOpen gives every SA still open a nil exchange record, on which
// conclude panics.
func corruptOpen(a *Analyzer) int {
	n := 0
	a.ix.each(func(st *saState) {
		// A nil record after the third (saAux.exMore), whatever the SA
		// held: the ones before it are read first, nil or zero records.
		if m := st.auxOrEmpty().exMore; len(m) == 0 || m[len(m)-1] != nil {
			x := st.auxState()
			x.exMore = append(x.exMore, nil)
			n++
		}
	})
	return n
}

// TestFinishSharedPanic checks that a panic while finalising on two
// goroutines reaches Finish's caller, whichever goroutine it happened on,
// and that the worker has returned by then; and that a panic on the
// worker is recovered there and raised again with the worker's stack.
func TestFinishSharedPanic(t *testing.T) {
	pk := corpusTogether(t)
	feed := func() *Analyzer {
		a := NewAnalyzer(Options{})
		a.par = finishTuning{min: 1, block: 1}
		for i := range pk {
			a.Add(&pk[i])
		}
		a.drain()
		if corruptOpen(a) < 2 {
			t.Fatal("fewer than 2 SAs open")
		}
		return a
	}
	before := runtime.NumGoroutine()
	for range 5 {
		a := feed()
		r := func() (r any) {
			defer func() { r = recover() }()
			a.Finish()
			return nil
		}()
		if r == nil {
			t.Fatal("Finish returned, want the panic")
		}
	}
	// The workers closed done before Finish panicked, as their last
	// step: they have returned or are about to. On a loaded machine (the
	// race detector, other packages' tests) the operating system may not
	// run a worker's thread for a while: wait up to 10 s for it, yielding
	// first, then sleeping (a bound on the wait, not a timing assert).
	deadline := time.Now().Add(10 * time.Second)
	for i := 0; runtime.NumGoroutine() > before && time.Now().Before(deadline); i++ {
		if i < 1000 {
			runtime.Gosched()
		} else {
			time.Sleep(time.Millisecond)
		}
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the panics, %d before: a worker was left running", n, before)
	}

	// The worker alone, over every block: it recovers the panic, keeps
	// it with its stack for the Analyzer's goroutine, marks no block it
	// did not settle, and returns.
	a := feed()
	var open []openSA
	a.ix.each(func(st *saState) { open = append(open, openSA{st.firstFrame(), st}) })
	sh := &finishShare{open: open, block: 1, ready: make([]atomic.Bool, len(open)), done: make(chan struct{})}
	a.finishWorker(sh)
	<-sh.done
	if !strings.Contains(sh.panicMsg, "second goroutine") || !strings.Contains(sh.panicMsg, "concludeSA") {
		t.Errorf("worker's panic kept as %q, want the value and the worker's stack", sh.panicMsg)
	}
	for b := range sh.ready {
		if sh.ready[b].Load() {
			t.Errorf("block %d marked settled", b)
		}
	}
}

// FuzzFinishShared checks TestFinishShared's equality on arbitrary packet
// sequences, where conclude takes paths the corpus does not: the report
// and the SAs handed to OnSA must be those of one goroutine.
func FuzzFinishShared(f *testing.F) {
	for _, sc := range []string{"ikev2-retransmit", "ikev2-cert-expired", "ikev1-wrong-psk", "ikev2-dpd-dead-peer"} {
		pk := corpusPacketsOrNil(sc)
		f.Add(encodeFuzz(pk[:min(len(pk), 6)]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pk := fuzzPackets(data)
		for _, opt := range []Options{{}, {OnSA: func(*SA) {}}} {
			want := runFinish(pk, opt, nil, finishTuning{min: 1 << 30, block: finishBlock})
			got := runFinish(pk, opt, nil, finishTuning{min: 1, block: 1})
			if !reflect.DeepEqual(got.rep, want.rep) || !reflect.DeepEqual(got.onSA, want.onSA) {
				t.Fatalf("finalising on two goroutines gave another report than one")
			}
		}
	})
}

// TestFinishAlone checks that Options.FinishAlone keeps Finish on the
// caller's goroutine: no worker is running while the SAs are handed on,
// where one is without it.
func TestFinishAlone(t *testing.T) {
	pk := corpusTogether(t)
	most := func(alone bool) int {
		m := 0
		a := NewAnalyzer(Options{FinishAlone: alone, OnSA: func(*SA) { m = max(m, runtime.NumGoroutine()) }})
		a.par = finishTuning{min: 1, block: 1}
		for i := range pk {
			a.Add(&pk[i])
		}
		before := runtime.NumGoroutine()
		a.Finish()
		return m - before
	}
	if n := most(true); n != 0 {
		t.Errorf("FinishAlone: %d more goroutines while handing on", n)
	}
	if n := most(false); n < 1 && runtime.GOMAXPROCS(0) > 1 {
		t.Logf("no worker seen while handing on (it may have ended first)")
	}
}
