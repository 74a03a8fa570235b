package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

const keysHelpHead = `
Inspect key files and share them.

  ikeflow keys list [--capture CAPTURE]... KEYFILE...
      Show every key loaded from the key files: the IKE SA it belongs to
      (SPIs or IKEv1 cookies), its algorithms and where it came from. Secrets
      are masked unless --show-secrets is given. With --capture, the captures
      are decrypted with the keys and each key says, per SA and direction,
      whether it verified (ICV / AEAD tag) or does not verify.
      On a terminal the keys are a table; otherwise one key per line
      (comments start with #), so "keys list --show-secrets KEYFILE... >
      all.keys" writes a key file ikeflow reads back.

  ikeflow keys export --wireshark DIR [--capture CAPTURE]... KEYFILE...
      Add the keys to the ikev2_decryption_table / ikev1_decryption_table
      files in DIR, so colleagues can open the same capture decrypted in
      Wireshark (DIR is typically a Wireshark profile directory). Rows the
      tables already have are kept; keys they hold are not added twice. A
      missing DIR is created when its parent exists. Algorithms the key
      files do not name are taken from the captures given with --capture.

Key files are detected by content; lines that cannot be used are warned
about (file:line: reason) and the rest of the file loads. Formats, in the
order they are tried:
`

// keysHelp is keysHelpHead plus the format table (decrypt.KeyFormats).
func keysHelp() string {
	var b strings.Builder
	b.WriteString(keysHelpHead)
	for _, f := range decrypt.KeyFormats() {
		fmt.Fprintf(&b, "  %-16s %s\n", f.Name, strings.ReplaceAll(f.Title, "`", ""))
	}
	b.WriteString("(see docs/keys.md)\n")
	return b.String()
}

func runKeys(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "export") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(e.stdout, "Usage: ikeflow keys list|export [flags] KEYFILE...\n%s", keysHelp())
			return nil
		}
		return usagef("want \"keys list\" or \"keys export\"")
	}
	sub := args[0]
	fs := newFlags(e, "keys "+sub, "[flags] KEYFILE...", keysHelp())
	captures := fs.StringArray("capture", nil, "decrypt this `capture` with the keys to see which SAs each key verifies on (repeatable)")
	show := fs.Bool("show-secrets", false, "print secrets in full (they are masked otherwise)")
	dir := fs.String("wireshark", "", "with export: add the keys to the Wireshark UAT key tables in `dir`")
	var in inputFlags
	in.register(fs)
	fs.MarkHidden("keys")
	if err := parseFlags(e, fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usagef("no key file given")
	}
	if sub == "export" && *dir == "" {
		return usagef("export needs --wireshark DIR")
	}
	var all []decrypt.Key
	var files []*decrypt.KeyFile
	for _, p := range fs.Args() {
		kf, err := readKeyFile(p)
		if err != nil {
			return err
		}
		warnKeyFile(e.stderr, "", kf)
		files = append(files, kf)
		all = append(all, kf.Keys...)
	}
	kr := decrypt.NewKeyring(all...)
	opt, err := in.options()
	if err != nil {
		return err
	}
	for _, c := range *captures {
		if err := decryptAll(e, c, opt, kr); err != nil {
			return err
		}
	}
	uses := kr.Uses()
	if sub == "export" {
		return exportKeys(e, *dir, uses)
	}
	if isTerminal(e.stdout) {
		return listTable(e, files, uses, *show, len(*captures) > 0)
	}
	return listLines(e.stdout, files, uses, *show, len(*captures) > 0)
}

// exportKeys writes the Wireshark tables and says what it did.
func exportKeys(e *env, dir string, uses []decrypt.KeyUse) error {
	keys := make([]decrypt.Key, 0, len(uses))
	for _, u := range uses {
		k := u.Key
		if !u.Suite.IsZero() {
			k.Suite = k.Suite.Merge(u.Suite)
		}
		keys = append(keys, k)
	}
	ex, err := decrypt.ExportWireshark(dir, keys)
	if ex != nil {
		for _, s := range ex.Skipped {
			fmt.Fprintf(e.stderr, "ikeflow: warning: not exported: %s\n", s)
		}
		if ex.Created {
			fmt.Fprintf(e.stdout, "created %s\n", dir)
		}
		for _, f := range ex.Files {
			for _, c := range f.Conflicts {
				fmt.Fprintf(e.stderr, "ikeflow: warning: not exported: %s\n", c)
			}
			verb := "wrote"
			if !f.Written {
				verb = "left unchanged"
			}
			fmt.Fprintf(e.stdout, "%s %s: %d key%s added, %d existing line%s kept, %d key%s already there\n", verb, f.Path, f.Added, plural(f.Added), f.Kept, plural(f.Kept), f.Duplicates, plural(f.Duplicates))
		}
		if err == nil && len(ex.Files) == 0 {
			fmt.Fprintf(e.stdout, "no key to write to %s\n", dir)
		}
	}
	return err
}

// keyStatus describes, per SA the key was tried on, whether each
// direction verified. It is empty when the key was tried nowhere.
func keyStatus(u decrypt.KeyUse) []string {
	var out []string
	seen := map[decrypt.SAID]bool{}
	for _, c := range u.Checks {
		seen[c.SA] = true
		var dirs []string
		for _, d := range []struct {
			name  string
			fromI bool
		}{{"from initiator", true}, {"from responder", false}} {
			dc := c.Dir(d.fromI)
			switch dc.Check() {
			case decrypt.KeyVerified:
				s := fmt.Sprintf("%s: verified (%d message%s)", d.name, dc.Verified, plural(dc.Verified))
				if dc.Failed > 0 {
					s += fmt.Sprintf(", %d failed", dc.Failed)
				}
				dirs = append(dirs, s)
			case decrypt.KeyFailed:
				dirs = append(dirs, fmt.Sprintf("%s: does not verify: %s (%d message%s)", d.name, wrongWhat(u, d.fromI), dc.Failed, plural(dc.Failed)))
			default:
				dirs = append(dirs, d.name+": not tried")
			}
		}
		out = append(out, c.SA.String()+": "+strings.Join(dirs, "; "))
	}
	// Keys without SPIs record only the SAs they opened.
	for _, sa := range u.Matched {
		if !seen[sa] {
			out = append(out, sa.String()+": verified")
		}
	}
	return out
}

// wrongWhat names the secret a failed direction points at.
func wrongWhat(u decrypt.KeyUse, fromI bool) string {
	if u.Key.Version == 1 {
		return "wrong key, or wrong algorithm?"
	}
	s := u.Key.Suite.Merge(u.Suite)
	switch {
	case s.Encr.IsAEAD() && fromI:
		return "wrong SK_ei, or wrong algorithm?"
	case s.Encr.IsAEAD():
		return "wrong SK_er, or wrong algorithm?"
	case fromI:
		return "wrong SK_ai, or wrong algorithm?"
	}
	return "wrong SK_ar, or wrong algorithm?"
}

// verifiedSuite is the suite to show as "worked": only when nothing the
// key was tried on failed everywhere.
func verifiedSuite(u decrypt.KeyUse) string {
	if u.Suite.IsZero() {
		return "-"
	}
	for _, c := range u.Checks {
		if c.FromInitiator.Check() == decrypt.KeyFailed || c.FromResponder.Check() == decrypt.KeyFailed {
			return u.Suite.String() + " (one direction only)"
		}
	}
	return u.Suite.String()
}

// notTried says why a key has no status.
func notTried(haveCapture bool) string {
	if haveCapture {
		return "no encrypted message of its SA in the capture"
	}
	return "(no --capture)"
}

// listTable prints the keys as a table, for terminals.
func listTable(e *env, files []*decrypt.KeyFile, uses []decrypt.KeyUse, show, haveCapture bool) error {
	for _, kf := range files {
		fmt.Fprintf(e.stdout, "%s: %s, %d key%s\n", kf.Name, kf.Format, len(kf.Keys), plural(len(kf.Keys)))
	}
	t := newASCIITable(e.stdout)
	t.Header([]string{"Key", "Checked on the capture", "Algorithms that verified"})
	for _, u := range uses {
		desc := u.Key.String()
		if show {
			desc = u.Key.Reveal()
		}
		st := keyStatus(u)
		status := strings.Join(st, "\n")
		if len(st) == 0 {
			status = notTried(haveCapture)
		}
		if err := t.Append(wrap(desc, 60), wrap(status, 60), verifiedSuite(u)); err != nil {
			return err
		}
	}
	return t.Render()
}

// listLines prints one key per line with the rest as # comments, so the
// output (with --show-secrets) is a key file in ikeflow's format.
func listLines(w io.Writer, files []*decrypt.KeyFile, uses []decrypt.KeyUse, show, haveCapture bool) error {
	for _, kf := range files {
		fmt.Fprintf(w, "# %s: %s, %d key%s\n", kf.Name, kf.Format, len(kf.Keys), plural(len(kf.Keys)))
	}
	for _, u := range uses {
		if show {
			fmt.Fprintf(w, "%s\n", u.Key.Reveal())
		} else {
			fmt.Fprintf(w, "# %v\n", u.Key)
		}
		st := keyStatus(u)
		if len(st) == 0 {
			st = []string{notTried(haveCapture)}
		}
		for _, s := range st {
			fmt.Fprintf(w, "#   %s\n", s)
		}
		if !u.Suite.IsZero() {
			fmt.Fprintf(w, "#   algorithms that verified: %s\n", verifiedSuite(u))
		}
	}
	return nil
}

// decryptAll feeds every IKE message of a capture through a decryption
// tracker, so the keyring records which keys verify on which SAs.
func decryptAll(e *env, path string, opt capture.Options, kr *decrypt.Keyring) error {
	r, err := openCapture(e, path, opt)
	if err != nil {
		return err
	}
	defer r.Close()
	trk := decrypt.NewTracker(kr)
	var m dissect.Message
	for {
		ev, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if strings.HasPrefix(err.Error(), path+":") {
				return err
			}
			return fmt.Errorf("%s: %w", path, err)
		}
		if ev.Kind != capture.KindIKE {
			continue
		}
		if m.DecodeFromBytes(ev.Data) != nil && m.Ciphertext == nil && len(m.Payloads) == 0 {
			continue
		}
		trk.Message(m.Raw, &m, ev.Src.Addr())
	}
}
