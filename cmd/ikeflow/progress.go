package main

import (
	"fmt"
	"io"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// progress prints "read X of Y MB, N packets/s, M IKE SAs" on stderr while
// a long capture is analysed, when stderr is a terminal and not quiet.
type progress struct {
	w       io.Writer
	on      bool
	readers []*capture.Reader
	start   time.Time
	last    time.Time
	n       int64
	shown   bool
}

func newProgress(w io.Writer, readers []*capture.Reader, quiet bool) *progress {
	now := time.Now()
	return &progress{w: w, on: !quiet && isTerminal(w), readers: readers, start: now, last: now}
}

func (p *progress) tick(an *flows.Analyzer) {
	p.n++
	if !p.on || p.n&0x3ff != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	var read, total int64
	for _, r := range p.readers {
		read += r.BytesRead()
		if s := r.Size(); s > 0 && total >= 0 {
			total += s
		} else {
			total = -1
		}
	}
	rate := float64(p.n) / now.Sub(p.start).Seconds()
	of := ""
	if total > 0 {
		of = fmt.Sprintf(" of %.1f MB (%.0f%%)", float64(total)/1e6, 100*float64(read)/float64(total))
	}
	fmt.Fprintf(p.w, "\r\x1b[Kread %.1f MB%s, %.0f packets/s, %d IKE SAs", float64(read)/1e6, of, rate, an.SAsSeen())
	p.shown = true
}

// clear erases the progress line before other stderr output.
func (p *progress) clear() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}

func (p *progress) done() { p.clear() }
