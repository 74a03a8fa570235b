package flows

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"
)

// rekeyChain builds, from ikev2-rekey-ike-then-dead-peer's packets, a
// keyless tunnel of n IKE SAs, each replaced by an IKE rekey
// (CREATE_CHILD_SA, the new SA's first exchange, the old SA's Delete),
// each new IKE SA rekeying the child SA (a CREATE_CHILD_SA) after which
// ESP runs on new SPIs, seg apart; ESP every 10 s keeps the current SA
// busy. Every IKE SA's exchanges are answered: no peer dies.
func rekeyChain(t testing.TB, n int, seg time.Duration) []Packet {
	base := corpusPackets(t, "ikev2-rekey-ike-then-dead-peer")
	at := func(f int) Packet { p := base[byFrame(t, base, f)]; p.Data = slices.Clone(p.Data); return p }
	var pk []Packet
	add := func(p Packet, k int, mid uint32, tm time.Time) {
		binary.BigEndian.PutUint64(p.Data[0:8], 0x1000000000000000+uint64(k))
		binary.BigEndian.PutUint64(p.Data[8:16], 0x2000000000000000+uint64(k))
		setMID(&p, mid)
		p.Time = tm
		pk = append(pk, p)
	}
	tm := base[0].Time
	for f := 1; f <= 4; f++ { // IKE_SA_INIT and IKE_AUTH of the first
		add(at(f), 0, uint32(f-1)/2, tm)
		tm = tm.Add(time.Millisecond)
	}
	binary.BigEndian.PutUint64(pk[0].Data[8:16], 0) // the IKE_SA_INIT request has no responder SPI
	mid := make([]uint32, n)
	mid[0] = 2
	for k := range n {
		for start := tm; tm.Sub(start) < seg; tm = tm.Add(10 * time.Second) {
			a, b := at(5), at(6)
			a.ESPSPI, b.ESPSPI = 0x30000000+uint32(k), 0x40000000+uint32(k)
			a.Time, b.Time = tm, tm.Add(time.Millisecond)
			pk = append(pk, a, b)
		}
		if k == n-1 {
			break
		}
		add(at(23), k, mid[k], tm) // the IKE rekey on k
		add(at(24), k, mid[k], tm.Add(time.Millisecond))
		mid[k]++
		add(at(25), k+1, 0, tm.Add(10*time.Millisecond)) // k+1's first exchange
		add(at(26), k+1, 0, tm.Add(11*time.Millisecond))
		add(at(25), k, mid[k], tm.Add(20*time.Millisecond)) // k's Delete
		add(at(26), k, mid[k], tm.Add(21*time.Millisecond))
		add(at(23), k+1, 1, tm.Add(time.Second)) // the child rekey on k+1
		add(at(24), k+1, 1, tm.Add(time.Second+time.Millisecond))
		mid[k+1] = 2
		tm = tm.Add(2 * time.Second)
	}
	renumber(pk)
	return pk
}

// TestParkingBounded: with an idle timeout, a replaced IKE SA is parked
// (kept past its idle time, heirs.go) only while its successor waits for
// an answer. A long-lived tunnel whose IKE SA is rekeyed every 70 s
// (idle timeout 1 min) kept every replaced SA parked until the end (the
// review found 19955 open of 20000); each is now finalised as it goes
// idle, counted once in finalized_early, and handed on once.
func TestParkingBounded(t *testing.T) {
	const n = 300
	pk := rekeyChain(t, n, 70*time.Second)
	late := pk[len(pk)-1] // an unrelated packet an hour later: the last SA goes idle too
	late.Time, late.ESPSPI = late.Time.Add(time.Hour), 0x77777777
	late.Src, late.Dst = netipAP("192.0.2.1:4500"), netipAP("192.0.2.2:4500")
	pk = append(pk, late)
	renumber(pk)
	handed := map[string]int{}
	a := NewAnalyzer(Options{IdleTimeout: time.Minute, OnSA: func(sa *SA) { handed[sa.Name()]++ }})
	maxOpen := 0
	for i := range pk {
		a.Add(&pk[i])
		if i%64 == 0 {
			open := 0
			a.ix.each(func(*saState) { open++ })
			maxOpen = max(maxOpen, open)
		}
	}
	r := a.Finish()
	if maxOpen > 8 { // index entries: a few per SA, for the two or three SAs of a rekey
		t.Errorf("%d index entries open at once: replaced SAs are kept", maxOpen)
	}
	if len(handed) != n || r.Stats.FinalizedEarly != n {
		t.Errorf("%d SAs handed on, finalized_early %d; want %d", len(handed), r.Stats.FinalizedEarly, n)
	}
	for name, c := range handed {
		if c != 1 {
			t.Errorf("SA %s handed on %d times", name, c)
		}
	}
}
