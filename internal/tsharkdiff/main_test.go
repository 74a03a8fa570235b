package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestAgainstTshark runs the differential check on every capture (the
// corpus and ../shared/captures) and fails on unexplained disagreements.
// CI installs tshark (.ci/run), so there it always runs; it is skipped
// under -short. With TSHARKDIFF_TABLE set, the agreement table is also
// written to that file (.ci/run prints it), so CI runs the comparison once.
func TestAgainstTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark on every capture: skipped under -short")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("tshark not installed on CI: .ci/run must install it (apt-get install tshark)")
		}
		t.Skip("tshark not installed (apt-get install tshark); the differential check needs it")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "ikeflow")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ikeflow")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	t.Chdir(root)
	allow, err := loadAllow("testdata/tshark-allow.txt")
	if err != nil {
		t.Fatal(err)
	}
	caps := discover(".")
	if len(caps) == 0 {
		t.Fatal("no captures found")
	}
	var results []result
	for _, c := range caps {
		r := compareCapture(bin, c, findKeys(c), allow)
		results = append(results, r)
		if r.Err != nil {
			t.Errorf("%s: %v", c, r.Err)
		}
		if r.TsharkMsgs == 0 && r.OurMsgs == 0 && !strings.Contains(c, "ESP-AH") {
			t.Errorf("%s: neither tool found an IKE message", c)
		}
		for _, p := range r.Problems {
			t.Errorf("%s: %s", c, p)
		}
	}
	var buf bytes.Buffer
	printTable(&buf, results)
	t.Logf("agreement:\n%s", buf.String())
	if out := os.Getenv("TSHARKDIFF_TABLE"); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			t.Errorf("writing the agreement table: %v", err)
		}
	}
	if _, err := os.Stat("../shared/captures"); err != nil {
		t.Log("../shared/captures is absent: only the corpus was compared")
	}
}

// TestPDMLParse checks the PDML reader on a real tshark run over a capture
// with known content (zeek ipsec_client.pcap: IKE_SA_INIT pair, then the
// IKE_AUTH request three times).
func TestPDMLParse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark: skipped under -short")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	c := "../../../shared/captures/zeek-spicy-ipsec/ipsec_client.pcap"
	if _, err := os.Stat(c); err != nil {
		t.Skip("shared captures absent")
	}
	ms, err := runTshark(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	var frames []int
	for _, m := range ms {
		frames = append(frames, m.Frame)
	}
	if got, want := len(ms), 5; got != want {
		t.Fatalf("messages = %d (%v), want %d", got, frames, want)
	}
	if ms[0].Exchange != "IKE_SA_INIT" || ms[0].SPIi != "238671c80375a0fb" || ms[0].Flags != 0x08 {
		t.Errorf("first message = %+v", ms[0])
	}
	if got := strings.Join(ms[1].Notifies, ","); got != "NAT_DETECTION_SOURCE_IP,NAT_DETECTION_DESTINATION_IP,MULTIPLE_AUTH_SUPPORTED" {
		t.Errorf("frame 2 notifies = %s", got)
	}
	if ms[4].Exchange != "IKE_AUTH" || ms[4].MessageID != 1 || strings.Join(ms[4].Payloads, ",") != "SK" {
		t.Errorf("last message = %+v", ms[4])
	}
}

// TestICMPQuoted checks that the IKE messages tshark shows inside the quote
// of an ICMP port-unreachable error (the dead peer's host answering DPD) are
// marked and only those: they are left out of the comparison, every other
// message is still compared.
func TestICMPQuoted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs tshark: skipped under -short")
	}
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	for c, want := range map[string]string{
		"../../testdata/corpus/ikev1-dpd-dead-peer/capture.pcap": "13 15 17 19 21 23 25 27",
		"../../testdata/corpus/ikev2-dpd-dead-peer/capture.pcap": "8 10 12 14",
		"../../testdata/corpus/ikev2-psk-success/capture.pcap":   "",
	} {
		ms, err := runTshark(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		var quoted []string
		others := 0
		for _, m := range ms {
			if m.InICMPError {
				quoted = append(quoted, strconv.Itoa(m.Frame))
			} else {
				others++
			}
		}
		if got := strings.Join(quoted, " "); got != want {
			t.Errorf("%s: ICMP-quoted frames %q, want %q", c, got, want)
		}
		if others == 0 {
			t.Errorf("%s: no message left to compare", c)
		}
	}
}
