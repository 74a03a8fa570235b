package main

import (
	"encoding/xml"
	"fmt"
	"github.com/ikeflow/ikeflow/dissect"
	"io"
	"strconv"
	"strings"
)

// pdmlField is one <field> (or <proto>) element of tshark's PDML output.
type pdmlField struct {
	Name     string      `xml:"name,attr"`
	Show     string      `xml:"show,attr"`
	Value    string      `xml:"value,attr"`
	Children []pdmlField `xml:"field"`
	Protos   []pdmlField `xml:"proto"` // tshark nests some protocols inside fields
}

// pdmlPacket is one <packet> element.
type pdmlPacket struct {
	Protos []pdmlField `xml:"proto"`
}

// readPDML streams packets from tshark -T pdml output and returns the IKE
// messages they hold, in order.
func readPDML(r io.Reader) ([]msg, error) {
	dec := xml.NewDecoder(r)
	var out []msg
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "packet" {
			continue
		}
		var p pdmlPacket
		if err := dec.DecodeElement(&p, &se); err != nil {
			return out, err
		}
		frame := 0
		for _, pr := range p.Protos {
			if pr.Name == "frame" {
				if f := pr.find("frame.number"); f != nil {
					frame, _ = strconv.Atoi(f.Show)
				}
			}
		}
		// An ICMP/ICMPv6 error quotes the start of the packet it answers;
		// tshark dissects the quoted IKE message (as a protocol after the
		// icmp one), ikeflow does not take it for a message sent. Such
		// messages are marked so that the comparison can leave them out.
		quoted := false
		for _, pr := range allProtos(p.Protos) {
			if isICMPError(pr) {
				quoted = true
			}
			if pr.Name != "isakmp" {
				continue
			}
			m, err := msgFromPDML(frame, pr)
			if err != nil {
				return out, fmt.Errorf("frame %d: %w", frame, err)
			}
			m.InICMPError = quoted
			out = append(out, m)
		}
	}
}

// isICMPError tells whether pr is an ICMP error message (RFC 792/1812:
// destination unreachable 3, source quench 4, redirect 5, time exceeded 11,
// parameter problem 12) or an ICMPv6 error (RFC 4443: types 1-4), the kinds
// that quote the packet they answer.
func isICMPError(pr pdmlField) bool {
	var typ *pdmlField
	switch pr.Name {
	case "icmp":
		typ = pr.find("icmp.type")
	case "icmpv6":
		typ = pr.find("icmpv6.type")
	default:
		return false
	}
	if typ == nil {
		return false
	}
	t, err := parseUint(typ.Show)
	if err != nil {
		return false
	}
	if pr.Name == "icmp" {
		return t == 3 || t == 4 || t == 5 || t == 11 || t == 12
	}
	return t >= 1 && t <= 4
}

// allProtos returns the protocols of a packet, including those nested in fields.
func allProtos(ps []pdmlField) []pdmlField {
	var out []pdmlField
	var walk func(f pdmlField)
	walk = func(f pdmlField) {
		out = append(out, f)
		for _, c := range f.Protos {
			walk(c)
		}
		for _, c := range f.Children {
			for _, p := range c.Protos {
				walk(p)
			}
		}
	}
	for _, p := range ps {
		walk(p)
	}
	return out
}

// find returns the first direct child named name.
func (f *pdmlField) find(name string) *pdmlField {
	for i := range f.Children {
		if f.Children[i].Name == name {
			return &f.Children[i]
		}
	}
	return nil
}

// each calls fn for every descendant (depth first, in order).
func (f *pdmlField) each(fn func(*pdmlField)) {
	for i := range f.Children {
		fn(&f.Children[i])
		f.Children[i].each(fn)
	}
}

func parseUint(s string) (uint64, error) {
	if strings.HasPrefix(s, "0x") {
		return strconv.ParseUint(s[2:], 16, 64)
	}
	return strconv.ParseUint(s, 10, 64)
}

// msgFromPDML builds the comparison summary from one isakmp protocol element.
func msgFromPDML(frame int, pr pdmlField) (msg, error) {
	m := msg{Frame: frame}
	get := func(name string) (uint64, error) {
		f := pr.find(name)
		if f == nil {
			return 0, fmt.Errorf("no %s", name)
		}
		return parseUint(f.Show)
	}
	if f := pr.find("isakmp.ispi"); f != nil {
		m.SPIi = f.Value
	}
	if f := pr.find("isakmp.rspi"); f != nil {
		m.SPIr = f.Value
	}
	v, err := get("isakmp.version")
	if err != nil {
		return m, err
	}
	m.Version = int(v >> 4)
	ex, err := get("isakmp.exchangetype")
	if err != nil {
		return m, err
	}
	m.Exchange = dissect.ExchangeType(ex).String()
	mid, err := get("isakmp.messageid")
	if err != nil {
		return m, err
	}
	m.MessageID = uint32(mid)
	fl, err := get("isakmp.flags")
	if err != nil {
		return m, err
	}
	m.Flags = uint8(fl)
	// Decrypted payloads sit directly under isakmp.enc.data (IKEv1) or
	// under isakmp.enc.decrypted/isakmp.enc.contained (IKEv2 SK/SKF).
	var inner func(c *pdmlField)
	inner = func(c *pdmlField) {
		for j := range c.Children {
			ic := &c.Children[j]
			switch ic.Name {
			case "isakmp.enc.decrypted", "isakmp.enc.contained":
				m.Decrypted = true // also when the SK payload holds no payload
				inner(ic)
			case "isakmp.typepayload":
				m.Decrypted = true
				it, _ := parseUint(ic.Show)
				m.Inner = append(m.Inner, dissect.PayloadType(it).Short())
				collect(&m, ic, false)
			}
		}
	}
	for i := range pr.Children {
		c := &pr.Children[i]
		switch c.Name {
		case "isakmp.enc.data": // IKEv1 body, decrypted when keys were given
			m.Encrypted = true
			inner(c)
		case "isakmp.typepayload":
			t, _ := parseUint(c.Show)
			m.Payloads = append(m.Payloads, dissect.PayloadType(t).Short())
			if t == uint64(dissect.PayloadSK) || t == uint64(dissect.PayloadSKF) {
				inner(c)
			} else {
				collect(&m, c, true)
			}
		}
	}
	return m, nil
}

// collect appends the notify types and transform IDs found under f.
func collect(m *msg, f *pdmlField, clear bool) {
	add := func(list *[]string, clearList *[]string, s string) {
		*list = append(*list, s)
		if clear {
			*clearList = append(*clearList, s)
		}
	}
	visit := func(c *pdmlField) {
		n, err := parseUint(c.Show)
		if err != nil {
			return
		}
		switch c.Name {
		case "isakmp.notify.msgtype":
			name := dissect.NotifyType(n).String()
			if m.Version == 1 {
				name = dissect.NotifyTypeV1(n).String()
			}
			add(&m.Notifies, &m.clearNotifies, name)
		case "isakmp.tf.id.encr", "isakmp.tf.id.prf", "isakmp.tf.id.integ", "isakmp.tf.id.dh", "isakmp.tf.id.esn":
			typ := map[string]dissect.TransformType{
				"isakmp.tf.id.encr": dissect.TransformENCR, "isakmp.tf.id.prf": dissect.TransformPRF,
				"isakmp.tf.id.integ": dissect.TransformINTEG, "isakmp.tf.id.dh": dissect.TransformKE,
				"isakmp.tf.id.esn": dissect.TransformESN,
			}[c.Name]
			add(&m.Transforms, &m.clearTransforms, typ.String()+":"+strconv.FormatUint(n, 10))
		case "isakmp.trans.id":
			add(&m.Transforms, &m.clearTransforms, "v1:"+strconv.FormatUint(n, 10))
		}
	}
	visit(f)
	f.each(visit)
}
