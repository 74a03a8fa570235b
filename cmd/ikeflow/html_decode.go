package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
)

// decodedLimit bounds the decoded-message text kept for an HTML report.
const decodedLimit = 16 << 20

// frameKey is a frame of one input file: its index and its number there.
type frameKey struct {
	file  int
	frame int
}

// decodedMessages holds the dissect text of IKE messages for the HTML
// report's "decoded payloads", read in a second pass over the inputs.
type decodedMessages struct {
	text map[frameKey]string
	// note says why some or all messages have no decoded text ("" if all
	// were decoded).
	note string
}

// decodeFrames reads the captures again, dissects every IKE message (with
// the keys, as "ikeflow dissect" does) and keeps the text of the frames
// wanted says. Standard input cannot be read twice: its messages keep only
// the payload summary.
func decodeFrames(e *env, paths []string, opt capture.Options, keys []string, wanted map[frameKey]bool) *decodedMessages {
	dm := &decodedMessages{text: map[frameKey]string{}}
	if len(wanted) == 0 {
		return dm
	}
	kr, err := loadKeys(e, keys)
	if err != nil {
		dm.note = "decoded payloads unavailable: " + err.Error()
		return dm
	}
	d := &dissector{format: "text", stderr: io.Discard, quiet: true, keys: kr}
	size := 0
	var notes []string
	for i, path := range paths {
		if path == "-" {
			notes = append(notes, "standard input cannot be read a second time: its messages show the payload summary only")
			continue
		}
		if err := d.decodeFile(path, opt, func(frame int, text []byte) bool {
			k := frameKey{i, frame}
			if !wanted[k] {
				return true
			}
			if size+len(text) > decodedLimit {
				notes = append(notes, fmt.Sprintf("decoded payloads stop after %d MiB of text", decodedLimit>>20))
				return false
			}
			size += len(text)
			dm.text[k] = string(text)
			return true
		}); err != nil {
			notes = append(notes, err.Error())
		}
	}
	dm.note = strings.Join(notes, "; ")
	return dm
}

// decodeFile dissects every IKE message of a capture and hands its text to
// keep until keep returns false.
func (d *dissector) decodeFile(path string, opt capture.Options, keep func(frame int, text []byte) bool) error {
	r, err := capture.Open(path, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	defer r.Close()
	d.trk = decrypt.NewTracker(d.keys) // SAs do not span files
	return readEvents(r, path, func(ev *capture.Event) bool {
		if ev.Kind != capture.KindIKE {
			return true
		}
		d.jbuf = appendText(d.jbuf[:0], d.record(ev))
		if rec := d.reassembled(ev); rec != nil { // an IKEv1 message its fragments completed
			d.jbuf = appendText(d.jbuf, rec)
		}
		return keep(ev.Frame, d.jbuf)
	})
}
