package main

import (
	"bufio"
	"fmt"
	"io"
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
strongSwan charon logs at ike level 4, libreswan secrets, FortiGate
"diagnose vpn ike gateway list" output) to look inside encrypted exchanges:
identities, child SA proposals, traffic selectors and error notifies. Without
keys, encrypted exchanges are analysed from sizes, order and timing.

Several captures are merged by time (frame numbers stay those of each file).
Two captures of the same traffic taken at two points (both gateways, inside
and outside a firewall) are compared packet by packet instead: what was lost,
delayed or rewritten between them (--two-sided; automatic when unambiguous).

Examples:
  ikeflow capture.pcap
  ikeflow analyze --keys charon.log --ladder capture.pcap
  ikeflow analyze --format markdown capture.pcapng > ticket.md
  ikeflow analyze --peer 203.0.113.10 --fail-on error capture.pcap || echo broken
`

type analyzeOpts struct {
	format string
	ladder bool
	flowFlags
	quiet    bool
	write    string
	in       inputFlags
	twoSided string
}

func runAnalyze(e *env, args []string) error {
	fs := newFlags(e, "analyze", "[flags] FILE...", analyzeHelp)
	var o analyzeOpts
	fs.StringVarP(&o.format, "format", "f", "table", "output `format`: table, markdown, csv or json")
	fs.BoolVar(&o.ladder, "ladder", false, "also draw a sequence diagram of every IKE SA (table and markdown formats)")
	o.flowFlags.register(fs, "finalise an IKE SA after this much capture time without traffic (bounds memory on long captures; 0 keeps all open)")
	fs.BoolVarP(&o.quiet, "quiet", "q", false, "no progress and no packet-level warnings on stderr")
	fs.StringVarP(&o.write, "write", "w", "", "also write the packets of the reported SAs (after --peer/--spi) to this pcapng `file`")
	o.in.register(fs)
	fs.StringVar(&o.twoSided, "two-sided", "auto", "compare two captures of one path packet by packet: auto, yes or no")
	fs.Lookup("two-sided").NoOptDefVal = "yes"
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	switch o.format {
	case "table", "markdown", "md", "csv", "json":
	default:
		return usagef("--format must be table, markdown, csv or json, not %q", o.format)
	}
	if fs.NArg() == 0 {
		return usagef("no capture file given (use - for standard input)")
	}
	if o.write != "" && slices.Contains(fs.Args(), "-") {
		return usagef("--write reads the captures twice: give files, not standard input")
	}
	opt, err := o.in.options()
	if err != nil {
		return err
	}
	fopt, failLevel, err := o.flowFlags.options(e, o.in.keys)
	if err != nil {
		return err
	}
	if !slices.Contains(twoSidedModes, o.twoSided) {
		return usagef("--two-sided must be auto, yes or no, not %q", o.twoSided)
	}
	if done, err := twoSided(e, &o, args, fs.Args(), opt); done || err != nil {
		return err
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
	// Finalised SAs stream through a collector: JSON and CSV are written as
	// SAs finish, tables keep every SA only up to detailLimit.
	var stream func(*flows.SA) error
	var js *jsonStream
	var cs *csvStream
	switch o.format {
	case "json":
		js = &jsonStream{w: w}
		if err := js.begin(); err != nil {
			return err
		}
		stream = js.add
	case "csv":
		cs = newCSVStream(w)
		stream = cs.add
	}
	col := newCollector(stream)
	fopt.OnSA = col.add
	var sel *selection
	if o.write != "" {
		sel = newSelection(fopt.Peers)
		fopt.OnSA = func(sa *flows.SA) { sel.add(sa); col.add(sa) }
	}
	an := flows.NewAnalyzer(fopt)
	prog := newProgress(e.stderr, readers, o.quiet)
	m := newMerger(fs.Args(), readers)
	var pkt flows.Packet
	for {
		ev, path, err := m.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch {
		case packetOf(ev, &pkt):
		case ev.Kind == capture.KindError:
			if !o.quiet {
				prog.clear()
				fmt.Fprintf(e.stderr, "ikeflow analyze: %s: %v\n", path, ev.Err)
			}
			continue
		default:
			continue
		}
		an.Add(&pkt)
		prog.tick(an)
		if col.err != nil {
			return col.err
		}
	}
	prog.done()
	rep := col.report(an.Finish())
	if col.err != nil {
		return col.err
	}

	color := isTerminal(e.stdout) && os.Getenv("NO_COLOR") == ""
	switch {
	case js != nil:
		err = js.end(rep)
	case cs != nil:
		err = cs.end(rep)
	case col.summarised() && o.format == "table":
		err = renderSummary(w, rep, col, false, color)
	case col.summarised():
		err = renderSummary(w, rep, col, true, false)
	case o.format == "table":
		err = renderTable(w, rep, o.ladder, color)
	default:
		err = renderMarkdown(w, rep, o.ladder)
	}
	if err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if sel != nil {
		n, err := sel.write(o.write, fs.Args(), opt)
		if err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(e.stderr, "ikeflow analyze: %d frames of %d IKE SAs written to %s\n", n, len(sel.pairs), o.write)
		}
	}
	return o.failCheck(failLevel, rep)
}
