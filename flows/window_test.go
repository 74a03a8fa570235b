package flows

import (
	"encoding/binary"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestWindowSizeKeepsUnanswered: the real ikev2-rekey capture without the
// answer to the initiator's CREATE_CHILD_SA (frame 10, message ID 2),
// which then goes on to message ID 3. With the default window of one
// request that shows the answer came (info: the capture missed it); once
// the responder announced SET_WINDOW_SIZE 5 (its answer to message ID 3,
// frame 12, re-sealed with the scenario's keys as SK{N(SET_WINDOW_SIZE)}),
// a later request shows nothing of the kind, and the request is reported
// unanswered as it stands. (Without the child SA's ESP, which shows the
// answer came whatever the window.)
func TestWindowSizeKeepsUnanswered(t *testing.T) {
	const scen = "ikev2-rekey"
	key := loadV2Key(t, scen)
	keys := func() Decryptor { return corpusKeys(t, filepath.Join(corpusDir, scen)) }
	base := clonePackets(corpusPackets(t, scen))
	i := byFrame(t, base, 10)
	if dissect.ExchangeType(base[i].Data[18]) != dissect.ExchangeCreateChildSA {
		t.Fatal("frame 10 is not the CREATE_CHILD_SA answer")
	}
	base = slices.Delete(base, i, i+1)
	// The ESP to the initiator with the SPI its request offered shows on
	// its own that the answer came (offeredChild, TestHalfChildSPIFromESP);
	// it is left out here, where what a later request shows is tested.
	n := len(base)
	base = slices.DeleteFunc(base, func(p Packet) bool { return p.Kind == KindESP && p.ESPSPI == 0x615978e5 })
	if len(base) == n {
		t.Fatal("no ESP with SPI 615978e5 (the child SA that message ID 2 set up)")
	}
	unanswered := func(pk []Packet) *Finding {
		r := analyze(pk, Options{Decryptor: keys()})
		for _, sa := range r.SAs {
			for k := range sa.Findings {
				if f := &sa.Findings[k]; f.Kind == KindUnanswered && strings.Contains(f.Message, "CREATE_CHILD_SA request (message ID 2") {
					return f
				}
			}
		}
		t.Fatalf("no unanswered_request for message ID 2")
		return nil
	}
	if f := unanswered(clonePackets(base)); f.Severity != SeverityInfo || !strings.Contains(f.Message, "went on to INFORMATIONAL") {
		t.Errorf("window of one: %s %s", f.Severity, f.Message)
	}
	pk := clonePackets(base)
	j := byFrame(t, pk, 12)
	pk[j].Data = sealSK(t, pk[j].Data, 0x20, 3, dissect.PayloadNotify,
		v2NotifyPayload(dissect.PayloadNone, dissect.NotifySetWindowSize, binary.BigEndian.AppendUint32(nil, 5)), key.er, key.ar, 12)
	if f := unanswered(pk); f.Severity == SeverityInfo || strings.Contains(f.Message, "went on to") {
		t.Errorf("window of 5: %s %s", f.Severity, f.Message)
	}
}
