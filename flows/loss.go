package flows

import (
	"strconv"
	"strings"

	"github.com/ikeflow/ikeflow/internal/words"
)

// Packets the capture dropped.
//
// A capture tool that falls behind the traffic (its buffer full on a busy
// link, a slow disk, ikeflow live itself) loses packets before they are
// recorded. The capture then lacks answers, retransmissions, Deletes or
// the ESP of one direction that were on the wire, and every finding that
// rests on a packet not seen (an unanswered request, a dead peer, ESP one
// way only, no ESP, a half-open SA, an SA left without a Delete) may be
// the capture's loss and not the network's. Which packets were lost is not
// known, only how many: pcapng files record the count (the capture
// package reads it), and a live socket reports the kernel's. The caller
// hands the counts over with [Analyzer.NoteCaptureLoss] before Finish; the
// report then says so once for the capture (capture_loss) and in each of
// those findings.

// captureLoss is what the captures recorded of the packets they dropped.
type captureLoss struct {
	// sources are the captures that dropped packets, as the caller named
	// them, with their counts (at most maxLossSources; more counts as
	// others).
	sources []lossSource
	others  int
	// note is the sentence noteLoss adds to a finding, made as sources
	// come (Finish concludes SAs on two goroutines: it is only read).
	note string
}

// lossSource is one capture's count of the packets it dropped.
type lossSource struct {
	name string
	n    int64
}

// maxLossSources bounds the sources named in the capture_loss finding.
const maxLossSources = 8

// NoteCaptureLoss tells a that the capture source (a file, an interface,
// as the report should name it) dropped n packets while it was taken (the
// count the capture recorded; n <= 0: none). Call it before Finish, once
// per source; SAs concluded after the call (at Finish, all the SAs still
// open) say in their findings that rest on packets not seen that the
// missing packets may be among those dropped, and Finish adds the
// capture-wide capture_loss finding.
//
// The counts of several sources are listed, not added up: two files may
// count the same drops (a capture given twice, or split by a tool that
// writes the total so far into each file). (dumpcap 4.0 writes no
// statistics into the files of a ring buffer, -b: those record none.)
func (a *Analyzer) NoteCaptureLoss(source string, n int64) {
	if n <= 0 {
		return
	}
	l := &a.loss
	if len(l.sources) < maxLossSources {
		l.sources = append(l.sources, lossSource{source, n})
	} else {
		l.others++
	}
	if len(l.sources)+l.others == 1 {
		l.note = " This capture dropped " + count64(n, "packet", "packets") + " while it was taken (see capture_loss):" +
			" what is missing here may be among them."
	} else {
		l.note = " The captures record packets they dropped while they were taken (see capture_loss): what is missing" +
			" here may be among them."
	}
}

// restsOnAbsence reports whether findings of kind k rest on packets the
// capture does not show: those a capture's drops can make false.
func restsOnAbsence(k FindingKind) bool {
	switch k {
	case KindUnanswered, KindDeadPeer, KindOneWayESP, KindNoESP, KindHalfOpen, KindAbandoned:
		return true
	}
	return false
}

// noteLoss adds to fs's warnings and errors that rest on packets not seen
// that the capture dropped packets, once (a no-op when it dropped none).
func (l *captureLoss) noteLoss(fs []Finding) {
	if l.note == "" {
		return
	}
	for i := range fs {
		if f := &fs[i]; f.Severity >= SeverityWarning && restsOnAbsence(f.Kind) && !strings.HasSuffix(f.Message, l.note) {
			f.Message += l.note
		}
	}
}

// lossFinding is the capture-wide capture_loss finding, timed at the end
// of the capture (when a capture tool writes its count); ok is false when
// the captures dropped nothing.
func (a *Analyzer) lossFinding() (Finding, bool) {
	l := &a.loss
	var msg string
	switch {
	case len(l.sources) == 0:
		return Finding{}, false
	case len(l.sources) == 1:
		msg = "The capture dropped " + count64(l.sources[0].n, "packet", "packets") + " while it was taken (" + l.sources[0].name + ")"
	default:
		parts := make([]string, len(l.sources))
		for i, s := range l.sources {
			parts[i] = strconv.FormatInt(s.n, 10) + " on " + s.name
		}
		if l.others > 0 {
			parts = append(parts, words.Count(l.others, "more capture", "more captures"))
		}
		msg = "The captures record packets they dropped while they were taken: " + strings.Join(parts, "; ")
	}
	msg += ": " + words.Pick(len(l.sources)+l.others, "the capture", "each") + " fell behind the traffic (its buffer or its interface full)," +
		" so packets that were on the wire are not in the capture, and which they were is not known. Findings that rest on packets not seen (an unanswered" +
		" request, a dead peer, ESP one way only or none, a half-open SA, an SA left without a Delete) may come from these" +
		" losses rather than from the network; each such warning and error says so. Capture again with a larger buffer" +
		" (dumpcap -B in MiB, tcpdump -B in KiB; ikeflow live --buffer), a capture filter on the peers' addresses (host A" +
		" and host B; ikeflow live --peer), and writing to a fast local disk."
	return Finding{Kind: KindCaptureLoss, Severity: SeverityWarning, Time: a.now, Frames: []int{}, Message: msg}, true
}

// count64 is words.Count for an int64.
func count64(n int64, one, many string) string {
	return strconv.FormatInt(n, 10) + " " + words.Pick(int(min(n, 2)), one, many)
}
