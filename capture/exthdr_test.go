package capture

import (
	"bytes"
	"errors"
	"net"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"

	"github.com/ikeflow/ikeflow/internal/testpcap"
)

// TestTruncatedAHAndExtHeaders: an AH header (after IPv4 and after IPv6)
// and an IPv6 extension header that are shorter than their minimum, or
// than the length their second octet gives, are each one truncation note
// naming the layer, what is cut and the offset (in the frame) of the
// header or of its length octet.
func TestTruncatedAHAndExtHeaders(t *testing.T) {
	v4 := func(proto layers.IPProtocol, body []byte) []byte {
		return serializeIP(t, &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: proto,
			SrcIP: net.IP{192, 0, 2, 1}, DstIP: net.IP{192, 0, 2, 2}}, body)
	}
	v6 := func(next layers.IPProtocol, body []byte) []byte {
		return serializeIP(t, &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: next,
			SrcIP: net.ParseIP("2001:db8::1"), DstIP: net.ParseIP("2001:db8::2")}, body)
	}
	long := func(n int, lenOctet byte) []byte { // n octets, b[1] = lenOctet
		b := make([]byte, n)
		b[0], b[1] = 59, lenOctet // next header: none
		return b
	}
	// Offsets: Ethernet 14 + IPv4 20 = 34, + IPv6 40 = 54.
	tests := []struct {
		name   string
		ip     []byte
		layer  string
		detail string
		off    int
	}{
		{"ipv4 ah short", v4(layers.IPProtocolAH, long(8, 1)), "ah", "AH header", 34},
		{"ipv4 ah length", v4(layers.IPProtocolAH, long(16, 4)), "ah", "AH length", 35},
		{"ipv6 ah short", v6(layers.IPProtocolAH, long(11, 1)), "ah", "AH header", 54},
		{"ipv6 ah length", v6(layers.IPProtocolAH, long(20, 9)), "ah", "AH length", 55},
		{"ipv6 hop-by-hop short", v6(layers.IPProtocolIPv6HopByHop, long(7, 0)), "ipv6", "extension header", 54},
		{"ipv6 dstopts length", v6(layers.IPProtocolIPv6Destination, long(16, 2)), "ipv6", "extension header length", 55},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testpcap.NewWriter(layers.LinkTypeEthernet)
			w.Add(testpcap.Base, testpcap.Ethernet(tt.ip))
			r, err := NewReader(bytes.NewReader(w.Bytes()), Options{})
			if err != nil {
				t.Fatal(err)
			}
			var notes []*PacketError
			for _, e := range readAll(t, r) {
				var pe *PacketError
				if e.Kind == KindError && errors.As(e.Err, &pe) {
					notes = append(notes, pe)
				}
			}
			if len(notes) != 1 {
				t.Fatalf("%d notes, want 1: %v", len(notes), notes)
			}
			pe := notes[0]
			if pe.Frame != 1 || pe.Layer != tt.layer || pe.Detail != tt.detail || pe.Offset != tt.off || !errors.Is(pe.Err, ErrTruncated) {
				t.Errorf("note frame %d layer %q detail %q offset %d err %v; want frame 1 %q %q %d truncated",
					pe.Frame, pe.Layer, pe.Detail, pe.Offset, pe.Err, tt.layer, tt.detail, tt.off)
			}
		})
	}
}

// serializeIP returns the IP header ip (lengths and checksum computed)
// followed by body.
func serializeIP(t *testing.T, ip gopacket.SerializableLayer, body []byte) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opt := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opt, ip, gopacket.Payload(body)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
