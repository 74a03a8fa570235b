package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

// FuzzFlowFlags parses --spi, --peer, the port flags, --idle-timeout and
// --fail-on from arbitrary strings through the real flag set: no panic,
// every refusal is a command-line error (exit status 2), and what is
// accepted is what the help promises.
func FuzzFlowFlags(f *testing.F) {
	f.Add("99437a1166f35a98", "198.51.100.10", "500,4500", "10m", "error")
	f.Add("0x084683ED", "2001:db8::1", "4500", "0s", "warning")
	f.Add("zz", "fe80::1%eth0", "65536", "-1s", "info")
	f.Add("", "::ffff:192.0.2.1", "0", "1h2m", "")
	f.Fuzz(func(t *testing.T, spi, peer, ports, idle, failOn string) {
		e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
		fs := newFlags(e, "fuzz", "", "")
		var ff flowFlags
		var in inputFlags
		ff.register(fs, "")
		in.register(fs)
		args := []string{"--spi=" + spi, "--peer=" + peer, "--ike-ports=" + ports, "--idle-timeout=" + idle, "--fail-on=" + failOn}
		if err := parseFlags(e, fs, args); err != nil {
			if _, ok := err.(usageError); !ok {
				t.Fatalf("parse %q: %T %v is not a usage error", args, err, err)
			}
			return
		}
		_, ierr := in.options()
		opt, level, err := ff.options(e, nil)
		for _, err := range []error{ierr, err} {
			if err != nil {
				if _, ok := err.(usageError); !ok {
					t.Fatalf("%q: %T %v is not a usage error", args, err, err)
				}
			}
		}
		if err != nil {
			return
		}
		h := strings.TrimPrefix(strings.ToLower(spi), "0x")
		if _, perr := strconv.ParseUint(h, 16, 64); perr != nil || (len(h) != 8 && len(h) != 16) {
			t.Errorf("--spi %q accepted", spi)
		}
		if len(opt.Peers) != 1 || !opt.Peers[0].IsValid() {
			t.Errorf("--peer %q accepted as %v", peer, opt.Peers)
		}
		if opt.IdleTimeout < 0 {
			t.Errorf("--idle-timeout %q accepted as %v", idle, opt.IdleTimeout)
		}
		if failOn != "" && level != flows.SeverityError && level != flows.SeverityWarning {
			t.Errorf("--fail-on %q accepted as %v", failOn, level)
		}
		if ierr == nil {
			for _, p := range in.ikePorts {
				if p == 0 || p > 65535 {
					t.Errorf("--ike-ports %q accepted %d", ports, p)
				}
			}
		}
	})
}

// FuzzParseSize reads arbitrary --memory-limit values (parsed directly:
// options would set the fuzzing process's own memory limit): an accepted
// size is positive, fits, and is the number times its unit.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"300MB", "512MiB", "2GiB", "1048576", "0", "-5MB", "9223372036854775807", "4611686018427387904KiB", " 7 kB "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseSize(s)
		if err != nil {
			if !strings.Contains(err.Error(), "is not a size") {
				t.Fatalf("%q: unexpected error %v", s, err)
			}
			return
		}
		if n <= 0 || n > 1<<62 {
			t.Fatalf("%q accepted as %d", s, n)
		}
		// The same number without its unit, times the unit, is the same size.
		t2 := strings.TrimSpace(s)
		digits := strings.TrimRight(t2, "KMGiBk ")
		d, derr := strconv.ParseInt(strings.TrimSpace(digits), 10, 64)
		if derr != nil || d <= 0 || n%d != 0 {
			t.Fatalf("%q accepted as %d, but its number is %q", s, n, digits)
		}
	})
}

// fuzzCaptureSeeds adds the corpus captures (and the third-party ones
// under ../shared/captures that are small enough) as seeds.
func fuzzCaptureSeeds(f *testing.F) {
	caps, _ := filepath.Glob("../../testdata/corpus/*/capture.pcap")
	shared, _ := filepath.Glob("../../../shared/captures/*/*.pcap*")
	cap, _ := filepath.Glob("../../../shared/captures/*/*.cap")
	for _, c := range append(append(caps, shared...), cap...) {
		if b, err := os.ReadFile(c); err == nil && len(b) <= 64<<10 {
			f.Add(b)
		}
	}
}

// FuzzRenderers runs "ikeflow analyze" on mutated real captures (from
// standard input) in every output format, with ladders, and the live event
// stream on the same packets: no panic (run would turn it into an
// "internal error"), never exit status 2, valid JSON and CSV, valid UTF-8
// in every text format.
func FuzzRenderers(f *testing.F) {
	fuzzCaptureSeeds(f)
	formats := []string{"table", "markdown", "csv", "json"}
	// The HTML report, where this build has it (another branch adds it).
	if _, _, code := ikeflowF("analyze", "-q", "--format", "html", filepath.Join(corpus, "ikev2-psk-success", "capture.pcap")); code == exitOK {
		formats = append(formats, "html")
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 256<<10 {
			return
		}
		for _, format := range formats {
			var out, errb bytes.Buffer
			code := run([]string{"analyze", "-q", "--ladder", "--format", format, "--idle-timeout", "0", "-"}, bytes.NewReader(data), &out, &errb)
			if strings.Contains(errb.String(), "internal error") || (code != exitOK && code != exitError) {
				t.Fatalf("%s: exit %d\n%s", format, code, errb.String())
			}
			if code != exitOK {
				return // not a capture at all
			}
			switch format {
			case "json":
				if !json.Valid(out.Bytes()) {
					t.Fatalf("invalid JSON:\n%s", out.String())
				}
			case "csv":
				r := csv.NewReader(bytes.NewReader(out.Bytes()))
				r.FieldsPerRecord = -1
				if _, err := r.ReadAll(); err != nil {
					t.Fatalf("invalid CSV: %v\n%s", err, out.String())
				}
			default:
				if !utf8.Valid(out.Bytes()) {
					t.Fatalf("%s: invalid UTF-8:\n%q", format, out.String())
				}
			}
		}
		for _, format := range []string{"json", "text"} {
			lines := liveStreamOf(t, data, format)
			for _, l := range bytes.Split(bytes.TrimSuffix(lines, []byte("\n")), []byte("\n")) {
				if len(l) == 0 {
					continue
				}
				if format == "json" && !json.Valid(l) {
					t.Fatalf("live: invalid JSON line %q", l)
				}
				if format == "text" && !utf8.Valid(l) {
					t.Fatalf("live: invalid UTF-8 line %q", l)
				}
			}
		}
	})
}

// ikeflowF runs ikeflow in process (for fuzz setup, without a *testing.T).
func ikeflowF(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// liveStreamOf runs the live event stream over the packets of a capture,
// as runLive does, and returns what it printed.
func liveStreamOf(t *testing.T, data []byte, format string) []byte {
	r, err := capture.NewReader(bytes.NewReader(data), capture.Options{})
	if err != nil {
		return nil
	}
	defer r.Close()
	var out bytes.Buffer
	w := bufio.NewWriter(&out)
	f, err := lookupFormat(useLiveEvents, format)
	if err != nil {
		t.Fatal(err)
	}
	stream := newLiveStream(w, f, nil)
	an := flows.NewAnalyzer(flows.Options{OnSA: stream.closed, IdleTimeout: 0})
	var pkt flows.Packet
	for i := 0; i < 1<<20; i++ {
		ev, err := r.Next()
		if err != nil {
			break
		}
		if !packetOf(ev, &pkt) {
			continue
		}
		an.Add(&pkt)
		if ev.Kind == capture.KindIKE {
			stream.afterIKE(an, ev.Data)
		}
	}
	fin := an.Finish()
	stream.global(fin.Findings)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
