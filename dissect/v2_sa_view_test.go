package dissect

import (
	"errors"
	"strings"
	"testing"
)

// TestFirstProposalAgreesWithDecode reads every SA payload of the real
// IKEv2 samples, whole and with its first proposal's length field set to
// every smaller value (how a truncating middlebox or a bad encoder damages
// it), through both the allocation-free view and the typed decode: the
// view must see the first proposal exactly as decodeSA does and must call
// it malformed exactly when decodeSA reports a transform-level error.
func TestFirstProposalAgreesWithDecode(t *testing.T) {
	seen := 0
	for _, s := range v2Samples(t) {
		ps := v2AllPayloads(t, s)
		for _, p := range ps {
			if p.Type != PayloadSA || len(p.Body) < 8 {
				continue
			}
			seen++
			plen := int(be16(p.Body[2:]))
			for l := 8; l <= plen; l++ {
				b := append([]byte(nil), p.Body[:plen]...)
				b[2], b[3] = byte(l>>8), byte(l)
				b = b[:l]
				checkViewAgrees(t, s.name, l, Payload{Type: PayloadSA, Body: b})
			}
		}
	}
	if seen == 0 {
		t.Fatal("no SA payloads in the samples")
	}
}

func checkViewAgrees(t *testing.T, name string, l int, p Payload) {
	t.Helper()
	sa, err := decodeSA(p)
	v, ok := FirstProposal(p.Body)
	if !ok {
		if len(sa.Proposals) > 0 && err == nil {
			t.Fatalf("%s plen=%d: view rejects a proposal decodeSA accepts", name, l)
		}
		return
	}
	pr := sa.Proposals[0]
	if v.Protocol != pr.Protocol || string(v.SPI) != string(pr.SPI) {
		t.Fatalf("%s plen=%d: view %v/%x, decode %v/%x", name, l, v.Protocol, v.SPI, pr.Protocol, pr.SPI)
	}
	n := 0
	for {
		tr, more := v.NextTransform()
		if !more {
			break
		}
		if n >= len(pr.Transforms) {
			t.Fatalf("%s plen=%d: view has more transforms than decode (%d)", name, l, len(pr.Transforms))
		}
		d := pr.Transforms[n]
		if tr.Type != d.Type || tr.ID != d.ID || tr.KeyLength != d.KeyLength {
			t.Fatalf("%s plen=%d transform %d: view %v, decode %v", name, l, n, tr, d)
		}
		n++
	}
	transformErr := err != nil && !hasAttrErr(err)
	if v.Malformed() != transformErr {
		t.Fatalf("%s plen=%d: view malformed=%v, decode error %v", name, l, v.Malformed(), err)
	}
	if !v.Malformed() && n != len(pr.Transforms) {
		t.Fatalf("%s plen=%d: view read %d transforms, decode %d", name, l, n, len(pr.Transforms))
	}
}

// hasAttrErr reports whether err names a transform attribute, which the
// view skips (it only needs the Key Length that came before).
func hasAttrErr(err error) bool {
	var pe *ParseError
	return errors.As(err, &pe) && strings.Contains(pe.Field, "/attribute[")
}
