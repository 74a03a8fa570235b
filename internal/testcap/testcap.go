// Package testcap reads captures with ikeflow's capture package for the
// tests of the packages above it (flows, twoside, cmd/ikeflow): one event
// loop instead of one per test file. The capture package's own tests
// cannot import it (it imports capture).
package testcap

import (
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/ikeflow/ikeflow/capture"
)

// maxEvents bounds the loops below: no capture in the tests comes near it,
// and a reader that never ends fails instead of hanging.
const maxEvents = 1 << 24

// Each calls fn for every event of the capture at path, in order, and
// returns the reader's final counters. An open or read error, or a reader
// that does not end, fails the test. The event is valid only during fn.
func Each(tb testing.TB, path string, opt capture.Options, fn func(*capture.Event)) capture.Stats {
	tb.Helper()
	st, err := Read(path, opt, fn)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// Read is Each without a test: it returns the open or read error (naming
// path) with the counters so far, and fn has seen the events before it.
func Read(path string, opt capture.Options, fn func(*capture.Event)) (capture.Stats, error) {
	r, err := capture.Open(path, opt)
	if err != nil {
		return capture.Stats{}, fmt.Errorf("open %s: %w", path, err)
	}
	defer r.Close()
	if err := each(r, fn); err != nil {
		return r.Stats(), fmt.Errorf("read %s: %w", path, err)
	}
	return r.Stats(), nil
}

// each runs fn over the events of r until io.EOF (nil) or an error.
func each(r *capture.Reader, fn func(*capture.Event)) error {
	for range maxEvents {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(ev)
	}
	return errors.New("no end after too many events")
}

// IKEMessages returns copies of the IKE messages of the captures at paths,
// for fuzz seeds: a capture that does not open adds none, one that ends in
// an error adds those read before it.
func IKEMessages(paths ...string) [][]byte {
	var out [][]byte
	for _, p := range paths {
		Read(p, capture.Options{}, func(ev *capture.Event) {
			if ev.Kind == capture.KindIKE {
				out = append(out, append([]byte(nil), ev.Data...))
			}
		})
	}
	return out
}
