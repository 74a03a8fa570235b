package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ikeflow/ikeflow/flows"
	"golang.org/x/net/html"
)

// htmlNodes parses a page and returns every element node.
func htmlNodes(t *testing.T, page string) []*html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("not HTML: %v", err)
	}
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf returns the text content of n.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// checkHTMLPage checks a report page against the JSON analysis of the
// same input: one self-contained page (no script, no external URL, no
// unclosed structure the parser had to repair), every SA in the table and
// with a section, every finding present once, internal links resolving.
func checkHTMLPage(t *testing.T, page string, rep map[string]any) {
	t.Helper()
	if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
		t.Errorf("page does not start with a doctype and end with </html>")
	}
	nodes := htmlNodes(t, page)
	ids := map[string]bool{}
	for _, n := range nodes {
		if id := attr(n, "id"); id != "" {
			if ids[id] {
				t.Errorf("duplicate id %q", id)
			}
			ids[id] = true
		}
	}
	for _, n := range nodes {
		switch n.Data {
		case "script", "iframe", "object", "embed", "link", "img":
			t.Errorf("page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("event handler attribute %s", a.Key)
			}
			if a.Key == "href" || a.Key == "src" || a.Key == "xlink:href" {
				if !strings.HasPrefix(a.Val, "#") {
					t.Errorf("external reference %s=%q", a.Key, a.Val)
				} else if !ids[a.Val[1:]] {
					t.Errorf("link %q to nothing", a.Val)
				}
			}
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") || strings.Contains(page, "url(") || strings.Contains(page, "@import") {
		t.Errorf("page refers to something outside itself")
	}
	sas, _ := rep["sas"].([]any)
	rows, sections := 0, 0
	for _, n := range nodes {
		if n.Data == "tr" && strings.HasPrefix(attr(n, "id"), "row-") {
			rows++
		}
		if n.Data == "details" && attr(n, "class") == "sa" {
			sections++
			if len(htmlChildren(n, "svg")) != 1 {
				t.Errorf("SA section %s has no sequence diagram", attr(n, "id"))
			}
		}
	}
	if rows != len(sas) || sections != len(sas) {
		t.Errorf("%d SA rows and %d SA sections, the analysis has %d SAs", rows, sections, len(sas))
	}
	for _, sa := range sas {
		m := sa.(map[string]any)
		spi := m["spi_i"].(string)
		if !strings.Contains(page, spi) {
			t.Errorf("SA %s missing", spi)
		}
	}
	findings, _ := rep["findings"].([]any)
	for _, f := range findings {
		msg := f.(map[string]any)["message"].(string)
		if !strings.Contains(html.UnescapeString(textOfAll(nodes)), msg) {
			t.Errorf("finding missing: %.80s", msg)
		}
	}
}

// htmlChildren returns the descendants of n named name.
func htmlChildren(n *html.Node, name string) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == name {
				out = append(out, c)
			}
			walk(c)
		}
	}
	walk(n)
	return out
}

// textOfAll returns the text of the body (the first html node covers all).
func textOfAll(nodes []*html.Node) string {
	for _, n := range nodes {
		if n.Data == "body" {
			return textOf(n)
		}
	}
	return ""
}

// TestHTMLReport checks the HTML report of every corpus capture, and
// pins three of them as golden files.
func TestHTMLReport(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(corpus, "*", "capture.pcap"))
	if len(dirs) < 10 {
		t.Fatalf("corpus has %d captures", len(dirs))
	}
	golden := map[string]bool{"ikev2-auth-child-no-proposal": true, "ikev2-rekey": true, "ikev1-wrong-psk": true}
	for _, c := range dirs {
		scen := filepath.Base(filepath.Dir(c))
		t.Run(scen, func(t *testing.T) {
			_, keys := scenario(t, scen)
			page, errb, code := ikeflow(t, withKeyArgs(c, keys, "--format", "html")...)
			if code != exitOK {
				t.Fatalf("exit %d: %s", code, errb)
			}
			js, _, _ := ikeflow(t, withKeyArgs(c, keys, "--format", "json")...)
			var rep map[string]any
			if err := json.Unmarshal([]byte(js), &rep); err != nil {
				t.Fatal(err)
			}
			checkHTMLPage(t, page, rep)
			if golden[scen] {
				compareGolden(t, scen+".analyze-html.golden", page)
			}
		})
	}
}

// TestHTMLEscapes: hostile capture content (an identity with markup)
// arrives in the page as text, never as markup.
func TestHTMLEscapes(t *testing.T) {
	var b strings.Builder
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>"'&`
	page := &htmlPage{Title: evil, Capture: evil, Headline: evil,
		Verdict:    []verdictEntry{{Sev: "error", Text: evil}},
		Severities: []htmlSeverity{{Name: "error", Title: "Errors", Groups: []*htmlGroup{{ID: "F1", Kind: evil, Sev: "error", Message: evil}}}},
		SAs: []*htmlSA{{N: 1, Anchor: "sa-1", Peers: evil, Proposal: evil, State: evil, Offered: []string{evil},
			Seq:      &seqDiagram{Width: 10, Height: 10, LeftLabel: evil, Arrows: []seqArrow{{Label: evil, Frame: evil, Note: evil}}},
			Messages: []htmlMessage{{Payloads: evil, Decoded: evil}}}}}
	if err := htmlTemplate().Execute(&b, page); err != nil {
		t.Fatal(err)
	}
	for _, n := range htmlNodes(t, b.String()) {
		if n.Data == "script" || n.Data == "img" || attr(n, "onerror") != "" {
			t.Fatalf("hostile text became markup: <%s>", n.Data)
		}
	}
	if !strings.Contains(b.String(), "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("escaped text missing")
	}
}

// TestLiveHTMLReport: live's final report in HTML is the same page, from
// the SAs it kept, and says that it has no decoded payloads.
func TestLiveHTMLReport(t *testing.T) {
	sas := corpusSAs(t, "ikev2-rekey", "ikev2-auth-child-no-proposal")
	ring := newSARing(10)
	for _, sa := range sas {
		ring.add(sa)
	}
	var b strings.Builder
	f, err := lookupFormat(useLiveReport, "html")
	if err != nil {
		t.Fatal(err)
	}
	rep, _, err := ring.render(&b, &flows.Report{}, f, renderOpts{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(js, &m)
	checkHTMLPage(t, b.String(), m)
	if len(rep.SAs) != len(sas) || !strings.Contains(b.String(), "not part of this report (live capture)") {
		t.Errorf("%d SAs in the report for %d given; page:\n%.300s", len(rep.SAs), len(sas), b.String())
	}
}
