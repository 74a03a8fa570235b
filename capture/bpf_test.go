package capture

import (
	"encoding/binary"
	"io"
	"os"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"

	"github.com/ikeflow/ikeflow/internal/testpcap"
	"github.com/ikeflow/ikeflow/internal/testutil"
)

// sliceSource is a PacketSource over frames held in memory.
type sliceSource struct {
	lt     layers.LinkType
	frames [][]byte
}

func (s *sliceSource) LinkType() layers.LinkType { return s.lt }

func (s *sliceSource) ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error) {
	if len(s.frames) == 0 {
		return nil, gopacket.CaptureInfo{}, io.EOF
	}
	f := s.frames[0]
	s.frames = s.frames[1:]
	return f, gopacket.CaptureInfo{Timestamp: time.Unix(1, 0), CaptureLength: len(f), Length: len(f)}, nil
}

// readerUses is the oracle: whether a Reader finds anything in the frame
// (an event, a fragment or a TCP segment), i.e. whether the kernel filter
// must pass it.
func readerUses(t *testing.T, lt layers.LinkType, frame []byte) bool {
	t.Helper()
	r := NewSourceReader(&sliceSource{lt, [][]byte{frame}}, Options{})
	for i := 0; i < 100; i++ {
		if _, err := r.Next(); err != nil {
			break
		}
	}
	s := r.Stats()
	return s.NonIKE == 0 && s.Unsupported == 0
}

// ethFrames returns the Ethernet frames of the corpus and third-party
// captures.
func ethFrames(t *testing.T) [][]byte {
	t.Helper()
	paths := testutil.CorpusCaptures(t)
	if _, err := os.Stat(testutil.SharedDir()); err == nil {
		paths = append(paths, testutil.SharedCaptures(t)...)
	}
	var out [][]byte
	for _, p := range paths {
		lt, recs, err := testpcap.ReadAll(p)
		if err != nil {
			t.Fatal(err)
		}
		if lt == layers.LinkTypeEthernet {
			out = append(out, testpcap.Frames(recs[:min(len(recs), 100000)])...)
		}
	}
	if len(out) < 100 {
		t.Fatalf("only %d frames found", len(out))
	}
	return out
}

// runFilter runs prog on frame in the x/net/bpf VM.
func runFilter(t *testing.T, vm *bpf.VM, frame []byte) int {
	t.Helper()
	n, err := vm.Run(frame)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// variant is a rewritten frame and how the filter must treat it.
type variant struct {
	name  string
	lt    layers.LinkType
	frame []byte
	want  int // 1 accept, 0 reject, -1 ask the Reader, passUnexamined
}

// passUnexamined is a variant's want for frames with more VLAN tags than
// the filter walks, and for encapsulations (GRE): passed whatever they
// carry, the Reader decides.
const passUnexamined = 2

// ipv4Off returns the IPv4 header offset in an Ethernet frame, or -1.
func ipv4Off(f []byte) int {
	if len(f) < 34 || binary.BigEndian.Uint16(f[12:]) != etherTypeIPv4 || f[14]>>4 != 4 {
		return -1
	}
	return 14
}

// variants derives test frames from one real Ethernet/IPv4 frame.
func variants(f []byte) []variant {
	out := []variant{{"original", layers.LinkTypeEthernet, f, -1}}
	l3 := ipv4Off(f)
	if l3 < 0 {
		return out
	}
	ip := f[l3:]
	ihl := int(ip[0]&0xf) * 4
	proto := ip[9]
	frag := binary.BigEndian.Uint16(ip[6:])&0x3fff != 0
	eth := f[:12]

	// VLAN tags: one 802.1Q, then 802.1ad + 802.1Q, then stacks of 3, 8
	// (the most the kernel filter walks) and 9 tags of mixed types.
	tag := func(tpid uint16) []byte { return []byte{byte(tpid >> 8), byte(tpid), 0x00, 0x64} }
	tags := func(n int) []byte {
		var b []byte
		for i := range n {
			b = append(b, tag([]uint16{etherTypeQinQ, etherTypeQinQ9, etherTypeVLAN}[i%3])...)
		}
		return b
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	out = append(out,
		variant{"vlan", layers.LinkTypeEthernet, cat(eth, tag(etherTypeVLAN), f[12:]), -1},
		variant{"qinq", layers.LinkTypeEthernet, cat(eth, tag(etherTypeQinQ), tag(etherTypeVLAN), f[12:]), -1},
		variant{"3 tags", layers.LinkTypeEthernet, cat(eth, tags(3), f[12:]), -1},
		variant{"8 tags", layers.LinkTypeEthernet, cat(eth, tags(8), f[12:]), -1},
		variant{"9 tags", layers.LinkTypeEthernet, cat(eth, tags(9), f[12:]), passUnexamined},
		variant{"raw", layers.LinkTypeRaw, cat(ip), -1},
		variant{"sll", layers.LinkTypeLinuxSLL, cat([]byte{0, 0, 0, 1, 0, 6}, f[6:12], []byte{0, 0}, f[12:]), -1},
	)
	// Other ports or protocols must be rejected.
	if !frag && (proto == ipProtoUDP || proto == ipProtoTCP) && len(ip) >= ihl+4 {
		g := cat(f)
		binary.BigEndian.PutUint16(g[l3+ihl:], 53)
		binary.BigEndian.PutUint16(g[l3+ihl+2:], 5353)
		out = append(out, variant{"other ports", layers.LinkTypeEthernet, g, 0})
		h := cat(eth, tag(etherTypeVLAN), g[12:])
		out = append(out, variant{"vlan other ports", layers.LinkTypeEthernet, h, 0},
			variant{"3 tags other ports", layers.LinkTypeEthernet, cat(eth, tags(3), g[12:]), 0},
			variant{"8 tags other ports", layers.LinkTypeEthernet, cat(eth, tags(8), g[12:]), 0},
			variant{"9 tags other ports", layers.LinkTypeEthernet, cat(eth, tags(9), g[12:]), passUnexamined})
	}
	if proto == ipProtoESP {
		g := cat(f)
		g[l3+9] = 47 // GRE: passed unexamined, for the Reader to unwrap (encap.go)
		out = append(out, variant{"gre", layers.LinkTypeEthernet, g, passUnexamined})
	}
	// IPv6 with the same transport payload, with extension headers, and
	// as fragments.
	v6 := func(next byte, ext []byte, payload []byte) []byte {
		h := make([]byte, 40)
		h[0] = 0x60
		binary.BigEndian.PutUint16(h[4:], uint16(len(ext)+len(payload)))
		h[6], h[7] = next, 64
		copy(h[8:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
		copy(h[24:], []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2})
		return cat(eth, []byte{0x86, 0xdd}, h, ext, payload)
	}
	payload := ip[ihl:]
	if tl := int(binary.BigEndian.Uint16(ip[2:])); tl >= ihl && tl <= len(ip) {
		payload = ip[ihl:tl]
	}
	opts := func(next byte) []byte { return []byte{next, 0, 1, 4, 0, 0, 0, 0} } // PadN
	if !frag {
		out = append(out,
			variant{"ipv6", layers.LinkTypeEthernet, v6(proto, nil, payload), -1},
			variant{"ipv6 hop-by-hop", layers.LinkTypeEthernet, v6(ipProtoHopByHop, opts(proto), payload), -1},
			variant{"ipv6 hbh+dstopts", layers.LinkTypeEthernet, v6(ipProtoHopByHop, cat(opts(ipProtoDstOpts), opts(proto)), payload), -1},
			variant{"ipv6 3 ext headers", layers.LinkTypeEthernet, v6(ipProtoHopByHop, cat(opts(ipProtoDstOpts), opts(ipProtoRouting), opts(proto)), payload), 0},
			variant{"ipv6 fragment", layers.LinkTypeEthernet, v6(ipProtoFragment, []byte{proto, 0, 0, 1, 0, 0, 0, 7}, payload), -1},
			variant{"ipv6 hbh+fragment", layers.LinkTypeEthernet, v6(ipProtoHopByHop, cat(opts(ipProtoFragment), []byte{proto, 0, 0, 1, 0, 0, 0, 7}), payload), -1},
		)
		// The IPv6 walk behind a tag stack.
		tagged6 := func(n int, f []byte) []byte { return cat(eth, tags(n), f[12:]) }
		out = append(out,
			variant{"3 tags ipv6 hbh+fragment", layers.LinkTypeEthernet, tagged6(3, v6(ipProtoHopByHop, cat(opts(ipProtoFragment), []byte{proto, 0, 0, 1, 0, 0, 0, 7}), payload)), -1},
			variant{"8 tags ipv6 hbh+dstopts", layers.LinkTypeEthernet, tagged6(8, v6(ipProtoHopByHop, cat(opts(ipProtoDstOpts), opts(proto)), payload)), -1},
		)
		if proto == ipProtoUDP || proto == ipProtoTCP {
			g := cat(payload)
			binary.BigEndian.PutUint16(g, 53)
			binary.BigEndian.PutUint16(g[2:], 5353)
			out = append(out, variant{"ipv6 other ports", layers.LinkTypeEthernet, v6(proto, nil, g), 0},
				variant{"ipv6 hbh other ports", layers.LinkTypeEthernet, v6(ipProtoHopByHop, opts(proto), g), 0},
				variant{"8 tags ipv6 hbh other ports", layers.LinkTypeEthernet, tagged6(8, v6(ipProtoHopByHop, opts(proto), g)), 0})
		}
	}
	return out
}

// TestFilterOnRealFrames runs the kernel filter in the BPF VM over every
// frame of the corpus and third-party captures and over rewritten copies
// (VLAN tags, IPv6 with extension headers and fragments, other ports and
// protocols, raw and cooked link types): it must pass exactly what the
// Reader uses.
func TestFilterOnRealFrames(t *testing.T) {
	const snaplen = 9000
	vms := map[layers.LinkType]*bpf.VM{}
	for _, lt := range []layers.LinkType{layers.LinkTypeEthernet, layers.LinkTypeRaw, layers.LinkTypeLinuxSLL} {
		prog, err := Filter(lt, Options{}, snaplen)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bpf.Assemble(prog); err != nil {
			t.Fatal(err)
		}
		vm, err := bpf.NewVM(prog)
		if err != nil {
			t.Fatalf("%v: %v", lt, err)
		}
		vms[lt] = vm
	}
	counts := map[string][2]int{}
	v4Accepted := 0          // original IPv4 frames the filter passes (IPv6 ones get no tagged variants)
	used := map[string]int{} // passUnexamined frames the Reader uses
	for i, f := range ethFrames(t) {
		for _, v := range variants(f) {
			want := v.want
			if want == passUnexamined {
				want = 1
				if readerUses(t, v.lt, v.frame) {
					used[v.name]++
				}
			} else if want < 0 {
				want = 0
				if readerUses(t, v.lt, v.frame) {
					want = 1
				}
			} else if want == 1 && !readerUses(t, v.lt, v.frame) {
				t.Errorf("frame %d %s: the reader does not use a frame the test expects to pass", i, v.name)
			}
			got := runFilter(t, vms[v.lt], v.frame)
			if got != 0 && got != snaplen {
				t.Fatalf("frame %d %s: filter returned %d, want 0 or the snap length", i, v.name, got)
			}
			if (got != 0) != (want == 1) {
				t.Errorf("frame %d %s (%d octets): filter returned %d, want accept=%v", i, v.name, len(v.frame), got, want == 1)
			}
			c := counts[v.name]
			c[want]++
			counts[v.name] = c
			if v.name == "original" && want == 1 && ipv4Off(f) >= 0 {
				v4Accepted++ // the frames the tagged variants are made of (variants)
			}
		}
	}
	for name, c := range counts {
		t.Logf("%-20s accepted %4d rejected %4d", name, c[1], c[0])
	}
	if counts["original"][1] < 100 || counts["vlan"][1] < 100 || counts["ipv6"][1] < 50 || counts["other ports"][0] < 50 {
		t.Errorf("too few frames exercised: %v", counts)
	}
	// Beyond two tags the walk must still find IKE (the Reader decodes
	// any number of tags) and other traffic must still be dropped; with
	// nine tags the Reader, not the kernel, picks the IKE frames out.
	for _, n := range []string{"3 tags", "8 tags"} {
		if counts[n][1] != v4Accepted || counts[n+" other ports"][0] < 50 {
			t.Errorf("%s: %v, other ports %v; untagged IPv4 accepted %d", n, counts[n], counts[n+" other ports"], v4Accepted)
		}
	}
	if used["9 tags"] != v4Accepted || used["9 tags other ports"] != 0 {
		t.Errorf("the Reader uses %d of the 9-tag frames (want %d) and %d with other ports (want 0)", used["9 tags"], v4Accepted, used["9 tags other ports"])
	}
}

// filterVM returns the BPF VM of the kernel filter for lt and opt.
func filterVM(t *testing.T, lt layers.LinkType, opt Options, snaplen int) *bpf.VM {
	t.Helper()
	prog, err := Filter(lt, opt, snaplen)
	if err != nil {
		t.Fatal(err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

// TestFilterNonIP checks frames that are not IP at all, and truncated ones.
func TestFilterNonIP(t *testing.T) {
	vm := filterVM(t, layers.LinkTypeEthernet, Options{}, 0)
	arp := make([]byte, 42)
	binary.BigEndian.PutUint16(arp[12:], 0x0806)
	tagged := func(n int, f []byte) []byte {
		b := append([]byte(nil), f[:12]...)
		for range n {
			b = append(b, 0x81, 0x00, 0x00, 0x64)
		}
		return append(b, f[12:]...)
	}
	for name, f := range map[string][]byte{"arp": arp, "short": arp[:10], "empty ipv4": {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0},
		"arp 3 tags": tagged(3, arp), "arp 8 tags": tagged(8, arp), "9 tags cut short": tagged(9, arp)[:12+4*8+1]} {
		if n := runFilter(t, vm, f); n != 0 {
			t.Errorf("%s: accepted (%d)", name, n)
		}
	}
	// More tags than the filter walks: passed, whatever they carry.
	if n := runFilter(t, vm, tagged(9, arp)); n != MaxSnaplen {
		t.Errorf("arp 9 tags: filter returned %d, want %d (passed for the reader to decide)", n, MaxSnaplen)
	}
}

// TestFilterExtraPorts checks that extra ports from the options pass and
// that too many ports are refused.
func TestFilterExtraPorts(t *testing.T) {
	opt := Options{IKEPorts: []uint16{500, 1500}, NATTPorts: []uint16{4500, 14500}, TCPPorts: []uint16{4500, 443}}
	vm := filterVM(t, layers.LinkTypeRaw, opt, 128)
	pkt := func(proto byte, sport, dport uint16) []byte {
		b := make([]byte, 60)
		b[0], b[9] = 0x45, proto
		binary.BigEndian.PutUint16(b[2:], 60)
		binary.BigEndian.PutUint16(b[20:], sport)
		binary.BigEndian.PutUint16(b[22:], dport)
		return b
	}
	cases := []struct {
		proto        byte
		sport, dport uint16
		want         bool
	}{
		{17, 1500, 1500, true}, {17, 33000, 14500, true}, {17, 443, 443, false},
		{6, 443, 50000, true}, {6, 500, 500, false}, {6, 14500, 1, false}, {1, 500, 500, false},
	}
	for _, c := range cases {
		if got := runFilter(t, vm, pkt(c.proto, c.sport, c.dport)) != 0; got != c.want {
			t.Errorf("proto %d ports %d→%d: accepted=%v, want %v", c.proto, c.sport, c.dport, got, c.want)
		}
	}
	many := make([]uint16, 60)
	for i := range many {
		many[i] = uint16(1000 + i)
	}
	if _, err := Filter(layers.LinkTypeEthernet, Options{IKEPorts: many}, 0); err == nil {
		t.Error("60 ports accepted")
	}
	// The most ports, on Ethernet with its eight-tag walk, fit the kernel.
	prog, err := Filter(layers.LinkTypeEthernet, Options{IKEPorts: many[:46], NATTPorts: []uint16{4500}, TCPPorts: []uint16{4500}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bpf.Assemble(prog); err != nil || len(prog) > MaxFilterInstructions {
		t.Errorf("48 ports: %d instructions, %v", len(prog), err)
	}
	t.Logf("Ethernet filter with 48 ports: %d instructions", len(prog))
	if _, err := Filter(layers.LinkTypeFDDI, Options{}, 0); err == nil {
		t.Error("FDDI accepted")
	}
}

// TestParseFilter parses tcpdump's -ddd and -dd output and rejects broken
// programs.
func TestParseFilter(t *testing.T) {
	// tcpdump -ddd 'udp port 500' and the same with -dd (first lines).
	ddd := "4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n"
	dd := "{ 0x28, 0, 0, 0x0000000c },\n{ 0x15, 0, 1, 0x00000800 },\n{ 0x6, 0, 0, 0x00040000 },\n{ 0x6, 0, 0, 0x00000000 },\n"
	for name, text := range map[string]string{"ddd": ddd, "dd": dd, "xt_bpf": "4,40 0 0 12,21 0 1 2048,6 0 0 262144,6 0 0 0"} {
		prog, err := ParseFilter(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(prog) != 4 || prog[0] != (bpf.RawInstruction{Op: 0x28, K: 12}) || prog[1].Jf != 1 {
			t.Errorf("%s: got %v", name, prog)
		}
	}
	for _, bad := range []string{
		"", "udp port 500", "3\n40 0 0 12\n6 0 0 0\n", "2\n21 0 5 1\n6 0 0 0\n", "1\n40 0 0 12\n",
		"1\n6 0 0", "1\n70000 0 0 0", "5000\n6 0 0 0", "{ 0x6, 0, 0 }", "{ 0x6, 0, 0, 0 ", "2\n5 0 0 7\n6 0 0 0\n",
	} {
		if _, err := ParseFilter(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// FuzzParseFilter checks that ParseFilter never panics and that what it
// accepts passes the structural checks and runs in the VM.
func FuzzParseFilter(f *testing.F) {
	f.Add("4\n40 0 0 12\n21 0 1 2048\n6 0 0 262144\n6 0 0 0\n")
	f.Add("{ 0x28, 0, 0, 0x0000000c },\n{ 0x6, 0, 0, 0x00040000 },")
	f.Add("2,5 0 0 0,6 0 0 -1")
	f.Fuzz(func(t *testing.T, text string) {
		prog, err := ParseFilter(text)
		if err != nil {
			return
		}
		if err := checkFilter(prog); err != nil {
			t.Fatalf("accepted a program that fails the checks: %v", err)
		}
		ins := make([]bpf.Instruction, len(prog))
		for i, r := range prog {
			ins[i] = r.Disassemble()
		}
		if vm, err := bpf.NewVM(ins); err == nil {
			vm.Run(make([]byte, 64))
		}
	})
}
