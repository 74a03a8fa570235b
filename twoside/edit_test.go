package twoside

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const dropAuth = "../testdata/twoside/twoside-drop-auth"

// stretch spreads a side's timestamps out around t0 by factor k.
func stretch(s *Side, t0 time.Time, k float64) {
	for i := range s.Packets {
		p := &s.Packets[i]
		p.Time = t0.Add(time.Duration(float64(p.Time.Sub(t0)) * k))
	}
}

// TestDrift spreads a real two-point capture over ~4 minutes and gives B's
// clock a 2-hour offset and a 400 ppm drift (80 ms over the span, 4000 times
// the router's transit time): the losses stay the same, the drift is found
// and the delays stay small.
func TestDrift(t *testing.T) {
	e := loadExpected(t, dropAuth)
	a, b := loadPair(t, dropAuth, "side-b.pcap")
	t0 := a.Packets[0].Time
	stretch(a, t0, 16)
	stretch(b, t0, 16)
	const ppm = 400
	for i := range b.Packets {
		p := &b.Packets[i]
		el := p.Time.Sub(t0)
		p.Time = p.Time.Add(2*time.Hour + time.Duration(float64(el)*ppm/1e6))
	}
	r := Compare(a, b)
	checkAgainst(t, r, e)
	if d := r.Clock.DriftPPM - ppm; d < -20 || d > 20 {
		t.Errorf("drift %.1f ppm, want %d", r.Clock.DriftPPM, ppm)
	}
	if d := absDur(r.Clock.Offset - 2*time.Hour); d > time.Millisecond {
		t.Errorf("offset %v, want 2h", r.Clock.Offset)
	}
}

// TestDuplicatesAndDisorder feeds B with every frame twice (as a capture
// on a mirrored port does) in shuffled order (as merged or badly written
// captures are): same result, duplicates counted.
func TestDuplicatesAndDisorder(t *testing.T) {
	e := loadExpected(t, dropAuth)
	a, b := loadPair(t, dropAuth, "side-b-shifted.pcap")
	n := len(b.Packets)
	b.Packets = append(b.Packets, b.Packets...)
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(b.Packets), func(i, j int) { b.Packets[i], b.Packets[j] = b.Packets[j], b.Packets[i] })
	r := Compare(a, b)
	checkAgainst(t, r, e)
	if r.DuplicatesB != n {
		t.Errorf("duplicates %d, want %d", r.DuplicatesB, n)
	}
}

// TestUnrelated pairs captures of two different incidents (different IKE
// SAs, different ESP SPIs): not related, with the reason.
func TestUnrelated(t *testing.T) {
	a, _ := loadPair(t, "../testdata/twoside/twoside-healthy", "side-b.pcap")
	_, b := loadPair(t, dropAuth, "side-b.pcap")
	r := Compare(a, b)
	if r.Related || !strings.Contains(r.Reason, "share no") {
		t.Errorf("related=%v reason %q", r.Related, r.Reason)
	}
	if len(r.Flows) != 0 || len(r.Findings) != 0 {
		t.Errorf("unrelated captures produced results: %d flows, %q", len(r.Flows), r.Findings)
	}
}

// TestPartialOverlap cuts B's capture after its 8th packet (started late,
// stopped early in the field): what A sent later is not called lost, what
// was lost before the cut still is.
func TestPartialOverlap(t *testing.T) {
	a, b := loadPair(t, dropAuth, "side-b.pcap")
	b.prepare()
	cut := b.Packets[7].Time
	b.Packets = b.Packets[:8]
	r := Compare(a, b)
	if !r.Related {
		t.Fatalf("not related: %s", r.Reason)
	}
	var want []string
	for _, l := range lostSet(r) {
		want = append(want, l)
	}
	// the script's losses before the cut (one clock: A times compare directly)
	e := loadExpected(t, dropAuth)
	var exp []string
	all := expLost(t, e)
	for _, p := range a.Packets {
		if !p.Time.Before(cut) {
			continue
		}
		for _, l := range all {
			if strings.HasPrefix(l, "a:"+itoa(p.Frame)+" ") {
				exp = append(exp, l)
			}
		}
	}
	slices.Sort(exp)
	if !slices.Equal(want, exp) {
		t.Errorf("lost with B cut at its 8th packet:\n got %q\nwant %q", want, exp)
	}
	outside := 0
	for _, f := range r.Flows {
		outside += f.Outside
	}
	if outside == 0 {
		t.Errorf("nothing reported as outside B's window")
	}
}

// TestOnlyDownstream removes from A a packet that B received from A's side:
// B's copy must be reported as seen only downstream, not as a loss.
func TestOnlyDownstream(t *testing.T) {
	dir := "../testdata/twoside/twoside-healthy"
	a, b := loadPair(t, dir, "side-b.pcap")
	var gone Packet
	for i, p := range a.Packets {
		if p.Kind == KindESP && p.Src.Addr().String() == "198.51.100.10" {
			gone = p
			a.Packets = slices.Delete(a.Packets, i, i+1)
			break
		}
	}
	r := Compare(a, b)
	var frameB int
	for _, p := range b.Packets {
		if p.key == gone.key {
			frameB = p.Frame
		}
	}
	if got := onlySet(r); !slices.Equal(got, []string{"b:" + itoa(frameB)}) {
		t.Errorf("only downstream %q, want b:%d", got, frameB)
	}
	if got := lostSet(r); len(got) != 0 {
		t.Errorf("lost %q, want none", got)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// espFrom returns the indices of the ESP packets of s sent from addr.
func espFrom(s *Side, addr string) []int {
	var idx []int
	for i, p := range s.Packets {
		if p.Kind == KindESP && p.Src.Addr().String() == addr {
			idx = append(idx, i)
		}
	}
	return idx
}

// TestReorder delays one ESP packet at B past the next one (a path with two
// queues does this): one reordered packet, nothing lost.
func TestReorder(t *testing.T) {
	a, b := loadPair(t, "../testdata/twoside/twoside-healthy", "side-b.pcap")
	idx := espFrom(b, "198.51.100.10")
	b.Packets[idx[1]].Time = b.Packets[idx[2]].Time.Add(time.Millisecond)
	r := Compare(a, b)
	n := 0
	for _, f := range r.Flows {
		n += f.Reordered
	}
	if n != 1 || len(lostSet(r)) != 0 {
		t.Errorf("reordered %d lost %q, want 1 and none", n, lostSet(r))
	}
	if !strings.Contains(strings.Join(r.Findings, "\n"), "reached side-b.pcap before a packet sent earlier") {
		t.Errorf("no reordering finding:\n%s", strings.Join(r.Findings, "\n"))
	}
}

// TestOneWay keeps only what A's side sent: the offset cannot be separated
// from the delay, and the report says so instead of inventing one.
func TestOneWay(t *testing.T) {
	a, b := loadPair(t, dropAuth, "side-b-shifted.pcap")
	keep := func(s *Side) {
		s.Packets = slices.DeleteFunc(s.Packets, func(p Packet) bool { return p.Src.Addr().String() != "198.51.100.10" })
	}
	keep(a)
	keep(b)
	r := Compare(a, b)
	if !r.Clock.OneWay || !strings.Contains(r.Findings[0], "one way only") {
		t.Errorf("one way %v, first finding %q", r.Clock.OneWay, r.Findings[0])
	}
	var want []string
	for _, l := range expLost(t, loadExpected(t, dropAuth)) {
		if strings.HasPrefix(l, "a:") {
			want = append(want, l)
		}
	}
	if got := lostSet(r); !slices.Equal(got, want) {
		t.Errorf("lost:\n got %q\nwant %q", got, want)
	}
}

// TestClockStep swaps the times of two ESP packets at B, so one appears
// 200 ms before A saw it sent: still matched (the bytes did arrive), reported
// as a clock anomaly, not as a loss.
func TestClockStep(t *testing.T) {
	a, b := loadPair(t, "../testdata/twoside/twoside-healthy", "side-b.pcap")
	idx := espFrom(b, "198.51.100.10")
	i, j := idx[1], idx[2]
	b.Packets[i].Time, b.Packets[j].Time = b.Packets[j].Time, b.Packets[i].Time
	r := Compare(a, b)
	early := 0
	for _, f := range r.Flows {
		early += f.Early
	}
	if early != 1 || len(lostSet(r)) != 0 || len(onlySet(r)) != 0 {
		t.Errorf("early %d lost %q only %q, want 1, none, none", early, lostSet(r), onlySet(r))
	}
}

// TestSamePoint compares a capture with itself: no loss, and no claim about
// delays or which side is upstream.
func TestSamePoint(t *testing.T) {
	sa, sb := NewPair("side-a.pcap", "copy.pcap", Options{})
	load(t, "../testdata/twoside/twoside-healthy/side-a.pcap", sa)
	load(t, "../testdata/twoside/twoside-healthy/side-a.pcap", sb)
	r := Compare(sa, sb)
	all := strings.Join(r.Findings, "\n")
	if len(lostSet(r)) != 0 || !strings.Contains(all, "taken at one point") || strings.Contains(all, "crossed from") {
		t.Errorf("lost %q, findings:\n%s", lostSet(r), all)
	}
}

// TestPeerFilter keeps only SAs of the initiator as A saw it: through the
// NAT, B's view of it (203.0.113.1) counts as the same peer; another
// address keeps nothing.
func TestPeerFilter(t *testing.T) {
	dir := "../testdata/twoside/twoside-nat-ports"
	for _, tc := range []struct {
		peer  string
		flows int
	}{{"198.51.100.10", 4}, {"203.0.113.1", 4}, {"192.0.2.1", 0}} {
		sa, sb := NewPair("side-a.pcap", "side-b.pcap", Options{Peers: []netip.Addr{netip.MustParseAddr(tc.peer)}})
		load(t, dir+"/side-a.pcap", sa)
		load(t, dir+"/side-b.pcap", sb)
		r := Compare(sa, sb)
		if len(r.Flows) != tc.flows {
			t.Errorf("--peer %s: %d flows, want %d", tc.peer, len(r.Flows), tc.flows)
		}
	}
	sa, sb := NewPair("side-a.pcap", "side-b.pcap", Options{SPIs: []string{"0x1797522D"}})
	load(t, dir+"/side-a.pcap", sa)
	load(t, dir+"/side-b.pcap", sb)
	if r := Compare(sa, sb); len(r.Flows) != 1 || len(r.Flows[0].Lost) != 4 {
		t.Errorf("--spi 0x1797522D: %d flows", len(r.Flows))
	}
}

// TestOtherConversations adds to B the packets of another incident between
// other addresses (a gateway with more tunnels than the one that crosses A's
// capture point): they are not called lost or injected, only counted.
func TestOtherConversations(t *testing.T) {
	e := loadExpected(t, dropAuth)
	a, b := loadPair(t, dropAuth, "side-b-shifted.pcap")
	_, other := loadPair(t, "../testdata/twoside/twoside-healthy", "side-b.pcap")
	x := netip.MustParseAddrPort("192.0.2.7:4500")
	y := netip.MustParseAddrPort("192.0.2.8:4500")
	for _, p := range other.Packets {
		p.Src, p.Dst = x, y
		if p.Frame%2 == 0 {
			p.Src, p.Dst = y, x
		}
		p.Time = p.Time.Add(3725 * time.Second)
		p.Frame += 1000
		b.Packets = append(b.Packets, p)
	}
	r := Compare(a, b)
	e2 := *e
	e2.PacketsB += len(other.Packets)
	checkAgainst(t, r, &e2)
	if r.UnrelatedB != len(other.Packets) || r.UnrelatedA != 0 {
		t.Errorf("unrelated a=%d b=%d, want 0 and %d", r.UnrelatedA, r.UnrelatedB, len(other.Packets))
	}
}

// TestNothingArrived keeps in B only what B sent (nothing from A ever
// arrived, and A saw none of B's packets either because they were dropped):
// the captures share nothing, and the reason says A's packets to B's address
// never showed up there.
func TestNothingArrived(t *testing.T) {
	a, b := loadPair(t, "../testdata/twoside/twoside-healthy", "side-b.pcap")
	b.Packets = slices.DeleteFunc(b.Packets, func(p Packet) bool { return p.Src.Addr().String() == "198.51.100.10" })
	a.Packets = slices.DeleteFunc(a.Packets, func(p Packet) bool { return p.Src.Addr().String() == "203.0.113.10" })
	r := Compare(a, b)
	if r.Related || !strings.Contains(r.Reason, "side-a.pcap holds 9 packets to 203.0.113.10 (frames 1, 3, 5,") {
		t.Errorf("related %v, reason %q", r.Related, r.Reason)
	}
}

// TestEmptySide: B captured nothing of IKE/ESP (the path is black-holed
// before it): not related, and the reason counts what A holds.
func TestEmptySide(t *testing.T) {
	a, b := loadPair(t, dropAuth, "side-b.pcap")
	b.Packets = nil
	r := Compare(a, b)
	if r.Related || r.Reason != "side-b.pcap holds no IKE or ESP packet, side-a.pcap holds 24: if side-b.pcap was captured on their path while they were sent, none of them arrived there" {
		t.Errorf("related %v, reason %q", r.Related, r.Reason)
	}
}
