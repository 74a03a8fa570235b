package flows

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// TestMovedChildSAsOfDeadPeer: a child SA that an IKE rekey moved to the
// new IKE SA (RFC 7296 §2.18) ends with it when the new IKE SA's peer is
// declared dead. Real capture, ikev2-rekey-ike-then-dead-peer: the
// initiator's charon log "giving up after 3 retransmits", then destroys
// the new IKE SA and its CHILD_SA net{1} without a Delete (the child
// SA's SPIs from expected.json, from the logs). The child SA is listed
// under the first IKE SA, which negotiated it; it was shown "established"
// there, with and without the keys, at Finish and with an idle timeout
// that finalises the first IKE SA before the second (heirs.go: park).
func TestMovedChildSAsOfDeadPeer(t *testing.T) {
	for _, c := range []struct {
		sc      string
		keyless bool // without keys too (ESP shows the child SA)
	}{
		{"ikev2-rekey-ike-then-dead-peer", true},
		// pluto: "#2 migrated from IKE SA #1 to IKE SA #3", "liveness
		// action - clearing connection"; no ESP through the shim.
		{"libreswan-ikev2-rekey-ike-then-dead-peer", false},
		// iked's rekey request on the new IKE SA sent 6 times, each
		// drawing ICMP, then "rekey timeout: closing SA", no Delete
		// (dead_peer for an unanswered CREATE_CHILD_SA).
		{"openiked-ikev2-rekey-ike-then-dead-peer", false},
	} {
		movedChildOfDeadPeer(t, c.sc, c.keyless)
	}
}

// movedChildOfDeadPeer checks scenario sc (TestMovedChildSAsOfDeadPeer).
func movedChildOfDeadPeer(t *testing.T, sc string, keyless bool) {
	pk := corpusPackets(t, sc)
	raw, err := os.ReadFile(filepath.Join(corpusDir, sc, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp expectedScenario
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	if len(exp.ChildSAs) != 1 {
		t.Fatalf("%s: expected.json: %d child SAs", sc, len(exp.ChildSAs))
	}
	spi := func(host string) ESPSPI {
		v, err := strconv.ParseUint(exp.ChildSAs[0].InboundSPI[host], 16, 32)
		if err != nil {
			t.Fatalf("%s: expected.json: %s's inbound SPI: %v", sc, host, err)
		}
		return ESPSPI(v)
	}
	spiI, spiR := spi("initiator"), spi("responder")
	for _, keys := range []bool{false, true} {
		if !keys && !keyless {
			continue
		}
		for _, idle := range []time.Duration{0, 3 * time.Second, 8 * time.Second} {
			for _, tune := range []finishTuning{{min: 1 << 30, block: finishBlock}, {min: 1, block: 1}} {
				where := fmt.Sprintf("%s, keys %v, idle %v, finish %+v", sc, keys, idle, tune)
				var kf func() Decryptor
				if keys {
					kf = func() Decryptor { return corpusKeys(t, filepath.Join(corpusDir, sc)) }
				}
				r := runFinish(pk, Options{IdleTimeout: idle}, kf, tune).rep
				if len(r.SAs) != 2 {
					t.Fatalf("%s: %d SAs", where, len(r.SAs))
				}
				old, nw := r.SAs[0], r.SAs[1]
				if nw.State != StateDeleted || finding(nw, KindDeadPeer) == nil {
					t.Errorf("%s: second IKE SA %s, dead_peer %v", where, nw.State, finding(nw, KindDeadPeer) != nil)
				}
				var c *ChildSA
				for _, x := range old.ChildSAs {
					if x.SPIi == spiI && x.SPIr == spiR {
						c = x
					}
				}
				if c == nil {
					t.Fatalf("%s: no child SA %s/%s under the first IKE SA (%d child SAs)", where, spiI, spiR, len(old.ChildSAs))
				}
				if c.State != ChildDeleted || c.DeletedFrame != 0 {
					t.Errorf("%s: child SA %s, deleted at frame %d; want deleted, no frame", where, c.State, c.DeletedFrame)
				}
			}
		}
	}
}
