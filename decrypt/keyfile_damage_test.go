package decrypt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/internal/testutil"
)

// readString reads a key file from memory with its warnings.
func readString(t *testing.T, name, s string) (*KeyFile, error) {
	t.Helper()
	return ReadKeyFile(name, strings.NewReader(s))
}

// keyIDs lists each key's SPIs and secrets, for comparing key sets.
func keyIDs(keys []Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.SPIi.String()+"/"+k.SPIr.String()+" "+k.EncrI.RevealHex()+" "+k.EncrR.RevealHex()+" "+k.IntegI.RevealHex()+" "+k.IntegR.RevealHex())
	}
	return out
}

// realKeyFile is a real key file and the line (1-based) of a key line in
// it plus a substring of that line to damage.
type realKeyFile struct {
	path string
	line int    // line to damage
	at   string // text in that line whose first hex digit is replaced
}

var realKeyFiles = []realKeyFile{
	{"../../shared/captures/wireshark-wiki/ikev2-esp-gcm-ctr-cbc/ikev2_decryption_table", 2, "e7c50428"},
	{filepath.Join(corpusDir, "ikev2-rekey/ikev2_decryption_table"), 1, ","},
	{filepath.Join(corpusDir, "ikev2-rekey/charon-initiator.log"), 31, "FA 04 43"},
	{filepath.Join(corpusDir, "ikev2-rekey/charon-responder.log"), 0, "Sk_er secret"},
	{"testdata/fortigate-gateway-list.txt", 0, "SK_ei: "},
}

// damage returns data with the first hex digit after at on line n (0: the
// first line containing at) replaced by 'g', and the line number used.
func damage(t *testing.T, data []byte, n int, at string) ([]byte, int) {
	lines := strings.Split(string(data), "\n")
	if n == 0 {
		for i, l := range lines {
			if strings.Contains(l, at) {
				n = i + 1
				break
			}
		}
	}
	if n == 0 || n > len(lines) {
		t.Fatalf("no line with %q", at)
	}
	l := lines[n-1]
	i := strings.Index(l, at)
	if i < 0 {
		t.Fatalf("line %d has no %q: %q", n, at, l)
	}
	i += len(at)
	for i < len(l) && !strings.ContainsRune("0123456789abcdefABCDEF", rune(l[i])) {
		i++
	}
	lines[n-1] = l[:i] + "g" + l[i+1:]
	return []byte(strings.Join(lines, "\n")), n
}

// TestDamagedRealKeyFiles: real key files with one key line damaged (a bad
// hex digit, a cut line) still give their other keys, and one warning
// names the damaged line; with a UTF-8 BOM or CRLF line ends they give
// exactly the keys of the original.
func TestDamagedRealKeyFiles(t *testing.T) {
	for _, rf := range realKeyFiles {
		t.Run(filepath.Base(filepath.Dir(rf.path))+"/"+filepath.Base(rf.path), func(t *testing.T) {
			data, err := os.ReadFile(rf.path)
			if err != nil {
				t.Skip(err)
			}
			orig, err := readString(t, "orig", string(data))
			if err != nil || len(orig.Warnings) != 0 || len(orig.Keys) == 0 {
				t.Fatalf("original: %v, %d keys, warnings %v", err, len(orig.Keys), orig.Warnings)
			}
			want := keyIDs(orig.Keys)

			for _, v := range []struct{ name, text string }{
				{"bom", "\uFEFF" + string(data)},
				{"crlf", strings.ReplaceAll(string(data), "\n", "\r\n")},
			} {
				kf, err := readString(t, v.name, v.text)
				if err != nil || len(kf.Warnings) != 0 || strings.Join(keyIDs(kf.Keys), "\n") != strings.Join(want, "\n") || kf.Format != orig.Format {
					t.Errorf("%s: %v, %v, warnings %v", v.name, err, kf.Format, kf.Warnings)
				}
			}

			bad, n := damage(t, data, rf.line, rf.at)
			kf, err := readString(t, "bad", string(bad))
			if len(orig.Keys) == 1 {
				var ke *KeyFileError
				if !errors.As(err, &ke) || ke.File != "bad" {
					t.Fatalf("only key damaged: err %v, want a KeyFileError", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("bad hex digit on line %d: %v", n, err)
			}
			if len(kf.Keys) != len(orig.Keys)-1 {
				t.Errorf("bad hex digit on line %d: %d keys, want %d", n, len(kf.Keys), len(orig.Keys)-1)
			}
			if len(kf.Warnings) == 0 {
				t.Fatalf("bad hex digit on line %d: no warning", n)
			}
			if w := kf.Warnings[0]; w.File != "bad" || w.Line < n-2 || w.Line > n+1 {
				t.Errorf("warning %v, want one naming line %d", w, n)
			}
			for _, id := range keyIDs(kf.Keys) {
				if !contains(want, id) {
					t.Errorf("key %s not in the original", id)
				}
			}

			// A line cut in the middle (a truncated paste).
			lines := strings.Split(string(data), "\n")
			cut := lines[n-1]
			lines[n-1] = cut[:len(cut)/2+1]
			kf, err = readString(t, "cut", strings.Join(lines, "\n"))
			if err != nil || len(kf.Keys) != len(orig.Keys)-1 || len(kf.Warnings) == 0 {
				t.Errorf("line %d cut: %v, %d keys, warnings %v", n, err, len(kf.Keys), kf.Warnings)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestInterleavedCharonDumps: in the real rekey log, the Sk_ai and Sk_ar
// dumps of the rekeyed SA are interleaved line by line as two charon
// threads would write them; the keys read are those of the original log.
// When the rows carry no thread tag the two dumps cannot be told apart:
// both are warned about and the first SA's keys still load.
func TestInterleavedCharonDumps(t *testing.T) {
	path := filepath.Join(corpusDir, "ikev2-rekey/charon-initiator.log")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip(err)
	}
	orig, err := readString(t, "orig", string(data))
	if err != nil || len(orig.Keys) != 2 {
		t.Fatalf("original: %v %d keys", err, len(orig.Keys))
	}
	lines := strings.Split(string(data), "\n")
	// The rekey's dumps: find its Sk_ai and Sk_ar headers (second ones).
	var ai, ar []int
	for i, l := range lines {
		if strings.Contains(l, "Sk_ai secret =>") {
			ai = append(ai, i)
		}
		if strings.Contains(l, "Sk_ar secret =>") {
			ar = append(ar, i)
		}
	}
	if len(ai) != 2 || len(ar) != 2 || ar[1] != ai[1]+3 {
		t.Fatalf("unexpected log layout: Sk_ai at %v, Sk_ar at %v", ai, ar)
	}
	a := lines[ai[1] : ai[1]+3]
	b := make([]string, 3)
	for i, l := range lines[ar[1] : ar[1]+3] {
		b[i] = strings.Replace(l, " 01[IKE] ", " 14[IKE] ", 1) // another thread
		if b[i] == l {
			t.Fatalf("no thread tag 01 in %q", l)
		}
	}
	mixed := append([]string{}, lines[:ai[1]]...)
	mixed = append(mixed, a[0], b[0], a[1], b[1], a[2], b[2])
	mixed = append(mixed, lines[ai[1]+6:]...)
	kf, err := readString(t, "mixed", strings.Join(mixed, "\n"))
	if err != nil || len(kf.Warnings) != 0 || strings.Join(keyIDs(kf.Keys), "\n") != strings.Join(keyIDs(orig.Keys), "\n") {
		t.Errorf("interleaved: %v, warnings %v\n got %v\nwant %v", err, kf.Warnings, keyIDs(kf.Keys), keyIDs(orig.Keys))
	}

	// Without thread tags on the rows: ambiguous.
	strip := func(l string) string {
		if i := strings.Index(l, "[IKE] <c|1>  "); i >= 0 {
			return l[i+len("[IKE] <c|1>"):]
		}
		return l
	}
	for _, i := range []int{ai[1] + 2, ai[1] + 3, ai[1] + 4, ai[1] + 5} {
		mixed[i] = strip(mixed[i])
	}
	kf, err = readString(t, "ambiguous", strings.Join(mixed, "\n"))
	if err != nil || len(kf.Keys) != 1 || len(kf.Warnings) < 2 {
		t.Fatalf("ambiguous: %v, %d keys, warnings %v", err, len(kf.Keys), kf.Warnings)
	}
	if keyIDs(kf.Keys)[0] != keyIDs(orig.Keys)[0] {
		t.Errorf("ambiguous: kept %v, want the first SA's key", keyIDs(kf.Keys))
	}
	for _, w := range kf.Warnings[:2] {
		if !strings.Contains(w.Reason, "interleave") && !strings.Contains(w.Reason, "skipped") {
			t.Errorf("warning %v does not say why", w)
		}
	}
}

// junkReader yields endless lines of junk and counts what was read.
type junkReader struct{ n int }

func (j *junkReader) Read(p []byte) (int, error) {
	line := []byte("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n")
	n := 0
	for n+len(line) <= len(p) {
		n += copy(p[n:], line)
	}
	if n == 0 {
		n = copy(p, line[:len(p)])
	}
	j.n += n
	return n, nil
}

// TestJunkFailsFast: a huge file that is no key file is rejected after its
// first lines, without reading the rest.
func TestJunkFailsFast(t *testing.T) {
	j := &junkReader{}
	_, err := ReadKeyFile("junk.txt", j)
	var ke *KeyFileError
	if !errors.As(err, &ke) || !strings.Contains(ke.Reason, "not a known key file format") || ke.Line != 1 {
		t.Fatalf("err %v", err)
	}
	if j.n > 2*sniffBytes {
		t.Errorf("read %d octets of junk before giving up, want at most %d", j.n, 2*sniffBytes)
	}
}

// TestLongLineSkipped: a line longer than MaxKeyLine (here 2 MiB, which the
// old 1 MiB scanner limit turned into an error for the whole file) is a
// warning and the lines around it load.
func TestLongLineSkipped(t *testing.T) {
	k := "ikev1 cookie_i=fafaeb49382a763c key=735be0cb62f82675c4f7bf8fbab9b56834ba76d6ab4fa240"
	in := k + "\n# " + strings.Repeat("x", 2<<20) + "\n" + strings.Replace(k, "fafa", "0b0b", 1) + "\n"
	kf, err := readString(t, "long.keys", in)
	if err != nil || len(kf.Keys) != 2 || len(kf.Warnings) != 1 || kf.Warnings[0].Line != 2 || !strings.Contains(kf.Warnings[0].Reason, "longer than") {
		t.Fatalf("%v, %d keys, warnings %v", err, len(kf.Keys), kf.Warnings)
	}
}

// TestWarningsBounded: a file of many bad lines keeps MaxKeyWarnings
// warnings and counts the rest; the good line loads.
func TestWarningsBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("ikev1 cookie_i=fafaeb49382a763c key=735be0cb62f82675c4f7bf8fbab9b56834ba76d6ab4fa240\n")
	for i := 0; i < 1000; i++ {
		b.WriteString("ikev1 cookie_i=zz key=00\n")
	}
	kf, err := ReadKeyFile("many.keys", &b)
	if err != nil || len(kf.Keys) != 1 || len(kf.Warnings) != MaxKeyWarnings || kf.MoreWarnings != 1000-MaxKeyWarnings {
		t.Fatalf("%v, %d keys, %d+%d warnings", err, len(kf.Keys), len(kf.Warnings), kf.MoreWarnings)
	}
}

// TestDocsNameEveryFormat: docs/keys.md lists every format of the table,
// by its title, so docs and detection cannot drift apart.
func TestDocsNameEveryFormat(t *testing.T) {
	doc := testutil.ReadFile(t, "../docs/keys.md")
	for _, f := range KeyFormats() {
		if !bytes.Contains(doc, []byte(f.Title)) || !bytes.Contains(doc, []byte("`"+f.Name+"`")) {
			t.Errorf("docs/keys.md does not name format %s (%q)", f.Name, f.Title)
		}
	}
}

// TestSeedDocuments: of the five field documents in ../shared/seeds (vendor
// debug walkthroughs, Markdown tables of debug output), only the FortiGate
// one holds keys; it gives the SA its text prints, and the others are "not
// a known key file format" rather than taken for a log (a Markdown table's
// "| " lines once looked like pluto's).
func TestSeedDocuments(t *testing.T) {
	seeds, _ := filepath.Glob("../../shared/seeds/0*.txt")
	if len(seeds) == 0 {
		t.Skip("no seeds")
	}
	for _, s := range seeds {
		data := testutil.ReadFile(t, s)
		kf, err := readString(t, filepath.Base(s), string(data))
		if !bytes.Contains(data, []byte("SK_ei: ")) {
			var ke *KeyFileError
			if !errors.As(err, &ke) || !strings.Contains(ke.Reason, "not a known key file format") {
				t.Errorf("%s: %v (format %v)", s, err, kf.Format)
			}
			continue
		}
		if err != nil || kf.Format != FormatFortiGate || len(kf.Keys) == 0 {
			t.Fatalf("%s: %v %v", s, err, kf.Format)
		}
		k := kf.Keys[0]
		if k.SPIi.String() != "e870277e2268318c" || k.EncrI.RevealHex() != "3a83d24fab8f492ead914b1c46678cf53888fc99603033219feebc6df28fa2e6" ||
			k.Suite != (Suite{Encr: EncrAESCBC, KeyBits: 256, Integ: IntegHMACSHA512256}) {
			t.Errorf("%s: %v", s, k)
		}
	}
}

// TestNativeUnknownSA: a key whose source did not name its SA (a charon
// log without SPI lines) is written by Reveal with spi_i=* and reads back
// as the same key without SPIs; before, it was written as sixteen zeros,
// which read back as "missing spi_i", so "keys list --show-secrets" lost it.
func TestNativeUnknownSA(t *testing.T) {
	wiki := loadKeys(t, "testdata/ikev2-wiki.ikev2_decryption_table")
	k := wiki[2]
	k.SPIi, k.SPIr = [8]byte{}, [8]byte{}
	v1 := loadKeys(t, "testdata/ikev1-certs.ikev1_decryption_table")[0]
	v1.SPIi = [8]byte{}
	in := k.Reveal() + "\n" + v1.Reveal() + "\n"
	if !strings.Contains(in, "spi_i=* spi_r=*") || !strings.Contains(in, "cookie_i=*") {
		t.Fatalf("written as %q", in)
	}
	kf, err := readString(t, "any.keys", in)
	if err != nil || len(kf.Warnings) != 0 || len(kf.Keys) != 2 || kf.Keys[0].SPIKnown() || kf.Keys[1].SPIKnown() ||
		strings.Join(keyIDs(kf.Keys), "\n") != strings.Join(keyIDs([]Key{k, v1}), "\n") {
		t.Fatalf("%v %v %v", err, kf.Warnings, kf.Keys)
	}
	// Leaving the SPI out is still an error: it is usually a mistake.
	if _, err := readString(t, "none.keys", strings.Replace(in[:strings.Index(in, "\n")], "spi_i=* ", "", 1)); err == nil || !strings.Contains(err.Error(), "missing spi_i") {
		t.Errorf("no spi_i: %v", err)
	}
}

// TestReadKeyFileDirectory: reading a directory names it once and says
// what is wrong.
func TestReadKeyFileDirectory(t *testing.T) {
	dir := t.TempDir()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, err = ReadKeyFile(dir, f)
	if err == nil || strings.Count(err.Error(), dir) != 1 || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("%v", err)
	}
}
