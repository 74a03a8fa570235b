package flows

import (
	"net/netip"
	"testing"
	"time"
)

// TestPacketHashes covers the one hash enqueue takes of each IKE message
// (packetSum), which serves both the duplicate filter and retransmit
// detection, on ikev2-psk-success edited as captures are damaged. Frame 3
// is the IKE_AUTH request (encrypted, 300+ octets).
func TestPacketHashes(t *testing.T) {
	base := corpusPackets(t, "ikev2-psk-success")
	if n := len(base[byFrame(t, base, 3)].Data); n <= 96+1 {
		t.Fatalf("frame 3 has %d octets: the test needs a message longer than 96", n)
	}
	runVariants(t, base, []variant{
		// A copy 1 ms later whose last octet (the ICV) differs is not the
		// same bytes, so not a capture duplicate: it reuses the request's
		// message ID with different content. (A filter that hashed only
		// the first 96 octets took it for a duplicate and dropped it.)
		{"copy differing after octet 96", func(pk []Packet) []Packet {
			pk = resent(t, pk, 3, time.Millisecond, 0)
			c := &pk[byFrame(t, pk, 4)]
			c.Data[len(c.Data)-1] ^= 0x01
			return pk
		}, []string{"message_id_desync:error"}, StateEstablished},
		// Octets after the header's length (Ethernet padding, a damaged
		// trailer) are not part of the message: a resend with them is a
		// retransmission all the same (msgHash of Raw, not of the packet).
		{"retransmit with trailing octets", func(pk []Packet) []Packet {
			pk = resent(t, pk, 3, 500*time.Millisecond, 500*time.Millisecond)
			c := &pk[byFrame(t, pk, 4)]
			c.Data = append(c.Data, 0, 0, 0, 0)
			return pk
		}, []string{"retransmit:info"}, StateEstablished},
		// Both copies with trailing octets, 1 ms apart: a duplicate.
		{"duplicate with trailing octets", func(pk []Packet) []Packet {
			pk = resent(t, pk, 3, time.Millisecond, 0)
			for _, f := range []int{3, 4} {
				c := &pk[byFrame(t, pk, f)]
				c.Data = append(c.Data, 0, 0, 0, 0)
			}
			return pk
		}, []string{"capture_duplicate:info"}, StateEstablished},
		// The same octets 1 ms later from another source port are not a
		// capture duplicate (the filter compares the addresses exactly):
		// they are the request sent again.
		{"copy from another port", func(pk []Packet) []Packet {
			pk = resent(t, pk, 3, time.Millisecond, 0)
			c := &pk[byFrame(t, pk, 4)]
			c.Src = netip.AddrPortFrom(c.Src.Addr(), c.Src.Port()+1)
			return pk
		}, []string{"retransmit:info"}, StateEstablished},
	})
}

// TestDuplicateRing checks the duplicate filter's key counts (recentN)
// against its ring: after every packet they count the keys in recentH,
// and a packet is found a duplicate exactly when a recent one with its key,
// addresses and a time within dupWindow is there, for keys that share
// their low octet and a stream longer than the ring.
func TestDuplicateRing(t *testing.T) {
	a := NewAnalyzer(Options{})
	r := &a.ro
	src, dst := netip.MustParseAddrPort("192.0.2.1:500"), netip.MustParseAddrPort("192.0.2.2:500")
	at := time.Unix(1700000000, 0).UTC()
	for i := range 600 {
		p := &Packet{Frame: i + 1, Kind: KindESP, Src: src, Dst: dst, Time: at.Add(time.Duration(i) * time.Millisecond)}
		// Keys 0x100*k+7 all end in the same octet; every fifth packet
		// repeats the key of the packet 1 ms (a duplicate) or 300 packets
		// (out of the ring, and 300 ms: past hopWindow) earlier.
		key := uint64(i)<<8 | 7
		want := false
		switch {
		case i%5 == 1:
			key = uint64(i-1)<<8 | 7
			want = !wasDup(i - 1)
		case i%5 == 3 && i >= 300:
			key = uint64(i-300)<<8 | 7
		}
		if got := a.ro.duplicate(p, key); got != want {
			t.Fatalf("packet %d: duplicate %v, want %v", i, got, want)
		}
		var n [256]int
		for j := range min(i+1-a.ro.dups.n, dupRecent) {
			n[uint8(r.recentH[j])]++
		}
		for o := range n {
			if int(r.recentN[o]) != n[o] {
				t.Fatalf("after packet %d: %d keys end in %#x, recentN says %d", i, n[o], o, r.recentN[o])
			}
		}
	}
}

// wasDup tells whether packet i of TestDuplicateRing is itself a duplicate.
func wasDup(i int) bool { return i%5 == 1 }
