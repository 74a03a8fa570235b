package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/decrypt"
	"github.com/ikeflow/ikeflow/dissect"
)

const keysHelp = `
Inspect key files and share them.

  ikeflow keys list [--capture CAPTURE]... KEYFILE...
      Show every key loaded from the key files: the IKE SA it belongs to
      (SPIs or IKEv1 cookies), its algorithms and where it came from. Secrets
      are masked unless --show-secrets is given. With --capture, the captures
      are decrypted with the keys and each key lists the SAs it opened and
      the algorithms that worked.

  ikeflow keys export --wireshark DIR [--capture CAPTURE]... KEYFILE...
      Write ikev2_decryption_table / ikev1_decryption_table files into DIR,
      so colleagues can open the same capture decrypted in Wireshark (copy
      them into a Wireshark profile directory). Algorithms the key files do
      not name are taken from the captures given with --capture.

Key files are detected by content: Wireshark UAT tables, strongSwan charon
logs (ike log level 4), libreswan / tcpdump -E secrets, FortiGate
"diagnose vpn ike gateway list" output, or ikeflow's own format
(docs/keys.md).
`

func runKeys(e *env, args []string) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "export") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintf(e.stdout, "Usage: ikeflow keys list|export [flags] KEYFILE...\n%s", keysHelp)
			return nil
		}
		return usagef("want \"keys list\" or \"keys export\"")
	}
	sub := args[0]
	fs := newFlags(e, "keys "+sub, "[flags] KEYFILE...", keysHelp)
	captures := fs.StringArray("capture", nil, "decrypt this `capture` with the keys to see which SAs each key matches (repeatable)")
	show := fs.Bool("show-secrets", false, "print secrets in full (they are masked otherwise)")
	dir := fs.String("wireshark", "", "with export: write Wireshark UAT key tables into `dir`")
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
	formats := map[string]string{}
	for _, p := range fs.Args() {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		keys, format, err := decrypt.ParseKeyFileFormat(p, f)
		f.Close()
		if err != nil {
			return err
		}
		formats[p] = format.String()
		all = append(all, keys...)
	}
	kr := decrypt.NewKeyring(all...)
	opt, err := in.options()
	if err != nil {
		return err
	}
	for _, c := range *captures {
		if err := decryptAll(e, c, opt, kr, e.stderr); err != nil {
			return err
		}
	}
	uses := kr.Uses()
	if sub == "export" {
		keys := make([]decrypt.Key, 0, len(uses))
		for _, u := range uses {
			k := u.Key
			if !u.Suite.IsZero() {
				k.Suite = k.Suite.Merge(u.Suite)
			}
			keys = append(keys, k)
		}
		err := decrypt.ExportWireshark(*dir, keys)
		var xe *decrypt.ExportError
		if errors.As(err, &xe) {
			fmt.Fprintf(e.stderr, "ikeflow keys export: %v\n", err)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "wrote Wireshark key tables for %d key(s) to %s\n", len(keys), *dir)
		return nil
	}
	for p, f := range formats {
		fmt.Fprintf(e.stdout, "%s: %s\n", p, f)
	}
	t := newASCIITable(e.stdout)
	header := []string{"Key", "Matched SAs", "Algorithms that worked"}
	t.Header(header)
	for _, u := range uses {
		desc := u.Key.String()
		if *show {
			desc = u.Key.Reveal()
		}
		var m []string
		for _, sa := range u.Matched {
			m = append(m, fmt.Sprint(sa))
		}
		matched := strings.Join(m, "\n")
		if matched == "" {
			matched = "-"
			if len(*captures) == 0 {
				matched = "(no --capture)"
			}
		}
		suite := "-"
		if !u.Suite.IsZero() {
			suite = u.Suite.String()
		}
		if err := t.Append(wrap(desc, 60), matched, suite); err != nil {
			return err
		}
	}
	return t.Render()
}

// decryptAll feeds every IKE message of a capture through a decryption
// tracker, so the keyring records which keys opened which SAs.
func decryptAll(e *env, path string, opt capture.Options, kr *decrypt.Keyring, stderr io.Writer) error {
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
