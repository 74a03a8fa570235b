package main

import (
	"bufio"
	"fmt"
	"os"
	"slices"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/flows"
)

const analyzeHelp = `
Rebuild every IKE SA (IKEv1 and IKEv2) and its child SAs from the captures,
pair requests with responses, count ESP per child SA and direction, and
report what went wrong: refused proposals, traffic-selector mismatches,
authentication failures, retransmits and unanswered requests, message-ID
desync, rekey trouble, flapping, one-way ESP, dead peers, weak crypto, NAT.

Give --keys with the key material your peers logged (Wireshark UAT tables,
strongSwan charon logs at ike level 4, libreswan pluto logs with
plutodebug "all private", OpenIKED "iked -dvvv" logs, FortiGate
"diagnose vpn ike gateway list" output; see "ikeflow keys --help") to look
inside encrypted exchanges:
identities, child SA proposals, traffic selectors and error notifies. Without
keys, encrypted exchanges are analysed from sizes, order and timing.

Several captures are merged by time (frame numbers stay those of each file,
and every frame reference names its file). Two captures of the same traffic
taken at two points (both gateways, inside and outside a firewall) are
compared packet by packet instead: what was lost, delayed or rewritten
between them (--two-sided; automatic when unambiguous). Table and markdown
then add the first capture's analysis; in JSON, CSV and HTML the
comparison is the whole output, so with --fail-on or --write (which act on
an analysis) the automatic choice is the merged analysis. Consecutive files
of one capture (tcpdump -C, a ring buffer) are merged.

A packet captured twice (mirror ports, "-i any", both sides of a router:
the same bytes and addresses a few ms apart, or up to 250 ms with another
IP TTL) is analysed once and noted as capture_duplicate, not taken for a
retransmission. Frames more than 2 s out of time order are analysed where
the file has them, and the findings that rest on them say so.

The report starts with the verdict: per IKE SA with errors or warnings,
what failed and the most likely cause. On a terminal narrower than the
tables, each SA is a block of lines that fits (--width sets the width).

--write FILE never replaces one of the inputs (captures, --keys files; also
through a symlink or a hard link), and an existing FILE only with --force.
The file is written as FILE.partial-N and renamed when complete; Ctrl-C
or SIGTERM meanwhile removes FILE.partial-N and leaves FILE as it was.

Examples:
  ikeflow capture.pcap
  ikeflow analyze --keys charon.log --ladder capture.pcap
  ikeflow analyze --format markdown capture.pcapng > ticket.md
  ikeflow analyze --format html --keys charon.log capture.pcap > report.html
  ikeflow analyze --peer 203.0.113.10 --fail-on error capture.pcap || echo broken
`

// The help texts that list formats, made from outputFormats once.
var (
	analyzeUsage       = analyzeHelp + formatHelp(useAnalyze, "Output formats")
	analyzeFormatUsage = "output `format`: " + formatNames(useAnalyze, ", ", " or ", nil)
	analyzeLadderUsage = "also draw a sequence diagram of every IKE SA (" + ladderFormats(useAnalyze) +
		"); with two captures, four lanes (both ends, both capture points), lost packets stopping between the points"
)

type analyzeOpts struct {
	format string
	ladder bool
	width  int
	sessionFlags
	quiet    bool
	twoSided string
}

// recycleSAs lets analyze's JSON writer hand each SA's exchange storage
// back to the analyzer once it has written the SA (renderOpts.recycle);
// a test turns it off to compare.
var recycleSAs = true

func runAnalyze(e *env, args []string) error {
	fs := newFlags(e, "analyze", "[flags] FILE...", analyzeUsage)
	var o analyzeOpts
	fs.StringVarP(&o.format, "format", "f", defaultFormat(useAnalyze), analyzeFormatUsage)
	fs.BoolVar(&o.ladder, "ladder", false, analyzeLadderUsage)
	fs.IntVar(&o.width, "width", autoWidth, "lay the table out for this many `columns` (default: the terminal's width, or COLUMNS; no limit for files and pipes; 0: no limit)")
	o.flowFlags.register(fs, "finalise an IKE SA after this much capture time without traffic (bounds memory on long captures; 0 keeps all open)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress and no packet-level warnings on stderr")
	fs.StringVarP(&o.write, "write", "w", "", "also write the packets of the reported SAs (after --peer/--spi) to this new pcapng `file` (never one of the inputs; an existing file only with --force)")
	fs.BoolVar(&o.force, "force", false, "let --write replace an existing file (it is replaced only once the new one is complete)")
	o.in.register(fs)
	fs.StringVar(&o.twoSided, "two-sided", "auto", "compare two captures of one path packet by packet: auto, yes or no")
	fs.Lookup("two-sided").NoOptDefVal = "yes"
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	f, err := lookupFormat(useAnalyze, o.format)
	if err != nil {
		return err
	}
	if o.width < autoWidth {
		return usagef("--width cannot be negative")
	}
	if o.ladder {
		ladderNote(e.stderr, "analyze", useAnalyze, f)
	}
	if fs.NArg() == 0 {
		return usagef("no capture file given (use - for standard input)")
	}
	if o.write != "" && slices.Contains(fs.Args(), "-") {
		return usagef("--write reads the captures twice: give files, not standard input")
	}
	opt, fopt, failLevel, err := o.sessionFlags.options(e, append(slices.Clone(fs.Args()), o.in.keys...))
	if err != nil {
		return err
	}
	if !slices.Contains(twoSidedModes, o.twoSided) {
		return usagef("--two-sided must be auto, yes or no, not %q", o.twoSided)
	}
	if done, err := twoSided(e, &o, f, args, fs.Args(), opt); done || err != nil {
		return err
	}

	// The huge-page advice (hugepages_linux.go) comes before the captures
	// are opened, as dissect's does. Measured against after (runs of each
	// alternating, medians): big10k table 155.6 -> 145.9 ms (25 runs),
	// JSON 190.5 -> 185.0 (20), big1k 59.1 -> 54.0 (20). Why was not
	// pinned down: the readers' 256 KiB buffers may now fall in the
	// advised heap, and the collection that frees the advised block runs
	// while the captures are opened rather than as reading starts.
	if inputBytes(fs.Args()) >= analyzeHugeMinInput {
		adviseHugePages(hugeHeapFloorBytes + 4<<20)
	}
	readers := make([]*capture.Reader, 0, fs.NArg())
	defer func() {
		for _, r := range readers {
			r.Close()
		}
	}()
	for _, path := range fs.Args() {
		r, err := openCapture(e, path, opt)
		if err != nil {
			return err
		}
		readers = append(readers, r)
	}
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	refs := newFrameRefs(fs.Args())
	ro := renderOpts{
		width:   outputWidth(e.stdout, o.width),
		color:   isTerminal(e.stdout) && os.Getenv("NO_COLOR") == "",
		ladder:  o.ladder,
		refs:    refs,
		inputs:  fs.Args(),
		recycle: recycleSAs,
	}
	// Finalised SAs stream through a collector: streaming formats are
	// written as SAs finish, the others keep every SA only up to detailLimit.
	out, err := startReport(f, w, ro)
	if err != nil {
		return err
	}
	defer out.close()
	col := out.col
	onSA := col.add
	fopt.NoExchanges = !f.needsExchanges(o.ladder)
	var sel *selection
	if o.write != "" {
		sel = newSelection(fopt.Peers)
		onSA = func(sa *flows.SA) { sel.add(sa); col.add(sa) }
	}
	// With a streaming format (JSON, CSV) the collector and the encoding
	// of each SA run on their own goroutine, beside the analyzer
	// (sapipe.go). The other formats only count and keep SAs there, less
	// than the hand-over costs (measured: no less work on the analyzer's
	// goroutine, 3% more CPU). With several inputs a streaming format
	// names the frames of each SA by file (refs) as it writes it, while
	// the analyzer adds to refs: that stays on one goroutine.
	if refs != nil {
		// With several files the frames a finding's text names are
		// named as its frame fields are: "b.pcap#4", not the merged
		// number. The analyzer calls these as it writes the texts, with
		// frames added to refs already; at Finish perhaps on two
		// goroutines, which only read refs then.
		fopt.FrameName = refs.ref
		fopt.FrameList = func(fr []int) string { return refs.list(fr, 0) }
	}
	fopt.OnSA = onSA
	if f.streams && refs == nil {
		fopt.OnSA = col.startPipe(onSA)
		// JSON's encoder is slower than finalising the SAs it is fed
		// (66 against 43 ms on big10k), so at Finish both cores are
		// busy already: a second goroutine finalising them added 6% CPU
		// (big10k: 0.370 -> 0.394 cpu-s/op) for no speed. CSV's writer
		// costs far less (CSV's cpu-s/op is within 10% of the table's),
		// and sharing the finalising cost it no CPU (0.274 -> 0.275),
		// took 15% off the analyzing goroutine's CPU, and left the wall
		// time as it was (174 -> 178 ms/op, within the noise): it is
		// shared there (flows.Options.FinishAlone).
		fopt.FinishAlone = f.name == "json"
	}
	an := flows.NewAnalyzer(fopt)
	prog := newProgress(e.stderr, readers, o.quiet)
	warn := newWarner(e.stderr, "ikeflow analyze", o.quiet)
	warn.before = prog.clear
	for _, d := range sameFiles(fs.Args()) {
		warn.warn(d[1], fmt.Errorf("the same file as %s: its packets are read twice, and each second copy is left out as a capture duplicate", d[0]))
	}
	m := newMerger(fs.Args(), readers)
	defer startHeapFloor()() // no GC below 32 or 64 MiB of heap (heapfloor.go)
	// Reading and decoding run a block ahead in their own goroutine, for
	// files, with the per-packet work that needs only the packets done
	// there: the fingerprints and NAT detection hashes (flows.Preparer)
	// or, with one input, the fingerprints, the reorder window and the
	// decoding of the IKE messages (flows.Sequencer); with several, whose
	// frames are numbered here in merged order (refs) before the window,
	// the window stays in the analyzer. Standard input and pipes are read
	// inline (regularFiles).
	each := func(in int, pkt *flows.Packet, pre *flows.Prepared) bool {
		pkt.Frame = refs.add(in, pkt.Frame)
		an.AddPrepared(pkt, pre)
		prog.tick(an)
		return !col.stopped()
	}
	switch {
	case regularFiles(fs.Args()) && refs == nil:
		err = feedSequenced(m, an.Sequencer(), func(s *flows.Sequenced) bool {
			an.AddSequenced(s)
			prog.tick(an)
			return !col.stopped()
		}, warn.warn)
	case regularFiles(fs.Args()):
		err = feedPrepared(m, an.Preparer(), each, warn.warn)
	default:
		err = feedInline(m, func(in int, pkt *flows.Packet) bool { return each(in, pkt, nil) }, warn.warn)
	}
	if err != nil {
		return err
	}
	if col.stopped() {
		col.wait()
		return col.err
	}
	prog.done()
	warn.finish()
	noteCaptureLoss(an, fs.Args(), readers)
	finishingHeapFloor(f.streams) // the live heap only falls from here: less room (heapfloor.go)
	fin := an.Finish()
	finishedHeapFloor() // the peak is past: no memory limit (heapfloor.go)
	rep := col.report(fin)
	if col.err != nil {
		return col.err
	}
	rep.CaptureNotes = warn.notes()
	if !o.quiet {
		explainEmpty(e.stderr, "analyze", m, rep, col.total, an.SAsSeen(), fopt, opt)
	}

	var dm *decodedMessages
	if f.decoded {
		// The report shows every message of the listed SAs decoded: a
		// second pass over the captures (dissect's decoding, with the keys).
		dm = decodeFrames(e, fs.Args(), opt, o.in.keys, wantedFrames(rep, refs))
	}
	if err := out.end(rep, dm); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if sel != nil {
		n, err := sel.write(o.write, o.force, fs.Args(), opt, e.stderr)
		if err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(e.stderr, "ikeflow analyze: %d frames of %d IKE SAs written to %s\n", n, len(sel.pairs), o.write)
		}
	}
	return o.failCheck(failLevel, rep, col.notInReport(failLevel))
}

// analyzeHugeMinInput is the input size from which analyze asks for huge
// pages (hugepages_linux.go): below it the advice costs more than it
// saves. Medians of 22 runs each: a 5 kB corpus capture 0.02 -> 0.03 s,
// 118 kB (30 SAs) 0.03 -> 0.03-0.04 s, 370 kB (100 SAs) 0.05 -> 0.04 s,
// 1 MB 0.14 -> 0.07 s, 33.5 MB (big10k) 0.21 -> 0.13 s.
const analyzeHugeMinInput = 256 << 10
