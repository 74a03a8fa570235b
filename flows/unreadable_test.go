package flows

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestUnreadableZeekZeroLength: the Zeek spicy-ipsec trace of an IKEv1
// main mode message whose header length field is 0 (tshark shows an
// undecodable ISAKMP frame). Nothing of it can be analysed, and the report
// must say so: a capture-wide malformed warning naming frame 1 and the
// length field's value, not "0 IKE SAs" and no finding.
func TestUnreadableZeekZeroLength(t *testing.T) {
	c := sharedCapture(t, "zeek-spicy-ipsec/ipsec-ikev1-zero-length.pcap")
	rep := analyze(loadPackets(t, c), Options{})
	if len(rep.SAs) != 0 || rep.Stats.Malformed != 1 || len(rep.Findings) != 1 {
		t.Fatalf("%d SAs, %d malformed, findings %+v", len(rep.SAs), rep.Stats.Malformed, rep.Findings)
	}
	f := rep.Findings[0]
	want := "Frame 1 on an IKE port could not be read as an IKE message: the length field of its header (octets 24-27) says 0, less than the 28 octets of the header itself."
	if f.Kind != KindMalformed || f.Severity != SeverityWarning || f.SA != "" || len(f.Frames) != 1 || f.Frames[0] != 1 || !strings.HasPrefix(f.Message, want) {
		t.Errorf("finding %+v", f)
	}
}

// TestUnreadableReasons: each way a header cannot be read gets its own
// reason, the first three are given, and every frame (up to maxNoted) is
// listed.
func TestUnreadableReasons(t *testing.T) {
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	pk := func(frame int, data []byte) Packet {
		return Packet{Frame: frame, Time: at.Add(time.Duration(frame) * 10 * time.Millisecond), Kind: KindIKE,
			Src: netipAP("192.0.2.1:500"), Dst: netipAP("192.0.2.2:500"), Data: data}
	}
	hdr := func(version byte, length uint32) []byte {
		b := make([]byte, 40)
		copy(b, "\x11\x22\x33\x44\x55\x66\x77\x88")
		b[16], b[17], b[18], b[19] = 0, version, 34, 0x08
		binary.BigEndian.PutUint32(b[24:], length)
		return b
	}
	pkts := []Packet{
		pk(1, []byte{1, 2, 3, 4, 5}),
		pk(2, hdr(0x30, 40)),
		pk(3, hdr(0x20, 12)),
		pk(4, hdr(0x00, 40)),
	}
	for i := range maxNoted + 2 {
		pkts = append(pkts, pk(5+i, []byte{byte(i), 9})) // no two alike: not capture duplicates
	}
	rep := analyze(pkts, Options{})
	var f *Finding
	for i := range rep.Findings {
		if rep.Findings[i].Kind == KindMalformed && rep.Findings[i].SA == "" {
			f = &rep.Findings[i]
		}
	}
	if f == nil {
		t.Fatalf("no capture-wide malformed finding in %+v", rep.Findings)
	}
	n := 4 + maxNoted + 2
	for _, s := range []string{
		strconv.Itoa(n) + " messages on IKE ports (frames 1, 2, 3, ",
		" and " + strconv.Itoa(n-maxNoted) + " more) could not be read as IKE messages (",
		"frame 1: it holds 5 octets, fewer than the 28 of an IKE header; ",
		"frame 2: its version octet (octet 17) is 0x30: major version 3, where IKE has 1 (IKEv1) or 2 (IKEv2); ",
		"frame 3: the length field of its header (octets 24-27) says 12, less than the 28 octets of the header itself; …). ",
		"The packets are damaged (or are not IKE) and were not analysed.",
	} {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message lacks %q:\n%s", s, f.Message)
		}
	}
	if len(f.Frames) != maxNoted || f.Frames[0] != 1 || rep.Stats.Malformed != n {
		t.Errorf("frames %v, malformed %d (want %d frames from 1, %d malformed)", f.Frames, rep.Stats.Malformed, maxNoted, n)
	}
}

// TestGapNoteDamagedAnswer: ikev2-psk-success with its IKE_AUTH response's
// header length zeroed. The SA's capture_gap finding says the capture
// missed the answer, and adds that the capture may hold it damaged, naming
// the frame between these peers that could not be read.
func TestGapNoteDamagedAnswer(t *testing.T) {
	pk := clonePackets(corpusPackets(t, "ikev2-psk-success"))
	clear(pk[byFrame(t, pk, 4)].Data[24:28])
	rep := analyze(pk, Options{})
	for _, f := range rep.Findings {
		if f.Kind == KindCaptureGap {
			if want := " Or the capture holds it damaged: frame 4, between these peers, could not be read as IKE (the capture-wide malformed finding)."; !strings.HasSuffix(f.Message, want) {
				t.Errorf("capture_gap %q lacks %q", f.Message, want)
			}
			return
		}
	}
	t.Errorf("no capture_gap finding in %+v", rep.Findings)
}
