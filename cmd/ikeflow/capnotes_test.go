package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestCaptureNotes: what the input could not give (here the real
// ikev2-cert-rsa capture cut to 200 octets per frame, as tcpdump -s 200
// takes it, without the first fragments of its IP-fragmented IKE_AUTH
// messages, frames 3 and 5: the last fragments, cut, cannot be put
// together) is named in every report a person pastes, not only on
// standard error, and with --quiet too: the capture line of the table and
// markdown reports, the HTML page, and capture_notes in JSON. (With its
// first fragments the capture gives each message's cut start instead:
// TestAnalyzeSnapLength.)
func TestCaptureNotes(t *testing.T) {
	all := readFrames(t, "../../testdata/corpus/ikev2-cert-rsa/capture.pcap")
	var frames []testpcap.Record
	for i, fr := range all {
		if i+1 == 3 || i+1 == 5 {
			continue
		}
		if len(fr.Data) > 200 {
			fr.Data = fr.Data[:200]
		}
		frames = append(frames, fr)
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
			if len(rep.Notes) != 1 || !strings.Contains(rep.Notes[0], want) || !strings.HasSuffix(rep.Notes[0], "(and 1 more like this)") {
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
		// The verdict's headline says that the analysis is partial (the
		// list of problems may be far below it).
		if format != "json" && !strings.Contains(got, ". The analysis is partial: 1 capture problem (see Capture problems).") {
			t.Errorf("%s: the verdict does not say the analysis is partial:\n%s", format, got)
		}
	}
	// An undamaged capture has none, and its verdict says nothing of them.
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "-q", "--format", "json", "../../testdata/corpus/ikev2-cert-rsa/capture.pcap"}, nil, &out, &errb); code != exitOK || strings.Contains(out.String(), "capture_notes") {
		t.Errorf("whole capture: exit %d, capture_notes in %s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"analyze", "-q", "../../testdata/corpus/ikev2-cert-rsa/capture.pcap"}, nil, &out, &errb); code != exitOK || strings.Contains(out.String(), "partial") || strings.Contains(out.String(), captureNotesTitle) {
		t.Errorf("whole capture: exit %d, a partial verdict or capture problems in\n%s", code, out.String())
	}
}

// TestPartialVerdictNoSAs: a capture whose only record is cut off gives no
// packet at all. Its verdict must not read as a clean bill ("no errors or
// warnings." alone): it says the analysis is partial, in the headline.
func TestPartialVerdictNoSAs(t *testing.T) {
	frames := readFrames(t, "../../testdata/corpus/ikev2-cert-rsa/capture.pcap")
	whole := filepath.Join(t.TempDir(), "one.pcap")
	writeFrames(t, whole, frames[:1])
	b, err := os.ReadFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(p, b[:len(b)-10], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, format := range []string{"table", "markdown", "html"} {
		var out, errb bytes.Buffer
		run([]string{"analyze", "-q", "--format", format, p}, nil, &out, &errb)
		got := out.String()
		if !strings.Contains(got, "0 IKE SAs: no errors or warnings in what could be read. The analysis is partial: 1 capture problem (see Capture problems).") {
			t.Errorf("%s: verdict not partial:\n%s", format, got)
		}
		if strings.Contains(got, "no errors or warnings.") {
			t.Errorf("%s: a clean verdict on a capture nothing could be read of:\n%s", format, got)
		}
	}
}
