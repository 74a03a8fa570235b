package dissect

import "testing"

// TestPrintableOneRule checks the one printable rule both IKE versions use
// now (before, IKEv2 accepted only ASCII and IKEv1 accepted C1 controls):
// an IKEv1 KEY_ID and an IKEv2 ID_KEY_ID with the same data are shown as
// text, or not, alike.
func TestPrintableOneRule(t *testing.T) {
	for _, tc := range []struct {
		data string
		text bool
	}{
		{"vpn-gw.example", true},
		{"caf\xc3\xa9", true}, // é: UTF-8 text
		{"a\xc2\x85b", false}, // NEL, a C1 control
		{"a\x7fb", false},     // DEL
		{"a\x00b", false},     // NUL
		{"\xff\xfe", false},   // not UTF-8
		{"gw\tname", false},   // TAB, a C0 control
	} {
		if got := printable([]byte(tc.data)); got != tc.text {
			t.Errorf("printable(%q) = %v, want %v", tc.data, got, tc.text)
		}
		v1, err := decodeIDV1(append([]byte{byte(IDV1KeyID), 0, 0, 0}, tc.data...), 0)
		if err != nil {
			t.Fatal(err)
		}
		if (v1.Text != "") != tc.text {
			t.Errorf("IKEv1 KEY_ID %q: text %q, want text=%v", tc.data, v1.Text, tc.text)
		}
		v2 := textOrHex([]byte(tc.data))
		if (v2[0] == '"') != tc.text {
			t.Errorf("IKEv2 rendering of %q: %s, want text=%v", tc.data, v2, tc.text)
		}
	}
}
