package flows

import (
	"path/filepath"
	"testing"
)

// TestChildClosedWithIKESA: with the keys, the INFORMATIONAL that deletes
// an IKEv2 IKE SA closes the child SAs negotiated under it (RFC 7296
// §1.4.1), which were shown "established" under a deleted IKE SA before
// (strongSwan, libreswan and OpenIKED all delete only the IKE SA when an
// SA is torn down, and their logs show the child SAs going with it). A
// child SA that a rekey of the IKE SA moved to the new IKE SA (§2.18)
// outlives the old one's Delete (ikev2-rekey: the old IKE SA is deleted
// at frame 26, after the rekey at frames 23-24).
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
	if last.State != ChildEstablished || last.DeletedFrame != 0 {
		t.Errorf("ikev2-rekey: the child SA the IKE rekey moved on is %s (deleted at frame %d)", last.State, last.DeletedFrame)
	}
}

// TestChildMovedByRekeyBeforeSuccessor: ikev2-rekey with keys, the old IKE
// SA's Delete (frame 26) placed before the new IKE SA's first message
// (frame 25), times swapped too, as the two peers' packets can cross: the IKE rekey was
// negotiated (frames 23-24) though its successor is not seen yet, so the
// child SA it moved is not closed by that Delete (the review found it
// "deleted"), and rekeyed child SAs keep their own Delete's frame.
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
	for _, c := range old.ChildSAs {
		if c.State == ChildDeleted || c.DeletedFrame == 26 {
			t.Errorf("child %s/%s %s, deleted at frame %d", c.SPIi, c.SPIr, c.State, c.DeletedFrame)
		}
	}
}
