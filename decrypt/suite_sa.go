package decrypt

import (
	"github.com/ikeflow/ikeflow/dissect"
)

// ChosenSuite reads the algorithms from the body of the SA payload the
// responder sent (IKEv2 IKE_SA_INIT response or CREATE_CHILD_SA rekey of
// the IKE SA; IKEv1 main or aggressive mode message 2), which carries the
// single chosen proposal. version is the IKE major version. ok is false
// when the body does not parse. Pass the result to [Keyring.OpenV2] (or
// let [V1Session] learn it from the message itself).
func ChosenSuite(version uint8, saBody []byte) (s Suite, ok bool) {
	if version == 1 {
		return v1Phase1Suite(saBody)
	}
	p, ok := dissect.FirstProposal(saBody)
	if !ok {
		return s, false
	}
	for {
		t, more := p.NextTransform()
		if !more {
			break
		}
		switch t.Type {
		case dissect.TransformENCR:
			s.Encr, s.KeyBits = EncrAlg(t.ID), int(t.KeyLength)
		case dissect.TransformINTEG:
			s.Integ = IntegAlg(t.ID)
		}
	}
	if p.Malformed() {
		return Suite{}, false
	}
	return s, s.Encr != EncrUnknown
}
