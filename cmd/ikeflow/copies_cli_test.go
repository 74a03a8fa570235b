package main

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestCopiesBehindRouter: a corpus capture whose every frame is recorded
// again 30 ms later with an IPv4 TTL one lower, as a capture of both
// interfaces of a router holds it. The IKE messages and the ESP packets
// (whose TTL the capture reader gives the analyzer) are copies seen
// behind a router: the findings are those of the capture taken once,
// plus one capture_duplicate that says so, and none that puts ESP copies
// down to a mirrored switch ("no difference in IP TTL").
func TestCopiesBehindRouter(t *testing.T) {
	c, _ := scenario(t, "ikev2-rekey")
	var frames []testpcap.Record
	for _, f := range readFrames(t, c) {
		cp := testpcap.Record{Data: slices.Clone(f.Data), CI: f.CI}
		cp.CI.Timestamp = f.CI.Timestamp.Add(30 * time.Millisecond)
		ip := cp.Data[14:]
		if ip[0]>>4 != 4 {
			t.Fatal("want IPv4")
		}
		ip[8]-- // TTL
		ip[10], ip[11] = 0, 0
		var sum uint32
		for k := 0; k < int(ip[0]&15)*4; k += 2 {
			sum += uint32(ip[k])<<8 | uint32(ip[k+1])
		}
		for sum>>16 != 0 {
			sum = sum&0xffff + sum>>16
		}
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
		frames = append(frames, f, cp)
	}
	p := filepath.Join(t.TempDir(), "twice.pcap")
	writeFrames(t, p, frames)
	once, _, _ := ikeflow(t, "analyze", "-q", "--format", "json", c)
	twice, _, code := ikeflow(t, "analyze", "-q", "--format", "json", p)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	got := strings.ReplaceAll(kindsOf(t, twice), "info capture_duplicate; ", "")
	if want := kindsOf(t, once); got != want {
		t.Errorf("findings %s, want %s", got, want)
	}
	if !strings.Contains(twice, "the second copy with another IP TTL") || strings.Contains(twice, "no difference in IP TTL") {
		t.Errorf("capture_duplicate notes:\n%s", twice[strings.Index(twice, `"findings"`):])
	}
}
