package main

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"
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
	hdr, recs := pcapRecordsOf(t, c)
	if binary.LittleEndian.Uint32(hdr[20:]) != 1 {
		t.Fatal("want an Ethernet capture")
	}
	var out [][]byte
	for _, r := range recs {
		cp := append([]byte(nil), r...)
		ts := time.Unix(int64(binary.LittleEndian.Uint32(cp[0:])), int64(binary.LittleEndian.Uint32(cp[4:]))*1000).Add(30 * time.Millisecond)
		binary.LittleEndian.PutUint32(cp[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(cp[4:], uint32(ts.Nanosecond()/1000))
		ip := cp[16+14:]
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
		out = append(out, r, cp)
	}
	p := writePcap(t, t.TempDir(), "twice.pcap", hdr, out)
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
