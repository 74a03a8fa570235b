package decrypt

import (
	"errors"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestChosenSuiteAgreesWithDissect takes the real IKE_SA_INIT messages of
// the Wireshark wiki capture and sets the first proposal's length to every
// value from 8 to its real one (a proposal that ends inside a transform is
// what a bad encoder or a truncating box produces). ChosenSuite must give
// a suite exactly when dissect decodes the proposal's transforms without
// error and finds an ENCR, and then the same algorithms dissect shows.
func TestChosenSuiteAgreesWithDissect(t *testing.T) {
	checked := 0
	for _, cm := range loadHexMessages(t, "ikev2-wiki.hex") {
		var m dissect.Message
		if err := m.DecodeFromBytes(cm.raw); err != nil || m.Header.Exchange != dissect.ExchangeIKESAInit {
			continue
		}
		for _, p := range m.Payloads {
			if p.Type != dissect.PayloadSA || len(p.Body) < 8 {
				continue
			}
			plen := int(p.Body[2])<<8 | int(p.Body[3])
			for l := 8; l <= plen; l++ {
				b := append([]byte(nil), p.Body[:l]...)
				b[2], b[3] = byte(l>>8), byte(l)
				checked++
				got, ok := ChosenSuite(2, b)
				body, err := dissect.DecodePayload(2, dissect.Payload{Type: dissect.PayloadSA, Body: b})
				var pe *dissect.ParseError
				if errors.As(err, &pe) && strings.Contains(pe.Field, "/attribute[") {
					err = nil // attributes after the Key Length do not matter
				}
				var want Suite
				if sa, _ := body.(*dissect.SA); sa != nil && len(sa.Proposals) > 0 {
					for _, tr := range sa.Proposals[0].Transforms {
						if id, isEncr := tr.Encr(); isEncr {
							want.Encr, want.KeyBits = EncrAlg(id), int(tr.KeyLength)
						}
						if id, isInteg := tr.Integ(); isInteg {
							want.Integ = IntegAlg(id)
						}
					}
				}
				wantOK := err == nil && want.Encr != EncrUnknown
				if ok != wantOK || (ok && got != want) {
					t.Fatalf("frame %d plen=%d: ChosenSuite = %+v, %v; dissect: %+v, err %v", cm.frame, l, got, ok, want, err)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no IKE_SA_INIT SA payloads in ikev2-wiki.hex")
	}
}
