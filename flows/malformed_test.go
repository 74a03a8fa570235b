package flows

import (
	"errors"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestMalformedWhereZeekBadLength: the Zeek spicy-ipsec trace of an IKEv1
// main mode request whose second payload, a Vendor ID, has a length field
// of 3 (tshark: "Payload (bogus, length is 3, must be at least 4)"; the SA
// payload before it is 60 octets from octet 28, so the VID starts at 88
// and its length field at 90). The finding names the frame, the octet and
// the field, as `ikeflow dissect` does.
func TestMalformedWhereZeekBadLength(t *testing.T) {
	c := sharedCapture(t, "zeek-spicy-ipsec/ipsec-ikev1-payload-bad-length.pcap")
	rep := analyze(loadPackets(t, c), Options{})
	want := "1 message of this SA did not decode cleanly (truncated capture, IP fragments missing from the capture, or a malformed message)." +
		" Frame 1 stopped decoding at octet 90 of the IKE message (payload[1](VID).length: malformed)." +
		" Its content was analysed as far as it could be decoded."
	for _, f := range rep.Findings {
		if f.Kind == KindMalformed {
			if f.Message != want || len(f.Frames) != 1 || f.Frames[0] != 1 {
				t.Errorf("finding %+v\nwant message %q", f, want)
			}
			return
		}
	}
	t.Errorf("no malformed finding in %+v", rep.Findings)
}

func TestMalformedText(t *testing.T) {
	pe := &dissect.ParseError{Offset: 44, Field: "payload[0](N).length", Err: dissect.ErrTruncated}
	for _, c := range []struct {
		frames []int
		why    string
		cut    int
		want   string
	}{
		{[]int{7}, malformedAt(pe, false), 0, " Frame 7 stopped decoding at octet 44 of the IKE message (payload[0](N).length: " + dissect.ErrTruncated.Error() + "). Its content"},
		{[]int{7, 9}, malformedAt(pe, true), 0, " The first, frame 7, stopped decoding at octet 44 of its decrypted SK content (payload[0](N).length: " + dissect.ErrTruncated.Error() + "). Their content"},
		{[]int{7}, malformedAt(errors.New("odd"), false), 0, " Frame 7 stopped decoding in the IKE message (odd). Its content"},
		{[]int{7, 9}, malformedAt(nil, false), 1, "(truncated capture, IP fragments missing from the capture, or a malformed message). 1 of them was cut short by the capture's snap length. Their content"},
		{[]int{7, 9}, malformedAt(pe, false), 2, "2 messages of this SA were cut short by the capture's snap length (see the capture's snap_length finding), not malformed. The first, frame 7,"},
		{[]int{7, 9}, malformedAt(nil, false), 0, "(truncated capture, IP fragments missing from the capture, or a malformed message). Their content"},
	} {
		if got := malformedText(c.frames, c.why, c.cut, frameNamer{}); !strings.Contains(got, c.want) {
			t.Errorf("malformedText(%v, %q, %d) = %q, want it to contain %q", c.frames, c.why, c.cut, got, c.want)
		}
	}
}
