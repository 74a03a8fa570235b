package main

import (
	"fmt"
	"io"

	"github.com/ikeflow/ikeflow/capture"
)

// merger interleaves the events of several captures by capture time. A
// reader's event stays valid until that reader's next Next call, so the
// merger only advances the reader whose event it handed out last, on the
// following call; nothing is copied.
type merger struct {
	paths   []string
	readers []*capture.Reader
	heads   []*capture.Event // current event per reader, nil when exhausted
	last    int              // reader to advance before choosing; -1 none; -2 all (start)
	// onErr, when set, is told about a capture that cannot be read any
	// further; the merger goes on with the others (and the events read
	// so far count). When nil, next returns the error.
	onErr func(path string, err error)
}

func newMerger(paths []string, readers []*capture.Reader) *merger {
	return &merger{paths: paths, readers: readers, heads: make([]*capture.Event, len(readers)), last: -2}
}

func (m *merger) fill(i int) error {
	ev, err := m.readers[i].Next()
	switch {
	case err == io.EOF:
		m.heads[i] = nil
	case err != nil && m.onErr != nil:
		m.heads[i] = nil
		m.onErr(m.paths[i], err)
	case err != nil:
		return fmt.Errorf("%s: %w", m.paths[i], err)
	default:
		m.heads[i] = ev
	}
	return nil
}

// next returns the earliest pending event and the path of its capture. The
// event is valid until the following call.
func (m *merger) next() (*capture.Event, string, error) {
	switch {
	case m.last == -2:
		for i := range m.readers {
			if err := m.fill(i); err != nil {
				return nil, "", err
			}
		}
	case m.last >= 0:
		if err := m.fill(m.last); err != nil {
			return nil, "", err
		}
	}
	best := -1
	for i, h := range m.heads {
		if h != nil && (best < 0 || h.Time.Before(m.heads[best].Time)) {
			best = i
		}
	}
	m.last = best
	if best < 0 {
		return nil, "", io.EOF
	}
	return m.heads[best], m.paths[best], nil
}
