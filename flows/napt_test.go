package flows

import (
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// withoutNATD returns the IKEv2 message data without its
// NAT_DETECTION_SOURCE_IP and NAT_DETECTION_DESTINATION_IP notifies, the
// payload chain and the lengths made whole again, as a peer with NAT
// traversal disabled sends IKE_SA_INIT.
func withoutNATD(t *testing.T, data []byte) []byte {
	t.Helper()
	var m dissect.Message
	if err := m.DecodeFromBytes(data); err != nil {
		t.Fatal(err)
	}
	var kept []dissect.Payload
	for _, p := range m.Payloads {
		if p.Type == dissect.PayloadNotify && len(p.Body) >= 4 {
			switch dissect.NotifyType(binary.BigEndian.Uint16(p.Body[2:4])) {
			case dissect.NotifyNATDetectionSourceIP, dissect.NotifyNATDetectionDestinationIP:
				continue
			}
		}
		kept = append(kept, p)
	}
	if len(kept) == len(m.Payloads) {
		t.Fatal("no NAT detection notify to remove")
	}
	out := append([]byte(nil), data[:dissect.HeaderLen]...)
	out[16] = byte(kept[0].Type)
	for i, p := range kept {
		next := dissect.PayloadNone
		if i+1 < len(kept) {
			next = kept[i+1].Type
		}
		var crit byte
		if p.Critical {
			crit = 0x80
		}
		out = append(out, byte(next), crit)
		out = binary.BigEndian.AppendUint16(out, uint16(4+len(p.Body)))
		out = append(out, p.Body...)
	}
	binary.BigEndian.PutUint32(out[24:28], uint32(len(out)))
	return out
}

// TestNAPTByPort: without NAT detection payloads, an initiator's first
// request from a source port other than 500/4500 is the only sign of a
// NAPT. The real ikev2-psk-success capture (strongSwan) with the NAT
// detection notifies taken out of IKE_SA_INIT and the initiator's port
// rewritten to 40000, as a NAPT would (and the answers sent back to it),
// gets the NAT finding, worded as a likelihood, saying that nothing moves
// to UDP 4500 without NAT detection; with port 500 it gets none.
func TestNAPTByPort(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	edit := func(port uint16) []Packet {
		pk := clonePackets(base)
		init := pk[0].Src.Addr()
		for i := range pk {
			if pk[i].Kind == KindIKE && dissect.ExchangeType(pk[i].Data[18]) == dissect.ExchangeIKESAInit {
				pk[i].Data = withoutNATD(t, pk[i].Data)
			}
			if pk[i].Src.Addr() == init {
				pk[i].Src = netip.AddrPortFrom(init, port)
			} else {
				pk[i].Dst = netip.AddrPortFrom(init, port)
			}
		}
		return pk
	}
	if sa := analyze(edit(500), Options{}).SAs[0]; finding(sa, KindNATDetected) != nil || sa.NAT != "" {
		t.Fatalf("port 500: NAT %q, %+v", sa.NAT, finding(sa, KindNATDetected))
	}
	sa := analyze(edit(40000), Options{}).SAs[0]
	f := finding(sa, KindNATDetected)
	if f == nil || sa.NAT != "initiator" || f.Severity != SeverityInfo {
		t.Fatalf("port 40000: NAT %q, finding %+v\n%s", sa.NAT, f, Ladder(sa))
	}
	for _, want := range []string{"probably behind a NAPT", "No NAT detection payloads were sent", "enable NAT traversal on both peers"} {
		if !strings.Contains(f.Message, want) {
			t.Errorf("NAPT finding lacks %q:\n%s", want, f.Message)
		}
	}
	if strings.Contains(f.Message, "ESP is UDP-encapsulated") {
		t.Errorf("NAPT finding says ESP is UDP-encapsulated, which needs NAT detection:\n%s", f.Message)
	}
}

// TestNAPTByPortOnNATT: the Wireshark wiki's IKEv2 sample (a client behind
// a NAT, another vendor's stack) sends no NAT detection payloads, from
// port 10954, but to the gateway's UDP 4500 from its first message, with
// ESP inside UDP: the NAT finding must not say that nothing moves to UDP
// 4500 or that NAT traversal is to be enabled (it was in use).
func TestNAPTByPortOnNATT(t *testing.T) {
	pk := loadPackets(t, testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng"))
	r := analyze(pk, Options{})
	if len(r.SAs) == 0 {
		t.Fatal("no SA")
	}
	for _, sa := range r.SAs {
		f := finding(sa, KindNATDetected)
		if f == nil || !strings.Contains(f.Message, "the peers use UDP 4500 from the first message") ||
			strings.Contains(f.Message, "enable NAT traversal") {
			t.Errorf("SA %s: %+v", sa.Name(), f)
		}
	}
}

// TestNAPTByPortCut: the Wireshark wiki sample as a snap length of 128
// keeps it: each IKE_SA_INIT is cut before the payloads after its SA. The
// NAPT the source port shows is still reported, but not that "no NAT
// detection payloads were sent": the capture did not keep the part where
// they would be.
func TestNAPTByPortCut(t *testing.T) {
	pk := snapCapture(loadPackets(t, testutil.SharedCapture(t, "wireshark-wiki/ikev2-esp-gcm-ctr-cbc/capture.pcapng")), 128)
	r := analyze(pk, Options{})
	if len(r.SAs) == 0 {
		t.Fatal("no SA")
	}
	for _, sa := range r.SAs {
		f := finding(sa, KindNATDetected)
		if f == nil || !strings.Contains(f.Message, "probably behind a NAPT") || strings.Contains(f.Message, "were sent") ||
			!strings.Contains(f.Message, "whether it carried NAT detection payloads") {
			t.Errorf("SA %s: %+v", sa.Name(), f)
		}
	}
}

// TestNAPTByPortNotOverTCP: IKE over TCP (RFC 8229) comes from an
// ephemeral client port. libreswan-ikev2-tcp as a snap length of 128 keeps
// it (its NAT detection payloads cut off) read "The initiator is probably
// behind a NAPT: it sends IKE from a port other than 500/4500" (port
// 37124); a TCP port says nothing of a NAT.
func TestNAPTByPortNotOverTCP(t *testing.T) {
	pk := snapCapture(corpusPackets(t, "libreswan-ikev2-tcp"), 128)
	for _, sa := range analyze(pk, Options{}).SAs {
		if f := finding(sa, KindNATDetected); f != nil {
			t.Errorf("SA %s: %s", sa.Name(), f.Message)
		}
	}
}
