package flows

import (
	"encoding/json"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// analyzeSequenced runs packets through a new Analyzer's Sequencer as the
// CLI's read-ahead does, then through AddSequenced: up to lag packets
// that left the Sequencer wait before the Analyzer takes them (the
// read-ahead's blocks), and their buffers are recycled only then, into a
// ring of Sequenced values that are reused. With predecode, each IKE
// message is decoded ahead (Predecode) as it leaves the Sequencer, into
// one of two DecodeBufs that take turns, lag+1 messages each (the
// read-ahead's blocks): a DecodeBuf is reset once the Analyzer has taken
// every message in it, and grows while messages in it wait.
func analyzeSequenced(pkts []Packet, opt Options, lag int, predecode bool) *Report {
	a := NewAnalyzer(opt)
	sq := a.Sequencer()
	ring := make([]Sequenced, lag+1)
	var bufs [2]DecodeBuf
	out := 0        // packets that left the Sequencer
	head, n := 0, 0 // waiting: ring[head], … (n of them)
	take := func() {
		o := &ring[head]
		a.AddSequenced(o)
		sq.Recycle(o)
		head, n = (head+1)%len(ring), n-1
	}
	next := func() bool {
		if n == len(ring) {
			take()
		}
		o := &ring[(head+n)%len(ring)]
		if !sq.Next(o) {
			return false
		}
		if predecode {
			b := &bufs[out/len(ring)%2]
			if out%len(ring) == 0 {
				b.Reset() // its messages were taken: at most len(ring) wait
			}
			sq.Predecode(o, b)
		}
		out++
		n++
		return true
	}
	for i := range pkts {
		sq.Push(&pkts[i])
		for next() {
		}
	}
	sq.Close()
	for next() {
	}
	for n > 0 {
		take()
	}
	return a.Finish()
}

// sequencedOptions are the options TestSequencedSameReport tries: the
// default window, none, short ones, and a peer filter.
func sequencedOptions(peer netip.Addr) map[string]Options {
	return map[string]Options{
		"default":    {},
		"no window":  {ReorderWindow: -1},
		"1ns window": {ReorderWindow: 1},
		"50ms":       {ReorderWindow: 50 * time.Millisecond},
		"peer":       {Peers: []netip.Addr{peer}},
		"idle 1s":    {IdleTimeout: time.Second},
	}
}

// TestSequencedSameReport checks that packets put in order ahead
// (Sequencer, AddSequenced) give the report Add gives, on every corpus
// capture with and without its keys, with several windows, and with the
// capture edited as the field damages it: its second half put before its
// first (frames out of time order, analysed late), packets swapped with
// their neighbours (put back in order by the window), every fifth packet
// captured twice (duplicates) and every seventh cut short (decode errors).
func TestSequencedSameReport(t *testing.T) {
	edits := map[string]func([]Packet) []Packet{
		"as captured": func(pk []Packet) []Packet { return pk },
		"halves swapped": func(pk []Packet) []Packet {
			return append(slices.Clone(pk[len(pk)/2:]), pk[:len(pk)/2]...)
		},
		"neighbours swapped": func(pk []Packet) []Packet {
			for i := 0; i+1 < len(pk); i += 3 {
				pk[i], pk[i+1] = pk[i+1], pk[i]
			}
			return pk
		},
		"duplicates and damage": func(pk []Packet) []Packet {
			var out []Packet
			for i, p := range pk {
				if i%7 == 3 && len(p.Data) > 40 {
					p.Data = p.Data[:len(p.Data)-13]
				}
				out = append(out, p)
				if i%5 == 0 {
					// The copy: 1 µs later, under a frame number of its
					// own (a copy under the same frame is not taken for
					// a duplicate).
					p.Time = p.Time.Add(time.Microsecond)
					p.Frame += 1 << 20
					out = append(out, p)
				}
			}
			return out
		},
	}
	late := 0
	for _, c := range corpusCaptures(t) {
		dir := filepath.Dir(c)
		name := filepath.Base(dir)
		base := loadPackets(t, c)
		if len(base) == 0 {
			continue
		}
		for en, edit := range edits {
			pk := edit(clonePackets(base))
			for on, opt := range sequencedOptions(base[0].Src.Addr()) {
				for _, keyed := range []bool{false, true} {
					if keyed && (en != "as captured" || on != "default") {
						continue // keys change the decoding, not the order
					}
					if keyed {
						if opt.Decryptor = corpusKeys(t, dir); opt.Decryptor == nil {
							continue
						}
					}
					wantR := analyze(clonePackets(pk), opt)
					want := reportJSON(t, wantR)
					if slices.ContainsFunc(wantR.Findings, func(f Finding) bool { return f.Kind == KindOutOfOrder }) {
						late++
					}
					for _, lag := range []int{0, 5} {
						for _, pre := range []bool{false, true} {
							if keyed {
								opt.Decryptor = corpusKeys(t, dir) // a fresh one: it keeps state
							}
							if got := reportJSON(t, analyzeSequenced(clonePackets(pk), opt, lag, pre)); got != want {
								t.Errorf("%s, %s, %s (keys %v, lag %d, decoded ahead %v): the report differs with sequenced packets",
									name, en, on, keyed, lag, pre)
							}
						}
					}
				}
			}
		}
	}
	if late == 0 {
		t.Error("no edit made frames come late: the late path was not tested")
	}
}

// TestSequencedForeign checks that Sequenced values from another
// Analyzer's Sequencer are analysed as Add analyses their packets, and
// that the zero Sequenced is ignored.
func TestSequencedForeign(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	want := reportJSON(t, analyze(clonePackets(base), Options{}))
	other := NewAnalyzer(Options{}).Sequencer()
	a := NewAnalyzer(Options{})
	a.Sequencer()
	a.AddSequenced(&Sequenced{})
	a.AddSequenced(nil)
	pk := clonePackets(base)
	var o Sequenced
	for i := range pk {
		other.Push(&pk[i])
		for other.Next(&o) {
			a.AddSequenced(&o)
			other.Recycle(&o)
		}
	}
	other.Close()
	for other.Next(&o) {
		a.AddSequenced(&o)
	}
	if got := reportJSON(t, a.Finish()); got != want {
		t.Errorf("with another Analyzer's Sequenced values the report differs from Add's")
	}
}

// seqFuzzPackets is fuzzPackets with times out of order: data's first
// octet chooses packets moved back in time (by up to 5 s), so that
// windows put some back in order and others come late.
func seqFuzzPackets(data []byte) []Packet {
	if len(data) == 0 {
		return nil
	}
	sel := data[0]
	pk := fuzzPackets(data[1:])
	for i := range pk {
		if (i*int(sel|1))&6 == 2 {
			pk[i].Time = pk[i].Time.Add(-time.Duration(sel&15) * 331 * time.Millisecond)
		}
	}
	return pk
}

// FuzzSequenced feeds arbitrary packet sequences both ways, Add and
// Sequencer then AddSequenced (with the options and lag chosen by data's
// second octet; the messages decoded ahead and not): the reports must be
// the same.
func FuzzSequenced(f *testing.F) {
	for _, sc := range []string{"ikev2-psk-success", "ikev2-nat-t", "ikev1-main-quick", "ikev2-invalid-ke-retry"} {
		pk := corpusPacketsOrNil(sc)
		f.Add(append([]byte{0x5b, 0x12}, encodeFuzz(pk[:min(len(pk), 6)])...))
	}
	f.Add([]byte{3, 0, 0, 28, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		ctl := data[1]
		opt := Options{}
		switch ctl & 3 {
		case 1:
			opt.ReorderWindow = -1
		case 2:
			opt.ReorderWindow = 400 * time.Millisecond
		case 3:
			opt.IdleTimeout = time.Second
		}
		if ctl&4 != 0 {
			opt.Peers = []netip.Addr{fuzzAddrs[ctl>>6].Addr()}
		}
		lag := int(ctl>>3) & 7
		data = append([]byte{data[0]}, data[2:]...)
		want, errW := json.Marshal(analyze(seqFuzzPackets(data), opt))
		for _, pre := range []bool{false, true} {
			got, errG := json.Marshal(analyzeSequenced(seqFuzzPackets(data), opt, lag, pre))
			if string(got) != string(want) || (errW == nil) != (errG == nil) {
				t.Fatalf("Add and AddSequenced (decoded ahead: %v) differ:\n%s\n%s", pre, want, got)
			}
		}
	})
}

// TestSequencedSkipsWindow checks that AddSequenced leaves the reorder
// window and the duplicate filter to the Sequencer: the Analyzer's own
// window holds no packet at any time and its filter sees none, while the
// Sequencer's held and saw some (the work moved, it was not done twice).
func TestSequencedSkipsWindow(t *testing.T) {
	pk := corpusPackets(t, "ikev2-rekey")
	a := NewAnalyzer(Options{})
	sq := a.Sequencer()
	var o Sequenced
	held := 0
	for i := range pk {
		sq.Push(&pk[i])
		held = max(held, sq.ro.size())
		for sq.Next(&o) {
			a.AddSequenced(&o)
			if a.ro.size() != 0 || a.ro.seq != 0 {
				t.Fatalf("frame %d: the Analyzer's window was used (%d held, %d pushed)", o.p.Frame, a.ro.size(), a.ro.seq)
			}
			if a.ro.inRing != 0 {
				t.Fatalf("frame %d: the Analyzer's duplicate filter was used (%d in its ring)", o.p.Frame, a.ro.inRing)
			}
			sq.Recycle(&o)
		}
	}
	if held < 2 {
		t.Errorf("the Sequencer held at most %d packets", held)
	}
	if sq.ro.inRing == 0 {
		t.Error("the Sequencer's duplicate filter saw no packet")
	}
}

// TestSequencedMoveData checks MoveData as the CLI's read-ahead uses it:
// every packet's octets moved into one shared run of octets as it leaves
// the Sequencer (a run smaller than the capture, so that it grows and
// earlier packets keep the octets of its earlier array), the Sequencer's
// buffers reused at once, and the report Add's. Recycle must then give
// back none of the caller's octets: a buffer of the caller's in the
// window's free list would be overwritten by the next packet pushed.
func TestSequencedMoveData(t *testing.T) {
	for _, sc := range []string{"ikev2-rekey", "ikev1-main-quick", "ikev2-cert-fragmentation", "cut"} {
		var pk []Packet
		if sc == "cut" {
			// Messages cut to 256 octets (snap length): a moved run of
			// a buffer class's exact size, which the free list would
			// take were Recycle to offer it.
			pk = corpusPackets(t, "ikev2-rekey")
			for i := range pk {
				if len(pk[i].Data) > 256 {
					pk[i].Data = pk[i].Data[:256]
				}
			}
		} else {
			pk = corpusPackets(t, sc)
		}
		want := reportJSON(t, analyze(clonePackets(pk), Options{}))
		a := NewAnalyzer(Options{})
		sq := a.Sequencer()
		var run []byte
		var out []Sequenced
		drain := func() {
			for {
				out = append(out, Sequenced{})
				o := &out[len(out)-1]
				if !sq.Next(o) {
					out = out[:len(out)-1]
					return
				}
				orig := slices.Clone(o.p.Data)
				freeBefore := sq.ro.freeBytes
				run = sq.MoveData(o, run)
				if !slices.Equal(o.p.Data, orig) || (len(orig) > 0 && &o.p.Data[len(orig)-1] != &run[len(run)-1]) {
					t.Fatalf("%s frame %d: the octets moved are not the packet's, at the end of the run", sc, o.p.Frame)
				}
				if len(orig) > 0 && sq.ro.freeBytes <= freeBefore {
					t.Fatalf("%s frame %d: the buffer was not given back (%d octets free, %d before)", sc, o.p.Frame, sq.ro.freeBytes, freeBefore)
				}
				// The Analyzer takes packets a block later: the octets
				// must stay put while others are pushed and moved.
				if len(out) > 8 {
					b := &out[0]
					a.AddSequenced(b)
					before := sq.ro.freeBytes
					sq.Recycle(b)
					if sq.ro.freeBytes != before {
						t.Fatalf("%s: Recycle after MoveData gave back %d octets of the caller's", sc, sq.ro.freeBytes-before)
					}
					out = out[1:]
				}
			}
		}
		for i := range pk {
			sq.Push(&pk[i])
			drain()
		}
		sq.Close()
		drain()
		for i := range out {
			a.AddSequenced(&out[i])
			sq.Recycle(&out[i])
		}
		if got := reportJSON(t, a.Finish()); got != want {
			t.Errorf("%s: with the octets moved the report differs from Add's", sc)
		}
	}
}

// TestSequencerLeavesNATHashes checks that the Sequencer takes no NAT
// detection hashes (the Analyzer takes those it needs), while the report
// still finds the NAT that a NAT-T capture shows.
func TestSequencerLeavesNATHashes(t *testing.T) {
	pk := corpusPackets(t, "ikev2-nat-t")
	a := NewAnalyzer(Options{})
	sq := a.Sequencer()
	var o Sequenced
	inits := 0
	drain := func() {
		for sq.Next(&o) {
			if o.nat.ok {
				t.Fatalf("frame %d: the Sequencer took NAT detection hashes", o.p.Frame)
			}
			if d := o.p.Data; o.p.Kind == KindIKE && len(d) > 18 && dissect.ExchangeType(d[18]) == dissect.ExchangeIKESAInit {
				inits++
			}
			a.AddSequenced(&o)
			sq.Recycle(&o)
		}
	}
	for i := range pk {
		sq.Push(&pk[i])
		drain()
	}
	sq.Close()
	drain()
	rep := a.Finish()
	if inits == 0 {
		t.Fatal("no IKE_SA_INIT message in the capture")
	}
	if !slices.ContainsFunc(rep.Findings, func(f Finding) bool { return f.Kind == KindNATDetected }) {
		t.Errorf("no NAT found in the NAT-T capture: %v", rep.Findings)
	}
}
