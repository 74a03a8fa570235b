package flows

import (
	"testing"
	"time"
)

// TestInternTab checks that the table gives back the bytes it was given,
// the same string without allocating for bytes it holds, never holds more
// than internMax strings nor one longer than internKeyMax.
func TestInternTab(t *testing.T) {
	var tab internTab
	b := []byte("a CA key hash, twenty")
	s := tab.text(b)
	if s != string(b) {
		t.Fatalf("text %q, want %q", s, b)
	}
	if n := testing.AllocsPerRun(100, func() { tab.text(b) }); n != 0 {
		t.Errorf("%v allocations for bytes the table holds, want 0", n)
	}
	k1 := tab.keys([]byte("twenty octets of key"))
	if k2 := tab.keys([]byte("twenty octets of key")); k2 != k1 || *k1 != "twenty octets of key" {
		t.Errorf("keys gave %p %q, then %p", k1, *k1, k2)
	}
	long := make([]byte, internKeyMax+1)
	if tab.text(long) != string(long) || len(tab.m) != 2 {
		t.Errorf("a string of %d octets: %d entries, want 2 (not kept)", len(long), len(tab.m))
	}
	if *tab.keys(long) != caKeys(long) || len(tab.refs) != 1 {
		t.Errorf("keys of %d octets: %d entries, want 1 (not kept)", len(long), len(tab.refs))
	}
	for i := range 5 * internMax {
		k := []byte{byte(i), byte(i >> 8), 'x'}
		if got := tab.text(k); got != string(k) {
			t.Fatalf("text %q, want %q", got, k)
		}
		if got := tab.keys(k); *got != caKeys(k) {
			t.Fatalf("keys %q, want %q", *got, k)
		}
		if len(tab.m) > internMax || len(tab.refs) > internMax {
			t.Fatalf("%d and %d entries, bound %d", len(tab.m), len(tab.refs), internMax)
		}
	}
}

// TestSharedTexts feeds every corpus capture to an Analyzer and checks,
// while its SAs are open, that the texts of their findings and their
// certificate requests are the ones in the Analyzer's table (shared with
// any other SA that has the same), not copies of their own.
func TestSharedTexts(t *testing.T) {
	var findings, requests, held1 int
	for _, path := range corpusCaptures(t) {
		a := NewAnalyzer(Options{IdleTimeout: 24 * time.Hour, OnSA: func(*SA) {}})
		for _, p := range loadPackets(t, path) {
			a.Add(&p)
		}
		a.drain() // analyse the packets the time-order window holds, as Finish does first
		held := func(what, s string) {
			if x, ok := a.shared.m[s]; !ok || len(s) > internKeyMax {
				t.Errorf("%s: %s %.40q… not in the table (%v)", path, what, s, ok)
			} else if x != s {
				t.Errorf("%s: table has %q for %q", path, x, s)
			}
		}
		for st := a.lruHead; st != nil; st = st.next {
			for _, f := range st.findings() {
				findings++
				held("finding", f.Message)
			}
			if q := st.rareOrEmpty().reqKeys; q != nil {
				requests++
				held1++
				if a.shared.refs[string(*q)] != q {
					t.Errorf("%s: the CA key hashes an SA's firstReq points at are not the table's", path)
				}
				held("CA key hashes", string(*q))
			}
			if cs := st.rareOrEmpty().cert; cs != nil {
				for side := sideI; side <= sideR; side++ {
					pc := cs.side(side)
					if pc.reqHashes != "" {
						requests++
						held("CA key hashes", string(pc.reqHashes))
					}
					for _, d := range pc.reqDNs {
						requests++
						held("CA name", d)
					}
				}
			}
		}
		a.Finish()
	}
	if findings == 0 || requests == 0 || held1 == 0 {
		t.Errorf("%d findings and %d certificate requests in open SAs, %d held in firstReq: the test checked"+
			" nothing", findings, requests, held1)
	}
}
