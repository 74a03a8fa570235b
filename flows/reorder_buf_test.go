package flows

import (
	"testing"
	"time"
)

// TestReorderBuffersBySize checks that the reorder window reuses the Data
// buffers of released packets for packets of their own size: messages of
// alternating sizes (a 100-octet informational and a 1200-octet
// IKE_AUTH, here) go through without allocating once the window has
// warmed up. A single free list handed the small buffer to the large
// message, which then allocated a new one.
func TestReorderBuffersBySize(t *testing.T) {
	var r reorder
	small := Packet{Kind: KindIKE, Data: make([]byte, 100)}
	large := Packet{Kind: KindIKE, Data: make([]byte, 1200)}
	at := time.Unix(1700000000, 0)
	step := func() {
		for _, p := range []*Packet{&small, &large} {
			at = at.Add(time.Millisecond)
			p.Time = at
			r.push(p, &Prepared{})
		}
		for r.size() > 0 {
			hp := r.pop()
			if len(hp.p.Data) != 100 && len(hp.p.Data) != 1200 {
				t.Fatalf("held packet has %d octets", len(hp.p.Data))
			}
			r.recycle(hp.p.Data)
			hp.p = Packet{}
		}
	}
	step()
	if n := testing.AllocsPerRun(100, step); n != 0 {
		t.Errorf("%v allocations per small+large pair through the window, want 0", n)
	}
	if r.freeBytes > maxFreeBytes {
		t.Errorf("%d octets kept for reuse, bound %d", r.freeBytes, maxFreeBytes)
	}
}

// TestBufClass checks the size classes of held packets' buffers.
func TestBufClass(t *testing.T) {
	for _, c := range []struct{ n, class int }{
		{0, 0}, {1, 0}, {128, 0}, {129, 1}, {256, 1}, {257, 2}, {1200, 4}, {1 << 16, 9}, {1<<16 + 1, 10},
	} {
		if got := bufClass(c.n); got != c.class {
			t.Errorf("bufClass(%d) = %d, want %d", c.n, got, c.class)
		}
	}
}
