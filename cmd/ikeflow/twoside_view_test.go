package main

import (
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ikeflow/ikeflow/capture"
	"github.com/ikeflow/ikeflow/internal/testutil"
	"github.com/ikeflow/ikeflow/twoside"

	"golang.org/x/net/html"
)

// tsExpected is the part of testdata/twoside/*/expected.json (written by
// testdata/gen/twoside_expect.py from the pcap bytes, not by ikeflow) the
// diagram tests use: the lost and only-downstream packets by direction.
type tsExpected struct {
	Shift    float64                          `json:"clock_offset_b_minus_a_s"`
	Lost     map[string][]struct{ Frame int } `json:"lost"`
	OnlyDown map[string][]struct{ Frame int } `json:"only_downstream"`
}

// tsScenarios returns the two-sided corpus directories with their expected
// data and the B capture to use (the shifted copy when there is one).
func tsScenarios(t *testing.T) (dirs []string, bs []string, exps []*tsExpected) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(twosideCorpus, "*", "expected.json"))
	if len(files) < 6 {
		t.Fatalf("two-sided corpus: %d scenarios", len(files))
	}
	for _, f := range files {
		var e tsExpected
		testutil.ReadJSON(t, f, &e)
		dir := filepath.Dir(f)
		bp := filepath.Join(dir, "side-b-shifted.pcap")
		if _, err := os.Stat(bp); err != nil {
			bp = filepath.Join(dir, "side-b.pcap")
		}
		dirs, bs, exps = append(dirs, dir), append(bs, bp), append(exps, &e)
	}
	return dirs, bs, exps
}

// frames lists the script's packets as "a#N" (upstream A: a_to_b) and
// "b#N" (upstream B: b_to_a), sorted.
func (e *tsExpected) frames(m map[string][]struct{ Frame int }) []string {
	var out []string
	for dir, side := range map[string]string{"a_to_b": "a", "b_to_a": "b"} {
		for _, p := range m[dir] {
			out = append(out, side+"#"+strconv.Itoa(p.Frame))
		}
	}
	slices.Sort(out)
	return out
}

// twoSidedLadder runs analyze --ladder on a scenario and returns the
// two-sided diagram section (up to the plain analysis of A).
func twoSidedLadder(t *testing.T, width string, a, b string) string {
	t.Helper()
	out, errb, code := ikeflow(t, "analyze", "--two-sided", "--ladder", "--width", width, a, b)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errb)
	}
	i := strings.Index(out, "\nTwo-sided sequence diagrams\n")
	j := strings.Index(out, "\nAnalysis of ")
	if i < 0 || j < i {
		t.Fatalf("no two-sided diagrams before the plain analysis:\n%s", out)
	}
	return out[i:j]
}

var lostArrow = regexp.MustCompile(`(?m)^ +[0-9.]+ \|[-o| ]*X[-o| ]*\|  .* ([ab]#[0-9]+) LOST between A and B`)
var onlyArrow = regexp.MustCompile(`(?m)^ +[0-9.]+ \|[ |]*\*[-o<>| ]*\|  .* ([ab]#[0-9]+) seen only downstream`)

// TestTwoSidedLadderLost: on every corpus scenario, the text diagrams draw
// exactly the packets the independent script found lost (as arrows that
// stop between the capture points) and seen only downstream.
func TestTwoSidedLadderLost(t *testing.T) {
	dirs, bs, exps := tsScenarios(t)
	for i, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lad := twoSidedLadder(t, "0", filepath.Join(dir, "side-a.pcap"), bs[i])
			var lost, only []string
			for _, m := range lostArrow.FindAllStringSubmatch(lad, -1) {
				lost = append(lost, m[1])
			}
			for _, m := range onlyArrow.FindAllStringSubmatch(lad, -1) {
				only = append(only, m[1])
			}
			slices.Sort(lost)
			slices.Sort(only)
			if want := exps[i].frames(exps[i].Lost); !slices.Equal(lost, want) {
				t.Errorf("lost arrows %v, script says %v\n%s", lost, want, lad)
			}
			if want := exps[i].frames(exps[i].OnlyDown); !slices.Equal(only, want) {
				t.Errorf("only-downstream arrows %v, script says %v", only, want)
			}
			// the responder named in the diagrams is the one the initiator's
			// daemon log says it started the SA with
			log := testutil.ReadFile(t, filepath.Join(dir, "charon-initiator.log"))
			m := regexp.MustCompile(`initiating (?:Main Mode |Aggressive Mode )?IKE_SA \S+ to (\S+)`).FindSubmatch(log)
			if m == nil {
				t.Fatal("no initiating line in charon-initiator.log")
			}
			named := regexp.MustCompile(`right: (\S+) \(responder, as B saw it\)`).FindAllStringSubmatch(lad, -1)
			for _, r := range named {
				if r[1] != string(m[1]) {
					t.Errorf("responder %s, the log says %s", r[1], m[1])
				}
			}
			if len(named) == 0 && !strings.Contains(string(m[0]), "Mode") { // IKEv1: no R flag, no role drawn
				t.Errorf("no responder named for an IKEv2 SA")
			}
		})
	}
}

// TestTwoSidedLadderWidth: at 80 columns no line of the two-sided diagrams
// is wider, and every arrow row still shows the four lanes.
func TestTwoSidedLadderWidth(t *testing.T) {
	dirs, bs, _ := tsScenarios(t)
	for i, dir := range dirs {
		lad := twoSidedLadder(t, "80", filepath.Join(dir, "side-a.pcap"), bs[i])
		rows := 0
		for _, l := range strings.Split(lad, "\n") {
			if n := utf8.RuneCountInString(l); n > 80 {
				t.Errorf("%s: %d columns: %q", filepath.Base(dir), n, l)
			}
			if strings.HasPrefix(l, "   ") && strings.Count(l, "|")+strings.Count(l, "o") >= 4 && strings.Contains(l, "|  ") {
				rows++
			}
		}
		if rows == 0 {
			t.Errorf("%s: no diagram rows at 80 columns:\n%s", filepath.Base(dir), lad)
		}
	}
}

// TestTwoSidedHTML: --format html with two captures is one self-contained
// page (no script, no external URL) whose SVG diagrams draw as lost arrows
// exactly the packets the independent script found lost, and as
// only-downstream arrows those it found only downstream.
func TestTwoSidedHTML(t *testing.T) {
	dirs, bs, exps := tsScenarios(t)
	for i, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			page, errb, code := ikeflow(t, "analyze", "--two-sided", "--format", "html", filepath.Join(dir, "side-a.pcap"), bs[i])
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") || strings.Count(page, "<html") != 1 {
				t.Fatalf("not one page:\n%s", page[:min(len(page), 300)])
			}
			var lost, only []string
			svgs, arrived := 0, 0
			for _, n := range htmlNodes(t, page) {
				switch n.Data {
				case "script", "iframe", "object", "embed", "link", "img":
					t.Errorf("<%s> in the page", n.Data)
				case "svg":
					svgs++
				}
				for _, a := range n.Attr {
					v := strings.ToLower(a.Val)
					if strings.HasPrefix(a.Key, "on") || strings.Contains(v, "http:") || strings.Contains(v, "https:") || strings.Contains(v, "//") || strings.Contains(v, "url(") {
						t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
					}
				}
				if n.Data != "g" {
					continue
				}
				switch attr(n, "class") {
				case "lost":
					lost = append(lost, attr(n, "data-frame"))
					if !hasX(n) {
						t.Errorf("lost arrow %s has no X mark", attr(n, "data-frame"))
					}
				case "only-down":
					only = append(only, attr(n, "data-frame"))
				case "arrived":
					arrived++
				}
			}
			if strings.Contains(strings.ToLower(page), "http://") || strings.Contains(strings.ToLower(page), "https://") {
				t.Errorf("a URL in the page")
			}
			slices.Sort(lost)
			slices.Sort(only)
			if want := exps[i].frames(exps[i].Lost); !slices.Equal(lost, want) {
				t.Errorf("lost arrows %v, script says %v", lost, want)
			}
			if want := exps[i].frames(exps[i].OnlyDown); !slices.Equal(only, want) {
				t.Errorf("only-downstream arrows %v, script says %v", only, want)
			}
			if svgs == 0 || arrived == 0 {
				t.Errorf("%d diagrams, %d arrived arrows", svgs, arrived)
			}
		})
	}
}

// hasX reports whether an arrow group draws the X of a packet lost midway:
// a line that ends between the A and B lanes and a crossing path.
func hasX(g *html.Node) bool {
	var end int
	x := false
	for c := g.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		if c.Data == "line" {
			end, _ = strconv.Atoi(attr(c, "x2"))
		}
		if c.Data == "path" && strings.Count(attr(c, "d"), "M") == 2 {
			x = true
		}
	}
	return x && end > tsvLanes[1] && end < tsvLanes[2]
}

// TestTwoSidedViewGolden compares the two-sided diagrams (text at full
// width and at 80 columns, and the HTML page) of corpus scenarios with
// reviewed golden files.
func TestTwoSidedViewGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
		cut  bool // only the two-sided part (the plain analysis has its own goldens)
	}{
		{"twoside-drop-auth.analyze-ladder", []string{"analyze", "--ladder", "--width", "0", "side-a.pcap", "side-b-shifted.pcap"}, true},
		{"twoside-nat-ports.analyze-ladder80", []string{"analyze", "--ladder", "--width", "80", "side-a.pcap", "side-b-shifted.pcap"}, true},
		{"twoside-ikev1-resp.analyze-ladder-md", []string{"analyze", "--ladder", "--format", "md", "--width", "0", "side-a.pcap", "side-b-shifted.pcap"}, true},
		{"twoside-drop-auth.analyze-html", []string{"analyze", "--format", "html", "side-a.pcap", "side-b-shifted.pcap"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(twosideCorpus, strings.SplitN(c.name, ".", 2)[0])
			args := slices.Clone(c.args)
			for i, a := range args {
				if strings.HasSuffix(a, ".pcap") {
					args[i] = filepath.Join(dir, a)
				}
			}
			out, errb, code := ikeflow(t, args...)
			if code != exitOK {
				t.Fatalf("exit status %d\nstderr: %s", code, errb)
			}
			if c.cut {
				j := strings.Index(out, "\nAnalysis of ")
				if j < 0 {
					t.Fatalf("no plain analysis after the comparison:\n%s", out)
				}
				out = out[:j+1]
			}
			out = strings.ReplaceAll(out, dir+string(filepath.Separator), "")
			compareGolden(t, c.name+".golden", out)
		})
	}
}

// TestTwoSidedDiagramBound: a long ESP run with every 3rd packet lost is
// drawn in at most maxArrows arrows, and the closing count accounts for
// every packet and every loss not drawn.
func TestTwoSidedDiagramBound(t *testing.T) {
	const n = 6000
	a, b := twoside.NewPair("a.pcap", "b.pcap", twoside.Options{Pairs: true})
	src, dst := netip.MustParseAddrPort("198.51.100.10:4500"), netip.MustParseAddrPort("203.0.113.10:4500")
	t0 := time.Unix(1_700_000_000, 0)
	data := make([]byte, 100)
	for i := range n {
		dir := i % 2 // the other direction gives the clock offset
		ev := capture.Event{Frame: i + 1, Kind: capture.KindESP, Data: data, Src: src, Dst: dst, Time: t0.Add(time.Duration(i) * time.Millisecond)}
		spi := uint32(0xa0000001)
		up, down := a, b
		if dir == 1 {
			ev.Src, ev.Dst, spi, up, down = dst, src, 0xb0000001, b, a
		}
		binary.BigEndian.PutUint32(data, spi)
		binary.BigEndian.PutUint32(data[4:], uint32(i+1))
		up.Add(&ev)
		if dir == 0 && i%6 == 2 && i > 100 && i < n-100 {
			continue // lost between the points
		}
		ev.Time = ev.Time.Add(200 * time.Microsecond)
		down.Add(&ev)
	}
	r := twoside.Compare(a, b)
	if !r.Related {
		t.Fatalf("not related: %s", r.Reason)
	}
	lostAll, sentAll := 0, 0
	for _, f := range r.Flows {
		lostAll += len(f.Lost)
		sentAll += f.Sent + len(f.OnlyDownstream)
	}
	if lostAll < 900 {
		t.Fatalf("only %d lost", lostAll)
	}
	drawn, lost, notDrawn, lostHidden := 0, 0, 0, 0
	for _, d := range tsDiagrams(r) {
		if len(d.arrows) > maxArrows {
			t.Errorf("%s: %d arrows", d.sa, len(d.arrows))
		}
		for _, a := range d.arrows {
			drawn += a.n
			if a.state == tsLost {
				lost++
			}
		}
		notDrawn += d.notDrawn
		lostHidden += d.lostHidden
	}
	if drawn+notDrawn != sentAll || lost+lostHidden != lostAll {
		t.Errorf("drawn %d + not drawn %d, want %d packets; lost drawn %d + hidden %d, want %d", drawn, notDrawn, sentAll, lost, lostHidden, lostAll)
	}
	var sb strings.Builder
	writeTwoSidedLadder(&sb, r, 80, false)
	if lines := strings.Count(sb.String(), "\n"); lines > 4*maxArrows+60 || !strings.Contains(sb.String(), "more packets not drawn") {
		t.Errorf("%d lines, closing count present: %v", lines, strings.Contains(sb.String(), "more packets not drawn"))
	}
}

// loadTwoSide reads a capture into a side, as the CLI does.
func loadTwoSide(t *testing.T, path string, s *twoside.Side) {
	t.Helper()
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}
	if err := loadSide(e, path, capture.Options{}, s); err != nil {
		t.Fatal(err)
	}
}

// TestTwoSidedDiagramsEdited damages B of real two-point captures the way
// the field does (packets missing, capture duplicates, disorder, timestamp
// jitter, foreign packets) with a fixed seed, and checks the diagrams
// against the report each time: every lost packet drawn as a lost arrow,
// every only-downstream one as such, every arrived one in an arrow; the
// text fits 40 and 80 columns; the HTML parses and has one lost arrow per
// loss.
func TestTwoSidedDiagramsEdited(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 4))
	for _, sc := range []string{"twoside-drop-auth", "twoside-nat-ports", "twoside-cert-ipfrag", "twoside-ikev1-resp"} {
		dir := filepath.Join(twosideCorpus, sc)
		for it := range 25 {
			a, b := twoside.NewPair("side-a.pcap", "side-b.pcap", twoside.Options{Pairs: true})
			loadTwoSide(t, filepath.Join(dir, "side-a.pcap"), a)
			loadTwoSide(t, filepath.Join(dir, "side-b.pcap"), b)
			var ps []twoside.Packet
			for _, p := range b.Packets {
				switch rng.IntN(10) {
				case 0: // lost before B
					continue
				case 1: // a capture duplicate
					ps = append(ps, p)
				case 2: // jitter
					p.Time = p.Time.Add(time.Duration(rng.IntN(400)) * time.Microsecond)
				}
				ps = append(ps, p)
			}
			if len(ps) > 2 && it%3 == 0 { // disorder
				i := rng.IntN(len(ps) - 1)
				ps[i].Time, ps[i+1].Time = ps[i+1].Time, ps[i].Time
			}
			if it%4 == 0 { // a packet of A's that B has at another time: seen only downstream, or a later copy
				p := a.Packets[rng.IntN(len(a.Packets))]
				p.Time = p.Time.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
				ps = append(ps, p)
			}
			b.Packets = ps
			r := twoside.Compare(a, b)
			if !r.Related {
				continue
			}
			var wantLost, wantOnly, gotLost, gotOnly []string
			arrived, drawnArrived := 0, 0
			for _, f := range r.Flows {
				for _, l := range f.Lost {
					wantLost = append(wantLost, l.Side+"#"+strconv.Itoa(l.Frame))
				}
				for _, o := range f.OnlyDownstream {
					wantOnly = append(wantOnly, o.Side+"#"+strconv.Itoa(o.Frame))
				}
				arrived += f.Arrived
			}
			for _, d := range tsDiagrams(r) {
				for _, a := range d.arrows {
					switch a.state {
					case tsLost:
						gotLost = append(gotLost, a.frames(a.up, nil))
					case tsOnlyDown:
						gotOnly = append(gotOnly, a.frames(a.down, nil))
					default:
						drawnArrived += a.n
					}
				}
			}
			for _, s := range [][]string{wantLost, wantOnly, gotLost, gotOnly} {
				slices.Sort(s)
			}
			if !slices.Equal(gotLost, wantLost) || !slices.Equal(gotOnly, wantOnly) || drawnArrived != arrived {
				t.Errorf("%s #%d: lost %v want %v; only %v want %v; arrived %d want %d", sc, it, gotLost, wantLost, gotOnly, wantOnly, drawnArrived, arrived)
			}
			for _, w := range []int{40, 80} {
				var sb strings.Builder
				writeTwoSidedLadder(&sb, r, w, false)
				for _, l := range strings.Split(sb.String(), "\n") {
					if utf8.RuneCountInString(l) > w {
						t.Errorf("%s #%d: %d columns at width %d: %q", sc, it, utf8.RuneCountInString(l), w, l)
						break
					}
				}
			}
			var hb strings.Builder
			if err := writeTwoSidedHTML(&hb, r); err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, node := range htmlNodes(t, hb.String()) {
				if node.Data == "g" && attr(node, "class") == "lost" {
					n++
				}
			}
			if n != len(wantLost) {
				t.Errorf("%s #%d: %d lost arrows in the HTML, %d lost", sc, it, n, len(wantLost))
			}
		}
	}
}

// FuzzTwoSidedViews damages B of real two-point captures the way the field
// does, packet by packet, and draws the comparison with A the way "ikeflow
// analyze --two-sided" does: text with diagrams at 60 columns, HTML, JSON
// and CSV. No panic, no renderer error, valid UTF-8, diagram lines within
// the width, one HTML page, valid JSON and CSV.
//
// The input is not a capture but an edit script over the events of a
// corpus pair (tsFuzzEdit): the first octet picks the pair, each further
// three octets one edit. The capture readers have their own fuzz targets.
// Through the whole CLI with a mutated B capture file, one call took
// 10-60 ms, and each input that reached new code sent the only worker into
// minimizing a 4-13 KB capture octet by octet; that never ends within
// -fuzzminimizetime, the coordinator then stops the worker and drops the
// count of every call made while minimizing: 33 execs in 60 s. Short edit
// scripts on fast direct calls minimize in well under a second.
func FuzzTwoSidedViews(f *testing.F) {
	pairs := tsFuzzPairs(f)
	for i := range pairs {
		f.Add([]byte{byte(i)})                                // as captured
		f.Add([]byte{byte(i), 0, 3, 0, 2, 5, 0x90, 6, 1, 40}) // a loss, jitter, a packet of A's later
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 3*256 {
			return
		}
		pair := &pairs[int(data[0])%len(pairs)]
		a, b := twoside.NewPair("side-a.pcap", "b.pcap", twoside.Options{Pairs: true})
		for i := range pair.a {
			a.Add(&pair.a[i])
		}
		for _, ev := range tsFuzzEdit(pair.a, pair.b, data[1:]) {
			b.Add(&ev)
		}
		r := twoside.Compare(a, b)
		if !r.Related {
			return // the CLI goes on with the plain merged analysis (FuzzRenderers)
		}
		const width = 60
		var text, lad strings.Builder
		if err := writeTwoSidedText(false)(&text, r, width, true); err != nil {
			t.Fatalf("%s: text: %v", pair.name, err)
		}
		writeTwoSidedLadder(&lad, r, width, false)
		for _, l := range strings.Split(lad.String(), "\n") {
			if n := utf8.RuneCountInString(l); n > width {
				t.Fatalf("%s: %d columns at width %d: %q", pair.name, n, width, l)
			}
		}
		var page, js, cs strings.Builder
		if err := twoSidedHTML(&page, r, width, true); err != nil {
			t.Fatalf("%s: html: %v", pair.name, err)
		}
		if err := twoSidedJSON(&js, r, width, true); err != nil {
			t.Fatalf("%s: json: %v", pair.name, err)
		}
		if err := twoSidedCSV(&cs, r, width, true); err != nil {
			t.Fatalf("%s: csv: %v", pair.name, err)
		}
		for name, out := range map[string]string{"text": text.String(), "html": page.String(), "csv": cs.String()} {
			if !utf8.ValidString(out) {
				t.Fatalf("%s: %s: invalid UTF-8", pair.name, name)
			}
		}
		p := page.String()
		if !strings.HasPrefix(p, "<!DOCTYPE html>") || !strings.HasSuffix(p, "</html>\n") || strings.Count(p, "<html") != 1 {
			t.Fatalf("%s: not one page:\n%s", pair.name, p[:min(len(p), 300)])
		}
		if _, err := html.Parse(strings.NewReader(p)); err != nil {
			t.Fatalf("%s: html: %v", pair.name, err)
		}
		if !json.Valid([]byte(js.String())) {
			t.Fatalf("%s: invalid JSON:\n%s", pair.name, js.String())
		}
		cr := csv.NewReader(strings.NewReader(cs.String()))
		cr.FieldsPerRecord = -1
		if _, err := cr.ReadAll(); err != nil {
			t.Fatalf("%s: invalid CSV: %v", pair.name, err)
		}
	})
}

// tsFuzzPair is a two-sided corpus pair read once: the events of A and B.
type tsFuzzPair struct {
	name string
	a, b []capture.Event
}

// tsFuzzPairs reads every A and B capture of the two-sided corpus (each B,
// shifted or not, with its A) and checks that each pair compares as two
// views of one path, so that the fuzz inputs reach the renderers.
func tsFuzzPairs(f *testing.F) []tsFuzzPair {
	read := func(path string) []capture.Event {
		r, err := capture.Open(path, capture.Options{})
		if err != nil {
			f.Fatal(err)
		}
		defer r.Close()
		var evs []capture.Event
		err = readEvents(r, path, func(ev *capture.Event) bool {
			e := *ev
			e.Data = bytes.Clone(ev.Data) // Data aliases the reader's buffer
			evs = append(evs, e)
			return true
		})
		if err != nil {
			f.Fatal(err)
		}
		return evs
	}
	bs, _ := filepath.Glob(filepath.Join(twosideCorpus, "*", "side-b*.pcap"))
	var pairs []tsFuzzPair
	for _, bp := range bs {
		p := tsFuzzPair{name: filepath.Join(filepath.Base(filepath.Dir(bp)), filepath.Base(bp)),
			a: read(filepath.Join(filepath.Dir(bp), "side-a.pcap")), b: read(bp)}
		a, b := twoside.NewPair("side-a.pcap", "b.pcap", twoside.Options{Pairs: true})
		for i := range p.a {
			a.Add(&p.a[i])
		}
		for i := range p.b {
			b.Add(&p.b[i])
		}
		if r := twoside.Compare(a, b); !r.Related {
			f.Fatalf("%s: not two views of one path: %s", p.name, r.Reason)
		}
		pairs = append(pairs, p)
	}
	if len(pairs) < 6 {
		f.Fatalf("two-sided corpus: %d pairs", len(pairs))
	}
	return pairs
}

// tsFuzzEdit returns a copy of the events of B edited by ops, three octets
// an edit (kind, packet, argument) as the field damages captures: a packet
// lost, duplicated by the capture, delayed or early, two swapped, its
// content changed or cut, its source rewritten (NAT), a packet of A's seen
// by B at another time. The events of a and b are not changed.
func tsFuzzEdit(a, b []capture.Event, ops []byte) []capture.Event {
	out := slices.Clone(b)
	frame := 0
	for _, ev := range out {
		frame = max(frame, ev.Frame)
	}
	for i := 0; i+3 <= len(ops) && len(out) > 0; i += 3 {
		n, arg := int(ops[i+1])%len(out), ops[i+2]
		ev := &out[n]
		switch ops[i] % 8 {
		case 0: // lost before B
			out = slices.Delete(out, n, n+1)
		case 1: // a capture duplicate or a retransmission, arg ms later
			d := *ev
			frame++
			d.Frame, d.Time = frame, d.Time.Add(time.Duration(arg)*time.Millisecond)
			out = slices.Insert(out, n+1, d)
		case 2: // jitter, up to 12.8 ms either way
			ev.Time = ev.Time.Add(time.Duration(int8(arg)) * 100 * time.Microsecond)
		case 3: // disorder
			if n+1 < len(out) {
				ev.Time, out[n+1].Time = out[n+1].Time, ev.Time
			}
		case 4: // one octet changed
			if len(ev.Data) > 0 {
				d := bytes.Clone(ev.Data)
				d[int(arg)%len(d)] ^= 0x5a
				ev.Data = d
			}
		case 5: // the source rewritten by NAT: address or port
			if arg&0x80 != 0 {
				ev.Src = netip.AddrPortFrom(netip.AddrFrom4([4]byte{192, 0, 2, arg}), ev.Src.Port())
			} else {
				ev.Src = netip.AddrPortFrom(ev.Src.Addr(), 1024+uint16(arg)*397)
			}
		case 6: // a packet of A's at another time: only downstream, or a later copy
			d := a[n%len(a)]
			frame++
			d.Frame, d.Time = frame, d.Time.Add(time.Duration(arg)*10*time.Millisecond)
			out = append(out, d)
		case 7: // cut short (snap length)
			ev.Data = ev.Data[:int(arg)%(len(ev.Data)+1)]
			ev.Truncated = arg&1 != 0
		}
	}
	return out
}
