package main

import (
	"testing"

	"github.com/ikeflow/ikeflow/dissect"
)

// TestPayloadsTextLayout checks the payload lines of dissect's text form
// on the cases the corpus has few of: a critical payload ("!" after the
// label, inside its 6 columns), a body of several lines (the label on the
// first only), the decryption outcome after the body's last line, after
// nothing when there is no body, with its fragment, and a label longer
// than the column.
func TestPayloadsTextLayout(t *testing.T) {
	ps := []payloadRecord{
		{Type: dissect.PayloadNonce, Critical: true, Body: &dissect.Opaque{Data: []byte{1, 2}, Len: 2}},
		{Label: "encrypted", Decryption: "no key"},
		{Type: dissect.PayloadSK, Body: &dissect.Opaque{Data: []byte{0xab}, Len: 1}, Decryption: "decrypted", Fragment: "2/3",
			Inner: []payloadRecord{{Label: "CERTREQ", Critical: true}}},
	}
	got := string(appendPayloadsText([]byte("x\n"), ps, "  "))
	want := "x\n" +
		"  Nonce! " + (&dissect.Opaque{Data: []byte{1, 2}, Len: 2}).String() + "\n" +
		"  encrypted no key\n" +
		"  SK     " + (&dissect.Opaque{Data: []byte{0xab}, Len: 1}).String() + "; decrypted fragment 2/3\n" +
		"    CERTREQ! \n"
	if got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
	// A body of several lines: the label on the first, the outcome after the last.
	multi := payloadRecord{Label: "SA", Body: lines("a\nb"), Decryption: "decrypted"}
	got = string(appendPayloadsText(nil, []payloadRecord{multi}, ""))
	if want := "SA     a\n       b; decrypted\n"; got != want {
		t.Errorf("several lines: got %q, want %q", got, want)
	}
}

// lines is a Body whose text is its value.
type lines string

func (l lines) String() string { return string(l) }
