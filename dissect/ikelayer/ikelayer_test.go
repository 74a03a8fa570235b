package ikelayer

import (
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/ikeflow/ikeflow/dissect"
)

const capturesDir = "../../../shared/captures"

// framesOf returns the frames of a third-party capture, or skips.
func framesOf(t testing.TB, name string) [][]byte {
	t.Helper()
	p := filepath.Join(capturesDir, name)
	f, err := os.Open(p)
	if err != nil {
		t.Skipf("third-party capture %s not available (%v); it lives in ../shared/captures next to the repository", name, err)
	}
	defer f.Close()
	type src interface {
		ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	}
	var s src
	if filepath.Ext(p) == ".pcapng" {
		s, err = pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	} else {
		s, err = pcapgo.NewReader(f)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for {
		data, _, err := s.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
}

// Expected values below come from tshark 4.0:
// tshark -r FILE -T fields -e frame.number -e isakmp.ispi -e isakmp.exchangetype -e isakmp.length -e esp.spi -e esp.sequence

type parserSet struct {
	eth     layers.Ethernet
	ip4     layers.IPv4
	ip6     layers.IPv6
	udp     layers.UDP
	encap   UDPEncap
	ike     ISAKMP
	esp     layers.IPSecESP
	parser  *gopacket.DecodingLayerParser
	decoded []gopacket.LayerType
}

func newParserSet() *parserSet {
	p := &parserSet{decoded: make([]gopacket.LayerType, 0, 8)}
	p.parser = gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &p.eth, &p.ip4, &p.ip6, &p.udp, &p.encap, &p.ike, &p.esp)
	p.parser.IgnoreUnsupported = true
	return p
}

func TestDecodingLayerParserRealPackets(t *testing.T) {
	client := framesOf(t, "zeek-spicy-ipsec/ipsec_client.pcap")
	natt := framesOf(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")
	tests := []struct {
		name     string
		frame    []byte
		layers   []gopacket.LayerType
		ispi     string
		exchange dissect.ExchangeType
		length   uint32
		espSPI   uint32
		espSeq   uint32
	}{
		{"ipsec_client frame 1 (UDP 500 IKE_SA_INIT)", client[0],
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeISAKMP},
			"238671c80375a0fb", 34, 880, 0, 0},
		{"ipsec_client frame 2 (UDP 500 response)", client[1],
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeISAKMP},
			"238671c80375a0fb", 34, 308, 0, 0},
		{"gcm frame 1 (UDP 4500 marker + IKE_SA_INIT)", natt[0],
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeUDPEncap, LayerTypeISAKMP},
			"89922c915f35570e", 34, 300, 0, 0},
		{"gcm frame 13 (UDP 4500 INFORMATIONAL)", natt[12],
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeUDPEncap, LayerTypeISAKMP},
			"89922c915f35570e", 37, 72, 0, 0},
		{"gcm frame 5 (ESP in UDP)", natt[4],
			[]gopacket.LayerType{layers.LayerTypeEthernet, layers.LayerTypeIPv4, layers.LayerTypeUDP, LayerTypeUDPEncap, layers.LayerTypeIPSecESP},
			"", 0, 0, 0xac0faf03, 1},
	}
	p := newParserSet()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.parser.DecodeLayers(tt.frame, &p.decoded)
			if err != nil {
				t.Fatalf("DecodeLayers: %v (decoded %v)", err, p.decoded)
			}
			if !slices.Equal(p.decoded, tt.layers) {
				t.Fatalf("decoded %v, want %v", p.decoded, tt.layers)
			}
			if tt.ispi != "" {
				h := p.ike.Message.Header
				if h.SPIi.String() != tt.ispi || h.Exchange != tt.exchange || h.Length != tt.length {
					t.Errorf("header SPIi=%s exchange=%d length=%d, want %s %d %d", h.SPIi, h.Exchange, h.Length, tt.ispi, tt.exchange, tt.length)
				}
				if p.ike.DecodeErr != nil {
					t.Errorf("DecodeErr = %v", p.ike.DecodeErr)
				}
				if len(p.ike.Message.Payloads) == 0 {
					t.Errorf("no payloads decoded")
				}
				if len(p.ike.Contents) != int(tt.length) || len(p.ike.Payload) != 0 {
					t.Errorf("Contents %d octets, Payload %d octets; want %d and 0", len(p.ike.Contents), len(p.ike.Payload), tt.length)
				}
			} else {
				if p.esp.SPI != tt.espSPI || p.esp.Seq != tt.espSeq {
					t.Errorf("ESP SPI %#x seq %d, want %#x %d", p.esp.SPI, p.esp.Seq, tt.espSPI, tt.espSeq)
				}
				if p.encap.Kind != EncapESP {
					t.Errorf("encap kind %v, want esp", p.encap.Kind)
				}
			}
		})
	}
}

func TestDecodingLayerParserZeroAllocs(t *testing.T) {
	client := framesOf(t, "zeek-spicy-ipsec/ipsec_client.pcap")
	natt := framesOf(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")
	p := newParserSet()
	for _, frame := range [][]byte{client[0], natt[0], natt[2], natt[4]} {
		_ = p.parser.DecodeLayers(frame, &p.decoded) // warm up: grow the payload slice once
		allocs := testing.AllocsPerRun(200, func() {
			if err := p.parser.DecodeLayers(frame, &p.decoded); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("DecodeLayers allocates %.1f times per packet, want 0", allocs)
		}
	}
}

func TestNewPacket(t *testing.T) {
	natt := framesOf(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")
	pkt := gopacket.NewPacket(natt[2], layers.LayerTypeEthernet, gopacket.Default)
	if el := pkt.ErrorLayer(); el != nil {
		t.Fatalf("decode error: %v", el.Error())
	}
	l := pkt.Layer(LayerTypeISAKMP)
	if l == nil {
		t.Fatalf("no ISAKMP layer in %v", pkt)
	}
	ike := l.(*ISAKMP)
	if ike.Message.Header.Exchange != 35 || ike.Message.Header.SPIi.String() != "89922c915f35570e" {
		t.Errorf("header %+v", ike.Message.Header)
	}
	if pkt.Layer(LayerTypeUDPEncap) == nil {
		t.Errorf("no UDPEncap layer")
	}
	client := framesOf(t, "zeek-spicy-ipsec/ipsec_client.pcap")
	pkt = gopacket.NewPacket(client[0], layers.LayerTypeEthernet, gopacket.Default)
	if l := pkt.Layer(LayerTypeISAKMP); l == nil || l.(*ISAKMP).Message.Header.Exchange != 34 {
		t.Fatalf("UDP 500: no IKE_SA_INIT layer in %v", pkt)
	}
}

func TestUDPEncapKinds(t *testing.T) {
	ike, _ := hex.DecodeString("00000000" + "238671c80375a0fb0000000000000000212022080000000000000024" + "00000008")
	tests := []struct {
		name    string
		in      []byte
		kind    EncapKind
		next    gopacket.LayerType
		wantErr bool
	}{
		{"keepalive", []byte{0xff}, EncapKeepalive, gopacket.LayerTypeZero, false},
		{"marker+ike", ike, EncapIKE, LayerTypeISAKMP, false},
		{"esp", []byte{0xac, 0x0f, 0xaf, 0x03, 0, 0, 0, 1, 9, 9}, EncapESP, layers.LayerTypeIPSecESP, false},
		{"short", []byte{0, 0}, 0, gopacket.LayerTypeZero, true},
		{"one non-ff octet", []byte{0}, 0, gopacket.LayerTypeZero, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u UDPEncap
			err := u.DecodeFromBytes(tt.in, gopacket.NilDecodeFeedback)
			if (err != nil) != tt.wantErr || u.Kind != tt.kind || u.NextLayerType() != tt.next {
				t.Errorf("err=%v kind=%v next=%v; want err=%v kind=%v next=%v", err, u.Kind, u.NextLayerType(), tt.wantErr, tt.kind, tt.next)
			}
		})
	}
}

func TestISAKMPErrors(t *testing.T) {
	var i ISAKMP
	if err := i.DecodeFromBytes(make([]byte, 10), gopacket.NilDecodeFeedback); !errors.Is(err, ErrShortHeader) {
		t.Errorf("short: err = %v", err)
	}
	// A valid header followed by a payload whose length runs past the end:
	// the header is kept, the problem is in DecodeErr.
	b, _ := hex.DecodeString("238671c80375a0fb0000000000000000212022080000000000000024" + "000000ff")
	if err := i.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatalf("err = %v", err)
	}
	if i.DecodeErr == nil || i.Message.Header.Exchange != 34 {
		t.Errorf("DecodeErr=%v header=%+v", i.DecodeErr, i.Message.Header)
	}
	// Version 3.0: no usable header.
	b[17] = 0x30
	if err := i.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err == nil {
		t.Errorf("version 3: want error")
	}
	// Trailing octets after the message become the payload.
	b[17] = 0x20
	b[27] = 32             // message length 32
	b[30], b[31] = 0, 4    // payload length 4: a complete empty payload
	b = append(b, 1, 2, 3) // trailing octets

	if err := i.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		t.Fatal(err)
	}
	if len(i.Contents) != 32 || len(i.Payload) != 3 || i.NextLayerType() != gopacket.LayerTypePayload {
		t.Errorf("contents %d payload %d next %v", len(i.Contents), len(i.Payload), i.NextLayerType())
	}
}

func FuzzISAKMPLayer(f *testing.F) {
	f.Add([]byte{0xff})
	f.Add(make([]byte, 40))
	b, _ := hex.DecodeString("00000000238671c80375a0fb0000000000000000212022080000000000000024000000080000")
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		var u UDPEncap
		if err := u.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			if len(u.Contents)+len(u.Payload) > len(data) {
				t.Fatalf("encap layer slices exceed input")
			}
		}
		var i ISAKMP
		if err := i.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err == nil {
			if len(i.Contents)+len(i.Payload) != len(data) {
				t.Fatalf("contents %d + payload %d != %d", len(i.Contents), len(i.Payload), len(data))
			}
		}
		_ = gopacket.NewPacket(data, LayerTypeUDPEncap, gopacket.Default)
	})
}
