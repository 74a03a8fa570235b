package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCaptureNotes: what the input could not give (here the real
// ikev2-cert-rsa capture cut to 200 octets per frame, as tcpdump -s 200
// takes it: its IKE_AUTH messages were IP fragments, which cannot be put
// together) is named in every report a person pastes, not only on
// standard error, and with --quiet too: the capture line of the table and
// markdown reports, the HTML page, and capture_notes in JSON.
func TestCaptureNotes(t *testing.T) {
	frames := readFrames(t, "../../testdata/corpus/ikev2-cert-rsa/capture.pcap")
	for i := range frames {
		if len(frames[i].Data) > 200 {
			frames[i].Data = frames[i].Data[:200]
		}
	}
	p := filepath.Join(t.TempDir(), "cut.pcap")
	writeFrames(t, p, frames)
	want := "frame 3: frag: fragment reassembly: IPv4 datagram 198.51.100.10 -> 203.0.113.10"
	for _, format := range []string{"table", "markdown", "html", "json"} {
		var out, errb bytes.Buffer
		if code := run([]string{"analyze", "-q", "--format", format, p}, nil, &out, &errb); code != exitOK {
			t.Fatalf("%s: exit %d: %s", format, code, errb.String())
		}
		got := out.String()
		switch format {
		case "json":
			var rep struct {
				Notes []string `json:"capture_notes"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], want) || !strings.HasSuffix(rep.Notes[0], "(and 3 more like this)") {
				t.Errorf("json: capture_notes %q", rep.Notes)
			}
		case "html":
			if !strings.Contains(got, captureNotesHead) || !strings.Contains(got, "frame 3: frag: fragment reassembly: IPv4 datagram 198.51.100.10 -&gt; 203.0.113.10") {
				t.Errorf("html: no capture note")
			}
		default:
			if !strings.Contains(got, captureNotesHead) || !strings.Contains(got, want) {
				t.Errorf("%s: no capture note in\n%s", format, got)
			}
		}
	}
	// An undamaged capture has none.
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "-q", "--format", "json", "../../testdata/corpus/ikev2-cert-rsa/capture.pcap"}, nil, &out, &errb); code != exitOK || strings.Contains(out.String(), "capture_notes") {
		t.Errorf("whole capture: exit %d, capture_notes in %s", code, out.String())
	}
}
