package decrypt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// exportSuites are the suites Wireshark's table can express, for
// FuzzExportRoundTrip.
var exportSuites = []Suite{
	{Encr: EncrAESCBC, KeyBits: 128, Integ: IntegHMACSHA256128},
	{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA512256},
	{Encr: Encr3DES, Integ: IntegHMACSHA196},
	{Encr: EncrAESCTR, KeyBits: 192, Integ: IntegHMACMD596},
	{Encr: EncrAESGCM16, KeyBits: 256},
	{Encr: EncrAESGCM8, KeyBits: 128},
	{Encr: EncrAESCCM12, KeyBits: 192},
}

// fuzzKeys builds keys from fuzz input: each 3-octet group picks a
// version, a suite and a seed for SPIs and secrets.
func fuzzKeys(data []byte) []Key {
	var keys []Key
	for i := 0; i+3 <= len(data) && len(keys) < 32; i += 3 {
		v, si, seed := data[i], data[i+1], data[i+2]
		mk := func(n int, c byte) Secret { return NewSecret(bytes.Repeat([]byte{seed ^ c}, n)) }
		spi := func(c byte) (s [8]byte) {
			for j := range s {
				s[j] = seed + c + byte(j) + byte(i)
			}
			s[0] |= 1
			return s
		}
		if v%2 == 0 {
			keys = append(keys, Key{Version: 1, SPIi: spi(1), EncrI: mk(8+int(seed%57), 1), Source: "fuzz"})
			continue
		}
		s := exportSuites[int(si)%len(exportSuites)]
		k := fuzzKey(s)
		k.EncrI, k.EncrR = mk(k.EncrI.Len(), 2), mk(k.EncrR.Len(), 3)
		if !k.IntegI.IsZero() {
			k.IntegI, k.IntegR = mk(k.IntegI.Len(), 4), mk(k.IntegR.Len(), 5)
		}
		k.SPIi, k.SPIr, k.Source = spi(2), spi(3), "fuzz"
		keys = append(keys, *k)
	}
	return keys
}

// FuzzExportRoundTrip exports keys (built from the input) into a directory
// that may already hold a table (also from the input), then reads the
// tables back. Invariants: no panic; every line of the existing table is
// still there, in order, at the start of the file; when the existing file
// is an ikev2 table (or there is none), every exported key reads back
// unchanged unless its SA was already in the table (a conflict or
// duplicate).
func FuzzExportRoundTrip(f *testing.F) {
	f.Add([]byte{1, 0, 7, 0, 0, 9, 1, 4, 200}, []byte(""))
	wiki, _ := os.ReadFile("testdata/ikev2-wiki.ikev2_decryption_table")
	f.Add([]byte{1, 1, 1, 1, 2, 2, 1, 3, 3}, wiki)
	f.Add([]byte{3, 5, 77}, []byte("# comment\n\"x\",\"y\"\ngarbage, with, commas\n"))
	f.Fuzz(func(t *testing.T, data, existing []byte) {
		keys := fuzzKeys(data)
		if len(keys) == 0 || len(existing) > 4096 || bytes.ContainsAny(existing, "\r\x00") {
			return
		}
		dir := t.TempDir()
		v2 := filepath.Join(dir, "ikev2_decryption_table")
		if len(existing) > 0 {
			if err := os.WriteFile(v2, existing, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		ex, err := ExportWireshark(dir, keys)
		if err != nil {
			t.Fatal(err)
		}
		if len(ex.Skipped) != 0 {
			t.Fatalf("skipped %v", ex.Skipped)
		}
		conflicts := 0
		for _, ef := range ex.Files {
			conflicts += len(ef.Conflicts) + ef.Duplicates
		}
		got, _ := os.ReadFile(v2)
		if len(existing) > 0 {
			want := strings.Split(strings.TrimRight(string(existing), "\n"), "\n")
			have := strings.Split(string(got), "\n")
			if len(have) < len(want) || strings.Join(have[:len(want)], "\n") != strings.Join(want, "\n") {
				t.Fatalf("existing table not kept:\n%q\nnow\n%q", existing, got)
			}
		}
		// Reading back needs the user's table to be a table: an
		// existing file of other text is kept (checked above) but may
		// hide the rows added to it.
		if len(existing) > 0 {
			if kf, _ := ReadKeyFile("existing", bytes.NewReader(existing)); kf.Format != FormatWiresharkV2 {
				return
			}
		}
		var back []Key
		for _, name := range []string{"ikev2_decryption_table", "ikev1_decryption_table"} {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				continue
			}
			kf, _ := ReadKeyFile(name, bytes.NewReader(b))
			back = append(back, kf.Keys...)
		}
		have := map[string]bool{}
		for _, id := range keyIDs(back) {
			have[id] = true
		}
		missing := 0
		for _, id := range keyIDs(keys) {
			if !have[id] {
				missing++
			}
		}
		if missing > conflicts {
			t.Fatalf("%d of %d keys did not read back (%d conflicts/duplicates)", missing, len(keys), conflicts)
		}
	})
}

// FuzzKeyFormats runs every parser of the format table on the input, not
// only the one detection picks. Invariants: no panic; warnings name lines
// of the input; every key returned passes its own length checks.
func FuzzKeyFormats(f *testing.F) {
	for _, p := range []string{"testdata/strongswan-gcm-initiator.log", "testdata/fortigate-gateway-list.txt", "testdata/ikev2-wiki.ikev2_decryption_table", "testdata/openiked/ikev2-success/iked.log"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("Nov 30 01:31:06.123456: | " + plutoI + "\n| " + plutoR + "\n"))
	f.Add([]byte("| ikev2 I 0x1111111111111111 0x2222222222222222 none: aes_gcm_16256:0x" + strings.Repeat("ab", 36) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		nl := bytes.Count(data, []byte("\n")) + 1
		for _, spec := range keyFormats {
			kf := &KeyFile{Name: "fuzz"}
			p := &parser{file: "fuzz", kf: kf}
			lr := newLineReader(bytes.NewReader(data))
			lines, _ := lr.read(-1, MaxKeyFileSize, p)
			for _, k := range spec.parse(p, lines) {
				if k.Version != 1 && k.Version != 2 {
					t.Fatalf("%s: version %d", spec.name, k.Version)
				}
				k2 := k
				if err := k2.checkLengths(); err != nil {
					t.Fatalf("%s: key fails its own checks: %v", spec.name, err)
				}
			}
			for _, w := range kf.Warnings {
				if w.Line < 0 || w.Line > nl {
					t.Fatalf("%s: warning line %d outside input of %d lines", spec.name, w.Line, nl)
				}
			}
		}
	})
}
