package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// splitCapture writes the first n frames of the Ethernet capture at path
// to one file and the rest to another, in a new directory, and returns
// their paths: one capture cut into consecutive files.
func splitCapture(t *testing.T, path string, n int) (first, second string) {
	t.Helper()
	frames := readFrames(t, path)
	dir := t.TempDir()
	first, second = filepath.Join(dir, "part1.pcap"), filepath.Join(dir, "part2.pcap")
	writeFrames(t, first, frames[:n])
	writeFrames(t, second, frames[n:])
	return first, second
}

// TestConsecutiveFilesNotTwoSided: one capture cut into two consecutive
// files (tcpdump -C, a ring buffer), given together. Where the cut falls
// between copies of a resent message (ikev2-dpd-dead-peer after frame 9:
// its DPD is sent four times), the two files share that message's octets,
// and analyze chose the two-sided comparison by itself: "matched by
// content: 0", and the peers' packets "between addresses that have no
// packet in common with the other capture (other conversations, not on
// the path between the capture points)". The corpus split in two at every
// frame gave that 75 times (12 captures of dead peers and retransmits).
// Now the files are analysed merged, as the one capture they are, with a
// note that says why; asked for (--two-sided), the comparison says it may
// not be two views of one path.
func TestConsecutiveFilesNotTwoSided(t *testing.T) {
	c, _ := scenario(t, "ikev2-dpd-dead-peer")
	first, second := splitCapture(t, c, 9)
	whole, _, code := ikeflow(t, "analyze", "-q", "--format", "json", c)
	if code != exitOK {
		t.Fatalf("whole capture: exit %d", code)
	}
	for _, order := range [][]string{{first, second}, {second, first}} {
		out, errb, code := ikeflow(t, append([]string{"analyze", "--format", "json"}, order...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr:\n%s", order, code, errb)
		}
		if !strings.Contains(errb, "but it does not line up as one packet seen at two points") || !strings.Contains(errb, "showing the merged analysis") {
			t.Errorf("%v: stderr:\n%s", order, errb)
		}
		if got, want := kindsOf(t, out), kindsOf(t, whole); got != want {
			t.Errorf("%v: findings %s, want those of the whole capture: %s", order, got, want)
		}
	}
	out, _, _ := ikeflow(t, "analyze", "--two-sided", first, second)
	if !strings.Contains(out, "These may not be two views of one path: they share 1 packet") {
		t.Errorf("--two-sided: the comparison does not say the files may be one capture point:\n%.1500s", out)
	}
}

// kindsOf lists the kinds and severities of a JSON analysis's findings, in
// order (or the keys of a two-sided comparison, which has none).
func kindsOf(t *testing.T, out string) string {
	t.Helper()
	var doc struct {
		SAs      []json.RawMessage `json:"sas"`
		Findings []struct {
			Kind     string `json:"kind"`
			Severity string `json:"severity"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.SAs == nil {
		return "not an analysis: " + out[:min(len(out), 80)]
	}
	var b strings.Builder
	for _, f := range doc.Findings {
		b.WriteString(f.Severity + " " + f.Kind + "; ")
	}
	return b.String()
}

// TestConsecutiveFilesFewLineUp: zeek's ipsec_client.pcap (an IKE_AUTH
// sent three times, each in three IP fragments, never answered) cut after
// frame 6. The first file ends with one copy's first fragment, the second
// holds the rest: the two share one IKE_AUTH copy that lines up as if seen
// at two points (matched 1), and analyze compared them by itself. One
// match is too few to tell; the merged analysis comes instead.
func TestConsecutiveFilesFewLineUp(t *testing.T) {
	c := "../../../shared/captures/zeek-spicy-ipsec/ipsec_client.pcap"
	if _, err := os.Stat(c); err != nil {
		t.Skip("third-party captures not here (../shared/captures)")
	}
	first, second := splitCapture(t, c, 6)
	out, errb, code := ikeflow(t, "analyze", "--format", "json", second, first)
	if code != exitOK || strings.HasPrefix(kindsOf(t, out), "not an analysis") {
		t.Fatalf("exit %d, output %.200s", code, out)
	}
	if !strings.Contains(errb, "they share 1 packet, and only 1 lines up as one packet seen at two points: too few to tell") {
		t.Errorf("stderr:\n%s", errb)
	}
}
