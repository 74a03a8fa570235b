package main

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/ikeflow/ikeflow/capture"
)

// warnVerbatim is how many warnings of one kind are printed as they come;
// the rest are counted and summarised by finish.
const warnVerbatim = 5

// maxWarnKinds bounds the kinds tracked; further kinds share one count.
const maxWarnKinds = 256

// warner prints packet-level warnings on stderr without letting a hostile
// capture flood it: the first warnVerbatim of each kind verbatim, then one
// line per kind at the end, "… and 2,345,678 more like this". The kind of
// a capture.PacketError is its layer and sentinel error ("frag: fragment
// reassembly"); other errors are one kind each (up to maxWarnKinds). Used
// by analyze, dissect and live, so every command bounds stderr the same way.
type warner struct {
	w      io.Writer
	prefix string // "ikeflow analyze"
	quiet  bool
	before func() // called before printing (clears a progress line); may be nil
	kinds  map[string]*warnKind
	order  []string // kinds in order of first appearance
}

// warnKind counts the warnings of one kind and keeps the first.
type warnKind struct {
	n     int64
	first string // "where: warning"
}

// maxNotes bounds the kinds of warnings notes lists.
const maxNotes = 10

// newWarner returns a warner writing lines "prefix: where: warning" to w;
// quiet suppresses the writing (notes still lists the kinds for the
// report).
func newWarner(w io.Writer, prefix string, quiet bool) *warner {
	return &warner{w: w, prefix: prefix, quiet: quiet, kinds: map[string]*warnKind{}}
}

// warnKey returns the kind of a warning.
func warnKey(err error) string {
	var pe *capture.PacketError
	if errors.As(err, &pe) && pe.Err != nil {
		return pe.Layer + ": " + pe.Err.Error()
	}
	return err.Error()
}

// warn reports err about where (a file name or interface).
func (w *warner) warn(where string, err error) {
	key := warnKey(err)
	k := w.kinds[key]
	if k == nil {
		if len(w.kinds) >= maxWarnKinds {
			key = "other warnings"
			k = w.kinds[key]
		}
		if k == nil {
			k = &warnKind{}
			w.kinds[key] = k
			w.order = append(w.order, key)
		}
	}
	k.n++
	if k.n == 1 {
		k.first = where + ": " + err.Error()
	}
	if w.quiet || k.n > warnVerbatim {
		return
	}
	if w.before != nil {
		w.before()
	}
	fmt.Fprintf(w.w, "%s: %s: %v\n", w.prefix, where, err)
}

// finish prints one line per kind that had more warnings than were shown.
// It returns how many warnings were not shown.
func (w *warner) finish() int64 {
	var hidden int64
	if w.quiet {
		return 0
	}
	for _, key := range w.order {
		k := w.kinds[key]
		if k.n <= warnVerbatim {
			continue
		}
		hidden += k.n - warnVerbatim
		if w.before != nil {
			w.before()
		}
		fmt.Fprintf(w.w, "%s: … and %s more like this (%s); --quiet hides packet-level warnings\n", w.prefix, groupDigits(k.n-warnVerbatim), key)
	}
	return hidden
}

// groupDigits formats n with thousands separators: 2,345,678.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// notes returns one line per kind of warning for the report, quiet or
// not: the first of the kind verbatim and how many more there were (at
// most maxNotes kinds, then how many kinds more).
func (w *warner) notes() []string {
	var out []string
	for i, key := range w.order {
		if i == maxNotes {
			out = append(out, "… and "+strconv.Itoa(len(w.order)-maxNotes)+" more kinds of problems")
			break
		}
		k := w.kinds[key]
		n := k.first
		if k.n > 1 {
			n += " (and " + groupDigits(k.n-1) + " more like this)"
		}
		out = append(out, n)
	}
	return out
}
