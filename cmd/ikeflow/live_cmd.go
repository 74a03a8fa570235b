package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/gopacket/gopacket/pcapgo"
	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
	"golang.org/x/net/bpf"
)

const liveHelp = `
Capture IKE and IPsec on a network interface and say what happens as it
happens: one line per event (an exchange seen, its answer, an SA
established, a child SA, an error notify, each finding, an SA ending),
then, on Ctrl-C (SIGINT), SIGTERM or after --duration, the same report as
"ikeflow analyze" and the kernel's drop counter.

A kernel filter passes only IKE (the ports of --ike-ports, --natt-ports and
--tcp-ports, which replace their defaults: UDP 500, UDP 4500, TCP 4500), ESP
and AH, and IP fragments, over IPv4 and IPv6, VLAN-tagged or not, so a busy
link costs little. Give --bpf to use another compiled filter: the output of
"tcpdump -ddd EXPR" (or -dd), inline or as @FILE; it must pass the IP
fragments of large messages too (certificates). No libpcap is needed.

Capturing needs the CAP_NET_RAW capability: run as root, or once
  sudo setcap cap_net_raw+ep $(command -v ikeflow)

--write FILE never replaces one of the inputs, and an existing FILE only
with --force. Frames go to FILE.partial-N beside it (whole packets, at
least once a second), renamed to FILE when the capture stops; if live is
killed, FILE is untouched and FILE.partial-N is a valid pcapng up to the
last second (docs/live.md).

Findings about an SA come when it ends: when it has been idle for
--idle-timeout (capture time, counted when packets arrive) or when the
capture stops. Memory stays bounded over hours: finished SAs are released,
and the final report keeps the last --keep of them.

Examples:
  ikeflow live -i eth0
  ikeflow live -i eth0 --peer 203.0.113.10 --duration 10m --write ticket.pcapng
  ikeflow live -i bond0.42 --format json --report none | jq -c 'select(.event=="finding")'
  ikeflow live -i eth0 --keys /var/log/charon.log --report markdown > ticket.md
  ikeflow live -i eth0 --bpf "$(tcpdump -ddd -i eth0 'port 500 or port 4500 or esp or (ip[6:2] & 0x1fff != 0)')"
`

// The help texts that list formats, made from outputFormats once.
var (
	liveUsage       = liveHelp + formatHelp(useLiveReport, "Report formats") + formatHelp(useLiveEvents, "Event formats")
	liveEventsUsage = "event stream `format`: " + formatNames(useLiveEvents, ", ", " or ", nil)
	liveReportUsage = "final report `format`: " + formatNames(useLiveReport, ", ", " or ", nil)
	liveLadderUsage = "draw a sequence diagram of every IKE SA in the final report (" + ladderFormats(useLiveReport) + ")"
)

// defaultLiveKeep is how many finalised IKE SAs the final report keeps.
const defaultLiveKeep = 10000

type liveOpts struct {
	iface    string
	bpf      string
	snaplen  int
	promisc  bool
	duration time.Duration
	format   string
	report   string
	ladder   bool
	sessionFlags
	keep     int
	bufferMB int
	quiet    bool
}

func runLive(e *env, args []string) error {
	fs := newFlags(e, "live", "-i IFACE [flags]", liveUsage)
	var o liveOpts
	fs.StringVarP(&o.iface, "interface", "i", "", "capture on this network `interface` (required)")
	fs.StringVar(&o.bpf, "bpf", "", "compiled kernel `filter` replacing the default: tcpdump -ddd (or -dd) output, or @FILE holding it")
	fs.IntVarP(&o.snaplen, "snaplen", "s", capture.DefaultLiveSnaplen, "keep at most this many `octets` of each frame")
	fs.BoolVar(&o.promisc, "promisc", false, "put the interface in promiscuous mode while capturing (span ports, hubs)")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long (e.g. 30s, 10m); 0 runs until Ctrl-C or SIGTERM")
	fs.StringVarP(&o.format, "format", "f", defaultFormat(useLiveEvents), liveEventsUsage)
	fs.StringVar(&o.report, "report", defaultFormat(useLiveReport), liveReportUsage)
	fs.StringVarP(&o.write, "write", "w", "", "also save the captured IKE/ESP frames to this new pcapng `file`: written as FILE.partial-N (whole packets, flushed every second) and renamed to FILE when the capture stops")
	fs.BoolVar(&o.force, "force", false, "let --write replace an existing file (at the end of the capture; until then it is untouched)")
	fs.BoolVar(&o.ladder, "ladder", false, liveLadderUsage)
	o.flowFlags.register(fs, "end an IKE SA (and report its findings) after this long without traffic")
	fs.IntVar(&o.keep, "keep", defaultLiveKeep, "the final report holds the last `N` finished IKE SAs (older ones were streamed only)")
	fs.IntVar(&o.bufferMB, "buffer", capture.DefaultLiveBuffer>>20, "socket receive buffer in `MiB` (absorbs bursts); above net.core.rmem_max only with CAP_NET_ADMIN (root has it), else it is cut to that")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no packet-level warnings and no capture summary on stderr")
	o.in.register(fs)
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q (live reads an interface; to read a capture file use ikeflow analyze)", fs.Arg(0))
	}
	if o.iface == "" {
		return usagef("no interface given: use -i IFACE (e.g. -i eth0)")
	}
	events, err := lookupFormat(useLiveEvents, o.format)
	if err != nil {
		return err
	}
	report, err := lookupFormat(useLiveReport, o.report)
	if err != nil {
		return err
	}
	if o.ladder {
		ladderNote(e.stderr, "live", useLiveReport, report)
	}
	if o.snaplen < 64 || o.snaplen > capture.MaxSnaplen {
		return usagef("--snaplen must be between 64 and %d", capture.MaxSnaplen)
	}
	if o.duration < 0 || o.idle < 0 {
		return usagef("--duration and --idle-timeout cannot be negative")
	}
	if o.keep < 1 {
		return usagef("--keep must be at least 1")
	}
	if o.bufferMB < 1 || o.bufferMB > 2048 {
		return usagef("--buffer must be between 1 and 2048 MiB")
	}
	inputs := slices.Clone(o.in.keys)
	if name, ok := strings.CutPrefix(o.bpf, "@"); ok {
		inputs = append(inputs, name)
	}
	opt, fopt, failLevel, err := o.sessionFlags.options(e, inputs)
	if err != nil {
		return err
	}
	var prog []bpf.RawInstruction
	if o.bpf != "" {
		if prog, err = liveFilter(o.bpf); err != nil {
			return err
		}
	}

	w := bufio.NewWriterSize(e.stdout, 64<<10)
	// When the report goes to a file or a pipe, the text events go to
	// stderr so the file holds only the report (an explicit --format
	// keeps them on stdout, before the report).
	evw := w
	if report.report != nil && !fs.Changed("format") && !isTerminal(e.stdout) {
		evw = bufio.NewWriterSize(e.stderr, 4<<10)
	}
	flush := func() { evw.Flush(); w.Flush() }
	stream := newLiveStream(evw, events, o.spis)
	warn := newWarner(e.stderr, "ikeflow live", o.quiet)
	warn.before = flush
	var out *pcapngOut
	src, err := capture.OpenLive(o.iface, capture.LiveConfig{
		Snaplen: o.snaplen, Promiscuous: o.promisc, Options: opt, Filter: prog,
		BufferSize: o.bufferMB << 20, OnIdle: func() {
			flush()
			if out != nil {
				out.idle()
			}
		},
	})
	if err != nil {
		return liveOpenError(o.iface, err)
	}
	defer src.Close()
	if got := src.BufferSize(); got > 0 && got < o.bufferMB<<20 && !o.quiet {
		fmt.Fprintf(e.stderr, "ikeflow live: the socket receive buffer is %d KiB, not the %d MiB of --buffer: net.core.rmem_max"+
			" caps it without CAP_NET_ADMIN (run as root, or raise that sysctl)\n", got>>10, o.bufferMB)
	}
	var psrc capture.PacketSource = src
	if o.write != "" {
		desc := "ikeflow default filter (IKE, ESP, IP fragments)"
		if o.bpf != "" {
			desc = "--bpf filter"
		}
		out, err = createPcapng(o.write, o.force, pcapgo.NgInterface{Name: o.iface, LinkType: src.LinkType(),
			SnapLength: uint32(o.snaplen), Description: desc})
		if err != nil {
			return err
		}
		psrc = &teeSource{PacketSource: src, out: out}
	}

	// Stop on SIGINT, SIGTERM or --duration; a second signal exits at once.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	var timeout <-chan time.Time
	if o.duration > 0 {
		t := time.NewTimer(o.duration)
		defer t.Stop()
		timeout = t.C
	}
	go func() {
		select {
		case <-sig:
		case <-timeout:
		case <-done:
			return
		}
		src.Stop()
		select {
		case <-sig:
			fmt.Fprintln(e.stderr, "ikeflow live: interrupted twice, exiting without a report")
			if out != nil {
				fmt.Fprintf(e.stderr, "ikeflow live: %s is untouched; the frames captured up to the last second are in %s\n", o.write, out.partial())
			}
			os.Exit(130)
		case <-done:
		}
	}()
	if !o.quiet {
		fmt.Fprintf(e.stderr, "ikeflow live: capturing on %s; Ctrl-C stops and prints the report\n", o.iface)
		if out != nil {
			fmt.Fprintf(e.stderr, "ikeflow live: writing %s, renamed to %s when the capture stops\n", out.partial(), o.write)
		}
	}

	started := time.Now()
	ring := newSARing(o.keep)
	fopt = liveOnSA(fopt, stream, ring)
	// One AF_PACKET socket delivers frames in the order it stamped them:
	// no reorder window, so each event is printed as its packet arrives
	// (capture duplicates are still dropped).
	fopt.ReorderWindow = -1
	// The event stream counts and announces exchanges (from Lookup and
	// the finalised SA): only without one can the final report do
	// without them.
	fopt.NoExchanges = events.event == nil && !report.needsExchanges(o.ladder)
	an := flows.NewAnalyzer(fopt)
	r := capture.NewSourceReader(psrc, opt)
	var pkt flows.Packet
	var runErr error
	for {
		ev, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			runErr = err
			break
		}
		switch {
		case packetOf(ev, &pkt):
		case ev.Kind == capture.KindError:
			warn.warn(o.iface, ev.Err)
			continue
		default:
			continue
		}
		an.Add(&pkt)
		if ev.Kind == capture.KindIKE {
			stream.afterIKE(an, ev.Data)
		}
		if stream.err != nil {
			runErr = stream.err
			break
		}
	}
	src.Stop()
	warn.finish()
	st, serr := src.Stats()
	if serr == nil && st.Dropped > 0 {
		an.NoteCaptureLoss("interface "+o.iface+", the kernel's count: ikeflow fell behind", int64(min(st.Dropped, 1<<63-1)))
	}
	fin := an.Finish()
	fin.CaptureNotes = warn.notes()
	elapsed := time.Since(started)
	if out != nil {
		isb := &pcapgo.NgInterfaceStatistics{LastUpdate: time.Now(), StartTime: started, EndTime: time.Now(),
			PacketsReceived: st.Received, PacketsDropped: st.Dropped}
		if serr != nil {
			isb = nil
		}
		if err := out.close(isb); err != nil && runErr == nil {
			runErr = err
		}
	}
	stream.global(fin.Findings)
	secs := elapsed.Seconds()
	nSAs := ring.total
	stream.emit(liveEvent{Time: time.Now().UTC(), Event: "capture_end", Interface: o.iface,
		Received: &st.Received, Dropped: &st.Dropped, IKESAs: &nSAs, Seconds: &secs})
	if runErr != nil {
		flush()
		return runErr
	}
	evw.Flush()

	rep, col, err := ring.render(w, fin, report, renderOpts{width: outputWidth(e.stdout, autoWidth), ladder: o.ladder,
		color: isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""})
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "ikeflow live: %s: %d frames captured in %s, %d dropped by the kernel",
			o.iface, st.Received, elapsed.Round(time.Millisecond), st.Dropped)
		if serr != nil {
			fmt.Fprintf(e.stderr, " (drop counter unavailable: %v)", serr)
		}
		fmt.Fprintf(e.stderr, "; %d IKE SAs", ring.total)
		if ring.total > len(ring.sas) {
			fmt.Fprintf(e.stderr, " (the report holds the last %d; raise --keep for more)", len(ring.sas))
		}
		if out != nil {
			fmt.Fprintf(e.stderr, "; %d frames written to %s", out.n, o.write)
		}
		fmt.Fprintln(e.stderr)
		if st.Dropped > 0 {
			fmt.Fprintf(e.stderr, "ikeflow live: the kernel dropped frames because ikeflow fell behind: the report misses them (raise --buffer, which past net.core.rmem_max needs CAP_NET_ADMIN; narrow with --peer, which spares the analysis of other peers' packets; or use --format none)\n")
		}
	}
	return o.failCheck(failLevel, rep, col.notInReport(failLevel))
}

// liveFilter parses --bpf: compiled filter text inline or @FILE.
func liveFilter(arg string) ([]bpf.RawInstruction, error) {
	text := arg
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("--bpf: %w", err) // an unreadable file: exit status 1, as for --keys
		}
		text = string(b)
	}
	prog, err := capture.ParseFilter(text)
	if err != nil {
		hint := ""
		if t := strings.TrimSpace(text); t != "" && (t[0] < '0' || t[0] > '9') && t[0] != '{' {
			hint = fmt.Sprintf(" (filter expressions need libpcap, which this build does not use; compile it with: --bpf \"$(tcpdump -ddd -i IFACE '%s')\")", clipArg(t))
		}
		return nil, usagef("--bpf: %v%s", err, hint)
	}
	return prog, nil
}

func clipArg(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// liveOpenError explains why the capture could not start.
func liveOpenError(iface string, err error) error {
	switch {
	case errors.Is(err, capture.ErrPermission):
		return fmt.Errorf("cannot capture on %s: %w", iface, err)
	case errors.Is(err, capture.ErrNoInterface):
		return fmt.Errorf("cannot capture: %w", err)
	}
	return fmt.Errorf("cannot capture on %s: %w", iface, err)
}

// liveOnSA returns fopt set up to hand every finalised SA to the event
// stream, and the SAs --spi keeps (fopt.SPIs) to the report's ring.
//
// Why the analyzer gets no SPI filter here: the stream tracks every SA it
// looked up (liveStream.tracks) until it sees the SA finalised, and an
// analyzer with Options.SPIs hands on only the SAs that match, so the
// tracks of all the others stayed for the whole capture (one per SA that
// --spi leaves out, with its SA, exchanges and child SAs: unbounded over
// hours). The stream's filter is the analyzer's (the same SPIs, matched
// the same way), so the ring keeps the same SAs and the events are
// unchanged.
func liveOnSA(fopt flows.Options, stream *liveStream, ring *saRing) flows.Options {
	fopt.SPIs = nil
	fopt.OnSA = func(sa *flows.SA) {
		stream.closed(sa)
		if stream.matches(sa) {
			ring.add(sa)
		}
	}
	return fopt
}
