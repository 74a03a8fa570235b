package flows

import (
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestExRecExact checks that what the narrow fields of an exchange record
// cannot hold (times beyond their offsets' range or precision, starts that
// are not UTC Unix times, frames from 2^32, sizes over 65535) comes back
// exactly, message by message, past the inline two.
func TestExRecExact(t *testing.T) {
	base := time.Date(2026, 11, 22, 11, 25, 30, 289_123_456, time.UTC)
	starts := []time.Time{
		base,
		{},                                   // no time at all
		base.In(time.FixedZone("CET", 3600)), // a location
		time.Date(2300, 1, 1, 0, 0, 0, 1, time.UTC), // past int64 nanoseconds
		time.Unix(0, 0).UTC(),
	}
	offsets := []time.Duration{0, 1, -1, 2*time.Second + 1, 3*time.Second + 1, 3 * time.Second,
		-40 * time.Minute, 35 * time.Minute, 36 * time.Minute, 48 * time.Hour, -time.Microsecond}
	sizes := []uint32{0, 28, 65535, 65536, 1 << 31, 0xffffffff}
	frames := []int{1, 7, 1<<32 - 1, 1 << 32, 1<<40 + 3}
	for _, start := range starts {
		ex := newExchange(dissect.ExchangeIKEAuth, 1, sideI, start)
		type want struct {
			t     time.Time
			size  uint32
			frame int
		}
		var ws []want
		for i, d := range offsets {
			w := want{start.Add(d), sizes[i%len(sizes)], frames[i%len(frames)]}
			ws = append(ws, w)
			m := cmsg{hash: uint64(i)}
			if i%2 == 1 {
				m.flags |= cmsgResponse
			}
			ex.add(&m, w.frame, w.t, w.size)
		}
		var out Exchange
		ex.build(&out, nil, nil, &noTexts)
		if out.Start != start {
			t.Errorf("start %v: Start %v", start, out.Start)
		}
		if len(out.Messages) != len(ws) {
			t.Fatalf("start %v: %d messages, want %d", start, len(out.Messages), len(ws))
		}
		for i, w := range ws {
			m := out.Messages[i]
			if m.Time != w.t || m.Size != int(w.size) || m.Frame != w.frame || m.Response != (i%2 == 1) {
				t.Errorf("start %v, message %d: time %v size %d frame %d response %v; want %v %d %d %v",
					start, i, m.Time, m.Size, m.Frame, m.Response, w.t, w.size, w.frame, i%2 == 1)
			}
		}
	}
}

// TestExRecSmall checks the size of an exchange record with its two
// inline messages, which most open SAs hold three of: 80 octets (it was
// 144 when it held a time.Time and 40-octet messages, 112 with a float64
// RTT and an int Retransmits, 96 with 32-octet messages).
func TestExRecSmall(t *testing.T) {
	const n = 4096
	at := time.Date(2026, 11, 22, 11, 25, 30, 0, time.UTC)
	keep := make([]*exRec, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = newExchange(dissect.ExchangeIKESAInit, 0, sideI, at)
	}
	runtime.ReadMemStats(&after)
	// Below 96: the 80-octet size class, give or take the runtime's
	// own allocations meanwhile.
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per >= 96 {
		t.Errorf("an exchange record takes %d octets, want 80", per)
	}
	for _, ex := range keep {
		if ex.xr != nil {
			t.Fatal("a UTC start allocated rare state")
		}
	}
}

// TestSAAllocSize checks that an SA's allocation (saAlloc: working state
// with the records of its first two exchanges) stays in the 320-octet size
// class: 320 octets, with no octet to spare; one more in saState costs 32
// per open SA (the 352 class). saAlloc was 568 (the 576 class, with the
// 8-octet header of objects with pointers over 512 octets) before exRec
// took 96 octets and saState's frames 4 each, 512 before the 24-octet cmsg
// made exRec 80, 480 before its exchange pointers (exlist.go), ChildSAs
// and addresses (peerPair) took 56 octets fewer, 416 before keyR (derived
// from SPIr), Proposal (a textID) and the overflow of the NAT frames and
// KE groups (saMore) took 32 fewer, 384 before the exchange records from
// the fourth on, the open child SAs, the IPv6 addresses and the key tally
// went to saAux and the offered proposals became a number, 352 before the
// exported model and the findings shared a pointer (saFin), v1State went
// to saAux and ten bools and the sides' padding became saFlags. It also
// holds saAux to the 64 class, saFin to the 16 and an IKEv1 SA's v1State
// to the 80 (88, the 96 class, with its flags apart).
func TestSAAllocSize(t *testing.T) {
	const n = 1024
	keep := make([]*saAlloc, n)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range keep {
		keep[i] = &saAlloc{}
	}
	runtime.ReadMemStats(&after)
	// Below 352: the 320-octet class, give or take the runtime's own
	// allocations meanwhile.
	if per := (after.TotalAlloc - before.TotalAlloc) / n; per >= 352 {
		t.Errorf("an SA's allocation takes %d octets, want 320", per)
	}
	if size := reflect.TypeOf(saAlloc{}).Size(); size > 320 {
		t.Errorf("saAlloc is %d octets, want at most 320", size)
	}
	if size := reflect.TypeOf(saFin{}).Size(); size > 16 {
		t.Errorf("saFin is %d octets, want at most 16", size)
	}
	if size := reflect.TypeOf(saAux{}).Size(); size > 64 {
		t.Errorf("saAux is %d octets, want at most 64", size)
	}
	if size := reflect.TypeOf(v1State{}).Size(); size > 80 {
		t.Errorf("v1State is %d octets, want at most 80", size)
	}
}

// TestSAOddSmall holds saOdd, which about one open SA in six has, to the
// 80-octet size class (288 with its lists in it), and checks that an SA
// whose saOdd holds no list shares the empty lists: noting ICMP, EAP and
// an ambiguous child SA allocates no oddLists.
func TestSAOddSmall(t *testing.T) {
	if size := reflect.TypeOf(saOdd{}).Size(); size > 80 {
		t.Errorf("saOdd is %d octets, want at most 80", size)
	}
	st := new(saState)
	st.odd().icmp = new(icmpSeen)
	st.eapState()
	st.odd().ambiguous = append(st.odd().ambiguous, ambiguousChild{created: 1})
	if st.saRare.oddLists != &noLists {
		t.Error("an saOdd without lists allocated them")
	}
	st.lists().malformed = append(st.lists().malformed, 7)
	if len(st.malformed) != 1 || len(noLists.malformed) != 0 || st.saRare.icmp == nil {
		t.Errorf("the lists written through lists() read %v (shared: %v)", st.malformed, noLists.malformed)
	}
}

// TestExRareSize holds what an exchange with more than two messages
// allocates (exRare) to 32 octets (56, the 64 size class, before the
// fragment numbers and the pointers to exExtra and exOdd moved to
// exRest; 120, the 128 class, before the exact values no capture's
// exchange needs moved to exOdd), exRest, which fragmented exchanges and
// those with an error add, to 48 (with the error, which needed a 96-octet
// exExtra before), and exExtra to 80.
func TestExRareSize(t *testing.T) {
	for _, c := range []struct {
		v    any
		size uintptr
	}{{exRare{}, 32}, {exRest{}, 48}, {exExtra{}, 80}} {
		if size := reflect.TypeOf(c.v).Size(); size > c.size {
			t.Errorf("%T is %d octets, want at most %d", c.v, size, c.size)
		}
	}
}
