package flows

import (
	"encoding/hex"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// TestCertStateSize holds the pieces of an SA's certificate facts to their
// size classes: certState 24 octets (two pointers and two flags), the
// peerCerts of a side that sent a CERTREQ 64, the peerCred of a side that
// showed an identity, AUTH or certificates 192. Before they were split, an
// SA with a lone CERTREQ held a 512-octet certState (and 48 octets of
// copies per hash).
func TestCertStateSize(t *testing.T) {
	for _, c := range []struct {
		v    any
		size uintptr
	}{{certState{}, 24}, {peerCerts{}, 64}, {peerCred{}, 192}} {
		if size := reflect.TypeOf(c.v).Size(); size > c.size {
			t.Errorf("%T is %d octets, want at most %d", c.v, size, c.size)
		}
	}
}

// TestCAKeys checks caKeys' and hexIs' answers against the slices of
// hashes and hex.EncodeToString they replace.
func TestCAKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var hashes [][]byte
	var all strings.Builder
	for range 5 {
		h := make([]byte, caKeyLen)
		for i := range h {
			h[i] = byte(r.Uint32())
		}
		hashes = append(hashes, h)
		all.Write(h)
	}
	k := caKeys(all.String())
	if k.n() != len(hashes) {
		t.Fatalf("n() = %d, want %d", k.n(), len(hashes))
	}
	for i, h := range hashes {
		if k.at(i) != string(h) || !k.has(string(h)) {
			t.Errorf("hash %d: at %x, has %v", i, k.at(i), k.has(string(h)))
		}
		x := hex.EncodeToString(h)
		if !hexIs(x, string(h)) {
			t.Errorf("hexIs(%s, its bytes) false", x)
		}
		if hexIs(strings.ToUpper(x), string(h)) && strings.ToUpper(x) != x {
			t.Errorf("hexIs accepts upper-case %s (EncodeToString is lower-case)", x)
		}
		other := hex.EncodeToString(hashes[(i+1)%len(hashes)])
		if hexIs(other, string(h)) || hexIs(x[:len(x)-2], string(h)) {
			t.Errorf("hexIs true for another hash or a shorter one")
		}
	}
	if k.has(strings.Repeat("\x00", caKeyLen)) {
		t.Error("has a hash not in the list")
	}
}
