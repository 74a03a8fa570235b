package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAnalyzeCaptureLoss runs analyze on a capture that dropped packets
// (testdata/field: dumpcap recorded 576 drops on interface va, the
// responder's ESP among them): the verdict names the loss, next to the
// one_way_esp warning it may explain, and JSON carries both. With more
// captures, each count is listed.
func TestAnalyzeCaptureLoss(t *testing.T) {
	const field = "../../testdata/field/capture-drops.pcapng.gz"
	out, _, code := ikeflow(t, "analyze", "-q", field)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "  warning capture: capture_loss (F2) The capture dropped 576 packets while it was taken (interface va of capture-drops.pcapng.gz, as the capture records):") {
		t.Errorf("verdict without the capture's loss:\n%s", out)
	}
	rep := analyzeJSON(t, field)
	found := 0
	for _, f := range rep["findings"].([]any) {
		f := f.(map[string]any)
		msg := f["message"].(string)
		switch f["kind"] {
		case "capture_loss":
			found++
		case "one_way_esp":
			if strings.HasSuffix(msg, "This capture dropped 576 packets while it was taken (see capture_loss): what is missing here may be among them.") {
				found++
			}
		}
	}
	if found != 2 {
		t.Errorf("JSON: want capture_loss and one_way_esp with the loss note, found %d of them", found)
	}
	out, _, _ = ikeflow(t, "analyze", "-q", "--two-sided=no", field, "../../testdata/corpus/ikev2-rekey/capture.pcap")
	if !strings.Contains(out, "The capture dropped 576 packets while it was taken (interface va of capture-drops.pcapng.gz, as the capture records)") {
		t.Errorf("two captures, one with drops: verdict without its loss:\n%s", out)
	}
	// Two files that both count drops: listed, not added up (the
	// same capture given twice counts the same drops twice).
	out, _, _ = ikeflow(t, "analyze", "-q", "--two-sided=no", field, field)
	if !strings.Contains(out, "The captures record packets they dropped while they were taken: 576 on interface va of capture-drops.pcapng.gz, as the capture records; 576 on interface va of capture-drops.pcapng.gz, as the capture records: each fell behind") {
		t.Errorf("two files with drops:\n%s", out)
	}
}

// TestDissectCaptureLoss: dissect says on standard error that the capture
// dropped packets (its output is the messages the capture holds).
func TestDissectCaptureLoss(t *testing.T) {
	_, errOut, code := ikeflow(t, "dissect", "../../testdata/field/capture-drops.pcapng.gz")
	if code != 0 || !strings.Contains(errOut, "capture-drops.pcapng.gz: the capture dropped 576 packets while it was taken (interface va, as the capture records)") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if _, errOut, _ = ikeflow(t, "dissect", "-q", "../../testdata/field/capture-drops.pcapng.gz"); errOut != "" {
		t.Errorf("-q: stderr %q", errOut)
	}
}

// TestWriteKeepsCaptureLoss: analyze --write copies the selected SAs'
// frames into a new file, which records the drops of its input: analysed
// in turn, it reports the same loss.
func TestWriteKeepsCaptureLoss(t *testing.T) {
	sub := filepath.Join(t.TempDir(), "sub.pcapng")
	if _, errOut, code := ikeflow(t, "analyze", "-q", "-w", sub, "../../testdata/field/capture-drops.pcapng.gz"); code != 0 {
		t.Fatalf("--write: exit %d: %s", code, errOut)
	}
	out, _, _ := ikeflow(t, "analyze", "-q", sub)
	if !strings.Contains(out, "warning capture: capture_loss (F2) The capture dropped 576 packets while it was taken") {
		t.Errorf("the written file lost the drops:\n%s", out)
	}
}

// TestTwoSidedCaptureLoss compares the whole corpus capture with the one
// that dropped the responder's ESP (testdata/field): the ESP reported as
// never reaching it must say that that capture dropped packets.
func TestTwoSidedCaptureLoss(t *testing.T) {
	out, _, code := ikeflow(t, "analyze", "-q", "--two-sided=yes", "../../testdata/corpus/ikev2-psk-success/capture.pcap", "../../testdata/field/capture-drops.pcapng.gz")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	const want = "2 of 2 packets seen in capture.pcap never reached capture-drops.pcapng.gz (seq 1, 2; frames 6, 8 in capture.pcap). But capture-drops.pcapng.gz records that it dropped 576 packets while it was taken (the capture fell behind the traffic): the missing ones may be among them."
	if !strings.Contains(out, want) {
		t.Errorf("comparison without the drops of B:\n%s", out)
	}
}

// TestCaptureLossStdin: a capture read from standard input is named so.
func TestCaptureLossStdin(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/field/capture-drops.pcapng.gz")
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"analyze", "-q", "-"}, bytes.NewReader(raw), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "The capture dropped 576 packets while it was taken (interface va of standard input, as the capture records)") {
		t.Errorf("stdin:\n%s", out.String())
	}
}
