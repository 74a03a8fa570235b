package flows

import (
	"encoding/hex"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestChildClosedWithIKESA: with the keys, the INFORMATIONAL that deletes
// an IKEv2 IKE SA closes the child SAs negotiated under it (RFC 7296
// §1.4.1), which were shown "established" under a deleted IKE SA before
// (strongSwan, libreswan and OpenIKED all delete only the IKE SA when an
// SA is torn down, and their logs show the child SAs going with it). A
// child SA that a rekey of the IKE SA moved to the new IKE SA (§2.18)
// outlives the old one's Delete and ends with the new one's (ikev2-rekey:
// the rekey at frames 23-24, the new IKE SA's Delete at frame 25, the old
// one's at frame 26; charon: "checkin and destroy IKE_SA c[2]").
func TestChildClosedWithIKESA(t *testing.T) {
	for _, sc := range []string{"ikev2-psk-success", "libreswan-ikev2-success", "openiked-ikev2-success"} {
		dir := filepath.Join(corpusDir, sc)
		r := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, dir)})
		sa := r.SAs[0]
		if sa.State != StateDeleted || len(sa.ChildSAs) == 0 {
			t.Fatalf("%s: %s, %d child SAs", sc, sa.State, len(sa.ChildSAs))
		}
		del := sa.Exchanges[len(sa.Exchanges)-1].Messages[0].Frame // the request with D(IKE)
		for _, c := range sa.ChildSAs {
			if c.State != ChildDeleted || c.DeletedFrame != del {
				t.Errorf("%s: child %s/%s %s, deleted at frame %d, want deleted at %d", sc, c.SPIi, c.SPIr, c.State, c.DeletedFrame, del)
			}
		}
	}

	dir := filepath.Join(corpusDir, "ikev2-rekey")
	r := analyze(corpusPackets(t, "ikev2-rekey"), Options{Decryptor: corpusKeys(t, dir)})
	old := r.SAs[0]
	if old.State != StateRekeyed {
		t.Fatalf("ikev2-rekey: first IKE SA %s", old.State)
	}
	last := old.ChildSAs[len(old.ChildSAs)-1]
	if last.State != ChildDeleted || last.DeletedFrame != 25 {
		t.Errorf("ikev2-rekey: the child SA the IKE rekey moved on is %s (deleted at frame %d), want deleted at 25 with the new IKE SA", last.State, last.DeletedFrame)
	}
	for _, c := range old.ChildSAs[:len(old.ChildSAs)-1] {
		if c.State != ChildRekeyed {
			t.Errorf("ikev2-rekey: child SA %s/%s %s, want rekeyed", c.SPIi, c.SPIr, c.State)
		}
	}
}

// TestChildMovedByRekeyBeforeSuccessor: ikev2-rekey with keys, the old IKE
// SA's Delete (frame 26) placed before the new IKE SA's first message
// (frame 25), times swapped too, as the two peers' packets can cross: the IKE rekey was
// negotiated (frames 23-24) though its successor is not seen yet, so the
// child SA it moved is not closed by that Delete (the review found it
// "deleted" at 26), but by the new IKE SA's (25), and rekeyed child SAs
// keep their state.
func TestChildMovedByRekeyBeforeSuccessor(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev2-rekey")
	pk := clonePackets(corpusPackets(t, "ikev2-rekey"))
	i, j := byFrame(t, pk, 25), byFrame(t, pk, 26)
	pk[i], pk[j] = pk[j], pk[i]
	pk[i].Time, pk[j].Time = pk[j].Time, pk[i].Time
	old := analyze(pk, Options{Decryptor: corpusKeys(t, dir)}).SAs[0]
	if old.State != StateRekeyed {
		t.Fatalf("first IKE SA %s", old.State)
	}
	for k, c := range old.ChildSAs {
		want, wantFrame := ChildRekeyed, c.DeletedFrame
		if k == len(old.ChildSAs)-1 {
			want, wantFrame = ChildDeleted, 25
		}
		if c.State != want || c.DeletedFrame != wantFrame || c.DeletedFrame == 26 {
			t.Errorf("child %s/%s %s, deleted at frame %d; want %s", c.SPIi, c.SPIr, c.State, c.DeletedFrame, want)
		}
	}
}

// TestMovedChildrenSimultaneousRekey: an IKE SA on which two IKE rekeys
// were negotiated (both peers rekeyed at once, RFC 7296 §2.8.2: one new
// IKE SA is deleted at once, the other takes the child SAs) does not hand
// its child SAs to either new SA, since ikeflow does not follow which one
// survived: the review found the loser's Delete closing the winner's
// children. ikev2-rekey with keys, a second negotiated rekey recorded on
// the old IKE SA after its rekey (frames 23-24): the moved child SA stays
// established at the new IKE SA's Delete (frame 25), where it is deleted
// without the second rekey (TestChildClosedWithIKESA).
func TestMovedChildrenSimultaneousRekey(t *testing.T) {
	dir := filepath.Join(corpusDir, "ikev2-rekey")
	pk := corpusPackets(t, "ikev2-rekey")
	a := NewAnalyzer(Options{Decryptor: corpusKeys(t, dir), ReorderWindow: -1})
	var old *saState
	for i := range pk {
		if pk[i].Frame == 25 {
			old, _ = a.ix.find(2, spiOf(t, "c44a5543fa157e34"), spiOf(t, "6a2481c0bd3fdeea"))
			if old == nil || len(old.rareOrEmpty().rekeyKeys) != 1 {
				t.Fatalf("the IKE rekey at frames 23-24 is not recorded")
			}
			old.links().rekeyKeys = append(old.links().rekeyKeys, saKey{dissect.SPI{1}, dissect.SPI{2}, 2})
		}
		a.Add(&pk[i])
	}
	r := a.Finish()
	first := r.SAs[0]
	last := first.ChildSAs[len(first.ChildSAs)-1]
	if last.State != ChildEstablished || last.DeletedFrame != 0 {
		t.Errorf("moved child SA %s/%s %s, deleted at frame %d; want established", last.SPIi, last.SPIr, last.State, last.DeletedFrame)
	}
}

// spiOf parses an IKE SPI in hex.
func spiOf(t *testing.T, h string) (s dissect.SPI) {
	t.Helper()
	if b, err := hex.DecodeString(h); err != nil || copy(s[:], b) != 8 {
		t.Fatalf("bad SPI %q", h)
	}
	return s
}

// TestMovedChildOnNewIKESA: two real captures in which the IKE SA is
// rekeyed first and the child SA it moved (RFC 7296 §2.18) is then rekeyed
// and deleted on the new IKE SA, which is deleted last. The daemons' logs:
//
//   - ikev2-rekey-ike-first (strongSwan): c[2] rekeyed at frames 19-20,
//     "<c|2> closing CHILD_SA net{1} with SPIs b4ac0df9_i" after the
//     CREATE_CHILD_SA with N(REKEY_SA) at frames 27-28, "sending DELETE for
//     ESP CHILD_SA with SPI b4ac0df9" (frame 29), c[2] deleted at 35;
//   - libreswan-ikev2-rekey-ike (pluto initiator): #3 rekeys IKE SA #1
//     (frames 5-6), #4 rekeys child #2 "using #3" (9-10), "#2: deleting
//     established Child SA using IKE SA #3" (11), #3 deleted (13).
//
// The moved child SA was shown "established" under the old IKE SA, and the
// new IKE SA established at its first own message (frame 27, 9), seconds
// after the rekey made it.
func TestMovedChildOnNewIKESA(t *testing.T) {
	for _, tc := range []struct {
		sc              string
		child           ESPSPI // the moved child SA's SPIi
		rekeyAns, del   int    // frames: the IKE rekey's answer, the moved child's Delete
		newChild, final int    // the new child SA's SPIi, the new IKE SA's Delete
	}{
		{"ikev2-rekey-ike-first", 0xb4ac0df9, 20, 29, 0x50f32acd, 35},
		{"libreswan-ikev2-rekey-ike", 0x872427ce, 6, 11, 0xc3a0f078, 13},
	} {
		pk := corpusPackets(t, tc.sc)
		r := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, tc.sc))})
		if len(r.SAs) != 2 || r.SAs[0].State != StateRekeyed || r.SAs[1].State != StateDeleted {
			t.Fatalf("%s: %d IKE SAs, want the rekeyed one and its deleted successor", tc.sc, len(r.SAs))
		}
		old, nw := r.SAs[0], r.SAs[1]
		if len(old.ChildSAs) != 1 || len(nw.ChildSAs) != 1 {
			t.Fatalf("%s: %d and %d child SAs, want 1 and 1", tc.sc, len(old.ChildSAs), len(nw.ChildSAs))
		}
		if c := old.ChildSAs[0]; c.SPIi != tc.child || c.State != ChildRekeyed || c.DeletedFrame != tc.del {
			t.Errorf("%s: moved child SA %s %s, deleted at frame %d; want %s rekeyed, deleted at %d",
				tc.sc, c.SPIi, c.State, c.DeletedFrame, tc.child, tc.del)
		}
		if c := nw.ChildSAs[0]; c.SPIi != ESPSPI(tc.newChild) || c.State != ChildDeleted || c.DeletedFrame != tc.final || c.RekeyOf != tc.child {
			t.Errorf("%s: new child SA %s %s (rekey of %s), deleted at frame %d; want %08x deleted at %d",
				tc.sc, c.SPIi, c.State, c.RekeyOf, c.DeletedFrame, tc.newChild, tc.final)
		}
		if want := pk[byFrame(t, pk, tc.rekeyAns)].Time; !nw.Established.Equal(want) {
			t.Errorf("%s: new IKE SA established %s, want %s (the rekey's answer, frame %d)", tc.sc, nw.Established, want, tc.rekeyAns)
		}
	}
}

// TestMovedChildAfterCollision: ikev2-rekey-collision (strongSwan, both
// peers rekeying the IKE SA at frames 19-22, RFC 7296 §2.8.2). The
// initiator logs "IKE_SA rekey collision lost, deleting redundant IKE_SA
// c[2]" (Delete at frame 24); the kept IKE SA then rekeys the moved child
// SA 16750f7a (frames 31-34, itself a collision) and deletes it (frame 35:
// "closing CHILD_SA net{1} ... sending DELETE for ESP CHILD_SA with SPI
// 16750f7a"). The moved child was left "established": with two rekeys of
// its IKE SA negotiated, ikeflow did not follow either; the one kept is
// the one not deleted first.
func TestMovedChildAfterCollision(t *testing.T) {
	sc := "ikev2-rekey-collision"
	r := analyze(corpusPackets(t, sc), Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))})
	old := r.SAs[0]
	if old.State != StateRekeyed || len(old.ChildSAs) != 1 {
		t.Fatalf("first IKE SA %s with %d child SAs", old.State, len(old.ChildSAs))
	}
	if c := old.ChildSAs[0]; c.SPIi != 0x16750f7a || c.State != ChildRekeyed || c.DeletedFrame != 35 {
		t.Errorf("moved child SA %s %s, deleted at frame %d; want 16750f7a rekeyed, deleted at 35", c.SPIi, c.State, c.DeletedFrame)
	}
	for _, f := range old.Findings {
		if f.Kind == KindRekeyCollision && !strings.Contains(f.Message, "simultaneous IKE SA rekey (RFC 7296 §2.8.2)") {
			t.Errorf("IKE SA collision: %s", f.Message)
		}
	}
}

// TestMovedChildFlipByRekey: which side of the new IKE SA is which side of
// the old one follows from who requested the IKE rekey (RFC 7296 §2.18),
// not from the peers' addresses. ikev2-rekey-by-responder (the responder
// rekeys the IKE SA at frames 19-20, then the moved child SA af151686 on
// the new SA at 27-28, deleted at 29), its packets from frame 23 on moved
// to other addresses: the old responder now at the old initiator's address,
// the old initiator elsewhere (peers that changed addresses, RFC 4555).
// Compared by address, the roles did not flip, and the moved child SA's
// rekey and Delete were not found.
func TestMovedChildFlipByRekey(t *testing.T) {
	sc := "ikev2-rekey-by-responder"
	pk := clonePackets(corpusPackets(t, sc))
	a, b, c := netip.MustParseAddr("198.51.100.10"), netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("192.0.2.77")
	move := func(ap netip.AddrPort) netip.AddrPort {
		switch ap.Addr() {
		case b:
			return netip.AddrPortFrom(a, ap.Port())
		case a:
			return netip.AddrPortFrom(c, ap.Port())
		}
		return ap
	}
	for i := range pk {
		if pk[i].Frame >= 23 {
			pk[i].Src, pk[i].Dst = move(pk[i].Src), move(pk[i].Dst)
		}
	}
	old := analyze(pk, Options{Decryptor: corpusKeys(t, filepath.Join(corpusDir, sc))}).SAs[0]
	if len(old.ChildSAs) == 0 {
		t.Fatal("no child SA")
	}
	if ch := old.ChildSAs[0]; ch.State != ChildRekeyed || ch.DeletedFrame != 29 {
		t.Errorf("moved child SA %s/%s %s, deleted at frame %d; want rekeyed, deleted at 29", ch.SPIi, ch.SPIr, ch.State, ch.DeletedFrame)
	}
}
