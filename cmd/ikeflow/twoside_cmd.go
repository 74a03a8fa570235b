package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/words"
	"github.com/ikeflow/ikeflow/twoside"
)

// twoSidedModes are the values of analyze --two-sided.
var twoSidedModes = []string{"auto", "yes", "no"}

// twoSided compares two captures of one path packet by packet when asked
// (--two-sided) or, with "auto", when they are unambiguously two views of
// the same traffic. It prints the comparison and then the plain analysis of
// the first capture when the format says so (outputFormat.alone; --ladder
// adds the two-sided sequence diagrams where the format has them).
// done=false means the caller goes on with the plain merged analysis.
func twoSided(e *env, o *analyzeOpts, f *outputFormat, args, paths []string, opt capture.Options) (done bool, err error) {
	if o.twoSided == "no" || len(paths) != 2 || slices.Contains(paths, "-") {
		if o.twoSided == "yes" {
			return false, usagef("--two-sided needs exactly two capture files (not standard input)")
		}
		return false, nil
	}
	mergedOnly := mergedOnlyFlags(o, f)
	if mergedOnly != "" && o.twoSided == "yes" {
		return false, usagef("with --format %s the two-sided comparison is the whole output, and %s would not apply to it: "+
			"use --two-sided=no for the merged analysis, or --format table or markdown (the comparison, then the first capture's analysis)", f.name, mergedOnly)
	}
	na, nb := filepath.Base(paths[0]), filepath.Base(paths[1])
	if na == nb {
		na, nb = paths[0], paths[1]
	}
	ladder := f.ladder == ladderAlways || o.ladder && f.ladder == ladderFlag
	topt := twoside.Options{SPIs: o.spis, Pairs: ladder}
	for _, p := range o.peers {
		if a, err := netip.ParseAddr(p); err == nil { // checked by flowFlags.options
			topt.Peers = append(topt.Peers, a)
		}
	}
	a, b := twoside.NewPair(na, nb, topt)
	for i, s := range []*twoside.Side{a, b} {
		if err := loadSide(e, paths[i], opt, s); err != nil {
			return false, err
		}
	}
	rep := twoside.Compare(a, b)
	switch {
	case !rep.Related:
		if o.twoSided == "yes" && !o.quiet {
			fmt.Fprintf(e.stderr, "ikeflow analyze: not two views of one path: %s; showing the merged analysis\n", rep.Reason)
		}
		return false, nil
	case o.twoSided == "auto" && !rep.Unambiguous:
		if !o.quiet && rep.Reason != "" {
			fmt.Fprintf(e.stderr, "ikeflow analyze: %s and %s: %s; showing the merged analysis (--two-sided compares them packet by packet)\n", paths[0], paths[1], rep.Reason)
		} else if !o.quiet {
			fmt.Fprintf(e.stderr, "ikeflow analyze: %s and %s share only some packets; add --two-sided to compare them packet by packet\n", paths[0], paths[1])
		}
		return false, nil
	}
	if mergedOnly != "" {
		// auto: the flags ask for the merged analysis, which has them
		if !o.quiet {
			fmt.Fprintf(e.stderr, "ikeflow analyze: %s and %s are two views of one path, but %s %s on the merged analysis, not on "+
				"the --format %s comparison: showing the merged analysis (--two-sided=no asks for it without this note)\n", paths[0], paths[1], mergedOnly,
				words.Pick(strings.Count(mergedOnly, "--"), "acts", "act"), f.name)
		}
		return false, nil
	}
	w := bufio.NewWriter(e.stdout)
	if err := f.twoSided(w, rep, outputWidth(e.stdout, o.width), ladder); err != nil {
		return true, err
	}
	if err := w.Flush(); err != nil || !f.alone {
		return true, err
	}
	// then the plain analysis of the first capture (the second one holds the
	// same conversations: merged, every packet would count twice)
	rest := make([]string, 0, len(args)+1)
	dropped := false
	for i := len(args) - 1; i >= 0; i-- {
		if !dropped && args[i] == paths[1] {
			dropped = true
			continue
		}
		rest = append(rest, args[i])
	}
	slices.Reverse(rest)
	fmt.Fprintf(e.stdout, "\nAnalysis of %s alone:\n\n", paths[0])
	// the last --two-sided wins; before a "--", flags still count
	at := len(rest)
	if i := slices.Index(rest, "--"); i >= 0 {
		at = i
	}
	return true, runAnalyze(e, slices.Insert(rest, at, "--two-sided=no"))
}

// mergedOnlyFlags names the flags given ("--fail-on", "--write" or both)
// that act on the merged analysis, when the format shows the two-sided
// comparison alone (outputFormat.alone false: JSON, CSV, HTML), which has
// neither an exit status by severity nor SAs to write out; "" otherwise.
// Table and markdown follow the comparison with the first capture's
// analysis, which applies them.
func mergedOnlyFlags(o *analyzeOpts, f *outputFormat) string {
	if f.alone {
		return ""
	}
	var flags []string
	if o.failOn != "" {
		flags = append(flags, "--fail-on")
	}
	if o.write != "" {
		flags = append(flags, "--write")
	}
	return strings.Join(flags, " and ")
}

func loadSide(e *env, path string, opt capture.Options, s *twoside.Side) error {
	r, err := openCapture(e, path, opt)
	if err != nil {
		return err
	}
	defer r.Close()
	err = readEvents(r, path, func(ev *capture.Event) bool {
		s.Add(ev)
		return true
	})
	s.Dropped, _ = r.Dropped() // the packets this capture records it lost
	return err
}

func writeTwoSided(w io.Writer, r *twoside.Report, md bool) {
	bullet := "  - "
	if md {
		fmt.Fprintf(w, "## Two-sided comparison\n\n")
		bullet = "- "
	} else {
		fmt.Fprintf(w, "Two-sided comparison\n\n")
	}
	fmt.Fprintf(w, "%sA: %s (%d IKE/ESP packets)\n%sB: %s (%d IKE/ESP packets)\n%smatched by content: %d\n\n",
		bullet, r.A, r.PacketsA, bullet, r.B, r.PacketsB, bullet, r.Matched)
	for _, f := range r.Findings {
		fmt.Fprintf(w, "%s%s\n", bullet, f)
	}
	fmt.Fprintln(w)
	head := []string{"SA", "from → to", "upstream", "sent", "arrived", "lost", "only down", "reordered", "delay min/median/max"}
	rows := [][]string{head}
	for _, f := range r.Flows {
		delay := "-"
		if f.Arrived > 0 {
			delay = fmt.Sprintf("%v / %v / %v", f.DelayMin.Round(time.Microsecond), f.DelayMedian.Round(time.Microsecond), f.DelayMax.Round(time.Microsecond))
		}
		rows = append(rows, []string{f.SA, f.From.Addr().String() + " → " + f.To.Addr().String(), r.UpstreamName(&f),
			fmt.Sprint(f.Sent), fmt.Sprint(f.Arrived), fmt.Sprint(len(f.Lost)), fmt.Sprint(len(f.OnlyDownstream)), fmt.Sprint(f.Reordered), delay})
	}
	writeGrid(w, rows, md)
}

// writeGrid prints rows as aligned columns (or a markdown table).
func writeGrid(w io.Writer, rows [][]string, md bool) {
	if md {
		for i, row := range rows {
			fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
			if i == 0 {
				fmt.Fprintf(w, "|%s\n", strings.Repeat(" --- |", len(row)))
			}
		}
		return
	}
	width := make([]int, len(rows[0]))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], len([]rune(c)))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", width[i]-len([]rune(c))+2))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}

// writeTwoSidedCSV writes one row per SA and direction.
func writeTwoSidedCSV(w io.Writer, r *twoside.Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"sa", "from", "to", "upstream", "sent", "arrived", "lost", "only_downstream", "reordered",
		"delay_min_s", "delay_median_s", "delay_max_s", "lost_frames", "clock_offset_s"})
	for _, f := range r.Flows {
		var frames []string
		for _, l := range f.Lost {
			frames = append(frames, strconv.Itoa(l.Frame))
		}
		sec := func(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }
		cw.Write([]string{f.SA, f.From.String(), f.To.String(), csvUpstream(r, &f), strconv.Itoa(f.Sent), strconv.Itoa(f.Arrived),
			strconv.Itoa(len(f.Lost)), strconv.Itoa(len(f.OnlyDownstream)), strconv.Itoa(f.Reordered),
			sec(f.DelayMin), sec(f.DelayMedian), sec(f.DelayMax), strings.Join(frames, " "), sec(r.Clock.Offset)})
	}
	cw.Flush()
	return cw.Error()
}

// csvUpstream is the upstream column of the two-sided CSV: "a" or "b", or
// "?" when which side is upstream is not known (twoside.Report.SamePoint).
func csvUpstream(r *twoside.Report, f *twoside.Flow) string {
	if r.SamePoint {
		return "?"
	}
	return f.Upstream
}
