package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"

	"github.com/ikeflow/ikeflow/flows"
)

// detailLimit is the number of IKE SAs up to which the table and markdown
// views list every SA; above it they summarise (a concentrator capture
// with 100k SAs is read as counts, problem SAs and grouped findings).
const detailLimit = 500

// problemLimit bounds the SAs with warnings or errors kept for the summary view.
const problemLimit = 200

// collector receives finalised SAs from the analyzer (flows.Options.OnSA)
// and keeps only what the chosen output needs, so memory stays bounded by
// the SAs still open plus a summary.
type collector struct {
	stream func(*flows.SA) error // JSON/CSV: write each SA as it is finalised

	detail   []*flows.SA // every SA while there are at most detailLimit
	total    int
	byState  map[string]int
	byVer    map[int]int
	problems []*flows.SA // SAs with warning/error findings (at most problemLimit)
	moreProb int
	// findings holds every SA finding, tagged with its SA, while the SAs
	// can still be listed (at most detailLimit; unless onFinding is set).
	// Past that, the summary views need only the findings of the problem
	// SAs (probFindings) and the groups by kind (kinds).
	findings     []flows.Finding
	probFindings []flows.Finding
	kinds        *kindAgg // every SA finding by severity and kind (without onFinding)
	nFind        int      // SA findings seen
	kindCache    []*kindGroup
	// onFinding, when set, receives each SA finding (tagged with its SA)
	// instead of findings, so that streaming formats do not hold them all;
	// the report then holds only the capture-wide findings. The pointer
	// is valid during the call only.
	onFinding func(*flows.Finding) error
	scratch   flows.Finding // the finding being handed on (add)
	// bySev counts the SA findings by severity, keptSev those of them in
	// the report: arrays indexed by the uint8 severity, not maps, as add
	// counts every finding.
	bySev   [256]int
	keptSev [256]int
	err     error
	// pipe, when set, runs add on a goroutine of its own (startPipe); the
	// fields above belong to it until wait.
	pipe *saPipe
	// ahead, when set, is the streaming writer whose encoding the
	// analyzing goroutine may do ahead of the pipe (aheadWriter).
	ahead aheadWriter
	// tableAhead: the report is the table format, whose summary view's
	// table of problem SAs early renders once the problem SAs are known
	// (summary_early.go).
	tableAhead bool
	early      *earlyTable
}

// startPipe runs each (the OnSA work: add, and whatever else wants the
// SAs) on a goroutine of its own and returns the OnSA callback that feeds
// it (sapipe.go). Until wait, the analyzing goroutine asks stopped, not
// err.
func (c *collector) startPipe(each func(*flows.SA)) func(*flows.SA) {
	c.pipe = newSAPipe(each, func() bool { return c.err != nil }, c.ahead)
	return c.pipe.add
}

// stopped reports whether writing failed and the analysis should stop
// (then wait, and err says why).
func (c *collector) stopped() bool {
	if c.pipe != nil && !c.pipe.ended {
		return c.pipe.stopped()
	}
	return c.err != nil
}

// wait lets the pipe (startPipe), if any, finish with the SAs handed to
// it; afterwards the collector may be read again.
func (c *collector) wait() {
	if c.pipe != nil {
		c.pipe.wait()
	}
	c.early.wait()
}

func newCollector(stream func(*flows.SA) error) *collector {
	return &collector{stream: stream, byState: map[string]int{}, byVer: map[int]int{}, kinds: newKindAgg()}
}

// add is the OnSA callback.
func (c *collector) add(sa *flows.SA) {
	c.total++
	c.byState[sa.State.String()]++
	c.byVer[sa.Version]++
	worst := flows.SeverityInfo
	for _, f := range sa.Findings {
		worst = max(worst, f.Severity)
	}
	if c.stream == nil && (c.detail != nil || c.total == 1) {
		if c.total <= detailLimit {
			c.detail = append(c.detail, sa)
		} else {
			// Too many to list: switch to the summary view, which needs
			// only the problem SAs' findings (kept below) and the groups.
			c.detail = nil
			c.findings = nil
		}
	}
	problem := false
	if c.stream == nil && worst > flows.SeverityInfo {
		if len(c.problems) < problemLimit {
			c.problems = append(c.problems, sa)
			problem = true
		} else {
			c.moreProb++
		}
	}
	// The SA's name tags its findings wherever they are kept or handed on.
	// In the summary view most SAs' findings are only counted (kinds), so
	// the name, a string built per SA, is only made when a finding will
	// carry it.
	name := ""
	if len(sa.Findings) > 0 && (c.onFinding != nil || c.stream != nil || problem || c.total <= detailLimit) {
		name = sa.Name()
	}
	// Each finding is tagged in c.scratch: a loop variable whose address
	// goes to onFinding would be a heap copy per finding.
	f := &c.scratch
	for i := range sa.Findings {
		*f = sa.Findings[i]
		f.SA = name
		c.bySev[f.Severity]++
		switch {
		case c.onFinding != nil:
			if c.err == nil {
				c.err = c.onFinding(f)
			}
			continue
		case c.stream == nil:
			c.kinds.add(f, c.nFind, c.total)
			if problem {
				c.probFindings = append(c.probFindings, *f)
			}
		}
		c.nFind++
		if c.stream != nil || c.total <= detailLimit {
			c.findings = append(c.findings, *f)
		}
	}
	*f = flows.Finding{}
	if c.stream != nil && c.err == nil {
		c.err = c.stream(sa)
	}
	// From the first SA at which the problem SAs are all known and the
	// view is the summary, the table of problem SAs is rendered ahead.
	if c.tableAhead && c.early == nil && len(c.problems) == problemLimit && c.summarised() {
		c.early = startEarlyTable(c)
	}
}

// report builds the report to render from what was collected and the
// analyzer's final report (which holds the capture-wide findings), once
// the pipe, if any, has handled every SA.
func (c *collector) report(fin *flows.Report) *flows.Report {
	c.wait()
	rep := &flows.Report{Stats: fin.Stats}
	kept := c.findings
	if c.summarised() && c.stream == nil {
		kept = c.probFindings
	}
	for _, f := range kept {
		c.keptSev[f.Severity]++
	}
	rep.Findings = append(append([]flows.Finding{}, kept...), fin.Findings...)
	slices.SortStableFunc(rep.Findings, func(x, y flows.Finding) int { return x.Order() - y.Order() })
	rep.SAs = c.detail
	if rep.SAs == nil {
		rep.SAs = []*flows.SA{}
	}
	slices.SortStableFunc(rep.SAs, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	return rep
}

// notInReport counts the SA findings at or above level that are not in
// the report (streamed, or summarised away); valid after report.
func (c *collector) notInReport(level flows.Severity) int {
	n := 0
	for sev := int(level); sev < len(c.bySev); sev++ {
		n += c.bySev[sev] - c.keptSev[sev]
	}
	return n
}

// kindGroups returns the findings of every SA and the capture-wide ones
// of rep grouped by severity and kind, most severe and most frequent
// first (the collector has not kept them all).
func (c *collector) kindGroups(rep *flows.Report) []*kindGroup {
	if c.kindCache == nil {
		seq := c.nFind
		for i := range rep.Findings {
			if rep.Findings[i].SA == "" {
				c.kinds.add(&rep.Findings[i], seq, 0)
				seq++
			}
		}
		c.kindCache = c.kinds.sorted()
	}
	return c.kindCache
}

// summarised reports whether there were too many SAs for the detailed view.
func (c *collector) summarised() bool { return c.total > detailLimit }

// jsonStream writes the analyze JSON document incrementally: SAs as they
// are finalised, then the findings and stats. Each object is encoded by
// its AppendJSON method (flows/json_encode.go: encoding/json's bytes,
// without reflection) into one reused buffer.
//
// The findings at the end repeat the SAs' findings, tagged with their SA.
// With one input they are not encoded twice: add reserves each one's place
// among the findings (its order of arrival) and flush, encoding the SA,
// fills it with a copy of the bytes the SA's encoding holds
// (flows.AppendJSONTagged). With several inputs the frame numbers are
// annotated per object (frameRefs.annotateJSON), so each finding is
// encoded on its own as it arrives (finding).
type jsonStream struct {
	w        io.Writer
	refs     *frameRefs   // several inputs: frames are written as numbers in their own file, with the file
	findings *findingRuns // the findings, written sorted at the end
	n        int
	buf      []heldSA
	order    []heldOrder         // reused by flush
	name     string              // the SA name of the findings handed to finding since the last add
	spans    []flows.FindingSpan // reused: where an SA's findings lie in out
	out      []byte              // reused encoding buffer
	began    bool
	// recycle: hand each SA's exchange storage back once it is written
	// (renderOpts.recycle).
	recycle bool

	// ahead is the encoding made ahead of the SA add is called with next
	// (saPipe: the analyzing goroutine encoded it), set by aheadOf.
	ahead aheadEnc
	// The encodings made ahead of the SAs in buf, one after another in
	// chunks, and their findings' spans (offsets in each SA's encoding):
	// kept until flush, which writes them in place of encoding those SAs.
	// Chunks of a fixed size rather than one growing buffer: a buffer
	// doubled up to the encodings of flushEvery SAs was twice that in
	// fresh memory per run, and copied on each growth. Flush keeps up to
	// preSpare chunks for the next SAs.
	preChunks [][]byte
	preSpare  [][]byte
	preSpans  []flows.FindingSpan
}

// heldSA is an SA waiting in jsonStream.buf, and the index of the first of
// its findings' places reserved in jsonStream.findings (-1: none).
type heldSA struct {
	sa      *flows.SA
	first   int // sa.FirstFrame, the order flush writes in, at hand
	reserve int
	name    string // the SA's name, when it has findings
	// pre: the SA was encoded ahead, into preChunks[chunk][encStart:encEnd],
	// its findings at preSpans[spanStart:spanEnd], or with preErr.
	pre                bool
	chunk              int
	encStart, encEnd   int
	spanStart, spanEnd int
	preErr             error
}

// heldOrder is the place of a held SA in the order flush writes them.
type heldOrder struct {
	first int // the SA's FirstFrame
	i     int // its index in jsonStream.buf
}

// preChunk is the size of a chunk of encodings made ahead (an SA whose
// encoding is larger gets a chunk of its own, not kept), and preSpare the
// chunks a jsonStream keeps from one flush to the next: 8 MiB at most
// (flushEvery SAs of the corpus kind take ~3.5 MB).
const (
	preChunk = 256 << 10
	preSpare = 32
)

// flushEvery bounds the SAs buffered (to write them roughly in first-seen
// order) before they are written.
const flushEvery = 1024

// flushBytes is the size from which the encoding buffer is written out.
const flushBytes = 64 << 10

func (j *jsonStream) begin() error {
	j.began = true
	j.findings = newFindingRuns(j.refs)
	_, err := io.WriteString(j.w, "{\"sas\": [")
	return err
}

func (j *jsonStream) add(sa *flows.SA) error {
	h := heldSA{sa: sa, first: sa.FirstFrame, reserve: -1}
	// The collector tags the findings it hands to finding, just before
	// add, with the SA's name: reused rather than built again.
	name := j.name
	j.name = ""
	if j.refs == nil && len(sa.Findings) > 0 {
		if name == "" {
			name = sa.Name()
		}
		h.name = name
		if slices.ContainsFunc(sa.Findings, func(f flows.Finding) bool { return f.SA != "" }) {
			// Their encoding names an SA already (never the case today):
			// encode the tagged copies, as finding would have.
			for i := range sa.Findings {
				t := sa.Findings[i]
				t.SA = name
				if err := j.findings.add(&t); err != nil {
					return err
				}
			}
		} else {
			h.reserve = j.findings.reserve(sa.Findings[0].Order())
			for i := 1; i < len(sa.Findings); i++ {
				j.findings.reserve(sa.Findings[i].Order())
			}
		}
	}
	if a := &j.ahead; a.sa == sa && sa != nil {
		// Encoded ahead (saPipe): the bytes are copied, as the buffer
		// they are in goes back to the analyzing goroutine.
		h.pre, h.preErr = true, a.err
		h.chunk, h.encStart, h.encEnd = j.keepAhead(a.enc)
		h.spanStart = len(j.preSpans)
		j.preSpans = append(j.preSpans, a.spans...)
		h.spanEnd = len(j.preSpans)
		*a = aheadEnc{}
		if j.recycle {
			flows.Recycle(sa) // written from the bytes kept
		}
	}
	j.buf = append(j.buf, h)
	if len(j.buf) >= flushEvery {
		return j.flush()
	}
	return nil
}

// keepAhead copies enc, an encoding made ahead, into the chunks and
// returns where it lies.
func (j *jsonStream) keepAhead(enc []byte) (chunk, start, end int) {
	c := len(j.preChunks) - 1
	if c < 0 || len(j.preChunks[c])+len(enc) > cap(j.preChunks[c]) {
		var buf []byte
		if n := len(j.preSpare); n > 0 && len(enc) <= preChunk {
			buf, j.preSpare = j.preSpare[n-1], j.preSpare[:n-1]
		} else {
			buf = make([]byte, 0, max(preChunk, len(enc)))
		}
		j.preChunks = append(j.preChunks, buf)
		c++
	}
	start = len(j.preChunks[c])
	j.preChunks[c] = append(j.preChunks[c], enc...)
	return c, start, len(j.preChunks[c])
}

// releaseAhead empties the chunks once their SAs are written, keeping
// chunks of the usual size (up to preSpare) for the next.
func (j *jsonStream) releaseAhead() {
	for _, c := range j.preChunks {
		if cap(c) == preChunk && len(j.preSpare) < preSpare {
			j.preSpare = append(j.preSpare, c[:0])
		}
	}
	clear(j.preChunks)
	j.preChunks, j.preSpans = j.preChunks[:0], j.preSpans[:0]
}

// encodeAhead encodes sa as flush does, for saPipe (aheadWriter): on the
// analyzing goroutine, so it touches nothing of j.
func (j *jsonStream) encodeAhead(b []byte, spans []flows.FindingSpan, sa *flows.SA) ([]byte, []flows.FindingSpan, error) {
	return sa.AppendJSONSpans(b, spans)
}

// aheadOf takes the encoding made ahead of the SA add is called with next
// (saPipe, aheadWriter); add copies it.
func (j *jsonStream) aheadOf(sa *flows.SA, enc []byte, spans []flows.FindingSpan, err error) {
	j.ahead = aheadEnc{sa, enc, spans, err}
}

// aheadEnc is the encoding of an SA made ahead (aheadWriter.aheadOf).
type aheadEnc struct {
	sa    *flows.SA
	enc   []byte
	spans []flows.FindingSpan
	err   error
}

// encode appends the encoding of h's SA to j.out, and where its findings
// lie to j.spans: the encoding made ahead when there is one.
func (j *jsonStream) encode(h *heldSA) (err error) {
	if !h.pre {
		j.out, j.spans, err = h.sa.AppendJSONSpans(j.out, j.spans[:0])
		return err
	}
	if h.preErr != nil {
		return h.preErr
	}
	start := len(j.out)
	j.out = append(j.out, j.preChunks[h.chunk][h.encStart:h.encEnd]...)
	j.spans = j.spans[:0]
	for _, sp := range j.preSpans[h.spanStart:h.spanEnd] {
		j.spans = append(j.spans, flows.FindingSpan{Start: start + sp.Start, End: start + sp.End})
	}
	return nil
}

// writeOut writes the encoded bytes and empties the buffer.
func (j *jsonStream) writeOut() error {
	_, err := j.w.Write(j.out)
	j.out = j.out[:0]
	return err
}

func (j *jsonStream) flush() error {
	// The SAs are written in first-seen order: their order is sorted on
	// small keys (FirstFrame, then the order they came in, which makes the
	// order total and the same in every run) rather than on the held SAs
	// (112 octets each, moved about by a stable sort, their frame read
	// through a pointer: 4-5 ms of big10k's JSON run before). The SAs
	// concluded at Finish mostly come in that order already (not the
	// parked ones, finalised after their heir), and the sort is then
	// skipped.
	order := j.order[:0]
	sorted := true
	for i := range j.buf {
		k := heldOrder{j.buf[i].first, i}
		sorted = sorted && (i == 0 || order[i-1].first <= k.first)
		order = append(order, k)
	}
	if !sorted {
		slices.SortFunc(order, func(x, y heldOrder) int {
			if x.first != y.first {
				return cmp.Compare(x.first, y.first)
			}
			return x.i - y.i
		})
	}
	j.order = order
	for _, k := range order {
		h := &j.buf[k.i]
		sep := ",\n  "
		if j.n == 0 {
			sep = "\n  "
		}
		j.n++
		j.out = append(j.out, sep...)
		start := len(j.out)
		if err := j.encode(h); err != nil {
			return err
		}
		if j.recycle {
			flows.Recycle(h.sa)
		}
		if j.refs != nil {
			ann := j.refs.annotateJSON(j.out[start:])
			j.out = append(j.out[:start], ann...)
		} else if h.reserve >= 0 {
			for i, sp := range j.spans {
				j.findings.fill(h.reserve+i, j.out[sp.Start:sp.End], h.name)
			}
		}
		if len(j.out) >= flushBytes {
			if err := j.writeOut(); err != nil {
				return err
			}
		}
	}
	clear(j.buf)
	j.buf = j.buf[:0]
	j.releaseAhead()
	if err := j.findings.settle(); err != nil {
		return err
	}
	return j.writeOut()
}

func (j *jsonStream) end(rep *flows.Report) error {
	if err := j.flush(); err != nil {
		return err
	}
	j.out = append(j.out, "\n],\n\"findings\": ["...)
	// rep.Findings are those the collector kept: with the SA findings
	// already in j.findings (collector.onFinding), the capture-wide ones.
	for i := range rep.Findings {
		if err := j.findings.add(&rep.Findings[i]); err != nil {
			return err
		}
	}
	sep := "\n  "
	err := j.findings.each(func(obj []byte) error {
		j.out = append(j.out, sep...)
		j.out = append(j.out, obj...)
		sep = ",\n  "
		if len(j.out) >= flushBytes {
			return j.writeOut()
		}
		return nil
	})
	if err != nil {
		return err
	}
	j.out = append(j.out, "\n],\n"...)
	if len(rep.CaptureNotes) > 0 {
		j.out = append(j.out, "\"capture_notes\": ["...)
		for i, n := range rep.CaptureNotes {
			if i > 0 {
				j.out = append(j.out, ", "...)
			}
			j.out = appendString(j.out, n)
		}
		j.out = append(j.out, "],\n"...)
	}
	j.out = append(j.out, "\"stats\": "...)
	j.out = rep.Stats.AppendJSON(j.out)
	j.out = append(j.out, "}\n"...)
	return j.writeOut()
}

// marshalNoEscape is json.Marshal without HTML escaping and without the
// trailing newline.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
