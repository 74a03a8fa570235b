package flows

import (
	"net/netip"
	"strconv"

	"github.com/ikeflow/ikeflow/dissect"
)

// This file holds the accessors that read payload contents. They are the
// only place that knows the payload layouts, so the rest of the package
// stays independent of how dissect exposes them.

// parseNotify reads a Notify payload (IKEv2 RFC 7296 §3.10, IKEv1 RFC 2408
// §3.14).
func parseNotify(version uint8, p dissect.Payload) (notifyFact, bool) {
	h, ok := dissect.ReadNotifyHeader(version, p.Body)
	if !ok {
		return notifyFact{}, false
	}
	return notifyFact{proto: h.Protocol, typ: h.Type, spi: h.SPI, data: h.Data}, true
}

// keGroup returns the DH group of a KE payload (IKEv2 only); 0 when the
// payload is too short to carry one.
func keGroup(p dissect.Payload) dissect.DHGroup {
	g, _ := dissect.KEGroup(p.Body)
	return g
}

// appendDeleteSummary appends "ESP c1a9656b" style text for a Delete payload.
func appendDeleteSummary(b []byte, version uint8, p dissect.Payload) []byte {
	proto, spis := deleteSPIs(version, p, nil)
	b = append(b, protoName(version, proto)...)
	for _, s := range spis {
		b = append(b, ' ')
		b = append(b, s.String()...)
	}
	return b
}

// deleteSPIs returns the protocol and the 4-octet SPIs of a Delete payload
// (IKE SA deletes have none), appending to out.
func deleteSPIs(version uint8, p dissect.Payload, out []ESPSPI) (uint8, []ESPSPI) {
	body, _ := dissect.DecodePayload(version, p)
	var proto uint8
	var spis []dissect.HexBytes
	switch d := body.(type) {
	case *dissect.Delete:
		proto, spis = uint8(d.Protocol), d.SPIs
	case *dissect.DeleteV1:
		proto, spis = uint8(d.Protocol), d.SPIs
	default:
		return 0, out
	}
	for _, s := range spis {
		if len(s) == 4 {
			out = append(out, ESPSPI(uint32(s[0])<<24|uint32(s[1])<<16|uint32(s[2])<<8|uint32(s[3])))
		}
	}
	return proto, out
}

// tsStrings renders the selectors of a TSi/TSr payload: "10.1.0.0/24",
// "192.0.2.1[tcp/443]", "10.0.0.5-10.0.0.9".
func tsStrings(p dissect.Payload) []string {
	body, _ := dissect.DecodePayload(2, p)
	tss, ok := body.(*dissect.TrafficSelectors)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(tss.Selectors))
	for i := range tss.Selectors {
		ts := &tss.Selectors[i]
		var s string
		switch pfx, ok := ts.Prefix(); {
		case !ts.Start.IsValid():
			s = ts.Type.String()
		case ts.Start == ts.End:
			s = ts.Start.String()
			if ts.Start.Is4() {
				s += "/32"
			} else {
				s += "/128"
			}
		case ok:
			s = pfx.String()
		default:
			s = ts.Start.String() + "-" + ts.End.String()
		}
		anyPort := ts.StartPort == 0 && ts.EndPort == 0xffff
		if ts.IPProtocol != 0 || !anyPort {
			s += "[" + ipProto(ts.IPProtocol)
			if !anyPort {
				s += "/" + strconv.Itoa(int(ts.StartPort))
				if ts.EndPort != ts.StartPort {
					s += "-" + strconv.Itoa(int(ts.EndPort))
				}
			}
			s += "]"
		}
		out = append(out, s)
	}
	return out
}

// idV1String renders a quick-mode client ID (IKEv1 ID payload) as a
// traffic selector: "10.1.0.0/24", "192.0.2.1/32", "10.0.0.5-10.0.0.9".
func idV1String(p dissect.Payload) (string, bool) {
	body, err := dissect.DecodePayload(1, p)
	id, ok := body.(*dissect.IDV1)
	if err != nil || !ok || id == nil {
		return "", false
	}
	var s string
	switch {
	case id.Prefix.IsValid():
		s = id.Prefix.String()
	case id.AddrEnd.IsValid():
		s = id.Addr.String() + "-" + id.AddrEnd.String()
	case id.Mask.IsValid():
		s = id.Addr.String() + "/" + id.Mask.String()
	case id.Addr.IsValid():
		s = netipPrefixOf(id.Addr)
	default:
		return "", false
	}
	if id.ProtocolID != 0 || id.Port != 0 {
		s += "[" + ipProto(id.ProtocolID)
		if id.Port != 0 {
			s += "/" + strconv.Itoa(int(id.Port))
		}
		s += "]"
	}
	return s, true
}

// netipPrefixOf renders a single address as a host prefix.
func netipPrefixOf(a netip.Addr) string {
	if a.Is4() {
		return a.String() + "/32"
	}
	return a.String() + "/128"
}

// ipProto names an IP protocol number for traffic selectors.
func ipProto(p uint8) string {
	switch p {
	case 0:
		return "any"
	case 1:
		return "icmp"
	case 6:
		return "tcp"
	case 17:
		return "udp"
	case 47:
		return "gre"
	case 58:
		return "icmpv6"
	}
	return strconv.Itoa(int(p))
}

// protoName names a security protocol ID (the values agree between IKEv1
// and IKEv2 for ISAKMP/IKE=1, AH=2, ESP=3).
func protoName(version uint8, p uint8) string {
	switch p {
	case 1:
		if version == 1 {
			return "ISAKMP"
		}
		return "IKE"
	case 2:
		return "AH"
	case 3:
		return "ESP"
	case 4:
		return "IPCOMP"
	}
	return "proto " + strconv.Itoa(int(p))
}

// notifyV1Name returns the name of an IKEv1 notify type.
func notifyV1Name(t uint16) string { return dissect.NotifyTypeV1(t).String() }
