package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
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

// fuzzCaptureEvents reads the corpus captures (and the third-party ones
// under ../shared/captures that are small enough) once: their IKE and ESP
// events, each with its own copy of the data.
func fuzzCaptureEvents(f *testing.F) [][]capture.Event {
	caps, _ := filepath.Glob("../../testdata/corpus/*/capture.pcap")
	shared, _ := filepath.Glob("../../../shared/captures/*/*.pcap*")
	cap, _ := filepath.Glob("../../../shared/captures/*/*.cap")
	var all [][]capture.Event
	for _, c := range append(append(caps, shared...), cap...) {
		if st, err := os.Stat(c); err != nil || st.Size() > 64<<10 {
			continue
		}
		r, err := capture.Open(c, capture.Options{})
		if err != nil {
			continue
		}
		var evs []capture.Event
		for len(evs) < 1000 {
			ev, err := r.Next()
			if err != nil {
				break
			}
			if ev.Kind == capture.KindIKE || ev.Kind == capture.KindESP {
				e := *ev
				e.Data = bytes.Clone(ev.Data) // Data aliases the reader's buffer
				evs = append(evs, e)
			}
		}
		r.Close()
		if len(evs) > 0 {
			all = append(all, evs)
		}
	}
	if len(all) < 20 {
		f.Fatalf("%d captures with IKE or ESP packets", len(all))
	}
	return all
}

// fuzzEditEvents returns a copy of evs edited by ops, four octets an edit
// (kind, packet, position, value): a packet lost, duplicated, delayed or
// early, two swapped, an octet of its content changed (counted from the
// start or from the end), the content cut or an octet zeroed. evs is not
// changed.
func fuzzEditEvents(evs []capture.Event, ops []byte) []capture.Event {
	out := slices.Clone(evs)
	for i := 0; i+4 <= len(ops) && len(out) > 0; i += 4 {
		n, pos, val := int(ops[i+1])%len(out), int(ops[i+2]), ops[i+3]
		ev := &out[n]
		own := func() { ev.Data = bytes.Clone(ev.Data) }
		switch ops[i] % 8 {
		case 0:
			out = slices.Delete(out, n, n+1)
		case 1:
			d := *ev
			d.Time = d.Time.Add(time.Duration(val) * time.Millisecond)
			out = slices.Insert(out, n+1, d)
		case 2:
			ev.Time = ev.Time.Add(time.Duration(int8(val)) * 10 * time.Millisecond)
		case 3:
			if n+1 < len(out) {
				out[n], out[n+1] = out[n+1], out[n]
			}
		case 4:
			if len(ev.Data) > 0 {
				own()
				ev.Data[pos%len(ev.Data)] ^= val | 1
			}
		case 5:
			if len(ev.Data) > 0 {
				own()
				ev.Data[len(ev.Data)-1-pos%len(ev.Data)] ^= val | 1
			}
		case 6:
			ev.Data = ev.Data[:(pos<<8|int(val))%(len(ev.Data)+1)]
		case 7:
			if len(ev.Data) > 0 {
				own()
				ev.Data[pos%len(ev.Data)] = 0
			}
		}
	}
	return out
}

// fuzzPcap writes events as a pcap file of raw IP packets: UDP datagrams
// (with the non-ESP marker where the event had one), ESP directly over IP
// where it came so. Every event becomes one frame.
func fuzzPcap(evs []capture.Event) ([]byte, error) {
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65535, layers.LinkTypeRaw); err != nil {
		return nil, err
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	for _, ev := range evs {
		var ip gopacket.NetworkLayer
		proto := layers.IPProtocolUDP
		if ev.Transport == capture.TransportIP && ev.Kind == capture.KindESP {
			proto = layers.IPProtocolESP
		}
		src, dst := ev.Src.Addr().Unmap(), ev.Dst.Addr().Unmap()
		if src.Is4() && dst.Is4() {
			ip = &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src.AsSlice(), DstIP: dst.AsSlice()}
		} else {
			s16, d16 := src.As16(), dst.As16()
			ip = &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: s16[:], DstIP: d16[:]}
		}
		payload := ev.Data
		if ev.NonESPMarker {
			payload = append([]byte{0, 0, 0, 0}, payload...)
		}
		ls := []gopacket.SerializableLayer{ip.(gopacket.SerializableLayer)}
		if proto == layers.IPProtocolUDP {
			udp := &layers.UDP{SrcPort: layers.UDPPort(ev.Src.Port()), DstPort: layers.UDPPort(ev.Dst.Port())}
			udp.SetNetworkLayerForChecksum(ip)
			ls = append(ls, udp)
		}
		if err := gopacket.SerializeLayers(buf, opts, append(ls, gopacket.Payload(payload))...); err != nil {
			return nil, err
		}
		data := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: ev.Time, CaptureLength: len(data), Length: len(data)}
		if err := w.WritePacket(ci, data); err != nil {
			return nil, err
		}
	}
	return b.Bytes(), nil
}

// FuzzRenderers runs "ikeflow analyze" on edited real captures (from
// standard input) in every output format, with ladders, and the live event
// stream on the same packets: no panic (run would turn it into an
// "internal error"), never exit status 2, valid JSON and CSV, valid UTF-8
// in every text format.
//
// The input is not a capture but an edit script (fuzzEditEvents) over the
// IKE and ESP packets of a corpus capture, written back as a pcap file:
// the first octet picks the capture. With whole captures as input (0-64
// KB, 7 analyses a call), every input that reached new code was minimized
// octet by octet until -fuzzminimizetime ran out, and the coordinator then
// stops the worker and drops the count of the calls made while minimizing:
// in 180 s, 24 such 5 s minimizations and 5,973 execs counted. The capture
// readers have their own fuzz targets.
func FuzzRenderers(f *testing.F) {
	caps := fuzzCaptureEvents(f)
	for i, evs := range caps {
		f.Add([]byte{byte(i)})
		// written back and read again, the packets are the same
		data, err := fuzzPcap(evs)
		if err != nil {
			f.Fatal(err)
		}
		r, err := capture.NewReader(bytes.NewReader(data), capture.Options{})
		if err != nil {
			f.Fatal(err)
		}
		for j := range evs {
			ev, err := r.Next()
			if err != nil || ev.Kind != evs[j].Kind || ev.Src != evs[j].Src || ev.Dst != evs[j].Dst || !ev.Time.Equal(evs[j].Time) || !bytes.Equal(ev.Data, evs[j].Data) {
				f.Fatalf("capture %d, packet %d: read back as %+v (%v), was %+v", i, j, ev, err, evs[j])
			}
		}
		r.Close()
	}
	f.Add([]byte{0, 4, 0, 17, 1, 5, 2, 3, 0x80, 2, 1, 0, 9})
	formats := []string{"table", "markdown", "csv", "json"}
	// The HTML report, where this build has it (another branch adds it).
	if _, _, code := ikeflowF("analyze", "-q", "--format", "html", filepath.Join(corpus, "ikev2-psk-success", "capture.pcap")); code == exitOK {
		formats = append(formats, "html")
	}
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) == 0 || len(script) > 1+4*128 {
			return
		}
		data, err := fuzzPcap(fuzzEditEvents(caps[int(script[0])%len(caps)], script[1:]))
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range formats {
			var out, errb bytes.Buffer
			code := run([]string{"analyze", "-q", "--ladder", "--format", format, "--idle-timeout", "0", "-"}, bytes.NewReader(data), &out, &errb)
			if strings.Contains(errb.String(), "internal error") || (code != exitOK && code != exitError) {
				t.Fatalf("%s: exit %d\n%s", format, code, errb.String())
			}
			if code != exitOK {
				t.Fatalf("%s: exit %d for a well-formed capture\n%s", format, code, errb.String())
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

// feedLive hands the events of r (at most max) to an as runLive does,
// with the live stream following each IKE message.
func feedLive(r *capture.Reader, an *flows.Analyzer, stream *liveStream, max int) {
	var pkt flows.Packet
	for range max {
		ev, err := r.Next()
		if err != nil {
			return
		}
		if !packetOf(ev, &pkt) {
			continue
		}
		an.Add(&pkt)
		if ev.Kind == capture.KindIKE {
			stream.afterIKE(an, ev.Data)
		}
	}
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
	feedLive(r, an, stream, 1<<20)
	fin := an.Finish()
	stream.global(fin.Findings)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
