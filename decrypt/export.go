package decrypt

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Export describes what [ExportWireshark] did.
type Export struct {
	// Created is set when ExportWireshark created the directory.
	Created bool
	// Files lists the tables written, in the order written.
	Files []ExportFile
	// Skipped lists keys Wireshark's tables cannot express, one
	// "source: reason" each (unknown SPIs or algorithms, or algorithms
	// Wireshark lacks). The other keys were written.
	Skipped []string
}

// ExportFile is one Wireshark table ExportWireshark wrote or left alone.
type ExportFile struct {
	Path string `json:"path"`
	// Written is false when the table already held every key (nothing
	// to add), so the file was not touched.
	Written bool `json:"written"`
	Added   int  `json:"added"` // keys added
	Kept    int  `json:"kept"`  // lines of the existing file kept as they were
	// Duplicates counts keys the file already held, row for row.
	Duplicates int `json:"duplicates"`
	// Conflicts lists keys whose SA the file already names with other
	// key material, one "source: SA …" each; the file's row is kept.
	Conflicts []string `json:"conflicts,omitempty"`
}

// ExportWireshark writes keys into the Wireshark UAT tables in dir:
// ikev2_decryption_table (SPIi,SPIr,SK_ei,SK_er,"encr",SK_ai,SK_ar,"integ")
// and ikev1_decryption_table (initiator cookie,encryption key), so the same
// capture opens decrypted in Wireshark (dir is typically a Wireshark
// profile directory).
//
// It never loses the user's rows: a table that exists is merged, keeping
// every line it has, adding the keys it lacks and skipping those it
// already holds; a key whose SA the table names with other keys is not
// added (reported in Conflicts). Each file is written to a temporary file
// in dir and renamed over the old one, so a reader never sees half a
// table; new files get mode 0600, existing ones keep theirs.
//
// A missing dir is created (mode 0700) only when its parent exists;
// otherwise that is an error, as is dir being a file.
//
// IKEv2 keys need known SPIs and algorithms: fill Key.Suite from
// [KeyUse.Suite] for keys whose file did not name them. Keys that cannot
// be expressed are listed in Export.Skipped.
func ExportWireshark(dir string, keys []Key) (*Export, error) {
	ex := &Export{}
	var v1, v2 []exportRow
	for i := range keys {
		k := &keys[i]
		skip := func(reason string) { ex.Skipped = append(ex.Skipped, k.Source+": "+reason) }
		if !k.SPIKnown() {
			skip("SPIs not known")
			continue
		}
		if k.Version == 1 {
			v1 = append(v1, exportRow{k.SPIi.String(), k.SPIi.String() + "," + k.EncrI.RevealHex(), k.Source})
			continue
		}
		s := k.Suite
		enc, ok := wiresharkEncrName(s.Encr, s.KeyBits)
		if !ok || s.Encr == EncrChaCha20Poly1305 {
			skip("encryption algorithm " + s.String() + " not expressible in Wireshark")
			continue
		}
		integ := "NONE [RFC4306]"
		if !s.Encr.IsAEAD() {
			if integ, ok = wiresharkIntegName(s.Integ); !ok || s.Integ == IntegNone {
				skip("integrity algorithm " + s.Integ.String() + " not expressible in Wireshark")
				continue
			}
		}
		if k.SPIr.IsZero() {
			skip("responder SPI not known")
			continue
		}
		if k.EncrI.IsZero() || k.EncrR.IsZero() {
			skip("only one direction's keys known; Wireshark's table needs both")
			continue
		}
		v2 = append(v2, exportRow{k.SPIi.String() + "," + k.SPIr.String(), strings.Join([]string{
			k.SPIi.String(), k.SPIr.String(), k.EncrI.RevealHex(), k.EncrR.RevealHex(),
			`"` + enc + `"`, k.IntegI.RevealHex(), k.IntegR.RevealHex(), `"` + integ + `"`,
		}, ","), k.Source})
	}
	if len(v1)+len(v2) == 0 {
		return ex, nil
	}
	created, err := ensureDir(dir)
	if err != nil {
		return ex, err
	}
	ex.Created = created
	for _, t := range []struct {
		name string
		rows []exportRow
		id   func(fields []string) (string, bool)
	}{{"ikev2_decryption_table", v2, v2RowID}, {"ikev1_decryption_table", v1, v1RowID}} {
		if len(t.rows) == 0 {
			continue
		}
		f, err := mergeTable(filepath.Join(dir, t.name), t.rows, t.id)
		if err != nil {
			return ex, err
		}
		ex.Files = append(ex.Files, f)
	}
	return ex, nil
}

// exportRow is one table row: the SA it names (lower-case SPIs), the line,
// and the key's source for reports.
type exportRow struct {
	sa, text, source string
}

// v2RowID names the SA of an ikev2_decryption_table row.
func v2RowID(f []string) (string, bool) {
	if len(f) != 8 {
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(f[0]) + "," + strings.TrimSpace(f[1])), true
}

// v1RowID names the SA of an ikev1_decryption_table row.
func v1RowID(f []string) (string, bool) {
	if len(f) != 2 {
		return "", false
	}
	return strings.ToLower(strings.TrimSpace(f[0])), true
}

// normRow makes two rows that say the same compare equal: fields unquoted,
// hex lower-cased.
func normRow(line string) string {
	f := splitCSV(strings.TrimSpace(line))
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
		if _, ok := parseHex(f[i]); ok {
			f[i] = strings.ToLower(f[i])
		}
	}
	return strings.Join(f, "\x00")
}

// mergeTable adds rows to the table at path, keeping its lines.
func mergeTable(path string, rows []exportRow, id func([]string) (string, bool)) (ExportFile, error) {
	ef := ExportFile{Path: path}
	old, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	switch {
	case err == nil:
		if st, err := os.Stat(path); err == nil {
			mode = st.Mode().Perm()
		}
	case errors.Is(err, fs.ErrNotExist):
	default:
		return ef, err
	}
	have := map[string]string{} // SA -> normalised row, from the existing file
	var out bytes.Buffer
	if len(old) > 0 {
		for _, l := range strings.Split(strings.TrimRight(string(old), "\n"), "\n") {
			out.WriteString(l + "\n")
			ef.Kept++
			t := strings.TrimSpace(l)
			if t == "" || strings.HasPrefix(t, "#") {
				continue
			}
			if sa, ok := id(splitCSV(t)); ok {
				if _, dup := have[sa]; !dup {
					have[sa] = normRow(t)
				}
			}
		}
	}
	for _, r := range rows {
		n := normRow(r.text)
		if h, ok := have[r.sa]; ok {
			if h == n {
				ef.Duplicates++
			} else {
				ef.Conflicts = append(ef.Conflicts, r.source+": SA "+strings.Replace(r.sa, ",", "/", 1)+" is in the table with other keys (kept)")
			}
			continue
		}
		have[r.sa] = n
		out.WriteString(r.text + "\n")
		ef.Added++
	}
	if ef.Added == 0 {
		return ef, nil
	}
	if err := writeAtomic(path, out.Bytes(), mode); err != nil {
		return ef, err
	}
	ef.Written = true
	return ef, nil
}

// writeAtomic writes data to a temporary file beside path and renames it
// over path.
func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// ensureDir makes sure dir exists, creating it when its parent does.
func ensureDir(dir string) (created bool, err error) {
	st, err := os.Stat(dir)
	switch {
	case err == nil && st.IsDir():
		return false, nil
	case err == nil:
		return false, errors.New(dir + ": not a directory")
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if pst, perr := os.Stat(parent); perr != nil || !pst.IsDir() {
		return false, errors.New(dir + ": no such directory, and its parent " + parent + " does not exist either (only the last element is created)")
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return false, err
	}
	return true, nil
}
