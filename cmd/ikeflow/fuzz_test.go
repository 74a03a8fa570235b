package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/internal/testcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// FuzzRecord decodes arbitrary bytes as an IKE message the way "ikeflow
// dissect" does and renders it as text and JSON: no panic, and the JSON
// line must be valid JSON, byte for byte what json.Marshal wrote for the
// payload bodies (refRecordJSON). Seeds are the IKE messages of corpus
// captures.
func FuzzRecord(f *testing.F) {
	for _, m := range testcap.IKEMessages(testutil.CorpusCaptures(f)...) {
		f.Add(m)
	}
	d := &dissector{format: "json", w: bufio.NewWriter(io.Discard), stderr: io.Discard, keys: decrypt.NewKeyring()}
	d.trk = decrypt.NewTracker(d.keys)
	src := netip.MustParseAddrPort("198.51.100.10:500")
	dst := netip.MustParseAddrPort("203.0.113.10:500")
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := &capture.Event{Frame: 1, Time: time.Unix(0, 0), Src: src, Dst: dst, Transport: capture.TransportUDP, Kind: capture.KindIKE, Data: data}
		rec := d.record(ev)
		line, err := rec.appendJSON(nil)
		if err != nil {
			t.Fatalf("appendJSON: %v", err)
		}
		if !json.Valid(line) {
			t.Fatalf("invalid JSON: %s", line)
		}
		if want := refRecordJSON(t, rec); !bytes.Equal(line, want) {
			t.Fatalf("the record differs from json.Marshal's:\n got  %s\n want %s", line, want)
		}
		_ = appendText(nil, rec)
	})
}
