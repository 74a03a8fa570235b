package flows

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"
)

// v1DeleteInfo builds an unencrypted IKEv1 Informational with the header
// of hdr (a message of the SA) and one Delete payload (RFC 2408 §3.15) of
// ESP SPIs per element of lists.
func v1DeleteInfo(hdr []byte, mid uint32, lists ...[]uint32) []byte {
	n := 28
	for _, l := range lists {
		n += 12 + 4*len(l)
	}
	b := make([]byte, n)
	copy(b, hdr[:28])
	b[16] = 12  // next payload: Delete
	b[18] = 5   // exchange: Informational
	b[19] &^= 1 // not encrypted
	binary.BigEndian.PutUint32(b[20:24], mid)
	binary.BigEndian.PutUint32(b[24:28], uint32(n))
	d := b[28:]
	for i, l := range lists {
		if i < len(lists)-1 {
			d[0] = 12
		}
		binary.BigEndian.PutUint16(d[2:4], uint16(12+4*len(l)))
		binary.BigEndian.PutUint32(d[4:8], 1) // DOI IPsec
		d[8], d[9] = 3, 4                     // ESP, SPI size 4
		binary.BigEndian.PutUint16(d[10:12], uint16(len(l)))
		for j, s := range l {
			binary.BigEndian.PutUint32(d[12+4*j:], s)
		}
		d = d[12+4*len(l):]
	}
	return b
}

// deletesCapture is the established IKEv1 SA of ikev1-main-quick, then
// ESP packets of nChild new SPIs (inferred child SAs: spi(i) for i <
// nChild, each in the direction dir(i) gives, true towards the
// responder), then one unencrypted Informational per element of msgs,
// sent by the initiator or the responder (from(m)), whose Delete payloads
// list the SPIs of msgs[m].
func deletesCapture(t testing.TB, nChild int, spi func(int) uint32, dir func(int) bool, msgs [][][]uint32, from func(int) bool) []Packet {
	pk := corpusPackets(t, "ikev1-main-quick")
	first := pk[0]
	in := clonePackets(pk)
	at := pk[len(pk)-1].Time
	for i := range nChild {
		at = at.Add(time.Millisecond)
		src, dst := first.Dst, first.Src
		if dir(i) {
			src, dst = dst, src
		}
		in = append(in, Packet{Time: at, Kind: KindESP, ESPSPI: spi(i), Src: src, Dst: dst, Frame: len(in) + 1})
	}
	for m, lists := range msgs {
		at = at.Add(time.Millisecond)
		src, dst := first.Src, first.Dst
		if !from(m) {
			src, dst = dst, src
		}
		in = append(in, Packet{Time: at, Kind: KindIKE, Src: src, Dst: dst, Frame: len(in) + 1, Data: v1DeleteInfo(first.Data, uint32(7000+m), lists...)})
	}
	return in
}

// TestApplyDeletesMany deletes random sets of child SAs, with messages of
// up to 12 SPIs in one or two Delete payloads (across directDeletes), sent
// by either peer, naming SPIs of either direction and unknown ones: each
// child SA is deleted, in the frame of the first message naming its SPI
// for the sending side, exactly when such a message exists (RFC 7296
// §3.11, RFC 2408 §3.15: a Delete lists the sender's inbound SPIs).
func TestApplyDeletesMany(t *testing.T) {
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 7))
		nChild := 1 + rng.IntN(60)
		dirs := make([]bool, nChild)
		for i := range dirs {
			dirs[i] = rng.IntN(2) == 0
		}
		spi := func(i int) uint32 { return uint32(0x10000 + i) }
		msgs := make([][][]uint32, 1+rng.IntN(30))
		senders := make([]bool, len(msgs))
		for m := range msgs {
			senders[m] = rng.IntN(2) == 0
			for range 1 + rng.IntN(2) {
				l := make([]uint32, rng.IntN(7))
				for j := range l {
					l[j] = spi(rng.IntN(nChild + 10)) // some name no child SA
				}
				msgs[m] = append(msgs[m], l)
			}
		}
		in := deletesCapture(t, nChild, spi, func(i int) bool { return dirs[i] }, msgs, func(m int) bool { return senders[m] })
		a := NewAnalyzer(Options{})
		for i := range in {
			a.Add(&in[i])
		}
		r := a.Finish()
		if len(r.SAs) != 1 {
			t.Fatalf("seed %d: %d SAs, want 1", seed, len(r.SAs))
		}
		firstMsg := len(in) - len(msgs) + 1 // frame of msgs[0]
		seen := 0
		for _, c := range r.SAs[0].ChildSAs {
			if !c.Inferred {
				continue
			}
			seen++
			want := 0
			for m := range msgs {
				own := c.SPIr // the responder's inbound SPI
				if senders[m] {
					own = c.SPIi
				}
				for _, l := range msgs[m] {
					for _, s := range l {
						if own != 0 && ESPSPI(s) == own && want == 0 {
							want = firstMsg + m
						}
					}
				}
			}
			if c.DeletedFrame != want || (c.State == ChildDeleted) != (want != 0) {
				t.Fatalf("seed %d: child %v/%v deleted in frame %d (%v), want frame %d", seed, c.SPIi, c.SPIr, c.DeletedFrame, c.State, want)
			}
		}
		if seen == 0 {
			t.Fatalf("seed %d: no inferred child SA", seed)
		}
	}
}

// BenchmarkApplyDeletesMany: 20 Informationals of 8000 SPIs each against
// 20,000 inferred child SAs of one SA (a 2 MB capture). Matching each SPI
// with each child SA took 6.3 s here.
func BenchmarkApplyDeletesMany(b *testing.B) {
	const nChild, nSPI, nMsg = 20000, 8000, 20
	list := make([]uint32, nSPI)
	for i := range list {
		list[i] = uint32(0x10000 + i)
	}
	msgs := make([][][]uint32, nMsg)
	for m := range msgs {
		msgs[m] = [][]uint32{list}
	}
	in := deletesCapture(b, nChild, func(i int) uint32 { return uint32(0x10000 + i) }, func(int) bool { return false }, msgs, func(int) bool { return true })
	b.ResetTimer()
	for range b.N {
		a := NewAnalyzer(Options{})
		for i := range in {
			a.Add(&in[i])
		}
		r := a.Finish()
		del := 0
		for _, c := range r.SAs[0].ChildSAs {
			if c.State == ChildDeleted {
				del++
			}
		}
		if del != nSPI {
			b.Fatalf("%d child SAs deleted, want %d", del, nSPI)
		}
	}
}
