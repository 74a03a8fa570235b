package main

import (
	"fmt"
	"strings"
)

// msg is what the harness compares for one IKE message: the fields both
// tshark and ikeflow report. Registry values are kept as ikeflow's names;
// tshark's numbers are translated with package dissect, so a wrong number
// and a wrong name both show up as a disagreement.
type msg struct {
	Frame      int
	Version    int
	SPIi, SPIr string // 16 hex digits
	Exchange   string
	MessageID  uint32
	Flags      uint8
	Encrypted  bool     // IKEv1 body encrypted (E flag)
	Payloads   []string // top-level payload types in order (short names)
	Decrypted  bool     // tshark/ikeflow showed decrypted contents
	Inner      []string // decrypted payload types (SK contents or IKEv1 body)
	Notifies   []string // notify message types, in order, including decrypted ones
	Transforms []string // "ENCR:12", "PRF:5", … or "v1:1" for IKEv1 transform IDs

	// InICMPError: tshark found this message only inside the quote of an
	// ICMP/ICMPv6 error (e.g. port unreachable answering an IKE packet),
	// not as a packet sent on the wire (tshark's side only)
	InICMPError bool

	clearNotifies   []string // the notifies outside encrypted payloads
	clearTransforms []string // the transforms outside encrypted payloads
}

// field names compared, in report order.
var fieldNames = []string{"header", "payloads", "decrypted", "notifies", "transforms"}

// diff returns the fields on which a (tshark) and b (ikeflow) disagree,
// each with a one-line explanation.
func diff(a, b msg) map[string]string {
	out := map[string]string{}
	if ha, hb := headerString(a), headerString(b); ha != hb {
		out["header"] = fmt.Sprintf("tshark %s, ikeflow %s", ha, hb)
	}
	if sa, sb := strings.Join(a.Payloads, ","), strings.Join(b.Payloads, ","); sa != sb {
		out["payloads"] = fmt.Sprintf("tshark [%s], ikeflow [%s]", sa, sb)
	}
	// Decrypted contents are compared only when both sides decrypted.
	if a.Decrypted && b.Decrypted {
		if sa, sb := strings.Join(a.Inner, ","), strings.Join(b.Inner, ","); sa != sb {
			out["decrypted"] = fmt.Sprintf("tshark [%s], ikeflow [%s]", sa, sb)
		}
	} else if a.Decrypted != b.Decrypted {
		out["decrypted"] = fmt.Sprintf("tshark decrypted=%v, ikeflow decrypted=%v", a.Decrypted, b.Decrypted)
	}
	na, nb := a.Notifies, b.Notifies
	if !(a.Decrypted && b.Decrypted) { // compare only what both could see
		na, nb = a.clearNotifies, b.clearNotifies
	}
	if sa, sb := strings.Join(na, ","), strings.Join(nb, ","); sa != sb {
		out["notifies"] = fmt.Sprintf("tshark [%s], ikeflow [%s]", sa, sb)
	}
	ta, tb := a.Transforms, b.Transforms
	if !(a.Decrypted && b.Decrypted) {
		ta, tb = a.clearTransforms, b.clearTransforms
	}
	if sa, sb := strings.Join(ta, ","), strings.Join(tb, ","); sa != sb {
		out["transforms"] = fmt.Sprintf("tshark [%s], ikeflow [%s]", sa, sb)
	}
	return out
}

func headerString(m msg) string {
	return fmt.Sprintf("v%d %s mid=%d flags=%#02x spi=%s/%s", m.Version, m.Exchange, m.MessageID, m.Flags, m.SPIi, m.SPIr)
}
