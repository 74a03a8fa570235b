package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestUnreadQuickModesShown: every format names the quick mode that
// completed without keys where the child SAs go (libreswan-ikev1-main-quick
// without keys and without ESP showed "-", as if no IPsec SA was set up),
// and the narrow view gives it its "child SA" line.
func TestUnreadQuickModesShown(t *testing.T) {
	const want = "1 quick mode completed (encrypted: IPsec SA not known)"
	p := "../../testdata/corpus/libreswan-ikev1-main-quick/capture.pcap"
	for _, args := range [][]string{
		{"--format", "table", "--width", "0"},
		{"--format", "table", "--width", "60"},
		{"--format", "markdown"},
		{"--format", "csv"},
		{"--format", "html"},
		{"--format", "json"},
	} {
		var out, errb bytes.Buffer
		if code := run(append(append([]string{"analyze", "-q"}, args...), p), nil, &out, &errb); code != exitOK {
			t.Fatalf("%v: exit %d: %s", args, code, errb.String())
		}
		w := want
		if args[1] == "json" {
			w = `"unread_quick_modes":1`
		}
		// The narrow view wraps its lines: compare the words.
		if !strings.Contains(strings.Join(strings.Fields(out.String()), " "), w) {
			t.Errorf("%v: no %q in\n%s", args, w, out.String())
		}
	}
}
