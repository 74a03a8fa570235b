package capture

import (
	"fmt"
	"slices"

	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
)

// IP protocol numbers and IPv6 extension headers the kernel filter knows.
const (
	ipProtoHopByHop = 0
	ipProtoICMP     = 1
	ipProtoTCP      = 6
	ipProtoUDP      = 17
	ipProtoRouting  = 43
	ipProtoFragment = 44
	ipProtoESP      = 50
	ipProtoAH       = 51
	ipProtoDstOpts  = 60
	ipProtoICMPv6   = 58
)

// filterMaxExtHeaders is how many IPv6 extension headers (hop-by-hop,
// routing, destination options) the kernel filter walks before the
// transport header; classic BPF has no loops, so the walk is unrolled.
const filterMaxExtHeaders = 2

// filterMaxVLANTags is how many VLAN tags in an Ethernet frame the kernel
// filter walks (unrolled) to find the EtherType of the payload. A frame
// with more tags than that is passed whatever it carries: the Reader
// decodes any number of tags, so the kernel must not drop what it would
// use.
const filterMaxVLANTags = 8

// Filter returns a classic BPF program, for a kernel socket filter, that
// passes the frames of link type lt a Reader with opt could use and drops
// the rest: UDP on the ports of opt.IKEPorts and opt.NATTPorts, TCP on
// opt.TCPPorts, ESP and AH directly over IP, IP fragments (of TCP,
// UDP, ESP and AH), and ICMP and ICMPv6 destination unreachables quoting
// a UDP datagram of those ports, and, unexamined, the encapsulations the
// Reader unwraps (encap.go: GRE, VXLAN's UDP port, PPPoE and MPLS
// frames), over IPv4 and IPv6
// with up to two IPv6 extension headers before the transport header, in
// Ethernet frames with up to eight VLAN tags (802.1Q, 802.1ad or the old
// 0x9100), Linux cooked (SLL) frames or raw IP. Ethernet frames with more
// than eight tags are passed unexamined, for the Reader to decode or skip.
// Accepted frames are cut to snaplen octets (MaxSnaplen when snaplen is
// zero or larger). The program has one IPv4 and one IPv6 check, reached
// with the offset of the network header in X, so its size does not grow
// with the number of tags walked.
//
// On Linux, VLAN tags that the driver stripped into packet metadata are
// not in the frame the filter sees, so tagged traffic passes either way.
func Filter(lt layers.LinkType, opt Options, snaplen int) ([]bpf.Instruction, error) {
	opt = opt.withDefaults()
	if snaplen <= 0 || snaplen > MaxSnaplen {
		snaplen = MaxSnaplen
	}
	udp := slices.Concat(opt.IKEPorts, opt.NATTPorts)
	slices.Sort(udp)
	udp = slices.Compact(udp)
	tcp := slices.Clone(opt.TCPPorts)
	slices.Sort(tcp)
	tcp = slices.Compact(tcp)
	if len(udp)+len(tcp) > 48 {
		return nil, fmt.Errorf("capture: filter: %d ports, at most 48 fit in a kernel filter", len(udp)+len(tcp))
	}
	a := filterAsm{udp: udp, tcp: tcp, snaplen: uint32(snaplen)}
	switch lt {
	case layers.LinkTypeEthernet:
		// Unrolled: the EtherType after 0, 1, … tags; after the last tag
		// walked, another tag means more than the filter looks at.
		for tags := uint32(0); tags <= filterMaxVLANTags; tags++ {
			a.op(bpf.LoadAbsolute{Off: 12 + 4*tags, Size: 2})
			next := fmt.Sprintf("vlan%d", tags+1)
			if tags == filterMaxVLANTags {
				next = "accept_many_tags"
			}
			a.jeq(etherTypeVLAN, next, "")
			a.jeq(etherTypeQinQ, next, "")
			a.jeq(etherTypeQinQ9, next, "")
			a.etherType(14 + 4*tags)
			a.label(next)
		}
		a.op(bpf.RetConstant{Val: a.snaplen})
	case layers.LinkTypeLinuxSLL:
		a.op(bpf.LoadAbsolute{Off: 14, Size: 2})
		a.etherType(sllHeaderLen)
	case layers.LinkTypeRaw, linkTypeRawAlt12, linkTypeRawAlt14:
		a.op(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		a.op(bpf.LoadAbsolute{Off: 0, Size: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
		a.jeqFar(4, a.use(ip4))
		a.jeqFar(6, a.use(ip6))
		a.op(bpf.RetConstant{Val: 0})
	case layers.LinkTypeIPv4:
		a.op(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		a.jump(a.use(ip4))
	case layers.LinkTypeIPv6:
		a.op(bpf.LoadConstant{Dst: bpf.RegX, Val: 0})
		a.jump(a.use(ip6))
	default:
		return nil, fmt.Errorf("capture: filter: link type %v not supported", lt)
	}
	for _, v6 := range a.blocks {
		if v6 {
			a.ipv6()
		} else {
			a.ipv4()
		}
	}
	return a.resolve()
}

// IP versions of a network block.
const (
	ip4 = false
	ip6 = true
)

// ipBlockName is the label of the IPv4 or IPv6 check.
func ipBlockName(v6 bool) string {
	if v6 {
		return "ip6"
	}
	return "ip4"
}

// use records that the IPv4 or IPv6 check is needed and returns its
// label. The check expects the network header offset in X.
func (a *filterAsm) use(v6 bool) string {
	if !slices.Contains(a.blocks, v6) {
		a.blocks = append(a.blocks, v6)
	}
	return ipBlockName(v6)
}

// etherType dispatches on the EtherType in A to the IPv4 or IPv6 check,
// with X set to the network header offset l3, and rejects anything else.
func (a *filterAsm) etherType(l3 uint32) {
	a.op(bpf.LoadConstant{Dst: bpf.RegX, Val: l3})
	a.jeqFar(etherTypeIPv4, a.use(ip4))
	a.jeqFar(etherTypeIPv6, a.use(ip6))
	// PPPoE and MPLS (encap.go) pass unexamined, for the Reader to unwrap.
	a.jeq(etherTypePPPoE, "+2", "")
	a.jeq(etherTypeMPLS, "+1", "")
	a.jeq(etherTypeMPLSMC, "", "+1")
	a.op(bpf.RetConstant{Val: a.snaplen})
	a.op(bpf.RetConstant{Val: 0})
}

// filterAsm assembles a classic BPF program with symbolic forward jumps.
type filterAsm struct {
	prog     []asmItem
	labels   map[string]int
	blocks   []bool // network checks to emit (IPv6 or not), in order of first use
	udp, tcp []uint16
	snaplen  uint32
}

// asmItem is one instruction; a conditional jump names its targets ("" is
// the next instruction) and an unconditional one its target.
type asmItem struct {
	ins    bpf.Instruction
	jt, jf string
	ja     string
}

func (a *filterAsm) op(ins bpf.Instruction) { a.prog = append(a.prog, asmItem{ins: ins}) }

func (a *filterAsm) label(name string) {
	if a.labels == nil {
		a.labels = map[string]int{}
	}
	a.labels[name] = len(a.prog)
}

// jeq jumps to jt when A == v, else to jf.
func (a *filterAsm) jeq(v uint32, jt, jf string) {
	a.prog = append(a.prog, asmItem{ins: bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, jt: jt, jf: jf})
}

// jset jumps to jt when A & mask != 0, else to jf.
func (a *filterAsm) jset(mask uint32, jt, jf string) {
	a.prog = append(a.prog, asmItem{ins: bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: mask}, jt: jt, jf: jf})
}

func (a *filterAsm) jump(to string) { a.prog = append(a.prog, asmItem{ins: bpf.Jump{}, ja: to}) }

// jeqFar jumps to the label to when A == v, through an unconditional jump
// that reaches any distance; otherwise it falls through.
func (a *filterAsm) jeqFar(v uint32, to string) {
	a.prog = append(a.prog, asmItem{ins: bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, jt: "", jf: "+1"})
	a.jump(to)
}

// ipv4 checks an IPv4 header at offset X: fragments of TCP, UDP, ESP and
// AH pass, ESP and AH pass, UDP and TCP go to the port checks with X at
// the transport header; scratch M[1] holds the protocol. Each block has
// its own port checks and returns, so every conditional jump stays short.
func (a *filterAsm) ipv4() {
	l := func(s string) string { return s + "_ip4" }
	a.label(ipBlockName(ip4))
	a.op(bpf.LoadIndirect{Off: 9, Size: 1}) // protocol
	a.op(bpf.StoreScratch{Src: bpf.RegA, N: 1})
	a.op(bpf.LoadIndirect{Off: 6, Size: 2})
	a.jset(0x3fff, l("frag"), "")           // MF set or fragment offset non-zero
	a.op(bpf.LoadIndirect{Off: 0, Size: 1}) // version and IHL
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.op(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.op(bpf.TAX{}) // X = transport header offset
	a.op(bpf.LoadScratch{Dst: bpf.RegA, N: 1})
	a.jeq(ipProtoESP, l("accept"), "")
	a.jeq(ipProtoAH, l("accept"), "")
	a.jeq(protoGRE, l("accept"), "")
	a.jeq(ipProtoUDP, l("udp"), "")
	a.jeq(ipProtoICMP, l("icmp"), "")
	a.jeq(ipProtoTCP, l("tcp"), l("reject"))
	a.label(l("frag"))
	a.op(bpf.LoadScratch{Dst: bpf.RegA, N: 1})
	a.jeq(ipProtoESP, l("accept"), "")
	a.jeq(ipProtoAH, l("accept"), "")
	a.jeq(ipProtoUDP, l("accept"), "")
	a.jeq(ipProtoTCP, l("accept"), l("reject"))
	// A destination unreachable quoting an unfragmented IPv4 UDP datagram
	// (icmp.go): its ports are checked as a UDP header's, X moved to it.
	a.label(l("icmp"))
	a.op(bpf.LoadIndirect{Off: 0, Size: 1})
	a.jeq(3, "", l("reject"))
	a.op(bpf.LoadIndirect{Off: 8, Size: 1})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
	a.jeq(4, "", l("reject"))
	a.op(bpf.LoadIndirect{Off: 8 + 9, Size: 1})
	a.jeq(ipProtoUDP, "", l("reject"))
	a.op(bpf.LoadIndirect{Off: 8 + 19, Size: 1}) // the quoted addresses are there
	a.op(bpf.LoadIndirect{Off: 8 + 6, Size: 2})
	a.jset(0x1fff, l("reject"), "")
	a.op(bpf.LoadIndirect{Off: 8, Size: 1})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAnd, Val: 0x0f})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 2})
	a.prog = append(a.prog, asmItem{ins: bpf.JumpIf{Cond: bpf.JumpLessThan, Val: 20}, jt: l("reject")})
	a.op(bpf.ALUOpX{Op: bpf.ALUOpAdd})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8})
	a.op(bpf.TAX{})
	a.jump(l("udp"))
	a.tail(l)
}

// ipv6 checks an IPv6 header at offset X, walking up to
// filterMaxExtHeaders extension headers; fragments of TCP, UDP, ESP and AH
// pass. X tracks the offset of the header being looked at, scratch M[0]
// its next-header value.
func (a *filterAsm) ipv6() {
	l := func(s string) string { return s + "_ip6" }
	a.label(ipBlockName(ip6))
	a.op(bpf.LoadIndirect{Off: 6, Size: 1}) // next header
	a.op(bpf.StoreScratch{Src: bpf.RegA, N: 0})
	a.op(bpf.TXA{})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 40})
	a.op(bpf.TAX{}) // X = first header after the fixed one
	a.op(bpf.LoadScratch{Dst: bpf.RegA, N: 0})
	for i := 0; ; i++ {
		a.jeq(ipProtoESP, l("accept"), "")
		a.jeq(ipProtoAH, l("accept"), "")
		a.jeq(protoGRE, l("accept"), "")
		a.jeq(ipProtoFragment, l("frag"), "")
		a.jeq(ipProtoUDP, l("udp"), "")
		if i == filterMaxExtHeaders {
			a.jeq(ipProtoICMPv6, l("icmp"), "")
			a.jeq(ipProtoTCP, l("tcp"), l("reject"))
			break
		}
		ext := l(fmt.Sprintf("ext%d", i))
		a.jeq(ipProtoICMPv6, l("icmp"), "")
		a.jeq(ipProtoTCP, l("tcp"), "")
		a.jeq(ipProtoHopByHop, ext, "")
		a.jeq(ipProtoRouting, ext, "")
		a.jeq(ipProtoDstOpts, ext, l("reject"))
		a.label(ext)
		a.op(bpf.LoadIndirect{Off: 0, Size: 1}) // next header
		a.op(bpf.StoreScratch{Src: bpf.RegA, N: 0})
		a.op(bpf.LoadIndirect{Off: 1, Size: 1}) // length in 8-octet units, minus one
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 1})
		a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftLeft, Val: 3})
		a.op(bpf.ALUOpX{Op: bpf.ALUOpAdd})
		a.op(bpf.TAX{})
		a.op(bpf.LoadScratch{Dst: bpf.RegA, N: 0})
	}
	a.label(l("frag")) // X at the fragment header: its next header
	a.op(bpf.LoadIndirect{Off: 0, Size: 1})
	a.jeq(ipProtoESP, l("accept"), "")
	a.jeq(ipProtoAH, l("accept"), "")
	a.jeq(ipProtoUDP, l("accept"), "")
	a.jeq(ipProtoTCP, l("accept"), l("reject"))
	// A destination unreachable quoting an IPv6 UDP datagram without
	// extension headers (icmp.go): its ports are checked as a UDP
	// header's, X moved to it.
	a.label(l("icmp"))
	a.op(bpf.LoadIndirect{Off: 0, Size: 1})
	a.jeq(1, "", l("reject"))
	a.op(bpf.LoadIndirect{Off: 8, Size: 1})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpShiftRight, Val: 4})
	a.jeq(6, "", l("reject"))
	a.op(bpf.LoadIndirect{Off: 8 + 6, Size: 1})
	a.jeq(ipProtoUDP, "", l("reject"))
	a.op(bpf.TXA{})
	a.op(bpf.ALUOpConstant{Op: bpf.ALUOpAdd, Val: 8 + 40})
	a.op(bpf.TAX{})
	a.jump(l("udp"))
	a.tail(l)
}

// tail emits a block's port checks (X at the transport header) and its
// accept and reject returns.
func (a *filterAsm) tail(l func(string) string) {
	for _, pr := range []struct {
		name  string
		ports []uint16
	}{{"udp", a.udp}, {"tcp", a.tcp}} {
		a.label(l(pr.name))
		for _, off := range []uint32{0, 2} {
			a.op(bpf.LoadIndirect{Off: off, Size: 2})
			for _, p := range pr.ports {
				a.jeq(uint32(p), l("accept"), "")
			}
			if pr.name == "udp" && off == 2 {
				a.jeq(portVXLAN, l("accept"), "") // mirrored traffic (encap.go)
			}
		}
		a.jump(l("reject"))
	}
	a.label(l("accept"))
	a.op(bpf.RetConstant{Val: a.snaplen})
	a.label(l("reject"))
	a.op(bpf.RetConstant{Val: 0})
}

// resolve turns labels into jump offsets.
func (a *filterAsm) resolve() ([]bpf.Instruction, error) {
	out := make([]bpf.Instruction, len(a.prog))
	skip := func(i int, l string) (uint32, error) {
		switch l {
		case "":
			return 0, nil
		case "+1":
			return 1, nil
		case "+2":
			return 2, nil
		}
		t, ok := a.labels[l]
		if !ok {
			return 0, fmt.Errorf("capture: filter: undefined label %q", l)
		}
		if t <= i {
			return 0, fmt.Errorf("capture: filter: backward jump to %q", l)
		}
		return uint32(t - i - 1), nil
	}
	for i, it := range a.prog {
		switch ins := it.ins.(type) {
		case bpf.JumpIf:
			jt, err := skip(i, it.jt)
			if err != nil {
				return nil, err
			}
			jf, err := skip(i, it.jf)
			if err != nil {
				return nil, err
			}
			if jt > 255 || jf > 255 {
				return nil, fmt.Errorf("capture: filter: jump too long at instruction %d (too many ports)", i)
			}
			ins.SkipTrue, ins.SkipFalse = uint8(jt), uint8(jf)
			out[i] = ins
		case bpf.Jump:
			k, err := skip(i, it.ja)
			if err != nil {
				return nil, err
			}
			out[i] = bpf.Jump{Skip: k}
		default:
			out[i] = it.ins
		}
	}
	if len(out) > 4096 {
		return nil, fmt.Errorf("capture: filter: %d instructions, the kernel takes at most 4096", len(out))
	}
	return out, nil
}
