package dissect

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// TestIKEv1Padding: libreswan pads an IKEv1 message to a multiple of four
// octets with zeros after the last payload, counted in the header's length
// (pluto: "padding IKEv1 message with 3 bytes"; strongSwan accepts it,
// tshark shows "Extra data"). libreswan-ikev1-aggressive's AM1 (528 octets,
// payloads to 525) was reported malformed, and without it ikeflow could not
// compute the IV to decrypt the rest. Padding that is not zero, or four
// octets or more, is still malformed.
func TestIKEv1Padding(t *testing.T) {
	ds, err := testpcap.UDPDatagrams(testutil.Corpus("libreswan-ikev1-aggressive", "capture.pcap"))
	if err != nil {
		t.Skip(err)
	}
	am1 := ds[0].Payload
	var m Message
	if err := m.DecodeFromBytes(am1); err != nil || m.Padding != 3 || len(m.Raw) != 528 {
		t.Fatalf("AM1: %v, padding %d, %d octets", err, m.Padding, len(m.Raw))
	}
	bad := bytes.Clone(am1)
	bad[len(bad)-1] = 1
	if err := m.DecodeFromBytes(bad); !errors.Is(err, ErrMalformed) {
		t.Errorf("non-zero padding: %v", err)
	}
	long := append(bytes.Clone(am1), 0, 0, 0, 0)
	long[27] += 4 // the header's length: 532
	if err := m.DecodeFromBytes(long); !errors.Is(err, ErrMalformed) {
		t.Errorf("seven octets after the last payload: %v", err)
	}
	if err := m.DecodeFromBytes(ds[1].Payload); err != nil || m.Padding != 0 {
		t.Errorf("strongSwan's AM2: %v, padding %d", err, m.Padding)
	}
}
