package flows

import (
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestWeakRows checks the weak-algorithm table: no value is judged twice
// in a family (weakIndex would keep one of the two silently), every row
// says why, and a few judgments read through it as the findings use them.
func TestWeakRows(t *testing.T) {
	seen := map[weakKey]bool{}
	for _, r := range weakRows {
		if r.why == "" || len(r.values) == 0 {
			t.Errorf("row %+v: no values or no reason", r)
		}
		for _, v := range r.values {
			k := weakKey{r.family, v}
			if seen[k] {
				t.Errorf("family %d value %d judged twice", r.family, v)
			}
			seen[k] = true
		}
	}
	for _, c := range []struct {
		tr   dissect.Transform
		weak bool
		sev  Severity
	}{
		{dissect.Transform{Type: dissect.TransformENCR, ID: uint16(dissect.Encr3DES)}, true, SeverityWarning},
		{dissect.Transform{Type: dissect.TransformENCR, ID: uint16(dissect.EncrAESCBC)}, false, 0},
		{dissect.Transform{Type: dissect.TransformINTEG, ID: 2}, true, SeverityInfo},
		{dissect.Transform{Type: dissect.TransformKE, ID: uint16(dissect.DHModp1024)}, true, SeverityWarning},
		{dissect.Transform{Type: dissect.TransformKE, ID: uint16(dissect.DHModp2048)}, false, 0},
	} {
		w, ok := weakV2(c.tr)
		if ok != c.weak || (ok && (w.sev != c.sev || w.name != c.tr.Name())) {
			t.Errorf("%s: weak %v %+v, want %v %v", c.tr.Name(), ok, w, c.weak, c.sev)
		}
	}
	// IKEv1 ESP transform IDs (RFC 2407 §4.4.4, IANA "IPsec ESP Transform
	// Identifiers"): ESP_DES_IV32 is 9; 18 is ESP_AES-GCM_8, not DES.
	for _, c := range []struct {
		id   dissect.ESPTransformID
		weak bool
	}{
		{dissect.ESPDESIV64, true}, {dissect.ESPDES, true}, {dissect.ESPDESIV32, true},
		{dissect.ESPNull, true}, {dissect.ESPAESGCM8, false}, {dissect.ESPAES, false},
	} {
		_, weak, _ := attrsV1IPsec(dissect.ProtoESPV1, &dissect.TransformV1{ID: uint8(c.id)})
		if got := len(weak) == 1; got != c.weak || len(weak) > 1 {
			t.Errorf("IKEv1 ESP transform %d (%s): weak %+v, want weak %v", c.id, c.id, weak, c.weak)
		}
	}
	// An attribute value past 16 bits is read as the registry type reads
	// it (the name and the judgment agree).
	_, weak, _ := attrsV1IKE([]dissect.AttributeV1{{Type: uint16(dissect.IKEAttrEncryption), Value: 1<<16 + uint32(dissect.EncrV1DES)}})
	if len(weak) != 1 || weak[0].name != dissect.EncrV1DES.String() {
		t.Errorf("DES past 16 bits: %+v", weak)
	}
}
