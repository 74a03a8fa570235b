package dissect

import (
	"net/netip"
	"strconv"
	"strings"
)

// TrafficSelectors is the body of an IKEv2 TSi or TSr payload ([RFC 7296]
// §3.13). NumTS is the wire count; Selectors holds what was present.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.13
type TrafficSelectors struct {
	NumTS     uint8             `json:"num_ts"`
	Selectors []TrafficSelector `json:"selectors"`
}

// TrafficSelector is one traffic selector ([RFC 7296] §3.13.1). For the
// IPv4 and IPv6 range types Start and End are the addresses; other types
// (TS_FC_ADDR_RANGE, TS_SECLABEL) keep their content in Data.
//
// [RFC 7296]: https://www.rfc-editor.org/rfc/rfc7296#section-3.13.1
type TrafficSelector struct {
	Type       TSType     `json:"type"`
	IPProtocol uint8      `json:"ip_protocol"`
	StartPort  uint16     `json:"start_port"`
	EndPort    uint16     `json:"end_port"`
	Start      netip.Addr `json:"start,omitzero"`
	End        netip.Addr `json:"end,omitzero"`
	Data       HexBytes   `json:"data,omitempty"`
}

var ipProtoNames = map[uint8]string{1: "icmp", 6: "tcp", 17: "udp", 47: "gre", 50: "esp", 51: "ah", 58: "icmpv6", 132: "sctp"}

// Prefix returns the range as a CIDR prefix when it is exactly one
// (10.1.0.0–10.1.0.255 is 10.1.0.0/24).
func (ts *TrafficSelector) Prefix() (netip.Prefix, bool) {
	return v2RangePrefix(ts.Start, ts.End)
}

// String renders "10.1.0.0/24 proto any ports any",
// "10.1.0.5-10.1.0.9 proto tcp ports 1024-65535" or "192.0.2.1 proto udp ports 500".
func (ts *TrafficSelector) String() string {
	var b strings.Builder
	if !ts.Start.IsValid() {
		b.WriteString(ts.Type.String())
		if len(ts.Data) > 0 {
			b.WriteString(" " + shortHex(ts.Data))
		}
		return b.String()
	}
	switch pfx, ok := ts.Prefix(); {
	case ts.Start == ts.End:
		b.WriteString(ts.Start.String())
	case ok:
		b.WriteString(pfx.String())
	default:
		b.WriteString(ts.Start.String() + "-" + ts.End.String())
	}
	b.WriteString(" proto ")
	if ts.IPProtocol == 0 {
		b.WriteString("any")
	} else if n, ok := ipProtoNames[ts.IPProtocol]; ok {
		b.WriteString(n)
	} else {
		b.WriteString(strconv.Itoa(int(ts.IPProtocol)))
	}
	b.WriteString(" ports ")
	switch {
	case ts.StartPort == 0 && ts.EndPort == 65535:
		b.WriteString("any")
	case ts.StartPort == 65535 && ts.EndPort == 0:
		b.WriteString("opaque") // RFC 4301 OPAQUE
	case ts.StartPort == ts.EndPort:
		b.WriteString(strconv.Itoa(int(ts.StartPort)))
	default:
		b.WriteString(strconv.Itoa(int(ts.StartPort)) + "-" + strconv.Itoa(int(ts.EndPort)))
	}
	return b.String()
}

// String joins the selectors with ", ".
func (t *TrafficSelectors) String() string {
	parts := make([]string, 0, len(t.Selectors))
	for i := range t.Selectors {
		parts = append(parts, t.Selectors[i].String())
	}
	s := strings.Join(parts, ", ")
	if int(t.NumTS) != len(t.Selectors) {
		s += " [" + strconv.Itoa(len(t.Selectors)) + "/" + strconv.Itoa(int(t.NumTS)) + " selectors]"
	}
	return s
}

// v2RangePrefix reports whether start..end is exactly one CIDR prefix.
func v2RangePrefix(start, end netip.Addr) (netip.Prefix, bool) {
	if !start.IsValid() || start.BitLen() != end.BitLen() {
		return netip.Prefix{}, false
	}
	s, e := start.As16(), end.As16()
	off := 0
	if start.Is4() {
		off = 12
	}
	// The prefix length is the number of leading bits in which start and
	// end agree; below it start must be all zeros and end all ones.
	bits := 0
	i := off
	for ; i < 16 && s[i] == e[i]; i++ {
		bits += 8
	}
	if i < 16 {
		x := s[i] ^ e[i]
		for m := byte(0x80); m != 0 && x&m == 0; m >>= 1 {
			bits++
		}
		// Remaining bits of this octet.
		rem := byte(0xff) >> (uint(bits) % 8)
		if s[i]&rem != 0 || e[i]&rem != rem {
			return netip.Prefix{}, false
		}
		for j := i + 1; j < 16; j++ {
			if s[j] != 0 || e[j] != 0xff {
				return netip.Prefix{}, false
			}
		}
	}
	return netip.PrefixFrom(start, bits), true
}

// maxTS caps the selectors decoded from one payload.
const maxTS = 255

func decodeTS(p Payload) (*TrafficSelectors, error) {
	b := p.Body
	if len(b) < 4 {
		return &TrafficSelectors{}, v2Err(p, 0, ".header", ErrMalformed)
	}
	t := &TrafficSelectors{NumTS: b[0]}
	for off, i := 4, 0; off < len(b); i++ {
		field, err := v2Entry(p, off, i, maxTS, "ts")
		if err != nil {
			return t, err
		}
		slen := int(be16(b[off+2:]))
		if slen < 4 || slen > len(b)-off {
			return t, v2Err(p, off+2, field+".length", ErrMalformed)
		}
		v := b[off : off+slen]
		ts := TrafficSelector{Type: TSType(v[0]), IPProtocol: v[1]}
		switch ts.Type {
		case TSIPv4AddrRange, TSIPv6AddrRange:
			alen := 4
			if ts.Type == TSIPv6AddrRange {
				alen = 16
			}
			if slen != 8+2*alen {
				t.Selectors = append(t.Selectors, ts)
				return t, v2Err(p, off+2, field+".length", ErrMalformed)
			}
			ts.StartPort, ts.EndPort = be16(v[4:]), be16(v[6:])
			ts.Start = v2Addr(v[8 : 8+alen])
			ts.End = v2Addr(v[8+alen : 8+2*alen])
		default:
			ts.Data = v[4:]
		}
		t.Selectors = append(t.Selectors, ts)
		off += slen
	}
	return t, nil
}
