package main

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// result is the outcome for one capture.
type result struct {
	Capture    string
	Err        error
	TsharkMsgs int
	OurMsgs    int
	Agree      int      // messages on which every field agrees
	Allowed    []string // disagreements explained by the allow-list
	Problems   []string // unexplained disagreements
	Decrypted  int      // messages both tools decrypted
	OverTCP    int      // tshark's messages decoded from the UDP re-framing of RFC 8229 streams
	// ICMPQuoted lists the frames of IKE messages that tshark shows only
	// inside the quote of an ICMP/ICMPv6 error: left out of the comparison
	// (ikeflow rightly takes no such quote for an IKE message; if it showed
	// one there, that is still reported as a disagreement)
	ICMPQuoted []int
}

func (r result) failed() bool { return r.Err != nil || len(r.Problems) > 0 }

// compareCapture runs both tools on one capture and compares message by message.
func compareCapture(bin, capture string, keys []string, allow *allowList) result {
	r := result{Capture: capture}
	theirs, err := runTshark(capture, keys)
	if err != nil {
		r.Err = err
		return r
	}
	// tshark 4.0 cannot read IKE over TCP (RFC 8229): those messages come
	// from its decode of a UDP re-framing (tcpencap.go), numbered by the
	// original frames. They replace whatever tshark showed on those frames
	// of the original (nothing, with tshark 4.0).
	tcp, covered, err := tsharkOverTCP(capture, keys)
	if err != nil {
		r.Err = err
		return r
	}
	if covered != nil {
		theirs = slices.DeleteFunc(theirs, func(m msg) bool { return covered[m.Frame] })
		theirs = append(theirs, tcp...)
		sort.SliceStable(theirs, func(i, j int) bool { return theirs[i].Frame < theirs[j].Frame })
		r.OverTCP = len(tcp)
	}
	theirs = slices.DeleteFunc(theirs, func(m msg) bool {
		if m.InICMPError {
			r.ICMPQuoted = append(r.ICMPQuoted, m.Frame)
		}
		return m.InICMPError
	})
	ours, err := runIkeflow(bin, capture, keys)
	if err != nil {
		r.Err = err
		return r
	}
	r.TsharkMsgs, r.OurMsgs = len(theirs), len(ours)
	type key struct{ frame, idx int }
	index := func(ms []msg) map[key]msg {
		out := map[key]msg{}
		seen := map[int]int{}
		for _, m := range ms {
			out[key{m.Frame, seen[m.Frame]}] = m
			seen[m.Frame]++
		}
		return out
	}
	ti, oi := index(theirs), index(ours)
	both := map[key]bool{}
	for k := range ti {
		both[k] = true
	}
	for k := range oi {
		both[k] = true
	}
	keys2 := slices.SortedFunc(maps.Keys(both), func(a, b key) int { return cmp.Or(a.frame-b.frame, a.idx-b.idx) })
	report := func(frame int, field, detail string) {
		line := fmt.Sprintf("frame %d %s: %s", frame, field, detail)
		if reason, ok := allow.match(capture, frame, field); ok {
			r.Allowed = append(r.Allowed, line+" (allowed: "+reason+")")
		} else {
			r.Problems = append(r.Problems, line)
		}
	}
	for _, k := range keys2 {
		t, tok := ti[k]
		o, ook := oi[k]
		switch {
		case !ook:
			report(k.frame, "message", "tshark shows an IKE message, ikeflow does not")
			continue
		case !tok:
			report(k.frame, "message", "ikeflow shows an IKE message, tshark does not")
			continue
		}
		d := diff(t, o)
		if len(d) == 0 {
			r.Agree++
		}
		if t.Decrypted && o.Decrypted {
			r.Decrypted++
		}
		for _, f := range fieldNames {
			if detail, ok := d[f]; ok {
				report(k.frame, f, detail)
			}
		}
	}
	return r
}

// printTable writes the per-capture agreement table and the problems.
func printTable(w io.Writer, rs []result) {
	fmt.Fprintf(w, "%-70s %7s %7s %7s %9s %7s %8s\n", "capture", "tshark", "ikeflow", "agree", "decrypted", "allowed", "problems")
	var tt, to, ta, td, tal, tp int
	for _, r := range rs {
		name := r.Capture
		if len(name) > 70 {
			name = "…" + name[len(name)-69:]
		}
		if r.Err != nil {
			fmt.Fprintf(w, "%-70s ERROR: %v\n", name, r.Err)
			continue
		}
		fmt.Fprintf(w, "%-70s %7d %7d %7d %9d %7d %8d\n", name, r.TsharkMsgs, r.OurMsgs, r.Agree, r.Decrypted, len(r.Allowed), len(r.Problems))
		tt, to, ta, td, tal, tp = tt+r.TsharkMsgs, to+r.OurMsgs, ta+r.Agree, td+r.Decrypted, tal+len(r.Allowed), tp+len(r.Problems)
	}
	fmt.Fprintf(w, "%-70s %7d %7d %7d %9d %7d %8d\n", "TOTAL", tt, to, ta, td, tal, tp)
	for _, r := range rs {
		if r.OverTCP > 0 {
			fmt.Fprintf(w, "note: %s: tshark's %d IKE-over-TCP message(s) decoded from a UDP re-framing of the RFC 8229 streams (tshark 4.0 has no RFC 8229 dissector), frames mapped back\n", r.Capture, r.OverTCP)
		}
	}
	for _, r := range rs {
		if len(r.ICMPQuoted) > 0 {
			fmt.Fprintf(w, "note: %s: %d IKE message(s) that tshark shows only inside the quote of an ICMP/ICMPv6 error left out (frames %s): not IKE messages on the wire\n", r.Capture, len(r.ICMPQuoted), strings.Trim(fmt.Sprint(r.ICMPQuoted), "[]"))
		}
	}
	for _, r := range rs {
		for _, p := range r.Problems {
			fmt.Fprintf(w, "DISAGREE %s: %s\n", r.Capture, p)
		}
	}
}

// discover lists the corpus captures and the third-party ones beside the repo.
func discover(root string) []string {
	var out []string
	m, _ := filepath.Glob(filepath.Join(root, "testdata/corpus/*/capture.pcap"))
	out = append(out, m...)
	shared := filepath.Join(root, "../shared/captures")
	filepath.WalkDir(shared, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		switch filepath.Ext(p) {
		case ".pcap", ".pcapng", ".cap":
			out = append(out, p)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// findKeys returns the key tables that belong to a capture.
func findKeys(capture string) []string {
	dir := filepath.Dir(capture)
	base := strings.TrimSuffix(filepath.Base(capture), filepath.Ext(capture))
	var out []string
	for _, name := range []string{"ikev2_decryption_table", "ikev1_decryption_table", base + ".ikev1_decryption_table", base + ".ikev2_decryption_table"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// allowList holds explained disagreements: lines of
// "CAPTURE-SUFFIX FRAME|* FIELD|* reason…"; # starts a comment.
type allowList struct {
	entries []allowEntry
}

type allowEntry struct {
	capture, frame, field, reason string
	used                          bool
}

func loadAllow(path string) (*allowList, error) {
	a := &allowList{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return a, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) < 4 {
			return nil, fmt.Errorf("%s:%d: want CAPTURE FRAME FIELD REASON", path, n)
		}
		a.entries = append(a.entries, allowEntry{capture: fs[0], frame: fs[1], field: fs[2], reason: strings.Join(fs[3:], " ")})
	}
	return a, sc.Err()
}

func (a *allowList) match(capture string, frame int, field string) (string, bool) {
	for i := range a.entries {
		e := &a.entries[i]
		if !strings.HasSuffix(filepath.ToSlash(capture), e.capture) {
			continue
		}
		if e.frame != "*" && e.frame != fmt.Sprint(frame) {
			continue
		}
		if e.field != "*" && e.field != field {
			continue
		}
		e.used = true
		return e.reason, true
	}
	return "", false
}

func (a *allowList) unused() []string {
	var out []string
	for _, e := range a.entries {
		if !e.used {
			out = append(out, e.capture+" "+e.frame+" "+e.field)
		}
	}
	return out
}
