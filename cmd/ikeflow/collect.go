package main

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"

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
	findings []flows.Finding // every SA finding, tagged with its SA
	err      error
}

func newCollector(stream func(*flows.SA) error) *collector {
	return &collector{stream: stream, byState: map[string]int{}, byVer: map[int]int{}}
}

// add is the OnSA callback.
func (c *collector) add(sa *flows.SA) {
	c.total++
	c.byState[sa.State.String()]++
	c.byVer[sa.Version]++
	name := sa.Name()
	worst := flows.SeverityInfo
	for _, f := range sa.Findings {
		f.SA = name
		c.findings = append(c.findings, f)
		worst = max(worst, f.Severity)
	}
	if c.stream != nil {
		if c.err == nil {
			c.err = c.stream(sa)
		}
		return
	}
	if c.detail != nil || c.total == 1 {
		if c.total <= detailLimit {
			c.detail = append(c.detail, sa)
		} else {
			c.detail = nil // too many: switch to the summary view
		}
	}
	if worst > flows.SeverityInfo {
		if len(c.problems) < problemLimit {
			c.problems = append(c.problems, sa)
		} else {
			c.moreProb++
		}
	}
}

// report builds the report to render from what was collected and the
// analyzer's final report (which holds the capture-wide findings).
func (c *collector) report(fin *flows.Report) *flows.Report {
	rep := &flows.Report{Stats: fin.Stats}
	rep.Findings = append(append([]flows.Finding{}, c.findings...), fin.Findings...)
	slices.SortStableFunc(rep.Findings, func(x, y flows.Finding) int { return firstOf(x) - firstOf(y) })
	rep.SAs = c.detail
	if rep.SAs == nil {
		rep.SAs = []*flows.SA{}
	}
	slices.SortStableFunc(rep.SAs, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	return rep
}

func firstOf(f flows.Finding) int {
	if len(f.Frames) == 0 {
		return 0
	}
	return f.Frames[0]
}

// summarised reports whether there were too many SAs for the detailed view.
func (c *collector) summarised() bool { return c.total > detailLimit }

// jsonStream writes the analyze JSON document incrementally: SAs as they
// are finalised, then the findings and stats.
type jsonStream struct {
	w     io.Writer
	refs  *frameRefs // several inputs: frames are written as numbers in their own file, with the file
	n     int
	buf   []*flows.SA
	began bool
}

// flushEvery bounds the SAs buffered (to write them roughly in first-seen
// order) before they are written.
const flushEvery = 1024

func (j *jsonStream) begin() error {
	j.began = true
	_, err := io.WriteString(j.w, "{\"sas\": [")
	return err
}

func (j *jsonStream) add(sa *flows.SA) error {
	j.buf = append(j.buf, sa)
	if len(j.buf) >= flushEvery {
		return j.flush()
	}
	return nil
}

func (j *jsonStream) flush() error {
	slices.SortStableFunc(j.buf, func(x, y *flows.SA) int { return x.FirstFrame - y.FirstFrame })
	for _, sa := range j.buf {
		b, err := marshalNoEscape(sa)
		if err != nil {
			return err
		}
		sep := ",\n  "
		if j.n == 0 {
			sep = "\n  "
		}
		j.n++
		if _, err := io.WriteString(j.w, sep); err != nil {
			return err
		}
		if _, err := j.w.Write(j.refs.annotateJSON(b)); err != nil {
			return err
		}
	}
	clear(j.buf)
	j.buf = j.buf[:0]
	return nil
}

func (j *jsonStream) end(rep *flows.Report) error {
	if err := j.flush(); err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("\n],\n\"findings\": [")
	for i, f := range rep.Findings {
		fb, err := marshalNoEscape(f)
		if err != nil {
			return err
		}
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		b.Write(j.refs.annotateJSON(fb))
	}
	st, err := json.Marshal(rep.Stats)
	if err != nil {
		return err
	}
	b.WriteString("\n],\n\"stats\": ")
	b.Write(st)
	b.WriteString("}\n")
	_, err = io.WriteString(j.w, b.String())
	return err
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
