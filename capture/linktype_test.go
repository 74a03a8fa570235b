package capture

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// realIKE returns real IKE datagrams from ipsec_client.pcap (UDP 500
// IKE_SA_INIT request and response), decoded with gopacket.
func realIKE(t testing.TB) []testpcap.Datagram {
	t.Helper()
	ds, err := testpcap.UDPDatagrams(testutil.SharedCapture(t, "zeek-spicy-ipsec/ipsec_client.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) < 2 || ds[0].Dst.Port() != 500 {
		t.Fatalf("unexpected datagrams in ipsec_client.pcap: %d", len(ds))
	}
	return ds
}

var (
	v4a = netip.MustParseAddrPort("192.0.2.1:500")
	v4b = netip.MustParseAddrPort("198.51.100.2:500")
	v6a = netip.MustParseAddrPort("[2001:db8::1]:500")
	v6b = netip.MustParseAddrPort("[2001:db8::2]:500")
)

// TestLinkTypes wraps the same real IKE message in every supported link
// layer, interleaved with non-IP frames, and checks frame numbers and
// addresses; the files are also checked against tshark when present.
func TestLinkTypes(t *testing.T) {
	ike := realIKE(t)[0].Payload
	ip4 := testpcap.UDP(v4a, v4b, ike)
	ip6 := testpcap.UDP(v6a, v6b, ike)
	tests := []struct {
		name string
		lt   layers.LinkType
		wrap func([]byte) []byte
	}{
		{"ethernet", layers.LinkTypeEthernet, func(b []byte) []byte { return testpcap.Ethernet(b) }},
		{"vlan", layers.LinkTypeEthernet, func(b []byte) []byte { return testpcap.Ethernet(b, 42) }},
		{"qinq", layers.LinkTypeEthernet, func(b []byte) []byte { return testpcap.Ethernet(b, 100, 42) }},
		// More than 8 tags used to be dropped silently as non-IKE.
		{"9 vlan tags", layers.LinkTypeEthernet, func(b []byte) []byte { return testpcap.Ethernet(b, 1, 2, 3, 4, 5, 6, 7, 8, 9) }},
		{"20 vlan tags", layers.LinkTypeEthernet, func(b []byte) []byte {
			return testpcap.Ethernet(b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20)
		}},
		{"sll", layers.LinkTypeLinuxSLL, testpcap.SLL},
		{"sll2", layers.LinkTypeLinuxSLL2, testpcap.SLL2},
		{"raw", layers.LinkTypeRaw, func(b []byte) []byte { return b }},
		{"null", layers.LinkTypeNull, func(b []byte) []byte { return testpcap.Null(b, 30) }},
		{"loop", layers.LinkTypeLoop, testpcap.Loop},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := testpcap.NewWriter(tt.lt)
			if tt.lt == layers.LinkTypeEthernet {
				w.Add(testpcap.Base, testpcap.ARP()) // frame 1: not IP
			} else {
				w.Add(testpcap.Base, tt.wrap([]byte{0x45})) // frame 1: truncated IPv4
			}
			w.Add(testpcap.Base, tt.wrap(ip4)) // frame 2
			w.Add(testpcap.Base, tt.wrap(ip6)) // frame 3
			ev, st := newAll(t, w.Bytes(), Options{})
			var ikeEv []copied
			for _, e := range ev {
				if e.Kind == KindIKE {
					ikeEv = append(ikeEv, e)
				}
			}
			if len(ikeEv) != 2 || ikeEv[0].Frame != 2 || ikeEv[1].Frame != 3 ||
				ikeEv[0].Src != v4a || ikeEv[0].Dst != v4b || ikeEv[1].Src != v6a || ikeEv[1].Dst != v6b ||
				string(ikeEv[0].Data) != string(ike) || string(ikeEv[1].Data) != string(ike) {
				t.Fatalf("events %+v", ev)
			}
			if st.Packets != 3 || st.IKE != 2 {
				t.Errorf("stats %+v", st)
			}
			p, _ := w.WriteFile(dir, tt.name+".pcap")
			compareWithTshark(t, p, ev, nil)
		})
	}
}

// TestUnsupportedLinkType: frames of an unknown link type count as frames
// (numbering as Wireshark), and the problem is reported once.
func TestUnsupportedLinkType(t *testing.T) {
	ike := realIKE(t)[0].Payload
	f, err := os.Create(filepath.Join(t.TempDir(), "mixed.pcapng"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := pcapgo.NewNgWriterInterface(f, pcapgo.NgInterface{LinkType: layers.LinkTypeEthernet, SnapLength: 65535}, pcapgo.DefaultNgWriterOptions)
	if err != nil {
		t.Fatal(err)
	}
	usb, err := w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkType(147), SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	add := func(iface int, b []byte) {
		ci := ciFor(b)
		ci.InterfaceIndex = iface
		if err := w.WritePacket(ci, b); err != nil {
			t.Fatal(err)
		}
	}
	add(usb, []byte{1, 2, 3})
	add(0, testpcap.Ethernet(testpcap.UDP(v4a, v4b, ike)))
	add(usb, []byte{4, 5, 6})
	add(0, testpcap.Ethernet(testpcap.UDP(v4b, v4a, ike)))
	w.Flush()
	f.Close()
	ev, st := openAll(t, f.Name(), Options{})
	if len(ev) != 3 || ev[0].Kind != KindError || !errors.Is(ev[0].Err, ErrUnsupportedLinkType) || ev[0].Frame != 1 ||
		ev[1].Frame != 2 || ev[2].Frame != 4 || ev[2].Src != v4b {
		t.Fatalf("events %+v", ev)
	}
	if st.Unsupported != 2 || st.Packets != 4 || st.Errors != 1 {
		t.Errorf("stats %+v", st)
	}
	compareWithTshark(t, f.Name(), ev, nil)
}
